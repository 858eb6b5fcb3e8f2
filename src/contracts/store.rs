//! SQL of contracts, their events, the production calendar and the totals. Reads the
//! exchange's `items` (what became of a notice), `members` (names, КФ ОДО levels, experts) and
//! `users` (who recorded an event) as read models.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, DbResult, Tx};
use crate::{on_db, on_tx};

pub struct NewContract<'a> {
    pub member_id: i64,
    pub number: &'a str,
    pub signed_on: NaiveDate,
    pub customer_name: &'a str,
    pub customer_inn: &'a str,
    pub subject: &'a str,
    pub kind: &'a str,
    pub price: i64,
    pub method: &'a str,
    pub procurement_id: &'a str,
    pub work_from: Option<NaiveDate>,
    pub work_to: Option<NaiveDate>,
    /// None when no user did it (the command line).
    pub created_by: Option<i64>,
}

pub async fn insert_contract(tx: &mut Tx, c: &NewContract<'_>) -> DbResult<i64> {
    let sql = "INSERT INTO contracts (member_id, number, signed_on, customer_name, customer_inn, subject, kind, \
               price, method, procurement_id, work_from, work_to, created_by, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id";
    let now = tx.now;
    Ok(on_tx!(tx, x => sqlx::query_scalar::<_, i64>(sql)
        .bind(c.member_id)
        .bind(c.number)
        .bind(c.signed_on)
        .bind(c.customer_name)
        .bind(c.customer_inn)
        .bind(c.subject)
        .bind(c.kind)
        .bind(c.price)
        .bind(c.method)
        .bind(c.procurement_id)
        .bind(c.work_from)
        .bind(c.work_to)
        .bind(c.created_by)
        .bind(now)
        .fetch_one(x)
        .await?))
}

pub struct NewEvent<'a> {
    pub contract_id: i64,
    pub member_id: i64,
    pub kind: &'a str,
    pub event_date: NaiveDate,
    pub amount: i64,
    pub new_work_to: Option<NaiveDate>,
    pub grounds: &'a str,
    pub due_on: NaiveDate,
    /// None when no user did it (the command line).
    pub created_by: Option<i64>,
}

pub async fn insert_event(tx: &mut Tx, e: &NewEvent<'_>) -> DbResult<i64> {
    let sql = "INSERT INTO contract_events (contract_id, member_id, kind, event_date, amount, new_work_to, grounds, \
               due_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
    let now = tx.now;
    Ok(on_tx!(tx, x => sqlx::query_scalar::<_, i64>(sql)
        .bind(e.contract_id)
        .bind(e.member_id)
        .bind(e.kind)
        .bind(e.event_date)
        .bind(e.amount)
        .bind(e.new_work_to)
        .bind(e.grounds)
        .bind(e.due_on)
        .bind(e.created_by)
        .bind(now)
        .fetch_one(x)
        .await?))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContractRow {
    pub id: i64,
    pub member_id: i64,
    pub number: String,
    pub signed_on: NaiveDate,
    pub customer_name: String,
    pub customer_inn: String,
    pub subject: String,
    pub kind: String,
    pub price: i64,
    pub method: String,
    pub procurement_id: String,
    pub work_from: Option<NaiveDate>,
    pub work_to: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

const CONTRACT_COLS: &str = "c.id, c.member_id, c.number, c.signed_on, c.customer_name, c.customer_inn, c.subject, \
    c.kind, c.price, c.method, c.procurement_id, c.work_from, c.work_to, c.created_at";

/// The member's contract, or None (another company's is None too).
pub async fn contract(db: &Db, member_id: i64, id: i64) -> DbResult<Option<ContractRow>> {
    let sql =
        format!("SELECT {CONTRACT_COLS} FROM contracts c WHERE c.id = $1 AND c.member_id = $2");
    Ok(on_db!(db, p => sqlx::query_as(&sql).bind(id).bind(member_id).fetch_optional(p).await?))
}

pub async fn contracts_of(db: &Db, member_id: i64) -> DbResult<Vec<ContractRow>> {
    let sql = format!(
        "SELECT {CONTRACT_COLS} FROM contracts c WHERE c.member_id = $1 ORDER BY c.signed_on DESC, c.id DESC"
    );
    Ok(on_db!(db, p => sqlx::query_as(&sql).bind(member_id).fetch_all(p).await?))
}

pub async fn contracts_of_tx(tx: &mut Tx, member_id: i64) -> DbResult<Vec<ContractRow>> {
    let sql = format!("SELECT {CONTRACT_COLS} FROM contracts c WHERE c.member_id = $1");
    Ok(on_tx!(tx, x => sqlx::query_as(&sql).bind(member_id).fetch_all(x).await?))
}

/// An event with what became of its notice (the exchange's item).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub contract_id: i64,
    pub member_id: i64,
    pub kind: String,
    pub event_date: NaiveDate,
    pub amount: i64,
    pub new_work_to: Option<NaiveDate>,
    pub grounds: String,
    pub due_on: NaiveDate,
    pub notice_item_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub created_by_name: Option<String>,
    pub item_status: Option<String>,
    pub item_sent_at: Option<DateTime<Utc>>,
    pub item_incoming: Option<String>,
}

const EVENT_SELECT: &str = "SELECT e.id, e.contract_id, e.member_id, e.kind, e.event_date, e.amount, e.new_work_to, \
    e.grounds, e.due_on, e.notice_item_id, e.created_at, u.full_name AS created_by_name, i.status AS item_status, \
    i.sent_at AS item_sent_at, i.incoming_number AS item_incoming \
    FROM contract_events e LEFT JOIN users u ON u.id = e.created_by LEFT JOIN items i ON i.id = e.notice_item_id";

pub async fn events_of(db: &Db, contract_id: i64) -> DbResult<Vec<EventRow>> {
    let sql = format!("{EVENT_SELECT} WHERE e.contract_id = $1 ORDER BY e.event_date, e.id");
    Ok(on_db!(db, p => sqlx::query_as(&sql).bind(contract_id).fetch_all(p).await?))
}

pub async fn events_of_member(db: &Db, member_id: i64) -> DbResult<Vec<EventRow>> {
    let sql = format!("{EVENT_SELECT} WHERE e.member_id = $1 ORDER BY e.event_date, e.id");
    Ok(on_db!(db, p => sqlx::query_as(&sql).bind(member_id).fetch_all(p).await?))
}

pub async fn events_of_member_tx(tx: &mut Tx, member_id: i64) -> DbResult<Vec<EventRow>> {
    let sql = format!("{EVENT_SELECT} WHERE e.member_id = $1 ORDER BY e.event_date, e.id");
    Ok(on_tx!(tx, x => sqlx::query_as(&sql).bind(member_id).fetch_all(x).await?))
}

pub async fn event(db: &Db, member_id: i64, id: i64) -> DbResult<Option<EventRow>> {
    let sql = format!("{EVENT_SELECT} WHERE e.id = $1 AND e.member_id = $2");
    Ok(on_db!(db, p => sqlx::query_as(&sql).bind(id).bind(member_id).fetch_optional(p).await?))
}

/// Links an event to its notice, once (a second click finds it linked).
pub async fn set_notice(db: &Db, member_id: i64, event_id: i64, item_id: i64) -> DbResult<u64> {
    let sql = "UPDATE contract_events SET notice_item_id = $1 WHERE id = $2 AND member_id = $3 \
               AND notice_item_id IS NULL";
    Ok(
        on_db!(db, p => sqlx::query(sql).bind(item_id).bind(event_id).bind(member_id).execute(p).await?.rows_affected()),
    )
}

/// The exceptions of the production calendar in [from, to].
pub async fn calendar(
    db: &Db,
    from: NaiveDate,
    to: NaiveDate,
) -> DbResult<Vec<(NaiveDate, bool, String)>> {
    let sql =
        "SELECT day, working, note FROM work_calendar WHERE day BETWEEN $1 AND $2 ORDER BY day";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(from).bind(to).fetch_all(p).await?))
}

pub async fn calendar_tx(
    tx: &mut Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> DbResult<Vec<(NaiveDate, bool, String)>> {
    let sql =
        "SELECT day, working, note FROM work_calendar WHERE day BETWEEN $1 AND $2 ORDER BY day";
    Ok(on_tx!(tx, x => sqlx::query_as(sql).bind(from).bind(to).fetch_all(x).await?))
}

pub async fn set_day(tx: &mut Tx, day: NaiveDate, working: bool, note: &str) -> DbResult<u64> {
    let sql = "INSERT INTO work_calendar (day, working, note) VALUES ($1, $2, $3) \
               ON CONFLICT (day) DO UPDATE SET working = excluded.working, note = excluded.note";
    Ok(
        on_tx!(tx, x => sqlx::query(sql).bind(day).bind(working).bind(note).execute(x).await?.rows_affected()),
    )
}

pub async fn delete_day(tx: &mut Tx, day: NaiveDate) -> DbResult<u64> {
    Ok(
        on_tx!(tx, x => sqlx::query("DELETE FROM work_calendar WHERE day = $1").bind(day).execute(x).await?.rows_affected()),
    )
}

/// Events dated in [from, to] (their deadlines follow the calendar): (id, date, deadline).
pub async fn events_dated_tx(
    tx: &mut Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> DbResult<Vec<(i64, NaiveDate, NaiveDate)>> {
    let sql =
        "SELECT id, event_date, due_on FROM contract_events WHERE event_date BETWEEN $1 AND $2";
    Ok(on_tx!(tx, x => sqlx::query_as(sql).bind(from).bind(to).fetch_all(x).await?))
}

pub async fn set_due_tx(tx: &mut Tx, id: i64, due_on: NaiveDate) -> DbResult<u64> {
    let sql = "UPDATE contract_events SET due_on = $1 WHERE id = $2";
    Ok(on_tx!(tx, x => sqlx::query(sql).bind(due_on).bind(id).execute(x).await?.rows_affected()))
}

pub async fn upsert_total(tx: &mut Tx, member_id: i64, total: i64, on: NaiveDate) -> DbResult<u64> {
    let sql = "INSERT INTO contract_totals (member_id, total, updated_on) VALUES ($1, $2, $3) \
               ON CONFLICT (member_id) DO UPDATE SET total = excluded.total, updated_on = excluded.updated_on";
    Ok(
        on_tx!(tx, x => sqlx::query(sql).bind(member_id).bind(total).bind(on).execute(x).await?.rows_affected()),
    )
}

/// A member with the КФ ОДО right, for the staff's list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OdoRow {
    pub member_id: i64,
    pub short_name: String,
    pub inn: String,
    pub odo_level: i64,
    pub expert_id: Option<i64>,
    pub total: Option<i64>,
    pub updated_on: Option<NaiveDate>,
}

pub async fn odo_members(db: &Db) -> DbResult<Vec<OdoRow>> {
    let sql = "SELECT m.id AS member_id, m.short_name, m.inn, m.odo_level, m.expert_id, t.total, t.updated_on \
               FROM members m LEFT JOIN contract_totals t ON t.member_id = m.id \
               WHERE m.odo_level IS NOT NULL AND m.status IN ('member', 'suspended') ORDER BY m.short_name, m.id";
    Ok(on_db!(db, p => sqlx::query_as(sql).fetch_all(p).await?))
}

/// Events since `from` whose notice was not sent and is past its deadline on `today` (of one
/// expert's members, or all).
pub async fn overdue_notices(
    db: &Db,
    from: NaiveDate,
    today: NaiveDate,
    expert_id: Option<i64>,
) -> DbResult<i64> {
    let sql = "SELECT CAST(COUNT(*) AS BIGINT) FROM contract_events e JOIN members m ON m.id = e.member_id \
               LEFT JOIN items i ON i.id = e.notice_item_id \
               WHERE e.event_date >= $1 AND e.due_on < $2 AND (i.id IS NULL OR i.status = 'draft') \
               AND ($3 = 0 OR m.expert_id = $3)";
    Ok(on_db!(db, p => sqlx::query_scalar(sql)
        .bind(from)
        .bind(today)
        .bind(expert_id.unwrap_or(0))
        .fetch_one(p)
        .await?))
}

/// One line of the staff's journal of notices.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JournalRow {
    pub event_id: i64,
    pub contract_id: i64,
    pub member_id: i64,
    pub short_name: String,
    pub number: String,
    pub signed_on: NaiveDate,
    pub contract_kind: String,
    pub kind: String,
    pub event_date: NaiveDate,
    pub due_on: NaiveDate,
    pub notice_item_id: Option<i64>,
    pub item_sent_at: Option<DateTime<Utc>>,
    pub item_incoming: Option<String>,
}

/// Events of the period [from, to] (by the event's date), optionally of one member or kind.
pub async fn journal(
    db: &Db,
    member_id: Option<i64>,
    kind: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
) -> DbResult<Vec<JournalRow>> {
    let sql = "SELECT e.id AS event_id, c.id AS contract_id, c.member_id, m.short_name, c.number, c.signed_on, \
               c.kind AS contract_kind, e.kind, e.event_date, e.due_on, e.notice_item_id, \
               CASE WHEN i.status <> 'draft' THEN i.sent_at END AS item_sent_at, i.incoming_number AS item_incoming \
               FROM contract_events e JOIN contracts c ON c.id = e.contract_id JOIN members m ON m.id = c.member_id \
               LEFT JOIN items i ON i.id = e.notice_item_id \
               WHERE e.event_date BETWEEN $1 AND $2 AND ($3 = 0 OR c.member_id = $3) AND ($4 = '' OR c.kind = $4) \
               ORDER BY e.due_on DESC, e.id DESC LIMIT $5";
    Ok(on_db!(db, p => sqlx::query_as(sql)
        .bind(from)
        .bind(to)
        .bind(member_id.unwrap_or(0))
        .bind(kind.unwrap_or(""))
        .bind(limit)
        .fetch_all(p)
        .await?))
}
