//! Bank statements: the upload with its report, the list, one statement's report; payments
//! nobody was matched to («Неразнесенные») and their assignment.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::TryStreamExt;
use serde::Deserialize;

use crate::billing::import::{self, Report};
use crate::billing::statement::Problem;
use crate::billing::{BillingError, ledger};
use crate::fmt;
use crate::web::access::ManageBilling;
use crate::web::upload::read_one_file;
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Staff, page, with_status};

/// The largest statement taken over the web (100,000 payments are about 60 MB).
pub const MAX_STATEMENT_BYTES: u64 = 256 * 1024 * 1024;

pub struct StatementView {
    pub id: i64,
    pub file_name: String,
    pub at: String,
    pub by: String,
    pub period: String,
    pub payments: i64,
    pub matched: i64,
    pub unmatched: i64,
    pub duplicates: i64,
    pub total: String,
}

#[derive(Template)]
#[template(path = "billing/statements.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<StatementView>,
    error: Option<String>,
    report: Vec<String>,
    report_ok: bool,
}

fn view(r: &crate::billing::StatementRow) -> StatementView {
    StatementView {
        id: r.id,
        file_name: r.file_name.clone(),
        at: fmt::datetime(&r.uploaded_at),
        by: r.uploaded_by.clone(),
        period: match (r.date_from, r.date_to) {
            (Some(a), Some(b)) => format!("{} – {}", fmt::date(&a), fmt::date(&b)),
            _ => "—".into(),
        },
        payments: r.payments,
        matched: r.matched,
        unmatched: r.unmatched,
        duplicates: r.duplicates,
        total: fmt::rubles(r.total),
    }
}

async fn list_page(s: &Staff<ManageBilling>) -> Result<ListPage, AppError> {
    let rows = import::statements(&s.ctx.state.core).await?;
    Ok(ListPage {
        chrome: s.ctx.chrome("Выписки банка"),
        rows: rows.iter().map(view).collect(),
        error: None,
        report: Vec::new(),
        report_ok: false,
    })
}

pub(super) async fn show_list(s: Staff<ManageBilling>) -> Result<Response, AppError> {
    page(&list_page(&s).await?)
}

pub(super) async fn upload(
    s: Staff<ManageBilling>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let form = read_one_file(
        multipart,
        &state.storage,
        &state.db,
        MAX_STATEMENT_BYTES / 1024 / 1024,
        &["txt"],
    )
    .await?;
    let mut p = list_page(&s).await?;
    let dry_run = !form.text("dry_run").is_empty();
    let Some((_, upload)) = form.files.into_iter().next() else {
        p.error = Some(
            form.problems
                .messages()
                .first()
                .map(|m| m.to_string())
                .unwrap_or_else(|| "Выберите файл выписки (.txt, формат 1С: kl_to_1c.txt)".into()),
        );
        return with_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    };
    let stream = state
        .storage
        .open(&upload.staged.tmp_key)
        .await
        .map_err(AppError::Unexpected)?;
    let reader = tokio::io::BufReader::new(tokio_util::io::StreamReader::new(
        stream.map_err(std::io::Error::other),
    ));
    let report = import::import(
        &state.core,
        &s.actor(),
        &upload.name,
        Some(&upload),
        reader,
        dry_run,
        &|_| {},
    )
    .await?;
    if !report.written && !dry_run {
        state
            .storage
            .discard(std::slice::from_ref(&upload.staged))
            .await;
    }
    report_page(p, &report, dry_run)
}

fn report_page(mut p: ListPage, report: &Report, dry_run: bool) -> Result<Response, AppError> {
    p.report = report.lines();
    if report.problems_total > 0 {
        p.error = Some(format!(
            "Выписка не загружена: в файле есть строки, которые не удалось прочитать ({}). Ничего не записано — исправьте файл или выгрузите его из банка заново.",
            report.problems_total
        ));
        return with_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    p.report_ok = true;
    if dry_run {
        p.report.insert(
            0,
            "Проверка без записи: так будет загружена эта выписка.".into(),
        );
    } else if let Some(id) = report.statement_id {
        return Ok(
            Redirect::to(&format!("/office/billing/statements/{id}?done=loaded")).into_response(),
        );
    }
    page(&p)
}

#[derive(Template)]
#[template(path = "billing/statement.html")]
struct OnePage {
    chrome: Chrome,
    s: StatementView,
    lines: Vec<String>,
    done: bool,
}

pub(super) async fn show_one(
    s: Staff<ManageBilling>,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let r = import::statement(&s.ctx.state.core, id).await?;
    let problems: Vec<Problem> = serde_json::from_str(&r.problems).unwrap_or_default();
    let report = Report {
        statement_id: Some(r.id),
        file_name: r.file_name.clone(),
        encoding: r.encoding.clone(),
        version: r.version.clone(),
        documents: r.documents,
        payments: r.payments,
        other: r.documents - r.payments,
        matched: r.matched,
        unmatched: r.unmatched,
        duplicates: r.duplicates,
        total: r.total,
        allocated: r.allocated,
        problems_total: problems.len(),
        problems,
        written: true,
    };
    page(&OnePage {
        chrome: s.ctx.chrome(&format!("Выписка {}", r.file_name)),
        s: view(&r),
        lines: report.lines(),
        done: !q.done.is_empty(),
    })
}

pub struct UnmatchedView {
    pub id: i64,
    pub paid_on: String,
    pub payer: String,
    pub payer_inn: String,
    pub document: String,
    pub purpose: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "billing/unmatched.html")]
struct UnmatchedPage {
    chrome: Chrome,
    rows: Vec<UnmatchedView>,
    error: Option<(i64, String)>,
    done: bool,
}

async fn unmatched_page(s: &Staff<ManageBilling>) -> Result<UnmatchedPage, AppError> {
    let rows = ledger::unmatched(&s.ctx.state.core)
        .await?
        .into_iter()
        .map(|p| UnmatchedView {
            id: p.id,
            paid_on: fmt::date(&p.paid_on),
            payer: p.payer_name,
            payer_inn: p.payer_inn,
            document: p.doc_number,
            purpose: p.purpose,
            amount: fmt::rubles(p.amount),
        })
        .collect();
    Ok(UnmatchedPage {
        chrome: s.ctx.chrome("Неразнесенные платежи"),
        rows,
        error: None,
        done: false,
    })
}

pub(super) async fn show_unmatched(
    s: Staff<ManageBilling>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let mut p = unmatched_page(&s).await?;
    p.done = !q.done.is_empty();
    page(&p)
}

#[derive(Deserialize)]
pub(super) struct AssignForm {
    #[serde(default)]
    inn: String,
    #[serde(default)]
    reason: String,
}

pub(super) async fn assign(
    s: Staff<ManageBilling>,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Result<Response, AppError> {
    let core = &s.ctx.state.core;
    let member = crate::billing::ledger::member_by_inn(core, &f.inn).await?;
    let outcome = match member {
        Some(m) => ledger::assign(core, &s.actor(), id, m, &f.reason).await,
        None => Err(BillingError::form("inn", "Член СРО с таким ИНН не найден")),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to("/office/billing/unmatched?done=assigned").into_response()),
        Err(BillingError::Invalid(e)) => {
            let mut p = unmatched_page(&s).await?;
            p.error = Some((id, e.to_string()));
            with_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(e.into()),
    }
}
