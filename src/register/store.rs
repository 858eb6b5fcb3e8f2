//! SQL of the register: the register columns of `members`, the entry's lists, its versions and
//! the issued extracts. The register owns these columns; the members slice owns the rest of the
//! row (users, the expert) and reads the identity columns for the cabinet.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::{Entry, Inspection, Measure, Policy, Snapshot};
use crate::db::{Db, DbResult, Tx};
use crate::members::model::MembershipStatus;
use crate::{on_db, on_tx};

const ENTRY_COLUMNS: &str = "m.id, m.full_name, m.short_name, m.inn, m.ogrn, m.kpp, m.legal_address, \
    m.actual_address, m.head_name, m.head_position, m.phone, m.email, m.site, m.register_number, m.status, \
    m.admitted_on, m.admission_decision_number, m.admission_decision_date, m.admission_effective_on, \
    m.terminated_on, m.termination_reason, m.suspended_from, m.suspended_until, m.suspension_reason, \
    m.right_ordinary_from, m.right_dangerous_from, m.right_nuclear_from, m.vv_level, m.vv_contribution, \
    m.odo_level, m.odo_contribution, m.odo_obligations, m.register_version, m.expert_id, m.updated_at";

/// A member's row with every register column.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub full_name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub kpp: Option<String>,
    pub legal_address: String,
    pub actual_address: String,
    pub head_name: String,
    pub head_position: String,
    pub phone: String,
    pub email: String,
    pub site: String,
    pub register_number: Option<String>,
    pub status: String,
    pub admitted_on: Option<NaiveDate>,
    pub admission_decision_number: String,
    pub admission_decision_date: Option<NaiveDate>,
    pub admission_effective_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
    pub termination_reason: String,
    pub suspended_from: Option<NaiveDate>,
    pub suspended_until: Option<NaiveDate>,
    pub suspension_reason: String,
    pub right_ordinary_from: Option<NaiveDate>,
    pub right_dangerous_from: Option<NaiveDate>,
    pub right_nuclear_from: Option<NaiveDate>,
    pub vv_level: Option<i64>,
    pub vv_contribution: i64,
    pub odo_level: Option<i64>,
    pub odo_contribution: i64,
    pub odo_obligations: i64,
    pub register_version: i64,
    pub expert_id: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

impl EntryRow {
    pub fn entry(&self) -> Entry {
        Entry {
            full_name: self.full_name.clone(),
            short_name: self.short_name.clone(),
            inn: self.inn.clone(),
            ogrn: self.ogrn.clone(),
            kpp: self.kpp.clone(),
            legal_address: self.legal_address.clone(),
            actual_address: self.actual_address.clone(),
            head_name: self.head_name.clone(),
            head_position: self.head_position.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            site: self.site.clone(),
            register_number: self.register_number.clone(),
            status: MembershipStatus::from_code(&self.status).unwrap_or(MembershipStatus::Member),
            admitted_on: self.admitted_on,
            admission_decision_number: self.admission_decision_number.clone(),
            admission_decision_date: self.admission_decision_date,
            admission_effective_on: self.admission_effective_on,
            terminated_on: self.terminated_on,
            termination_reason: self.termination_reason.clone(),
            suspended_from: self.suspended_from,
            suspended_until: self.suspended_until,
            suspension_reason: self.suspension_reason.clone(),
            right_ordinary_from: self.right_ordinary_from,
            right_dangerous_from: self.right_dangerous_from,
            right_nuclear_from: self.right_nuclear_from,
            vv_level: self.vv_level,
            vv_contribution: self.vv_contribution,
            odo_level: self.odo_level,
            odo_contribution: self.odo_contribution,
            odo_obligations: self.odo_obligations,
        }
    }
}

pub async fn entry(db: &Db, id: i64) -> DbResult<Option<EntryRow>> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM members m WHERE m.id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, EntryRow>(&sql).bind(id).fetch_optional(p).await?))
}

pub async fn entry_tx(tx: &mut Tx, id: i64) -> DbResult<Option<EntryRow>> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM members m WHERE m.id = $1");
    Ok(on_tx!(tx, c => sqlx::query_as::<_, EntryRow>(&sql).bind(id).fetch_optional(c).await?))
}

/// The entry whose INN or register number is `key`.
pub async fn entry_by_key(
    db: &Db,
    inn: Option<&str>,
    number: Option<&str>,
) -> DbResult<Option<EntryRow>> {
    let sql =
        format!("SELECT {ENTRY_COLUMNS} FROM members m WHERE m.inn = $1 OR m.register_number = $2");
    Ok(
        on_db!(db, p => sqlx::query_as::<_, EntryRow>(&sql).bind(inn).bind(number).fetch_optional(p).await?),
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
    };
}

const ENTRY_SET: [&str; 31] = [
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
];

/// A new entry at version 1.
pub async fn insert_entry(
    tx: &mut Tx,
    e: &Entry,
    expert_id: Option<i64>,
    at: DateTime<Utc>,
) -> DbResult<i64> {
    let n = ENTRY_SET.len();
    let cols = ENTRY_SET.join(", ");
    let params = (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO members ({cols}, expert_id, search_text, register_version, created_at, updated_at) \
         VALUES ({params}, ${}, ${}, 1, ${}, ${}) RETURNING id",
        n + 1,
        n + 2,
        n + 3,
        n + 3
    );
    Ok(
        on_tx!(tx, c => bind_entry!(sqlx::query_scalar::<_, i64>(&sql), e)
        .bind(expert_id)
        .bind(e.search_text())
        .bind(at)
        .fetch_one(c)
        .await?),
    )
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
        "UPDATE members SET {sets}, search_text = ${}, register_version = ${}, updated_at = ${} \
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
    let sql = "SELECT COUNT(*) FROM members WHERE register_number = $1";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(number).fetch_one(c).await?) > 0)
}

/// Filters of the public register and its API.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    /// lower-cased substring of name, INN, OGRN or register number
    pub query: Option<String>,
    pub status: Option<&'static str>,
    pub vv_level: Option<i64>,
    pub odo_level: Option<i64>,
}

/// A line of the public register's list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicRow {
    pub id: i64,
    pub full_name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub register_number: Option<String>,
    pub status: String,
    pub admitted_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
    pub vv_level: Option<i64>,
    pub odo_level: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// A page of a search and how many entries match.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub rows: Vec<PublicRow>,
    /// Matching entries; a text search stops counting past [`COUNT_CAP`].
    pub total: i64,
    /// `false` when the count stopped at the cap («более 1000»).
    pub exact: bool,
}

/// A text search counts matches up to this many: enough to page through, cheap on a big register.
pub const COUNT_CAP: i64 = 1000;

/// One page of the register by the filter, in register order (order of entry, as official
/// registers list members).
///
/// The text condition is answered from a trigram index: FTS5 on SQLite (`members_fts`, whose
/// rowids come in order, so a page stops after its rows) and pg_trgm on PostgreSQL. The query
/// is a plain substring: `%`, `_` and `\` are dropped by the caller.
pub async fn search(db: &Db, f: &PublicFilter, limit: i64, offset: i64) -> DbResult<SearchPage> {
    let sqlite = matches!(db, Db::Sqlite(..));
    let mut conds = Vec::new();
    let mut text_args: Vec<String> = Vec::new();
    let mut int_args: Vec<i64> = Vec::new();
    // text arguments come first, then integers: placeholders are numbered in that order
    // Digits (an INN, OGRN or register number being typed) match the start of those columns
    // through their b-tree indexes; anything else is a substring of the name or the numbers,
    // answered from the trigram index.
    let digits = f
        .query
        .as_deref()
        .filter(|q| q.chars().all(|c| c.is_ascii_digit()));
    let from = match (&f.query, digits) {
        (Some(_), Some(d)) if sqlite => {
            // bytewise ranges: every string that starts with «123» is in ["123", "12:")
            let mut upper = d.to_string();
            upper.pop();
            upper.push((d.as_bytes()[d.len() - 1] + 1) as char);
            text_args.push(d.to_string());
            text_args.push(upper);
            conds.push(
                "((m.inn >= $1 AND m.inn < $2) OR (m.ogrn >= $1 AND m.ogrn < $2) \
                 OR (m.register_number >= $1 AND m.register_number < $2))"
                    .to_string(),
            );
            "members m"
        }
        (Some(_), Some(d)) => {
            text_args.push(format!("{d}%"));
            conds
                .push("(m.inn LIKE $1 OR m.ogrn LIKE $1 OR m.register_number LIKE $1)".to_string());
            "members m"
        }
        (Some(q), None) => {
            text_args.push(format!("%{q}%"));
            if sqlite {
                conds.push("t.search_text LIKE $1".to_string());
                "members_fts t JOIN members m ON m.id = t.rowid"
            } else {
                conds.push("m.search_text LIKE $1".to_string());
                "members m"
            }
        }
        (None, _) => "members m",
    };
    if let Some(s) = f.status {
        text_args.push(s.to_string());
        conds.push(format!("m.status = ${}", text_args.len()));
    }
    let base = text_args.len();
    if let Some(l) = f.vv_level {
        int_args.push(l);
        conds.push(format!("m.vv_level = ${}", base + int_args.len()));
    }
    if let Some(l) = f.odo_level {
        int_args.push(l);
        conds.push(format!("m.odo_level = ${}", base + int_args.len()));
    }
    let wh = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let order = if from.starts_with("members_fts") {
        "t.rowid"
    } else {
        "m.id"
    };
    let n = base + int_args.len();
    // The page's ids first (an index walk, even deep into the register), then their rows.
    let sql = format!(
        "SELECT m.id, m.full_name, m.short_name, m.inn, m.ogrn, m.register_number, m.status, m.admitted_on, \
         m.terminated_on, m.vv_level, m.odo_level, m.updated_at FROM members m \
         WHERE m.id IN (SELECT m.id FROM {from}{wh} ORDER BY {order} LIMIT ${} OFFSET ${}) ORDER BY m.id",
        n + 1,
        n + 2
    );
    let rows = on_db!(db, p => {
        let mut q = sqlx::query_as::<_, PublicRow>(&sql);
        for a in &text_args { q = q.bind(a); }
        for a in &int_args { q = q.bind(a); }
        q.bind(limit).bind(offset).fetch_all(p).await?
    });
    let count_sql = if f.query.is_some() {
        format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {from}{wh} LIMIT {}) c",
            COUNT_CAP + 1
        )
    } else {
        format!("SELECT COUNT(*) FROM {from}{wh}")
    };
    let counted: i64 = on_db!(db, p => {
        let mut q = sqlx::query_scalar::<_, i64>(&count_sql);
        for a in &text_args { q = q.bind(a); }
        for a in &int_args { q = q.bind(a); }
        q.fetch_one(p).await?
    });
    let exact = f.query.is_none() || counted <= COUNT_CAP;
    Ok(SearchPage {
        rows,
        total: counted.min(if exact { i64::MAX } else { COUNT_CAP }),
        exact,
    })
}

/// When the register last changed.
pub async fn last_updated(db: &Db) -> DbResult<Option<DateTime<Utc>>> {
    let sql = "SELECT updated_at FROM members ORDER BY updated_at DESC LIMIT 1";
    Ok(on_db!(db, p => sqlx::query_scalar::<_, DateTime<Utc>>(sql).fetch_optional(p).await?))
}

/// Entries after `after_id` by id, for exports that walk the whole register in chunks.
pub async fn entries_after(db: &Db, after_id: i64, limit: i64) -> DbResult<Vec<EntryRow>> {
    let sql =
        format!("SELECT {ENTRY_COLUMNS} FROM members m WHERE m.id > $1 ORDER BY m.id LIMIT $2");
    Ok(
        on_db!(db, p => sqlx::query_as::<_, EntryRow>(&sql).bind(after_id).bind(limit).fetch_all(p).await?),
    )
}

/// Which of `inns` are in the register (a read: no transaction, so no SQLite write lock).
pub async fn inns_present(db: &Db, inns: &[String]) -> DbResult<Vec<String>> {
    let mut found = Vec::new();
    for chunk in inns.chunks(500) {
        let placeholders = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT inn FROM members WHERE inn IN ({placeholders})");
        let rows = on_db!(db, p => {
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for i in chunk { q = q.bind(i); }
            q.fetch_all(p).await?
        });
        found.extend(rows);
    }
    Ok(found)
}

// ---- extracts ----

pub struct ExtractForInsert<'a> {
    pub number: &'a str,
    pub member_id: i64,
    pub member_version: i64,
    pub issued_at: DateTime<Utc>,
    pub issued_to: &'a str,
    pub issued_by_user_id: Option<i64>,
    pub issued_by: &'a str,
    pub snapshot: String,
    pub storage_key: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
}

pub async fn insert_extract(tx: &mut Tx, x: &ExtractForInsert<'_>) -> DbResult<i64> {
    let sql = "INSERT INTO extracts (number, member_id, member_version, issued_at, issued_to, issued_by_user_id, \
               issued_by, snapshot, storage_key, size_bytes, sha256) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(x.number).bind(x.member_id).bind(x.member_version).bind(x.issued_at).bind(x.issued_to)
        .bind(x.issued_by_user_id).bind(x.issued_by).bind(&x.snapshot).bind(x.storage_key)
        .bind(x.size_bytes).bind(x.sha256)
        .fetch_one(c).await?))
}

/// An issued extract, with what the verification page compares it against.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExtractRow {
    pub id: i64,
    pub number: String,
    pub member_id: i64,
    pub member_version: i64,
    pub issued_at: DateTime<Utc>,
    pub issued_to: String,
    pub issued_by: String,
    pub snapshot: String,
    pub storage_key: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub short_name: String,
    pub inn: String,
    pub current_version: i64,
    pub current_status: String,
}

const SELECT_EXTRACT: &str = "SELECT x.id, x.number, x.member_id, x.member_version, x.issued_at, x.issued_to, \
    x.issued_by, x.snapshot, x.storage_key, x.size_bytes, x.sha256, m.short_name, m.inn, \
    m.register_version AS current_version, m.status AS current_status \
    FROM extracts x JOIN members m ON m.id = x.member_id";

pub async fn extract_by_number(db: &Db, number: &str) -> DbResult<Option<ExtractRow>> {
    let sql = format!("{SELECT_EXTRACT} WHERE x.number = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, ExtractRow>(&sql).bind(number).fetch_optional(p).await?))
}

/// The extracts journal: one member's, or everyone's; newest first.
pub async fn extracts(
    db: &Db,
    member_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<ExtractRow>, i64)> {
    let sql = format!(
        "{SELECT_EXTRACT} WHERE ($1 IS NULL OR x.member_id = $1) ORDER BY x.issued_at DESC, x.id DESC LIMIT $2 OFFSET $3"
    );
    let count = "SELECT COUNT(*) FROM extracts WHERE ($1 IS NULL OR member_id = $1)";
    let rows = on_db!(db, p => sqlx::query_as::<_, ExtractRow>(&sql).bind(member_id).bind(limit).bind(offset).fetch_all(p).await?);
    let total =
        on_db!(db, p => sqlx::query_scalar::<_, i64>(count).bind(member_id).fetch_one(p).await?);
    Ok((rows, total))
}

/// Entries as they stood at `version` (the history page shows any of them).
pub async fn snapshot_at(db: &Db, member_id: i64, version: i64) -> DbResult<Option<String>> {
    let sql = "SELECT snapshot FROM member_versions WHERE member_id = $1 AND version = $2";
    Ok(
        on_db!(db, p => sqlx::query_scalar::<_, String>(sql).bind(member_id).bind(version).fetch_optional(p).await?),
    )
}
