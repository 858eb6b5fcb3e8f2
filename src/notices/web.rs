//! «Уведомления»: the user's notes from the SRO.

use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::get;

use super::service;
use crate::state::AppState;
use crate::web::views::Chrome;
use crate::web::{AppError, Member, page};

pub fn routes() -> Router<AppState> {
    Router::new().route("/kabinet/notifications", get(show))
}

pub struct NoteView {
    pub text: String,
    pub at: String,
    pub href: Option<String>,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notices/list.html")]
struct ListPage {
    chrome: Chrome,
    notes: Vec<NoteView>,
}

/// Every member user has the page; it lists what their role may see.
async fn show(m: Member) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let notes = service::read_list(
        &state.core,
        m.user.principal,
        m.member_id,
        m.user.user_id,
        200,
    )
    .await?
    .into_iter()
    .map(|n| NoteView {
        text: n.text,
        at: crate::fmt::datetime(&n.created_at),
        href: n.link,
        unread: n.read_at.is_none(),
    })
    .collect();
    page(&ListPage {
        chrome: m.ctx.chrome("Уведомления"),
        notes,
    })
}
