//! Extracts from the register: «Получить выписку» in the cabinet, issuing one for any member
//! in the back office, the PDFs, and the journals of issued extracts.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::register::extract::{self, ExtractError};
use crate::register::store::ExtractRow;
use crate::state::AppState;
use crate::web::list::Pager;
use crate::web::views::Chrome;
use crate::web::{AppError, Member, Staff, file_response, page};

const PER_PAGE: i64 = 50;

pub struct ExtractView {
    pub number: String,
    pub issued_at: String,
    pub company: String,
    pub inn: String,
    pub issued_to: String,
    pub issued_by: String,
    pub pdf_href: String,
    pub verify_href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "register/extracts.html")]
struct ExtractsPage {
    chrome: Chrome,
    staff: bool,
    rows: Vec<ExtractView>,
    pager: Pager,
    company: String,
}

#[derive(Deserialize, Default)]
pub(super) struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    member: Option<i64>,
}

fn extract_views(rows: &[ExtractRow], staff: bool) -> Vec<ExtractView> {
    rows.iter()
        .map(|r| ExtractView {
            number: r.number.clone(),
            issued_at: crate::fmt::datetime(&r.issued_at),
            company: r.short_name.clone(),
            inn: r.inn.clone(),
            issued_to: r.issued_to.clone(),
            issued_by: r.issued_by.clone(),
            pdf_href: if staff {
                format!("/office/extracts/{}/pdf", r.number)
            } else {
                format!("/kabinet/extracts/{}/pdf", r.number)
            },
            verify_href: format!("/v/{}", r.number),
            current: r.current_version == r.member_version,
        })
        .collect()
}

pub(super) async fn show_office_extracts(
    s: Staff,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let (rows, total) = extract::journal(
        &state.db,
        q.member,
        PER_PAGE,
        Pager::offset(q.page, PER_PAGE),
    )
    .await?;
    let member = q.member.map(|m| m.to_string()).unwrap_or_default();
    page(&ExtractsPage {
        chrome: s.ctx.chrome("Журнал выписок"),
        staff: true,
        company: if q.member.is_some() {
            rows.first()
                .map(|r| r.short_name.clone())
                .unwrap_or_default()
        } else {
            String::new()
        },
        rows: extract_views(&rows, true),
        pager: Pager::new(
            "/office/extracts",
            &[("member", &member)],
            q.page,
            PER_PAGE,
            total,
        ),
    })
}

pub(super) async fn show_member_extracts(
    m: Member,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let (rows, total) = extract::journal(
        &state.db,
        Some(m.member_id),
        PER_PAGE,
        Pager::offset(q.page, PER_PAGE),
    )
    .await?;
    page(&ExtractsPage {
        chrome: m.ctx.chrome("Выписки из реестра"),
        staff: false,
        company: String::new(),
        rows: extract_views(&rows, false),
        pager: Pager::new("/kabinet/extracts", &[], q.page, PER_PAGE, total),
    })
}

impl From<ExtractError> for AppError {
    fn from(e: ExtractError) -> Self {
        match e {
            ExtractError::NotFound => AppError::NotFound,
            ExtractError::IssuedToRequired | ExtractError::IssuedToTooLong => {
                AppError::Unprocessable(e.to_string())
            }
            ExtractError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

/// «Получить выписку»: the extract is made at once and opens as a PDF.
pub(super) async fn issue_member_extract(m: Member) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    state.limits.check_extract_issue(m.member_id).await?;
    let issued = extract::issue_to_member(&state.core, m.member_id, &m.actor()).await?;
    Ok(Redirect::to(&format!("/kabinet/extracts/{}/pdf", issued.number)).into_response())
}

#[derive(Deserialize)]
pub(super) struct IssueForm {
    #[serde(default)]
    issued_to: String,
}

pub(super) async fn issue_office_extract(
    s: Staff,
    Path(id): Path<i64>,
    Form(f): Form<IssueForm>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let issued = extract::issue(&state.core, id, &f.issued_to, &s.actor()).await?;
    Ok(Redirect::to(&format!("/office/extracts/{}/pdf", issued.number)).into_response())
}

/// The stored PDF of an extract, if `number` is one and `member` (when given) owns it.
pub(super) async fn extract_pdf(
    state: &AppState,
    number: &str,
    member: Option<i64>,
) -> Result<Response, AppError> {
    let (number, bytes) = extract::stored_pdf(&state.core, number, member).await?;
    Ok(file_response(
        bytes,
        "application/pdf",
        &format!("Выписка {number}.pdf"),
        true,
    ))
}

pub(super) async fn download_member_extract(
    m: Member,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    extract_pdf(state, &number, Some(m.member_id)).await
}

pub(super) async fn download_office_extract(
    s: Staff,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    extract_pdf(state, &number, None).await
}
