//! SQL of tariffs, accrual runs, exemptions and statements. The ledger's own rows (charges,
//! payments, allocations, invoices) are in `ledger_store`.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::{Exemption, MemberTerms};
use crate::db::{Db, DbResult, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TypeRow {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub name: String,
    pub period: String,
    pub amount: i64,
    pub by_level: bool,
    pub due_day: i64,
    pub accrue_from: Option<NaiveDate>,
    pub active: bool,
}

const TYPE_COLS: &str =
    "id, code, kind, name, period, amount, by_level, due_day, accrue_from, active";

pub async fn types(db: &Db) -> DbResult<Vec<TypeRow>> {
    let sql = format!("SELECT {TYPE_COLS} FROM charge_types ORDER BY id");
    Ok(on_db!(db, p => sqlx::query_as::<_, TypeRow>(&sql).fetch_all(p).await?))
}

pub async fn type_by_id(db: &Db, id: i64) -> DbResult<Option<TypeRow>> {
    let sql = format!("SELECT {TYPE_COLS} FROM charge_types WHERE id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, TypeRow>(&sql).bind(id).fetch_optional(p).await?))
}

/// (charge type, level, amount), every type's table.
pub async fn levels(db: &Db) -> DbResult<Vec<(i64, i64, i64)>> {
    let sql = "SELECT charge_type_id, level, amount FROM charge_type_levels ORDER BY charge_type_id, level";
    Ok(on_db!(db, p => sqlx::query_as::<_, (i64, i64, i64)>(sql).fetch_all(p).await?))
}

pub struct NewType<'a> {
    pub code: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub period: &'a str,
    pub amount: i64,
    pub by_level: bool,
    pub due_day: i64,
    pub accrue_from: Option<NaiveDate>,
    pub active: bool,
}

pub async fn insert_type(tx: &mut Tx, t: &NewType<'_>) -> DbResult<i64> {
    let sql = "INSERT INTO charge_types (code, kind, name, period, amount, by_level, due_day, accrue_from, active, \
               created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id";
    let now = tx.now;
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(t.code).bind(t.kind).bind(t.name).bind(t.period)
        .bind(t.amount).bind(t.by_level).bind(t.due_day).bind(t.accrue_from).bind(t.active).bind(now)
        .fetch_one(c).await?),
    )
}

pub async fn update_type(tx: &mut Tx, id: i64, t: &NewType<'_>) -> DbResult<u64> {
    let sql = "UPDATE charge_types SET name = $2, period = $3, amount = $4, by_level = $5, due_day = $6, \
               accrue_from = $7, active = $8, updated_at = $9 WHERE id = $1";
    let now = tx.now;
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(id).bind(t.name).bind(t.period).bind(t.amount).bind(t.by_level)
        .bind(t.due_day).bind(t.accrue_from).bind(t.active).bind(now).execute(c).await?.rows_affected()),
    )
}

pub async fn set_levels(tx: &mut Tx, id: i64, levels: &[(i64, i64)]) -> DbResult<()> {
    let del = "DELETE FROM charge_type_levels WHERE charge_type_id = $1";
    on_tx!(tx, c => sqlx::query(del).bind(id).execute(&mut *c).await?.rows_affected());
    let ins = "INSERT INTO charge_type_levels (charge_type_id, level, amount) VALUES ($1, $2, $3)";
    for (level, amount) in levels {
        on_tx!(tx, c => sqlx::query(ins).bind(id).bind(level).bind(amount).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// The members accruals consider: admitted ones, present or gone.
pub async fn member_terms(db: &Db) -> DbResult<Vec<MemberTerms>> {
    let sql = "SELECT id, status, admitted_on, terminated_on, vv_level, odo_level FROM members \
               WHERE admitted_on IS NOT NULL ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as::<_, MemberTerms>(sql).fetch_all(p).await?))
}

pub async fn exemptions(db: &Db) -> DbResult<Vec<Exemption>> {
    let sql =
        "SELECT member_id, charge_type_id, percent, valid_from, valid_to FROM billing_exemptions";
    Ok(on_db!(db, p => sqlx::query_as::<_, Exemption>(sql).fetch_all(p).await?))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExemptionRow {
    pub id: i64,
    pub charge_type_id: i64,
    pub percent: i64,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub grounds: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn exemptions_of(db: &Db, member_id: i64) -> DbResult<Vec<ExemptionRow>> {
    let sql = "SELECT id, charge_type_id, percent, valid_from, valid_to, grounds, created_by, created_at \
               FROM billing_exemptions WHERE member_id = $1 ORDER BY valid_from, id";
    Ok(on_db!(db, p => sqlx::query_as::<_, ExemptionRow>(sql).bind(member_id).fetch_all(p).await?))
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_exemption(
    tx: &mut Tx,
    member_id: i64,
    type_id: i64,
    percent: i64,
    from: NaiveDate,
    to: Option<NaiveDate>,
    grounds: &str,
    by: &str,
) -> DbResult<i64> {
    let sql = "INSERT INTO billing_exemptions (member_id, charge_type_id, percent, valid_from, valid_to, grounds, \
               created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    let now = tx.now;
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(member_id).bind(type_id).bind(percent).bind(from)
        .bind(to).bind(grounds).bind(by).bind(now).fetch_one(c).await?),
    )
}

/// What one type has charged each member so far (reversals netted): a fund's difference.
pub async fn charged_by_member(db: &Db, type_id: i64) -> DbResult<Vec<(i64, i64)>> {
    let sql = "SELECT member_id, CAST(SUM(amount) AS BIGINT) FROM charges WHERE charge_type_id = $1 GROUP BY member_id";
    Ok(on_db!(db, p => sqlx::query_as::<_, (i64, i64)>(sql).bind(type_id).fetch_all(p).await?))
}

/// The accrual keys a type already has for a period.
pub async fn keys_of_period(db: &Db, type_id: i64, period: &str) -> DbResult<Vec<String>> {
    let sql = "SELECT accrual_key FROM charges WHERE charge_type_id = $1 AND period = $2 AND accrual_key IS NOT NULL";
    Ok(
        on_db!(db, p => sqlx::query_scalar::<_, String>(sql).bind(type_id).bind(period).fetch_all(p).await?),
    )
}

/// Periods an automatic run has done.
pub async fn periods_run(db: &Db) -> DbResult<Vec<String>> {
    let sql = "SELECT DISTINCT period FROM accrual_runs WHERE by_hand = $1";
    Ok(on_db!(db, p => sqlx::query_scalar::<_, String>(sql).bind(false).fetch_all(p).await?))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub period: String,
    pub by_hand: bool,
    pub actor: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub charges: i64,
    pub total: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_run(
    tx: &mut Tx,
    period: &str,
    by_hand: bool,
    actor: &str,
    started_at: DateTime<Utc>,
) -> DbResult<i64> {
    let sql = "INSERT INTO accrual_runs (period, by_hand, actor, started_at, finished_at, charges, total) \
               VALUES ($1, $2, $3, $4, $4, 0, 0) RETURNING id";
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(period).bind(by_hand).bind(actor).bind(started_at)
        .fetch_one(c).await?),
    )
}

pub async fn finish_run(tx: &mut Tx, id: i64, charges: i64, total: i64) -> DbResult<()> {
    let sql = "UPDATE accrual_runs SET charges = $2, total = $3, finished_at = $4 WHERE id = $1";
    let now = tx.now;
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(charges).bind(total).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn runs(db: &Db, limit: i64) -> DbResult<Vec<RunRow>> {
    let sql = "SELECT id, period, by_hand, actor, started_at, finished_at, charges, total FROM accrual_runs \
               ORDER BY id DESC LIMIT $1";
    Ok(on_db!(db, p => sqlx::query_as::<_, RunRow>(sql).bind(limit).fetch_all(p).await?))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StatementRow {
    pub id: i64,
    pub file_id: Option<i64>,
    pub file_name: String,
    pub encoding: String,
    pub version: String,
    pub account: String,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub documents: i64,
    pub payments: i64,
    pub matched: i64,
    pub allocated: i64,
    pub unmatched: i64,
    pub duplicates: i64,
    pub total: i64,
    pub problems: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

const STATEMENT_COLS: &str = "id, file_id, file_name, encoding, version, account, date_from, date_to, documents, \
    payments, matched, allocated, unmatched, duplicates, total, problems, uploaded_by, uploaded_at";

pub async fn insert_statement(tx: &mut Tx, s: &StatementRow) -> DbResult<i64> {
    let sql = "INSERT INTO bank_statements (file_id, file_name, encoding, version, account, date_from, date_to, \
               documents, payments, matched, allocated, unmatched, duplicates, total, problems, uploaded_by, uploaded_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, 0, 0, 0, 0, 0, '', $8, $9) RETURNING id";
    let now = tx.now;
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(s.file_id).bind(&s.file_name).bind(&s.encoding)
        .bind(&s.version).bind(&s.account).bind(s.date_from).bind(s.date_to).bind(&s.uploaded_by).bind(now)
        .fetch_one(c).await?),
    )
}

pub async fn finish_statement(tx: &mut Tx, s: &StatementRow) -> DbResult<()> {
    let sql = "UPDATE bank_statements SET encoding = $2, version = $3, account = $4, date_from = $5, date_to = $6, \
               documents = $7, payments = $8, matched = $9, allocated = $10, unmatched = $11, duplicates = $12, \
               total = $13, problems = $14 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(s.id).bind(&s.encoding).bind(&s.version).bind(&s.account)
        .bind(s.date_from).bind(s.date_to).bind(s.documents).bind(s.payments).bind(s.matched).bind(s.allocated)
        .bind(s.unmatched).bind(s.duplicates).bind(s.total).bind(&s.problems).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn statements(db: &Db, limit: i64) -> DbResult<Vec<StatementRow>> {
    let sql = format!("SELECT {STATEMENT_COLS} FROM bank_statements ORDER BY id DESC LIMIT $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, StatementRow>(&sql).bind(limit).fetch_all(p).await?))
}

pub async fn statement(db: &Db, id: i64) -> DbResult<Option<StatementRow>> {
    let sql = format!("SELECT {STATEMENT_COLS} FROM bank_statements WHERE id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, StatementRow>(&sql).bind(id).fetch_optional(p).await?))
}

/// INN → member id, for matching payers (members present and gone: a former member may pay
/// an old debt).
pub async fn members_by_inn(db: &Db) -> DbResult<Vec<(String, i64)>> {
    let sql = "SELECT inn, id FROM members";
    Ok(on_db!(db, p => sqlx::query_as::<_, (String, i64)>(sql).fetch_all(p).await?))
}

/// (id, short name, INN) of one member, for papers and pages.
pub async fn member_brief(db: &Db, id: i64) -> DbResult<Option<(i64, String, String, String)>> {
    let sql = "SELECT id, short_name, full_name, inn FROM members WHERE id = $1";
    Ok(
        on_db!(db, p => sqlx::query_as::<_, (i64, String, String, String)>(sql).bind(id).fetch_optional(p).await?),
    )
}

/// (member, charge type, settled level) of the compensation funds.
pub async fn fund_levels(db: &Db) -> DbResult<Vec<(i64, i64, i64)>> {
    let sql = "SELECT member_id, charge_type_id, level FROM billing_fund_levels";
    Ok(on_db!(db, p => sqlx::query_as::<_, (i64, i64, i64)>(sql).fetch_all(p).await?))
}

/// Keep settled levels; a level only ever goes up.
pub async fn set_fund_levels(tx: &mut Tx, rows: &[(i64, i64, i64)]) -> DbResult<()> {
    let sql = "INSERT INTO billing_fund_levels (member_id, charge_type_id, level) VALUES ($1, $2, $3) \
               ON CONFLICT (member_id, charge_type_id) DO UPDATE SET level = excluded.level \
               WHERE excluded.level > billing_fund_levels.level";
    for (m, t, l) in rows {
        on_tx!(tx, c => sqlx::query(sql).bind(m).bind(t).bind(l).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// The member with this INN.
pub async fn member_by_inn(db: &Db, inn: &str) -> DbResult<Option<i64>> {
    let sql = "SELECT id FROM members WHERE inn = $1";
    Ok(on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(inn).fetch_optional(p).await?))
}
