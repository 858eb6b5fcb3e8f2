//! SQL of the register: the `members` table (the register owns it whole and is its only
//! writer), the entry's lists and its versions. The public search is in `search.rs`, the
//! issued extracts in `extracts.rs`.

mod extracts;
mod members;
mod search;

pub use extracts::*;
pub use members::*;
pub use search::*;

use chrono::{DateTime, NaiveDate, Utc};

use super::model::{Entry, Inspection, Measure, Member, Policy, Snapshot};
use crate::db::{Db, DbResult, Tx};
use crate::{on_db, on_tx};

/// The columns of a [`Member`] row (`m` is `members`): read models of other slices select
/// them through `service::MEMBER_COLUMNS`.
pub const ENTRY_COLUMNS: &str = "m.id, m.full_name, m.short_name, m.inn, m.ogrn, m.kpp, m.legal_address, \
    m.actual_address, m.head_name, m.head_position, m.phone, m.email, m.site, m.register_number, m.status, \
    m.admitted_on, m.admission_decision_number, m.admission_decision_date, m.admission_effective_on, \
    m.terminated_on, m.termination_reason, m.suspended_from, m.suspended_until, m.suspension_reason, \
    m.right_ordinary_from, m.right_dangerous_from, m.right_nuclear_from, m.vv_level, m.vv_contribution, \
    m.odo_level, m.odo_contribution, m.odo_obligations, m.odo_obligations_on, m.register_version, m.expert_id, m.updated_at";

pub async fn entry(db: &Db, id: i64) -> DbResult<Option<Member>> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM members m WHERE m.id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, Member>(&sql).bind(id).fetch_optional(p).await?))
}

pub async fn entry_tx(tx: &mut Tx, id: i64) -> DbResult<Option<Member>> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM members m WHERE m.id = $1");
    Ok(on_tx!(tx, c => sqlx::query_as::<_, Member>(&sql).bind(id).fetch_optional(c).await?))
}

/// The entry whose INN or register number is `key`.
pub async fn entry_by_key(
    db: &Db,
    inn: Option<&str>,
    number: Option<&str>,
) -> DbResult<Option<Member>> {
    let sql =
        format!("SELECT {ENTRY_COLUMNS} FROM members m WHERE m.inn = $1 OR m.register_number = $2");
    Ok(
        on_db!(db, p => sqlx::query_as::<_, Member>(&sql).bind(inn).bind(number).fetch_optional(p).await?),
    )
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    member_id: i64,
    insurer: String,
    contract: String,
    sum_insured: i64,
    valid_from: NaiveDate,
    valid_to: NaiveDate,
}

#[derive(sqlx::FromRow)]
struct InspectionRow {
    member_id: i64,
    finished_on: NaiveDate,
    kind: String,
    result: String,
}

#[derive(sqlx::FromRow)]
struct MeasureRow {
    member_id: i64,
    decided_on: NaiveDate,
    measure: String,
    reason: String,
}

impl From<PolicyRow> for Policy {
    fn from(r: PolicyRow) -> Policy {
        Policy {
            insurer: r.insurer,
            contract: r.contract,
            sum_insured: r.sum_insured,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
        }
    }
}

impl From<InspectionRow> for Inspection {
    fn from(r: InspectionRow) -> Inspection {
        Inspection {
            finished_on: r.finished_on,
            kind: r.kind,
            result: r.result,
        }
    }
}

impl From<MeasureRow> for Measure {
    fn from(r: MeasureRow) -> Measure {
        Measure {
            decided_on: r.decided_on,
            measure: r.measure,
            reason: r.reason,
        }
    }
}

/// The lists of the entries with the given ids, in their order of entry.
pub type Lists = (Vec<Policy>, Vec<Inspection>, Vec<Measure>);

/// Lists of many entries at once (exports): three queries whatever the number of entries.
pub async fn lists_of(db: &Db, ids: &[i64]) -> DbResult<std::collections::HashMap<i64, Lists>> {
    let mut out: std::collections::HashMap<i64, Lists> = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let placeholders = (1..=ids.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let p_sql = format!(
        "SELECT member_id, insurer, contract, sum_insured, valid_from, valid_to FROM member_policies \
         WHERE member_id IN ({placeholders}) ORDER BY valid_from, id"
    );
    let i_sql = format!(
        "SELECT member_id, finished_on, kind, result FROM member_inspections \
         WHERE member_id IN ({placeholders}) ORDER BY finished_on, id"
    );
    let m_sql = format!(
        "SELECT member_id, decided_on, measure, reason FROM member_measures \
         WHERE member_id IN ({placeholders}) ORDER BY decided_on, id"
    );
    let policies = on_db!(db, p => {
        let mut q = sqlx::query_as::<_, PolicyRow>(&p_sql);
        for id in ids { q = q.bind(id); }
        q.fetch_all(p).await?
    });
    let inspections = on_db!(db, p => {
        let mut q = sqlx::query_as::<_, InspectionRow>(&i_sql);
        for id in ids { q = q.bind(id); }
        q.fetch_all(p).await?
    });
    let measures = on_db!(db, p => {
        let mut q = sqlx::query_as::<_, MeasureRow>(&m_sql);
        for id in ids { q = q.bind(id); }
        q.fetch_all(p).await?
    });
    for r in policies {
        out.entry(r.member_id).or_default().0.push(r.into());
    }
    for r in inspections {
        out.entry(r.member_id).or_default().1.push(r.into());
    }
    for r in measures {
        out.entry(r.member_id).or_default().2.push(r.into());
    }
    Ok(out)
}

/// The lists of one entry inside a transaction (the version being written reads them).
pub async fn lists_tx(tx: &mut Tx, id: i64) -> DbResult<Lists> {
    let policies = on_tx!(tx, c => sqlx::query_as::<_, PolicyRow>(
        "SELECT member_id, insurer, contract, sum_insured, valid_from, valid_to FROM member_policies \
         WHERE member_id = $1 ORDER BY valid_from, id").bind(id).fetch_all(c).await?);
    let inspections = on_tx!(tx, c => sqlx::query_as::<_, InspectionRow>(
        "SELECT member_id, finished_on, kind, result FROM member_inspections \
         WHERE member_id = $1 ORDER BY finished_on, id").bind(id).fetch_all(c).await?);
    let measures = on_tx!(tx, c => sqlx::query_as::<_, MeasureRow>(
        "SELECT member_id, decided_on, measure, reason FROM member_measures \
         WHERE member_id = $1 ORDER BY decided_on, id").bind(id).fetch_all(c).await?);
    Ok((
        policies.into_iter().map(Policy::from).collect(),
        inspections.into_iter().map(Inspection::from).collect(),
        measures.into_iter().map(Measure::from).collect(),
    ))
}

/// Binds the entry's columns in the order of [`ENTRY_SET`].
macro_rules! bind_entry {
    ($q:expr, $e:expr) => {
        $q.bind(&$e.full_name)
            .bind(&$e.short_name)
            .bind(&$e.inn)
            .bind(&$e.ogrn)
            .bind($e.kpp.as_deref())
            .bind(&$e.legal_address)
            .bind(&$e.actual_address)
            .bind(&$e.head_name)
            .bind(&$e.head_position)
            .bind(&$e.phone)
            .bind(&$e.email)
            .bind(&$e.site)
            .bind($e.register_number.as_deref())
            .bind($e.status.code())
            .bind($e.admitted_on)
            .bind(&$e.admission_decision_number)
            .bind($e.admission_decision_date)
            .bind($e.admission_effective_on)
            .bind($e.terminated_on)
            .bind(&$e.termination_reason)
            .bind($e.suspended_from)
            .bind($e.suspended_until)
            .bind(&$e.suspension_reason)
            .bind($e.right_ordinary_from)
            .bind($e.right_dangerous_from)
            .bind($e.right_nuclear_from)
            .bind($e.vv_level)
            .bind($e.vv_contribution)
            .bind($e.odo_level)
            .bind($e.odo_contribution)
            .bind($e.odo_obligations)
            .bind($e.odo_obligations_on)
    };
}

const ENTRY_SET: [&str; 32] = [
    "full_name",
    "short_name",
    "inn",
    "ogrn",
    "kpp",
    "legal_address",
    "actual_address",
    "head_name",
    "head_position",
    "phone",
    "email",
    "site",
    "register_number",
    "status",
    "admitted_on",
    "admission_decision_number",
    "admission_decision_date",
    "admission_effective_on",
    "terminated_on",
    "termination_reason",
    "suspended_from",
    "suspended_until",
    "suspension_reason",
    "right_ordinary_from",
    "right_dangerous_from",
    "right_nuclear_from",
    "vv_level",
    "vv_contribution",
    "odo_level",
    "odo_contribution",
    "odo_obligations",
    "odo_obligations_on",
];

/// A new entry at version 1; with `import_batch`, staged (invisible until [`switch_batch`]).
pub async fn insert_entry(
    tx: &mut Tx,
    e: &Entry,
    expert_id: Option<i64>,
    at: DateTime<Utc>,
    import_batch: Option<&str>,
) -> DbResult<i64> {
    let n = ENTRY_SET.len();
    let cols = ENTRY_SET.join(", ");
    let params = (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO member_rows ({cols}, expert_id, search_text, register_version, created_at, updated_at, \
         import_batch) VALUES ({params}, ${}, ${}, 1, ${}, ${}, ${}) RETURNING id",
        n + 1,
        n + 2,
        n + 3,
        n + 3,
        n + 4
    );
    Ok(
        on_tx!(tx, c => bind_entry!(sqlx::query_scalar::<_, i64>(&sql), e)
        .bind(expert_id)
        .bind(e.search_text())
        .bind(at)
        .bind(import_batch)
        .fetch_one(c)
        .await?),
    )
}

/// Makes a staged import's members live, all at once.
pub async fn switch_batch(tx: &mut Tx, batch: &str) -> DbResult<u64> {
    if let crate::db::TxConn::Postgres(c) = &mut tx.conn {
        // The totals the switch adds to, locked first and in key order: the order in which
        // every statement's trigger takes them (`member_counts_update`), so none deadlock.
        sqlx::query("SELECT 1 FROM member_counts ORDER BY status, vv_level, odo_level FOR UPDATE")
            .execute(&mut **c)
            .await?;
    }
    let sql = "UPDATE member_rows SET import_batch = NULL WHERE import_batch = $1";
    Ok(on_tx!(tx, c => sqlx::query(sql).bind(batch).execute(c).await?.rows_affected()))
}

/// Removes what a failed or abandoned import staged (their lists and versions go with them),
/// a batch or, with `None`, every batch staged before `before`.
pub async fn delete_staged(db: &Db, batch: Option<&str>, before: DateTime<Utc>) -> DbResult<u64> {
    let sql = "DELETE FROM member_rows WHERE import_batch IS NOT NULL \
               AND ($1 IS NULL OR import_batch = $1) AND ($1 IS NOT NULL OR created_at < $2)";
    Ok(on_db!(db, p => sqlx::query(sql).bind(batch).bind(before).execute(p).await?.rows_affected()))
}

/// Writes the entry as `version` if the row is still at `version - 1`; 0 rows: someone else
/// changed it first.
pub async fn update_entry(
    tx: &mut Tx,
    id: i64,
    e: &Entry,
    version: i64,
    at: DateTime<Utc>,
) -> DbResult<u64> {
    let n = ENTRY_SET.len();
    let sets = ENTRY_SET
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE member_rows SET {sets}, search_text = ${}, register_version = ${}, updated_at = ${} \
         WHERE id = ${} AND register_version = ${}",
        n + 1,
        n + 2,
        n + 3,
        n + 4,
        n + 5
    );
    Ok(on_tx!(tx, c => bind_entry!(sqlx::query(&sql), e)
        .bind(e.search_text())
        .bind(version)
        .bind(at)
        .bind(id)
        .bind(version - 1)
        .execute(c)
        .await?
        .rows_affected()))
}

/// Replaces the entry's lists with those of the snapshot.
pub async fn replace_lists(tx: &mut Tx, id: i64, s: &Snapshot) -> DbResult<()> {
    for table in ["member_policies", "member_inspections", "member_measures"] {
        let sql = format!("DELETE FROM {table} WHERE member_id = $1");
        on_tx!(tx, c => { sqlx::query(&sql).bind(id).execute(c).await?; });
    }
    for p in &s.policies {
        on_tx!(tx, c => { sqlx::query(
            "INSERT INTO member_policies (member_id, insurer, contract, sum_insured, valid_from, valid_to) \
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id).bind(&p.insurer).bind(&p.contract).bind(p.sum_insured).bind(p.valid_from).bind(p.valid_to)
            .execute(c).await?; });
    }
    for i in &s.inspections {
        on_tx!(tx, c => { sqlx::query(
            "INSERT INTO member_inspections (member_id, finished_on, kind, result) VALUES ($1, $2, $3, $4)")
            .bind(id).bind(i.finished_on).bind(&i.kind).bind(&i.result).execute(c).await?; });
    }
    for m in &s.measures {
        on_tx!(tx, c => { sqlx::query(
            "INSERT INTO member_measures (member_id, decided_on, measure, reason) VALUES ($1, $2, $3, $4)")
            .bind(id).bind(m.decided_on).bind(&m.measure).bind(&m.reason).execute(c).await?; });
    }
    Ok(())
}

pub struct VersionForInsert<'a> {
    pub member_id: i64,
    pub version: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor: &'a str,
    pub reason: &'a str,
    pub changes: String,
    pub snapshot: String,
}

pub async fn insert_version(tx: &mut Tx, v: &VersionForInsert<'_>) -> DbResult<()> {
    let sql = "INSERT INTO member_versions (member_id, version, at, actor_user_id, actor, reason, changes, snapshot) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_tx!(tx, c => { sqlx::query(sql)
        .bind(v.member_id).bind(v.version).bind(v.at).bind(v.actor_user_id).bind(v.actor)
        .bind(v.reason).bind(&v.changes).bind(&v.snapshot)
        .execute(c).await?; });
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub version: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_name: Option<String>,
    pub reason: String,
    pub changes: String,
}

pub async fn versions(db: &Db, member_id: i64) -> DbResult<Vec<VersionRow>> {
    let sql = "SELECT v.version, v.at, v.actor, u.full_name AS actor_name, v.reason, v.changes \
               FROM member_versions v LEFT JOIN users u ON u.id = v.actor_user_id \
               WHERE v.member_id = $1 ORDER BY v.version DESC";
    Ok(on_db!(db, p => sqlx::query_as::<_, VersionRow>(sql).bind(member_id).fetch_all(p).await?))
}

pub async fn register_number_taken(tx: &mut Tx, number: &str) -> DbResult<bool> {
    // staged rows count too: an import must not give a number another staged row has
    let sql = "SELECT COUNT(*) FROM member_rows WHERE register_number = $1";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(number).fetch_one(c).await?) > 0)
}

/// Entries after `after_id` by id, for exports that walk the whole register in chunks.
pub async fn entries_after(db: &Db, after_id: i64, limit: i64) -> DbResult<Vec<Member>> {
    let sql =
        format!("SELECT {ENTRY_COLUMNS} FROM members m WHERE m.id > $1 ORDER BY m.id LIMIT $2");
    Ok(
        on_db!(db, p => sqlx::query_as::<_, Member>(&sql).bind(after_id).bind(limit).fetch_all(p).await?),
    )
}

/// Which of `inns` are in the register (a read: no transaction, so no SQLite write lock).
pub async fn inns_present(db: &Db, inns: &[String]) -> DbResult<Vec<String>> {
    let found = crate::db::present(db, "SELECT inn FROM members WHERE inn IN", inns).await?;
    Ok(found.into_iter().collect())
}
