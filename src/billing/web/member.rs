//! «Платежи и задолженности» in the cabinet («Руководитель», «Бухгалтер»; the company's other
//! users and other companies get 404): the debt, the debts by charge, the payments and where
//! they went, «Счет на оплату» with the QR code, «Акт сверки».

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::views::{LedgerView, ledger_view};
use crate::billing::model::ChargeKind;
use crate::billing::{ledger, papers};
use crate::fmt;
use crate::web::access::Payments;
use crate::web::views::Chrome;
use crate::web::{AppError, Member, file_response, page};

#[derive(Deserialize, Default)]
pub(super) struct Filter {
    #[serde(default)]
    year: String,
    #[serde(default)]
    kind: String,
}

pub struct InvoiceLink {
    pub id: i64,
    pub number: String,
    pub date: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "billing/member.html")]
struct PaymentsPage {
    chrome: Chrome,
    v: LedgerView,
    payable: bool,
    invoices: Vec<InvoiceLink>,
    act_from: String,
    act_to: String,
    filtered: bool,
}

pub(super) async fn show(
    m: Member<Payments>,
    Query(f): Query<Filter>,
) -> Result<Response, AppError> {
    let core = &m.ctx.state.core;
    let l = ledger::ledger(core, m.member_id).await?;
    let today = core.today();
    let year = f.year.parse::<i32>().ok();
    let kind = ChargeKind::from_code(&f.kind);
    let invoices = papers::invoices_of(core, m.member_id)
        .await?
        .into_iter()
        .map(|i| InvoiceLink {
            id: i.id,
            number: i.number,
            date: fmt::datetime(&i.created_at),
            amount: fmt::rubles(i.amount),
        })
        .collect();
    page(&PaymentsPage {
        chrome: m.ctx.chrome("Платежи и задолженности"),
        v: ledger_view(&l, today, year, kind),
        payable: papers::payable(core),
        invoices,
        act_from: NaiveDate::from_ymd_opt(today.year(), 1, 1)
            .unwrap_or(today)
            .to_string(),
        act_to: today.to_string(),
        filtered: year.is_some() || kind.is_some(),
    })
}

#[derive(Deserialize)]
pub(super) struct InvoiceForm {
    /// A charge's id, or empty for the whole debt.
    #[serde(default)]
    charge: String,
}

pub(super) async fn make_invoice(
    m: Member<Payments>,
    Form(f): Form<InvoiceForm>,
) -> Result<Response, AppError> {
    let charge = match f.charge.trim() {
        "" => None,
        s => Some(s.parse::<i64>().map_err(|_| AppError::NotFound)?),
    };
    let id = papers::create_invoice(&m.ctx.state.core, &m.actor(), m.member_id, charge).await?;
    Ok(Redirect::to(&format!("/kabinet/payments/invoices/{id}")).into_response())
}

pub(super) async fn invoice_pdf(
    m: Member<Payments>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (name, pdf) = papers::invoice_pdf(&m.ctx.state.core, m.member_id, id).await?;
    Ok(file_response(pdf, "application/pdf", &name, true))
}

#[derive(Deserialize, Default)]
pub(super) struct ActQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub format: String,
}

/// The period of an act from the form: both dates, the first not after the second.
pub(super) fn act_period(
    q: &ActQuery,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), AppError> {
    let bad = |m: &str| AppError::Unprocessable(m.to_string());
    let from = fmt::parse_date(&q.from).map_err(|m| bad(&m))?;
    let to = fmt::parse_date(&q.to)
        .map_err(|m| bad(&m))?
        .unwrap_or(today);
    let from = from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    if from > to {
        return Err(bad("Начало периода акта сверки позже его конца"));
    }
    Ok((from, to))
}

/// «Акт сверки» as PDF (default) or XLSX.
pub(super) async fn act_response(
    core: &crate::core::Core,
    member_id: i64,
    q: &ActQuery,
) -> Result<Response, AppError> {
    let (from, to) = act_period(q, core.today())?;
    let doc = papers::act(core, member_id, from, to).await?;
    let name = format!(
        "Акт сверки {} {}–{}",
        doc.member_name,
        fmt::date(&from),
        fmt::date(&to)
    );
    if q.format == "xlsx" {
        let bytes = papers::act_xlsx(&doc).map_err(AppError::Unexpected)?;
        return Ok(file_response(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{name}.xlsx"),
            false,
        ));
    }
    let pdf = papers::act_pdf(core, doc).await?;
    Ok(file_response(
        pdf,
        "application/pdf",
        &format!("{name}.pdf"),
        true,
    ))
}

pub(super) async fn act(
    m: Member<Payments>,
    Query(q): Query<ActQuery>,
) -> Result<Response, AppError> {
    act_response(&m.ctx.state.core, m.member_id, &q).await
}
