//! The ledger's use cases: a member's money as the pages show it; manual charges and payments,
//! reversals, re-allocation and the assignment of unmatched payments by the accountant. Every
//! write is one transaction with its audit entry, and ends by settling the member: unspent
//! money goes to the oldest debt.

use chrono::NaiveDate;
use serde_json::json;

use super::ledger_store::{
    self as ls, AllocationRow, ChargeRow, NewCharge, NewPayment, PaymentRow,
};
use super::model::{ChargeKind, Kopecks, allocate, read_purpose, settle};
use super::{BillingError, INVOICE_PREFIX, store};
use crate::audit::{self, Actor, Event};
use crate::core::Core;
use crate::db::{DbResult, Tx};
use crate::validation::FieldErrors;

/// A member's money as of `today`.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub member_id: i64,
    pub short_name: String,
    pub full_name: String,
    pub inn: String,
    pub charges: Vec<ChargeRow>,
    pub payments: Vec<PaymentRow>,
    pub allocations: Vec<AllocationRow>,
    /// Charges − payments: positive is owed, negative is paid ahead.
    pub balance: Kopecks,
    /// What is owed on charges.
    pub debt: Kopecks,
    /// Of it, past the due date.
    pub overdue: Kopecks,
    /// Money paid and not yet spent on a charge.
    pub credit: Kopecks,
}

impl Ledger {
    /// Charges still owed (not reversals), oldest due first.
    pub fn open(&self) -> impl Iterator<Item = &ChargeRow> {
        self.charges.iter().filter(|c| c.open() > 0)
    }
}

pub async fn ledger(core: &Core, member_id: i64) -> Result<Ledger, BillingError> {
    let (_, short_name, full_name, inn) = store::member_brief(&core.db, member_id)
        .await?
        .ok_or(BillingError::NotFound)?;
    let charges = ls::charges_of(&core.db, member_id).await?;
    let payments = ls::payments_of(&core.db, member_id).await?;
    let allocations = ls::allocations_of(&core.db, member_id).await?;
    let today = core.today();
    let balance = charges.iter().map(|c| c.amount).sum::<i64>()
        - payments.iter().map(|p| p.amount).sum::<i64>();
    let debt = charges.iter().map(ChargeRow::open).sum();
    let overdue = charges
        .iter()
        .filter(|c| c.due_on < today)
        .map(ChargeRow::open)
        .sum();
    let credit = payments.iter().map(PaymentRow::left).sum();
    Ok(Ledger {
        member_id,
        short_name,
        full_name,
        inn,
        charges,
        payments,
        allocations,
        balance,
        debt,
        overdue,
        credit,
    })
}

/// The balance alone: charges − payments.
pub async fn balance(core: &Core, member_id: i64) -> Result<Kopecks, BillingError> {
    Ok(ls::balance(&core.db, member_id).await?.0)
}

/// (debt, of it overdue) of a member: the dashboard and the member card.
pub async fn debt(core: &Core, member_id: i64) -> Result<(Kopecks, Kopecks), BillingError> {
    Ok(ls::debt_of(&core.db, member_id, core.today()).await?)
}

/// Oldest unspent money to the oldest debt, in the caller's transaction.
pub async fn settle_in(tx: &mut Tx, member_id: i64, by: &str) -> DbResult<Kopecks> {
    let mut credits = ls::credits(tx, member_id).await?;
    if credits.is_empty() {
        return Ok(0);
    }
    let mut open: Vec<_> = ls::open_charges(tx, &[member_id])
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let moves = settle(&mut open, &mut credits);
    let rows: Vec<(i64, i64, i64, i64)> = moves
        .iter()
        .map(|(p, c, a)| (member_id, *p, *c, *a))
        .collect();
    ls::insert_allocations(tx, &rows, "", by).await?;
    Ok(rows.iter().map(|r| r.3).sum())
}

/// The end of every change of a member's ledger: unspent money to the oldest debt, the audit
/// entry, the commit.
async fn close(
    mut tx: Tx,
    member_id: i64,
    actor: &Actor,
    action: &'static str,
    details: serde_json::Value,
) -> Result<(), BillingError> {
    settle_in(&mut tx, member_id, &actor.label).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new(action, "member", member_id, details),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Spread a new payment of a member over its debts as its purpose says; returns what was
/// allocated.
pub async fn allocate_payment_in(
    tx: &mut Tx,
    member_id: i64,
    payment_id: i64,
    amount: Kopecks,
    purpose: &str,
    by: &str,
) -> DbResult<Kopecks> {
    let hints = read_purpose(purpose, INVOICE_PREFIX);
    let invoice = ls::invoice_charges(tx, member_id, &hints.invoices).await?;
    let mut open: Vec<_> = ls::open_charges(tx, &[member_id])
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let got = allocate(&mut open, amount, &hints, &invoice);
    let rows: Vec<_> = got
        .iter()
        .map(|(c, a)| (member_id, payment_id, *c, *a))
        .collect();
    ls::insert_allocations(tx, &rows, "", by).await?;
    Ok(got.iter().map(|g| g.1).sum())
}

/// A charge typed by the accountant.
#[derive(Debug, Clone)]
pub struct ManualCharge {
    pub charge_type_id: Option<i64>,
    pub kind: ChargeKind,
    pub description: String,
    pub period: String,
    pub amount: Kopecks,
    pub due_on: NaiveDate,
}

pub async fn add_charge(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    c: &ManualCharge,
) -> Result<i64, BillingError> {
    let mut errors = FieldErrors::new();
    if c.amount <= 0 {
        errors.add("amount", "Укажите сумму больше нуля");
    }
    if c.description.trim().is_empty() {
        errors.add("description", "Укажите, за что начисление");
    }
    errors.into_result().map_err(BillingError::Invalid)?;
    store::member_brief(&core.db, member_id)
        .await?
        .ok_or(BillingError::NotFound)?;
    let mut tx = core.db.begin().await?;
    let today = core.today();
    let id = ls::insert_charge(
        &mut tx,
        &NewCharge {
            member_id,
            charge_type_id: c.charge_type_id,
            kind: c.kind.code(),
            period: &c.period,
            description: c.description.trim(),
            amount: c.amount,
            charged_on: today,
            due_on: c.due_on,
            reverses_id: None,
            reason: "",
            created_by: &actor.label,
        },
    )
    .await?;
    close(
        tx,
        member_id,
        actor,
        "billing.charge",
        json!({"charge": id, "amount": c.amount, "description": c.description.trim()}),
    )
    .await?;
    Ok(id)
}

fn need_reason(reason: &str) -> Result<(), BillingError> {
    if reason.trim().chars().count() < 3 {
        return Err(BillingError::form(
            "reason",
            "Укажите причину: она остается в истории расчетов",
        ));
    }
    Ok(())
}

/// Undo a charge of `member_id` by a reversing row; money allocated to it is freed and goes
/// to other debts.
pub async fn reverse_charge(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    charge_id: i64,
    reason: &str,
) -> Result<(), BillingError> {
    need_reason(reason)?;
    let mut tx = core.db.begin().await?;
    let c = ls::charge(&mut tx, charge_id)
        .await?
        .filter(|c| c.member_id == member_id)
        .ok_or(BillingError::NotFound)?;
    let left = c.amount + c.reversed;
    if c.reverses_id.is_some() || left <= 0 {
        return Err(BillingError::Conflict(
            "Это начисление уже сторнировано".into(),
        ));
    }
    let today = core.today();
    ls::insert_charge(
        &mut tx,
        &NewCharge {
            member_id,
            charge_type_id: c.charge_type_id,
            kind: &c.kind,
            period: &c.period,
            description: &format!("Сторно: {}", c.description),
            amount: -left,
            charged_on: today,
            due_on: c.due_on,
            reverses_id: Some(c.id),
            reason: reason.trim(),
            created_by: &actor.label,
        },
    )
    .await?;
    let release: Vec<_> = ls::allocations_of_charge(&mut tx, c.id)
        .await?
        .into_iter()
        .map(|(p, a)| (member_id, p, c.id, -a))
        .collect();
    ls::insert_allocations(&mut tx, &release, reason.trim(), &actor.label).await?;
    close(
        tx,
        member_id,
        actor,
        "billing.charge_reversed",
        json!({"charge": c.id, "amount": left, "reason": reason.trim()}),
    )
    .await?;
    Ok(())
}

/// A payment typed by the accountant (cash, another bank).
#[derive(Debug, Clone)]
pub struct ManualPayment {
    pub amount: Kopecks,
    pub paid_on: NaiveDate,
    pub doc_number: String,
    pub purpose: String,
}

pub async fn add_payment(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    p: &ManualPayment,
) -> Result<i64, BillingError> {
    let mut errors = FieldErrors::new();
    if p.amount <= 0 {
        errors.add("amount", "Укажите сумму больше нуля");
    }
    if p.doc_number.trim().is_empty() {
        errors.add(
            "doc_number",
            "Укажите документ: номер приходного ордера или платежного поручения",
        );
    }
    errors.into_result().map_err(BillingError::Invalid)?;
    let (_, _, _, inn) = store::member_brief(&core.db, member_id)
        .await?
        .ok_or(BillingError::NotFound)?;
    let mut tx = core.db.begin().await?;
    let id = ls::insert_payment(
        &mut tx,
        &NewPayment {
            member_id: Some(member_id),
            amount: p.amount,
            paid_on: p.paid_on,
            source: "manual",
            doc_number: p.doc_number.trim(),
            doc_date: Some(p.paid_on),
            payer_name: "",
            payer_inn: &inn,
            payer_account: "",
            purpose: p.purpose.trim(),
            statement_id: None,
            dedup_key: None,
            reverses_id: None,
            reason: "",
            created_by: &actor.label,
        },
    )
    .await?;
    allocate_payment_in(&mut tx, member_id, id, p.amount, &p.purpose, &actor.label).await?;
    close(
        tx,
        member_id,
        actor,
        "billing.payment",
        json!({"payment": id, "amount": p.amount, "document": p.doc_number.trim()}),
    )
    .await?;
    Ok(id)
}

/// Undo a payment (entered twice, not the member's): its allocations are freed, its charges
/// are owed again.
pub async fn reverse_payment(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    payment_id: i64,
    reason: &str,
) -> Result<(), BillingError> {
    need_reason(reason)?;
    let mut tx = core.db.begin().await?;
    let p = ls::payment(&mut tx, payment_id)
        .await?
        .filter(|p| p.member_id == Some(member_id))
        .ok_or(BillingError::NotFound)?;
    let left = p.amount + p.reversed;
    if p.reverses_id.is_some() || left <= 0 {
        return Err(BillingError::Conflict("Этот платеж уже сторнирован".into()));
    }
    release_payment(&mut tx, member_id, p.id, reason.trim(), &actor.label).await?;
    ls::insert_payment(
        &mut tx,
        &NewPayment {
            member_id: Some(member_id),
            amount: -left,
            paid_on: core.today(),
            source: &p.source,
            doc_number: &p.doc_number,
            doc_date: p.doc_date,
            payer_name: &p.payer_name,
            payer_inn: &p.payer_inn,
            payer_account: &p.payer_account,
            purpose: &format!("Сторно: {}", p.purpose),
            statement_id: None,
            dedup_key: None,
            reverses_id: Some(p.id),
            reason: reason.trim(),
            created_by: &actor.label,
        },
    )
    .await?;
    close(
        tx,
        member_id,
        actor,
        "billing.payment_reversed",
        json!({"payment": p.id, "amount": left, "reason": reason.trim()}),
    )
    .await?;
    Ok(())
}

async fn release_payment(
    tx: &mut Tx,
    member_id: i64,
    payment_id: i64,
    reason: &str,
    by: &str,
) -> DbResult<()> {
    let release: Vec<_> = ls::allocations_of_payment(tx, payment_id)
        .await?
        .into_iter()
        .map(|(c, a)| (member_id, payment_id, c, -a))
        .collect();
    ls::insert_allocations(tx, &release, reason, by).await
}

/// Spread a payment anew over the charges the accountant names (a split is several lines);
/// what is left goes to the oldest debt.
pub async fn reallocate(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    payment_id: i64,
    lines: &[(i64, Kopecks)],
    reason: &str,
) -> Result<(), BillingError> {
    need_reason(reason)?;
    let lines: Vec<_> = lines.iter().filter(|l| l.1 != 0).copied().collect();
    if lines.is_empty() || lines.iter().any(|l| l.1 < 0) {
        return Err(BillingError::form(
            "lines",
            "Укажите хотя бы одно начисление и сумму больше нуля",
        ));
    }
    let mut tx = core.db.begin().await?;
    let p = ls::payment(&mut tx, payment_id)
        .await?
        .filter(|p| p.member_id == Some(member_id))
        .ok_or(BillingError::NotFound)?;
    let net = p.amount + p.reversed;
    if p.reverses_id.is_some() || net <= 0 {
        return Err(BillingError::Conflict("Этот платеж сторнирован".into()));
    }
    let total: Kopecks = lines.iter().map(|l| l.1).sum();
    if total > net {
        return Err(BillingError::form(
            "lines",
            format!(
                "Распределено {} — больше суммы платежа {}",
                crate::fmt::rubles(total),
                crate::fmt::rubles(net)
            ),
        ));
    }
    release_payment(&mut tx, member_id, p.id, reason.trim(), &actor.label).await?;
    let open = ls::open_charges(&mut tx, &[member_id]).await?;
    let mut rows = Vec::new();
    for (charge, amount) in &lines {
        let Some((_, c)) = open.iter().find(|(_, c)| c.id == *charge) else {
            return Err(BillingError::form(
                "lines",
                "Начисление уже оплачено или не относится к этому члену СРО",
            ));
        };
        if c.open < *amount {
            return Err(BillingError::form(
                "lines",
                format!(
                    "На начисление можно отнести не больше {}",
                    crate::fmt::rubles(c.open)
                ),
            ));
        }
        rows.push((member_id, p.id, *charge, *amount));
    }
    ls::insert_allocations(&mut tx, &rows, reason.trim(), &actor.label).await?;
    close(
        tx,
        member_id,
        actor,
        "billing.reallocated",
        json!({"payment": p.id, "lines": lines, "reason": reason.trim()}),
    )
    .await?;
    Ok(())
}

/// Give an unmatched payment to the member with `inn`, then spread it over its debts.
pub async fn assign(
    core: &Core,
    actor: &Actor,
    payment_id: i64,
    member_id: i64,
    reason: &str,
) -> Result<(), BillingError> {
    need_reason(reason)?;
    store::member_brief(&core.db, member_id)
        .await?
        .ok_or_else(|| BillingError::form("member", "Член СРО не найден"))?;
    let mut tx = core.db.begin().await?;
    let p = ls::payment(&mut tx, payment_id)
        .await?
        .ok_or(BillingError::NotFound)?;
    if ls::assign(&mut tx, payment_id, member_id, &actor.label).await? == 0 {
        return Err(BillingError::Conflict(
            "Платеж уже отнесен на члена СРО".into(),
        ));
    }
    allocate_payment_in(&mut tx, member_id, p.id, p.amount, &p.purpose, &actor.label).await?;
    close(
        tx,
        member_id,
        actor,
        "billing.assigned",
        json!({"payment": p.id, "amount": p.amount, "reason": reason.trim()}),
    )
    .await?;
    Ok(())
}

pub async fn unmatched(core: &Core) -> Result<Vec<PaymentRow>, BillingError> {
    Ok(ls::unmatched(&core.db, 500).await?)
}

/// How many payments wait to be assigned to a member (the accountant's work queue).
pub async fn unmatched_count(core: &Core) -> Result<i64, BillingError> {
    Ok(ls::unmatched_count(&core.db).await?)
}

pub async fn debtors(core: &Core) -> Result<Vec<super::DebtorRow>, BillingError> {
    Ok(ls::debtors(&core.db, core.today()).await?)
}

/// The member with this INN (spaces and dashes allowed), for assigning a payment.
pub async fn member_by_inn(core: &Core, inn: &str) -> Result<Option<i64>, BillingError> {
    let typed: String = inn
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let Ok(inn) = crate::requisites::Inn::parse(&typed) else {
        return Ok(None);
    };
    Ok(store::member_by_inn(&core.db, inn.as_str()).await?)
}
