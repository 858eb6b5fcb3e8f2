//! A member's ledger in the back office: experts see it, the accountant and administrators
//! change it — a manual charge or payment, a reversal with its reason, a payment spread anew,
//! a discount or exemption — and make its reconciliation act.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::member::{ActQuery, act_response};
use super::views::{LedgerView, ledger_view};
use crate::auth::rules::Permission;
use crate::billing::ledger::{self, ManualCharge, ManualPayment};
use crate::billing::model::ChargeKind;
use crate::billing::{BillingError, tariffs};
use crate::fmt;
use crate::validation::FieldErrors;
use crate::web::access::{Billing, ManageBilling, Rule};
use crate::web::list::Opt;
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Staff, invalid, page};

pub struct ExemptionView {
    pub charge_type: String,
    pub percent: i64,
    pub period: String,
    pub grounds: String,
}

#[derive(Template)]
#[template(path = "billing/ledger.html")]
struct LedgerPage {
    chrome: Chrome,
    member_id: i64,
    name: String,
    inn: String,
    v: LedgerView,
    manage: bool,
    types: Vec<Opt>,
    exemptions: Vec<ExemptionView>,
    errors: FieldErrors,
    /// Which form the errors belong to.
    failed: &'static str,
    done: bool,
    today: String,
    year_start: String,
}

async fn ledger_page<R: Rule>(
    s: &Staff<R>,
    member_id: i64,
    errors: FieldErrors,
    failed: &'static str,
) -> Result<LedgerPage, AppError> {
    let core = &s.ctx.state.core;
    let l = ledger::ledger(core, member_id).await?;
    let today = core.today();
    let types = tariffs::list(core).await?;
    let exemptions = tariffs::exemptions(core, member_id)
        .await?
        .into_iter()
        .map(|e| ExemptionView {
            charge_type: types
                .iter()
                .find(|t| t.row.id == e.charge_type_id)
                .map(|t| t.row.name.clone())
                .unwrap_or_default(),
            percent: e.percent,
            period: match e.valid_to {
                Some(to) => format!("с {} по {}", fmt::date(&e.valid_from), fmt::date(&to)),
                None => format!("с {}", fmt::date(&e.valid_from)),
            },
            grounds: e.grounds,
        })
        .collect();
    Ok(LedgerPage {
        chrome: s.ctx.chrome(&format!("Расчеты: {}", l.short_name)),
        member_id,
        name: l.short_name.clone(),
        inn: l.inn.clone(),
        v: ledger_view(&l, today, None, None),
        manage: s.may(Permission::ManageBilling),
        types: types
            .iter()
            .map(|t| Opt::new(t.row.id.to_string(), t.row.name.clone(), ""))
            .collect(),
        exemptions,
        errors,
        failed,
        done: false,
        today: today.to_string(),
        year_start: format!("{}-01-01", chrono::Datelike::year(&today)),
    })
}

pub(super) async fn show(
    s: Staff<Billing>,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let mut p = ledger_page(&s, id, FieldErrors::new(), "").await?;
    p.done = !q.done.is_empty();
    page(&p)
}

/// After a change: back to the ledger, or the ledger again with the form's messages (422).
async fn outcome(
    s: Staff<ManageBilling>,
    member_id: i64,
    form: &'static str,
    r: Result<(), BillingError>,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(
            Redirect::to(&format!("/office/billing/members/{member_id}?done=saved"))
                .into_response(),
        ),
        Err(BillingError::Invalid(errors)) => {
            invalid(&ledger_page(&s, member_id, errors, form).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct ChargeForm {
    #[serde(default)]
    charge_type: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    due_on: String,
}

pub(super) async fn add_charge(
    s: Staff<ManageBilling>,
    Path(id): Path<i64>,
    Form(f): Form<ChargeForm>,
) -> Result<Response, AppError> {
    let core = &s.ctx.state.core;
    let mut errors = FieldErrors::new();
    let amount = fmt::parse_rubles(&f.amount).unwrap_or_else(|m| {
        errors.add("amount", m);
        0
    });
    let due_on = match fmt::parse_date(&f.due_on) {
        Ok(Some(d)) => d,
        Ok(None) => core.today(),
        Err(m) => {
            errors.add("due_on", m);
            core.today()
        }
    };
    let types = tariffs::list(core).await?;
    let t = f
        .charge_type
        .parse::<i64>()
        .ok()
        .and_then(|tid| types.iter().find(|t| t.row.id == tid));
    let r = if errors.is_empty() {
        let c = ManualCharge {
            charge_type_id: t.map(|t| t.row.id),
            kind: t
                .and_then(|t| ChargeKind::from_code(&t.row.kind))
                .unwrap_or(ChargeKind::Other),
            description: if f.description.trim().is_empty() {
                t.map(|t| t.row.name.clone()).unwrap_or_default()
            } else {
                f.description.trim().to_string()
            },
            period: f.period.trim().to_string(),
            amount,
            due_on,
        };
        ledger::add_charge(core, &s.actor(), id, &c)
            .await
            .map(|_| ())
    } else {
        Err(BillingError::Invalid(errors))
    };
    outcome(s, id, "charge", r).await
}

#[derive(Deserialize)]
pub(super) struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub(super) async fn reverse_charge(
    s: Staff<ManageBilling>,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let r = ledger::reverse_charge(&s.ctx.state.core, &s.actor(), id, cid, &f.reason).await;
    outcome(s, id, "reverse", r).await
}

#[derive(Deserialize)]
pub(super) struct PaymentForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    doc_number: String,
    #[serde(default)]
    purpose: String,
}

pub(super) async fn add_payment(
    s: Staff<ManageBilling>,
    Path(id): Path<i64>,
    Form(f): Form<PaymentForm>,
) -> Result<Response, AppError> {
    let core = &s.ctx.state.core;
    let mut errors = FieldErrors::new();
    let amount = fmt::parse_rubles(&f.amount).unwrap_or_else(|m| {
        errors.add("amount", m);
        0
    });
    let paid_on = match fmt::parse_date(&f.paid_on) {
        Ok(Some(d)) if d <= core.today() => d,
        Ok(Some(_)) => {
            errors.add("paid_on", "Дата оплаты не может быть в будущем");
            core.today()
        }
        Ok(None) => core.today(),
        Err(m) => {
            errors.add("paid_on", m);
            core.today()
        }
    };
    let r = if errors.is_empty() {
        let p = ManualPayment {
            amount,
            paid_on,
            doc_number: f.doc_number,
            purpose: f.purpose,
        };
        ledger::add_payment(core, &s.actor(), id, &p)
            .await
            .map(|_| ())
    } else {
        Err(BillingError::Invalid(errors))
    };
    outcome(s, id, "payment", r).await
}

pub(super) async fn reverse_payment(
    s: Staff<ManageBilling>,
    Path((id, pid)): Path<(i64, i64)>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let r = ledger::reverse_payment(&s.ctx.state.core, &s.actor(), id, pid, &f.reason).await;
    outcome(s, id, "reverse", r).await
}

/// «charge_<id>» = amount, for every open charge of the form; and the reason.
pub(super) async fn reallocate(
    s: Staff<ManageBilling>,
    Path((id, pid)): Path<(i64, i64)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let mut lines = Vec::new();
    let mut reason = String::new();
    for (k, v) in &f {
        if k == "reason" {
            reason = v.clone();
        } else if let Some(c) = k
            .strip_prefix("charge_")
            .and_then(|c| c.parse::<i64>().ok())
        {
            match fmt::parse_rubles(v) {
                Ok(a) => lines.push((c, a)),
                Err(m) => errors.add("lines", m),
            }
        }
    }
    let r = if errors.is_empty() {
        ledger::reallocate(&s.ctx.state.core, &s.actor(), id, pid, &lines, &reason).await
    } else {
        Err(BillingError::Invalid(errors))
    };
    outcome(s, id, "allocate", r).await
}

#[derive(Deserialize)]
pub(super) struct ExemptionForm {
    #[serde(default)]
    charge_type: String,
    #[serde(default)]
    percent: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    #[serde(default)]
    grounds: String,
}

pub(super) async fn add_exemption(
    s: Staff<ManageBilling>,
    Path(id): Path<i64>,
    Form(f): Form<ExemptionForm>,
) -> Result<Response, AppError> {
    let core = &s.ctx.state.core;
    ledger::ledger(core, id).await?;
    let type_id = f.charge_type.parse::<i64>().unwrap_or(0);
    let r = tariffs::add_exemption(
        core,
        &s.actor(),
        id,
        type_id,
        &f.percent,
        &f.valid_from,
        &f.valid_to,
        &f.grounds,
    )
    .await;
    outcome(s, id, "exemption", r).await
}

pub(super) async fn act(
    s: Staff<Billing>,
    Path(id): Path<i64>,
    Query(q): Query<ActQuery>,
) -> Result<Response, AppError> {
    act_response(&s.ctx.state.core, id, &q).await
}
