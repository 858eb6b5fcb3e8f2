//! «Документы от СРО» in the cabinet: the company's messages its user's role reads, unread
//! first; a message with its files, «Ознакомлен».

use askama::Template;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};

use super::{FileView, file_views};
use crate::fmt;
use crate::messages::InboxRow;
use crate::messages::model::Category;
use crate::messages::service;
use crate::web::views::Chrome;
use crate::web::{AppError, Member, page, stream_file};

pub struct CopyView {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub category: &'static str,
    pub date: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub answer_due: String,
    pub requires_ack: bool,
    pub acked: String,
    pub answered: String,
}

impl From<&InboxRow> for CopyView {
    fn from(r: &InboxRow) -> Self {
        let (status, status_code) = if r.answered_at.is_some() {
            ("ответ отправлен", "accepted")
        } else if r.acked_at.is_some() {
            ("ознакомлен", "accepted")
        } else if r.opened_at.is_some() {
            ("прочитано", "registered")
        } else {
            ("новое", "sent")
        };
        CopyView {
            id: r.message_id,
            number: r.number.clone().unwrap_or_default(),
            subject: r.subject.clone(),
            category: Category::from_code(&r.category)
                .unwrap_or(Category::Other)
                .label(),
            date: r.sent_at.as_ref().map(fmt::datetime).unwrap_or_default(),
            status,
            status_code,
            answer_due: r.answer_due.as_ref().map(fmt::date).unwrap_or_default(),
            requires_ack: r.requires_ack,
            acked: match (&r.acked_at, &r.acked_by_name) {
                (Some(at), Some(who)) => format!("{who}, {}", fmt::datetime(at)),
                (Some(at), None) => fmt::datetime(at),
                _ => String::new(),
            },
            answered: r
                .answered_at
                .as_ref()
                .map(fmt::datetime)
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "messages/member_list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<CopyView>,
    unread: usize,
}

pub(super) async fn show_list(m: Member) -> Result<Response, AppError> {
    let rows = service::inbox(&m.ctx.state.core, m.member_id, m.role).await?;
    page(&ListPage {
        chrome: m.ctx.chrome("Документы от СРО"),
        unread: rows.iter().filter(|r| r.opened_at.is_none()).count(),
        rows: rows.iter().map(CopyView::from).collect(),
    })
}

#[derive(Template)]
#[template(path = "messages/member_message.html")]
struct MessagePage {
    chrome: Chrome,
    m: CopyView,
    body: Vec<String>,
    files: Vec<FileView>,
    /// «Ответить»: the roles that write letters to the SRO.
    may_answer: bool,
}

pub(super) async fn show_message(m: Member, Path(id): Path<i64>) -> Result<Response, AppError> {
    let core = &m.ctx.state.core;
    let row = service::open(core, &m.actor(), m.member_id, m.role, m.user.user_id, id).await?;
    let files = file_views(service::files(core, id).await?);
    page(&MessagePage {
        chrome: m.ctx.chrome(&row.subject),
        body: crate::messages::model::paragraphs(&row.body),
        m: CopyView::from(&row),
        files,
        may_answer: m.may(crate::auth::rules::Permission::Reports),
    })
}

pub(super) async fn acknowledge(m: Member, Path(id): Path<i64>) -> Result<Response, AppError> {
    service::acknowledge(
        &m.ctx.state.core,
        &m.actor(),
        m.member_id,
        m.role,
        m.user.user_id,
        id,
    )
    .await?;
    Ok(Redirect::to(&format!("/kabinet/messages/{id}")).into_response())
}

pub(super) async fn download(
    m: Member,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let f = service::member_file(&state.core, m.member_id, m.role, id, file).await?;
    stream_file(
        &state.storage,
        &f.storage_key,
        &f.original_name,
        &f.media_type,
        f.size_bytes,
    )
    .await
}
