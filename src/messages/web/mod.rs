//! «Документы от СРО» pages: the staff's journal, new message, a message with its receipts
//! (`office`); the member's list and copy (`member`).

mod member;
mod office;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::MessageError;
use crate::state::AppState;
use crate::web::AppError;

pub fn routes(state: &AppState) -> Router<AppState> {
    let u = &state.settings.uploads;
    let upload = Router::new()
        .route("/office/messages/{id}/files", post(office::attach))
        .layer(DefaultBodyLimit::max(
            (u.max_item_bytes() + 8 * 1024 * 1024) as usize,
        ));
    Router::new()
        .merge(upload)
        .route("/office/messages", get(office::show_journal))
        .route(
            "/office/messages/new",
            get(office::show_new).post(office::create),
        )
        .route("/office/messages/{id}", get(office::show_message))
        .route("/office/messages/{id}/send", post(office::send))
        .route("/office/messages/{id}/remind", post(office::remind))
        .route("/office/messages/{id}/unread.csv", get(office::unread_csv))
        .route("/office/messages/{id}/files/{file}", get(office::download))
        .route("/kabinet/messages", get(member::show_list))
        .route("/kabinet/messages/{id}", get(member::show_message))
        .route("/kabinet/messages/{id}/ack", post(member::acknowledge))
        .route("/kabinet/messages/{id}/files/{file}", get(member::download))
}

impl From<MessageError> for AppError {
    fn from(e: MessageError) -> Self {
        match e {
            MessageError::NotFound => AppError::NotFound,
            MessageError::Conflict(m) => AppError::Conflict(m),
            MessageError::Invalid(m) => AppError::Unprocessable(m.to_string()),
            MessageError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

pub struct FileView {
    pub id: i64,
    pub name: String,
    pub size: String,
    /// Its detached signature: (file id, name, «Иванов И. И. — подпись СРО верна»).
    pub sig: Option<(i64, String, String)>,
}

/// The message's files with their signatures beside them (a signature is a row of its own).
pub fn file_views(rows: Vec<crate::messages::FileRow>) -> Vec<FileView> {
    let sigs: Vec<&crate::messages::FileRow> =
        rows.iter().filter(|f| f.signs_file_id.is_some()).collect();
    rows.iter()
        .filter(|f| f.signs_file_id.is_none())
        .map(|f| FileView {
            id: f.id,
            name: f.original_name.clone(),
            size: crate::fmt::human_size(f.size_bytes),
            sig: sigs
                .iter()
                .find(|s| s.signs_file_id == Some(f.id))
                .map(|s| {
                    (
                        s.id,
                        s.original_name.clone(),
                        format!(
                            "{} — {}",
                            s.signer,
                            crate::messages::signing::verdict_label(&s.sig_verdict)
                        ),
                    )
                }),
        })
        .collect()
}
