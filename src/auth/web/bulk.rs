//! «Пригласить всех без доступа» (administrators): the preview, the start, and a batch's
//! progress and report.

use askama::Template;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::bulk;
use crate::fmt;
use crate::web::access::Administer;
use crate::web::views::Chrome;
use crate::web::{AppError, Staff, page};

/// How many of the members to be invited the preview lists by name.
const SHOWN: usize = 200;

pub struct MemberLine {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub note: String,
}

pub struct BatchLine {
    pub id: i64,
    pub started: String,
    pub author: String,
    pub total: i64,
    pub done: i64,
    pub finished: bool,
}

impl From<&bulk::BatchRow> for BatchLine {
    fn from(b: &bulk::BatchRow) -> Self {
        BatchLine {
            id: b.id,
            started: fmt::datetime(&b.created_at),
            author: b.author.clone(),
            total: b.total,
            done: b.done,
            finished: b.finished_at.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "office/invitations.html")]
struct PreviewPage {
    chrome: Chrome,
    ready: Vec<MemberLine>,
    ready_total: usize,
    unreachable: Vec<MemberLine>,
    batches: Vec<BatchLine>,
}

pub(super) async fn show_preview(s: Staff<Administer>) -> Result<Response, AppError> {
    let db = &s.ctx.state.db;
    let p = bulk::preview(db).await?;
    page(&PreviewPage {
        chrome: s.ctx.chrome("Пригласить всех без доступа"),
        ready_total: p.ready.len(),
        ready: p
            .ready
            .iter()
            .take(SHOWN)
            .map(|m| MemberLine {
                id: m.id,
                name: m.short_name.clone(),
                email: m.email.clone(),
                note: String::new(),
            })
            .collect(),
        unreachable: p
            .unreachable
            .iter()
            .map(|(m, why)| MemberLine {
                id: m.id,
                name: m.short_name.clone(),
                email: fmt::or_dash(&m.email),
                note: why.to_string(),
            })
            .collect(),
        batches: bulk::batches(db)
            .await?
            .iter()
            .map(BatchLine::from)
            .collect(),
    })
}

pub(super) async fn start(s: Staff<Administer>) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    match bulk::start(&state.core, &s.user, &s.ctx.client).await? {
        Some(id) => Ok(Redirect::to(&format!("/office/invitations/{id}")).into_response()),
        None => Err(AppError::Unprocessable(
            "Приглашать некого: у всех членов СРО с адресом в реестре уже есть пользователи личного кабинета или приглашение в пути.".into(),
        )),
    }
}

#[derive(Template)]
#[template(path = "office/invitation_batch.html")]
struct ReportPage {
    chrome: Chrome,
    batch: BatchLine,
    sent: Vec<MemberLine>,
    not_sent: Vec<MemberLine>,
    pending: usize,
}

pub(super) async fn show_report(
    s: Staff<Administer>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let r = bulk::report(&s.ctx.state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut sent = vec![];
    let mut not_sent = vec![];
    let mut pending = 0;
    for (i, delivery) in &r.items {
        let line = MemberLine {
            id: i.member_id,
            name: i.short_name.clone(),
            email: fmt::or_dash(&i.email),
            note: match i.state.as_str() {
                "sent" => delivery.clone().unwrap_or_else(|| "отправляется".into()),
                _ => i.note.clone(),
            },
        };
        match i.state.as_str() {
            "sent" => sent.push(line),
            "pending" => pending += 1,
            _ => not_sent.push(line),
        }
    }
    page(&ReportPage {
        chrome: s.ctx.chrome("Приглашения"),
        batch: BatchLine::from(&r.batch),
        sent,
        not_sent,
        pending,
    })
}
