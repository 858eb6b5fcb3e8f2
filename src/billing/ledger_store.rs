//! SQL of the ledger: charges, payments, allocations, invoices, and the views of a member's
//! money. Rows are only ever added (a reversal is a row too); the one update sets the member of
//! a payment nobody was matched to.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::{ChargeKind, Credit, OpenCharge, Planned};
use crate::db::{Db, DbResult, Tx, placeholders};
use crate::{on_db, on_tx};

/// A charge with what reversed it and what is allocated to it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChargeRow {
    pub id: i64,
    pub member_id: i64,
    pub charge_type_id: Option<i64>,
    pub kind: String,
    pub period: String,
    pub description: String,
    pub amount: i64,
    pub charged_on: NaiveDate,
    pub due_on: NaiveDate,
    pub reverses_id: Option<i64>,
    pub reason: String,
    pub created_by: String,
    pub reversed: i64,
    pub allocated: i64,
}

impl ChargeRow {
    pub fn open(&self) -> i64 {
        if self.reverses_id.is_some() {
            0
        } else {
            self.amount + self.reversed - self.allocated
        }
    }
}

const CHARGE_SELECT: &str = "SELECT c.id, c.member_id, c.charge_type_id, c.kind, c.period, c.description, c.amount, \
    c.charged_on, c.due_on, c.reverses_id, c.reason, c.created_by, \
    CAST(COALESCE((SELECT SUM(r.amount) FROM charges r WHERE r.reverses_id = c.id), 0) AS BIGINT) AS reversed, \
    CAST(COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.charge_id = c.id), 0) AS BIGINT) AS allocated FROM charges c";

/// Every charge of a member (reversals too), oldest due first.
pub async fn charges_of(db: &Db, member_id: i64) -> DbResult<Vec<ChargeRow>> {
    let sql = format!("{CHARGE_SELECT} WHERE c.member_id = $1 ORDER BY c.due_on, c.id");
    Ok(on_db!(db, p => sqlx::query_as::<_, ChargeRow>(&sql).bind(member_id).fetch_all(p).await?))
}

pub async fn charge(tx: &mut Tx, id: i64) -> DbResult<Option<ChargeRow>> {
    let sql = format!("{CHARGE_SELECT} WHERE c.id = $1");
    Ok(on_tx!(tx, c => sqlx::query_as::<_, ChargeRow>(&sql).bind(id).fetch_optional(c).await?))
}

/// Open charges of some members, in the caller's transaction (so an import sees its own
/// allocations), oldest due first.
pub async fn open_charges(tx: &mut Tx, members: &[i64]) -> DbResult<Vec<(i64, OpenCharge)>> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{CHARGE_SELECT} WHERE c.member_id IN ({}) AND c.reverses_id IS NULL AND c.amount > 0 ORDER BY c.due_on, c.id",
        placeholders(1, members.len())
    );
    let rows: Vec<ChargeRow> = on_tx!(tx, c => {
        let mut q = sqlx::query_as::<_, ChargeRow>(&sql);
        for m in members {
            q = q.bind(m);
        }
        q.fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .filter(|r| r.open() > 0)
        .map(|r| {
            let open = r.open();
            (
                r.member_id,
                OpenCharge {
                    id: r.id,
                    kind: ChargeKind::from_code(&r.kind).unwrap_or(ChargeKind::Other),
                    period: r.period,
                    due_on: r.due_on,
                    open,
                },
            )
        })
        .collect())
}

/// A payment with what reversed it and what it is allocated to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: i64,
    pub member_id: Option<i64>,
    pub amount: i64,
    pub paid_on: NaiveDate,
    pub source: String,
    pub doc_number: String,
    pub doc_date: Option<NaiveDate>,
    pub payer_name: String,
    pub payer_inn: String,
    pub payer_account: String,
    pub purpose: String,
    pub statement_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub reversed: i64,
    pub allocated: i64,
}

impl PaymentRow {
    pub fn left(&self) -> i64 {
        if self.reverses_id.is_some() {
            0
        } else {
            self.amount + self.reversed - self.allocated
        }
    }
}

const PAYMENT_SELECT: &str = "SELECT p.id, p.member_id, p.amount, p.paid_on, p.source, p.doc_number, p.doc_date, \
    p.payer_name, p.payer_inn, p.payer_account, p.purpose, p.statement_id, p.reverses_id, p.reason, p.created_by, \
    p.created_at, CAST(COALESCE((SELECT SUM(r.amount) FROM payments r WHERE r.reverses_id = p.id), 0) AS BIGINT) AS reversed, \
    CAST(COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.payment_id = p.id), 0) AS BIGINT) AS allocated FROM payments p";

pub async fn payments_of(db: &Db, member_id: i64) -> DbResult<Vec<PaymentRow>> {
    let sql = format!("{PAYMENT_SELECT} WHERE p.member_id = $1 ORDER BY p.paid_on, p.id");
    Ok(on_db!(db, p => sqlx::query_as::<_, PaymentRow>(&sql).bind(member_id).fetch_all(p).await?))
}

pub async fn payment(tx: &mut Tx, id: i64) -> DbResult<Option<PaymentRow>> {
    let sql = format!("{PAYMENT_SELECT} WHERE p.id = $1");
    Ok(on_tx!(tx, c => sqlx::query_as::<_, PaymentRow>(&sql).bind(id).fetch_optional(c).await?))
}

pub async fn unmatched(db: &Db, limit: i64) -> DbResult<Vec<PaymentRow>> {
    let sql =
        format!("{PAYMENT_SELECT} WHERE p.member_id IS NULL ORDER BY p.paid_on, p.id LIMIT $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, PaymentRow>(&sql).bind(limit).fetch_all(p).await?))
}

/// How many payments wait in «Неразнесенные» (the same rows as [`unmatched`]).
pub async fn unmatched_count(db: &Db) -> DbResult<i64> {
    let sql = "SELECT COUNT(*) FROM payments p WHERE p.member_id IS NULL";
    Ok(on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await?))
}

/// Unspent money of a member's payments, oldest first.
pub async fn credits(tx: &mut Tx, member_id: i64) -> DbResult<Vec<Credit>> {
    let sql = format!(
        "{PAYMENT_SELECT} WHERE p.member_id = $1 AND p.reverses_id IS NULL AND p.amount > 0 ORDER BY p.paid_on, p.id"
    );
    let rows: Vec<PaymentRow> =
        on_tx!(tx, c => sqlx::query_as::<_, PaymentRow>(&sql).bind(member_id).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .filter(|r| r.left() > 0)
        .map(|r| Credit {
            payment_id: r.id,
            left: r.left(),
        })
        .collect())
}

/// An allocation with the charge it went to, for the history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AllocationRow {
    pub payment_id: i64,
    pub charge_id: i64,
    pub amount: i64,
    pub reason: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

pub async fn allocations_of(db: &Db, member_id: i64) -> DbResult<Vec<AllocationRow>> {
    let sql = "SELECT a.payment_id, a.charge_id, a.amount, a.reason, c.description, a.created_at FROM allocations a \
               JOIN charges c ON c.id = a.charge_id WHERE a.member_id = $1 ORDER BY a.id";
    Ok(on_db!(db, p => sqlx::query_as::<_, AllocationRow>(sql).bind(member_id).fetch_all(p).await?))
}

pub struct NewCharge<'a> {
    pub member_id: i64,
    pub charge_type_id: Option<i64>,
    pub kind: &'a str,
    pub period: &'a str,
    pub description: &'a str,
    pub amount: i64,
    pub charged_on: NaiveDate,
    pub due_on: NaiveDate,
    pub reverses_id: Option<i64>,
    pub reason: &'a str,
    pub created_by: &'a str,
}

pub async fn insert_charge(tx: &mut Tx, c: &NewCharge<'_>) -> DbResult<i64> {
    let sql = "INSERT INTO charges (member_id, charge_type_id, kind, period, description, amount, charged_on, due_on, \
               reverses_id, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
               RETURNING id";
    let now = tx.now;
    Ok(
        on_tx!(tx, x => sqlx::query_scalar::<_, i64>(sql).bind(c.member_id).bind(c.charge_type_id).bind(c.kind)
        .bind(c.period).bind(c.description).bind(c.amount).bind(c.charged_on).bind(c.due_on).bind(c.reverses_id)
        .bind(c.reason).bind(c.created_by).bind(now).fetch_one(x).await?),
    )
}

/// Accrued charges, many per statement; a key already charged is skipped. Returns the
/// (member, amount) of the rows inserted.
pub async fn insert_planned(
    tx: &mut Tx,
    rows: &[Planned],
    run_id: i64,
    charged_on: NaiveDate,
    by: &str,
) -> DbResult<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    const COLS: usize = 11;
    for chunk in rows.chunks(400) {
        let now_at = chunk.len() * COLS + 1;
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("({}, ${now_at})", placeholders(i * COLS + 1, COLS)))
            .collect();
        let sql = format!(
            "INSERT INTO charges (member_id, charge_type_id, kind, period, description, amount, charged_on, due_on, \
             accrual_key, run_id, created_by, created_at) VALUES {} ON CONFLICT (accrual_key) DO NOTHING \
             RETURNING member_id, amount",
            values.join(", ")
        );
        let now = tx.now;
        let got: Vec<(i64, i64)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as::<_, (i64, i64)>(&sql);
            for r in chunk {
                q = q.bind(r.member_id).bind(r.charge_type_id).bind(r.kind.code()).bind(&r.period)
                    .bind(&r.description).bind(r.amount).bind(charged_on).bind(r.due_on).bind(&r.key)
                    .bind(run_id).bind(by);
            }
            q.bind(now).fetch_all(c).await?
        });
        out.extend(got);
    }
    Ok(out)
}

pub struct NewPayment<'a> {
    pub member_id: Option<i64>,
    pub amount: i64,
    pub paid_on: NaiveDate,
    pub source: &'a str,
    pub doc_number: &'a str,
    pub doc_date: Option<NaiveDate>,
    pub payer_name: &'a str,
    pub payer_inn: &'a str,
    pub payer_account: &'a str,
    pub purpose: &'a str,
    pub statement_id: Option<i64>,
    pub dedup_key: Option<String>,
    pub reverses_id: Option<i64>,
    pub reason: &'a str,
    pub created_by: &'a str,
}

const PAYMENT_COLS: usize = 15;
const PAYMENT_INSERT: &str = "INSERT INTO payments (member_id, amount, paid_on, source, doc_number, doc_date, \
    payer_name, payer_inn, payer_account, purpose, statement_id, dedup_key, reverses_id, reason, created_by, created_at) VALUES";

/// Payments, many per statement; one already recorded (its dedup key) is skipped. Returns the
/// ids inserted with their position in `rows`.
pub async fn insert_payments(tx: &mut Tx, rows: &[NewPayment<'_>]) -> DbResult<Vec<(i64, usize)>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for chunk in rows.chunks(400) {
        let now_at = chunk.len() * PAYMENT_COLS + 1;
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "({}, ${now_at})",
                    placeholders(i * PAYMENT_COLS + 1, PAYMENT_COLS)
                )
            })
            .collect();
        let sql = format!(
            "{PAYMENT_INSERT} {} ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key, reverses_id",
            values.join(", ")
        );
        let now = tx.now;
        let got: Vec<(i64, Option<String>, Option<i64>)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as::<_, (i64, Option<String>, Option<i64>)>(&sql);
            for r in chunk {
                q = q.bind(r.member_id).bind(r.amount).bind(r.paid_on).bind(r.source).bind(r.doc_number)
                    .bind(r.doc_date).bind(r.payer_name).bind(r.payer_inn).bind(r.payer_account).bind(r.purpose)
                    .bind(r.statement_id).bind(r.dedup_key.as_deref()).bind(r.reverses_id).bind(r.reason)
                    .bind(r.created_by);
            }
            q.bind(now).fetch_all(c).await?
        });
        for (id, key, _) in got {
            // Rows without a key (manual ones) are never skipped: they come back in order.
            let pos = match &key {
                Some(k) => chunk.iter().position(|r| r.dedup_key.as_deref() == Some(k)),
                None => None,
            };
            out.push((id, offset + pos.unwrap_or(0)));
        }
        offset += chunk.len();
    }
    Ok(out)
}

pub async fn insert_payment(tx: &mut Tx, p: &NewPayment<'_>) -> DbResult<i64> {
    let sql = format!(
        "{PAYMENT_INSERT} ({}, ${}) RETURNING id",
        placeholders(1, PAYMENT_COLS),
        PAYMENT_COLS + 1
    );
    let now = tx.now;
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>(&sql).bind(p.member_id).bind(p.amount).bind(p.paid_on)
        .bind(p.source).bind(p.doc_number).bind(p.doc_date).bind(p.payer_name).bind(p.payer_inn)
        .bind(p.payer_account).bind(p.purpose).bind(p.statement_id).bind(p.dedup_key.as_deref())
        .bind(p.reverses_id).bind(p.reason).bind(p.created_by).bind(now).fetch_one(c).await?),
    )
}

/// Give a payment nobody was matched to its member (only once: `member_id IS NULL`).
pub async fn assign(tx: &mut Tx, payment_id: i64, member_id: i64, by: &str) -> DbResult<u64> {
    let sql =
        "UPDATE payments SET member_id = $2, assigned_by = $3 WHERE id = $1 AND member_id IS NULL";
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(payment_id).bind(member_id).bind(by).execute(c).await?.rows_affected()),
    )
}

/// Allocations (negative ones release money), many per statement.
pub async fn insert_allocations(
    tx: &mut Tx,
    rows: &[(i64, i64, i64, i64)],
    reason: &str,
    by: &str,
) -> DbResult<()> {
    const COLS: usize = 4;
    for chunk in rows.chunks(500) {
        let n = chunk.len() * COLS;
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "({}, ${}, ${}, ${})",
                    placeholders(i * COLS + 1, COLS),
                    n + 1,
                    n + 2,
                    n + 3
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO allocations (member_id, payment_id, charge_id, amount, reason, created_by, created_at) VALUES {}",
            values.join(", ")
        );
        let now = tx.now;
        on_tx!(tx, c => {
            let mut q = sqlx::query(&sql);
            for (m, p, ch, a) in chunk {
                q = q.bind(m).bind(p).bind(ch).bind(a);
            }
            q.bind(reason).bind(by).bind(now).execute(c).await?.rows_affected()
        });
    }
    Ok(())
}

/// (payment, charge, amount) of a payment's allocations, netted per charge.
pub async fn allocations_of_payment(tx: &mut Tx, payment_id: i64) -> DbResult<Vec<(i64, i64)>> {
    let sql = "SELECT charge_id, CAST(SUM(amount) AS BIGINT) FROM allocations WHERE payment_id = $1 GROUP BY charge_id HAVING SUM(amount) <> 0";
    Ok(on_tx!(tx, c => sqlx::query_as::<_, (i64, i64)>(sql).bind(payment_id).fetch_all(c).await?))
}

/// (payment, amount) of a charge's allocations, newest first, netted per payment.
pub async fn allocations_of_charge(tx: &mut Tx, charge_id: i64) -> DbResult<Vec<(i64, i64)>> {
    let sql = "SELECT payment_id, CAST(SUM(amount) AS BIGINT) FROM allocations WHERE charge_id = $1 GROUP BY payment_id \
               HAVING SUM(amount) <> 0 ORDER BY payment_id DESC";
    Ok(on_tx!(tx, c => sqlx::query_as::<_, (i64, i64)>(sql).bind(charge_id).fetch_all(c).await?))
}

/// Charges billed by invoice `number` of a member.
pub async fn invoice_charges(
    tx: &mut Tx,
    member_id: i64,
    numbers: &[String],
) -> DbResult<Vec<i64>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT l.charge_id FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id \
         WHERE i.member_id = $1 AND i.number IN ({})",
        placeholders(2, numbers.len())
    );
    Ok(on_tx!(tx, c => {
        let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(member_id);
        for n in numbers {
            q = q.bind(n);
        }
        q.fetch_all(c).await?
    }))
}

pub async fn insert_invoice(
    tx: &mut Tx,
    number: &str,
    member_id: i64,
    amount: i64,
    purpose: &str,
    by: &str,
    lines: &[(i64, i64)],
) -> DbResult<i64> {
    let sql = "INSERT INTO invoices (number, member_id, amount, purpose, created_by, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    let now = tx.now;
    let id = on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(number).bind(member_id).bind(amount)
        .bind(purpose).bind(by).bind(now).fetch_one(c).await?);
    let line = "INSERT INTO invoice_lines (invoice_id, charge_id, amount) VALUES ($1, $2, $3)";
    for (charge, amount) in lines {
        on_tx!(tx, c => sqlx::query(line).bind(id).bind(charge).bind(amount).execute(c).await?.rows_affected());
    }
    Ok(id)
}

/// Balance (charges − payments) of a member: positive is a debt.
pub async fn balance(db: &Db, member_id: i64) -> DbResult<(i64, Option<NaiveDate>)> {
    let sql = "SELECT CAST(COALESCE((SELECT SUM(amount) FROM charges WHERE member_id = $1), 0) \
               - COALESCE((SELECT SUM(amount) FROM payments WHERE member_id = $1), 0) AS BIGINT)";
    let b = on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(member_id).fetch_one(p).await?);
    Ok((b, None))
}

/// A debtor: who, how much is overdue and since when.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DebtorRow {
    pub member_id: i64,
    pub short_name: String,
    pub inn: String,
    pub debt: i64,
    pub overdue: i64,
    pub oldest_due: NaiveDate,
}

/// Members with open charges: the whole open debt and what is past due on `today`.
pub async fn debtors(db: &Db, today: NaiveDate) -> DbResult<Vec<DebtorRow>> {
    let sql = "WITH open AS (SELECT c.member_id, c.due_on, c.amount \
                 + CAST(COALESCE((SELECT SUM(r.amount) FROM charges r WHERE r.reverses_id = c.id), 0) AS BIGINT) \
                 - CAST(COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.charge_id = c.id), 0) AS BIGINT) AS open \
               FROM charges c WHERE c.reverses_id IS NULL AND c.amount > 0) \
               SELECT m.id AS member_id, m.short_name, m.inn, CAST(SUM(o.open) AS BIGINT) AS debt, \
                 CAST(SUM(CASE WHEN o.due_on < $1 THEN o.open ELSE 0 END) AS BIGINT) AS overdue, MIN(o.due_on) AS oldest_due \
               FROM open o JOIN members m ON m.id = o.member_id WHERE o.open > 0 \
               GROUP BY m.id, m.short_name, m.inn ORDER BY SUM(o.open) DESC, m.short_name";
    Ok(on_db!(db, p => sqlx::query_as::<_, DebtorRow>(sql).bind(today).fetch_all(p).await?))
}

/// Members with money paid and not spent (payments − allocations > 0).
pub async fn members_with_credit(tx: &mut Tx) -> DbResult<std::collections::HashSet<i64>> {
    let sql = "SELECT p.member_id FROM (SELECT member_id, SUM(amount) AS s FROM payments \
               WHERE member_id IS NOT NULL GROUP BY member_id) p \
               WHERE p.s > CAST(COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.member_id = p.member_id), 0) AS BIGINT)";
    let ids: Vec<i64> = on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).fetch_all(c).await?);
    Ok(ids.into_iter().collect())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvoiceRow {
    pub id: i64,
    pub number: String,
    pub member_id: i64,
    pub amount: i64,
    pub purpose: String,
    pub created_at: DateTime<Utc>,
}

pub async fn invoice(db: &Db, id: i64) -> DbResult<Option<InvoiceRow>> {
    let sql =
        "SELECT id, number, member_id, amount, purpose, created_at FROM invoices WHERE id = $1";
    Ok(on_db!(db, p => sqlx::query_as::<_, InvoiceRow>(sql).bind(id).fetch_optional(p).await?))
}

/// (description, amount) of an invoice's lines.
pub async fn invoice_lines(db: &Db, id: i64) -> DbResult<Vec<(String, i64)>> {
    let sql = "SELECT c.description, l.amount FROM invoice_lines l JOIN charges c ON c.id = l.charge_id \
               WHERE l.invoice_id = $1 ORDER BY c.due_on, c.id";
    Ok(on_db!(db, p => sqlx::query_as::<_, (String, i64)>(sql).bind(id).fetch_all(p).await?))
}

pub async fn invoices_of(db: &Db, member_id: i64) -> DbResult<Vec<InvoiceRow>> {
    let sql = "SELECT id, number, member_id, amount, purpose, created_at FROM invoices WHERE member_id = $1 \
               ORDER BY id DESC LIMIT 50";
    Ok(on_db!(db, p => sqlx::query_as::<_, InvoiceRow>(sql).bind(member_id).fetch_all(p).await?))
}

/// (debt, of it overdue on `today`) of one member.
pub async fn debt_of(db: &Db, member_id: i64, today: NaiveDate) -> DbResult<(i64, i64)> {
    let sql = "SELECT CAST(COALESCE(SUM(o.open), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN o.due_on < $2 THEN o.open ELSE 0 END), 0) AS BIGINT) \
               FROM (SELECT c.due_on, c.amount \
                 + CAST(COALESCE((SELECT SUM(r.amount) FROM charges r WHERE r.reverses_id = c.id), 0) AS BIGINT) \
                 - CAST(COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.charge_id = c.id), 0) AS BIGINT) AS open \
               FROM charges c WHERE c.member_id = $1 AND c.reverses_id IS NULL AND c.amount > 0) o WHERE o.open > 0";
    Ok(
        on_db!(db, p => sqlx::query_as::<_, (i64, i64)>(sql).bind(member_id).bind(today).fetch_one(p).await?),
    )
}
