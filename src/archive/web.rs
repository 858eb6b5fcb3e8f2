//! «Архив организации» for «Руководитель»: ask for an archive, watch it being built (the page
//! refreshes itself while it is), download it until it expires.

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::ArchiveError;
use super::service::{self, KEEP_DAYS};
use crate::fmt;
use crate::state::AppState;
use crate::web::access::CompanyArchive;
use crate::web::views::Chrome;
use crate::web::{AppError, Member, page, stream_file};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kabinet/archive", get(show).post(request))
        .route("/kabinet/archive/{id}/download", get(download))
}

impl From<ArchiveError> for AppError {
    fn from(e: ArchiveError) -> Self {
        match e {
            ArchiveError::NotFound => AppError::NotFound,
            ArchiveError::Gone(m) => AppError::NotFoundWith(m),
            ArchiveError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

pub struct ArchiveView {
    pub id: i64,
    pub asked: String,
    pub state: &'static str,
    pub state_code: &'static str,
    pub ready: bool,
    pub size: String,
    pub entries: i64,
    pub until: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "archive/member.html")]
struct ArchivePage {
    chrome: Chrome,
    rows: Vec<ArchiveView>,
    /// Something is being built: the page refreshes itself.
    busy: bool,
    keep_days: i64,
}

async fn show(m: Member<CompanyArchive>) -> Result<Response, AppError> {
    let core = &m.ctx.state.core;
    let now = core.db.now();
    let rows: Vec<ArchiveView> = service::list(core, m.member_id)
        .await?
        .into_iter()
        .map(|a| {
            let expired = a.state == "expired" || a.expires_at.is_some_and(|t| t < now);
            let (state, state_code) = match a.state.as_str() {
                "pending" => ("в очереди", "sent"),
                "building" => ("формируется", "sent"),
                "ready" if !expired => ("готов", "accepted"),
                "failed" => ("не удалось", "returned"),
                _ => ("срок хранения истек", "draft"),
            };
            ArchiveView {
                id: a.id,
                asked: fmt::datetime(&a.created_at),
                state,
                state_code,
                ready: a.state == "ready" && !expired,
                size: fmt::human_size(a.size_bytes),
                entries: a.entries,
                until: a.expires_at.as_ref().map(fmt::datetime).unwrap_or_default(),
                error: a.error,
            }
        })
        .collect();
    page(&ArchivePage {
        chrome: m.ctx.chrome("Архив организации"),
        busy: rows.iter().any(|r| r.state_code == "sent"),
        rows,
        keep_days: KEEP_DAYS,
    })
}

async fn request(m: Member<CompanyArchive>) -> Result<Response, AppError> {
    service::request(&m.ctx.state.core, &m.actor(), m.member_id, m.user.user_id).await?;
    Ok(Redirect::to("/kabinet/archive").into_response())
}

async fn download(m: Member<CompanyArchive>, Path(id): Path<i64>) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let (key, name, size) = service::download(&state.core, &m.actor(), m.member_id, id).await?;
    stream_file(&state.storage, &key, &name, "application/zip", size).await
}
