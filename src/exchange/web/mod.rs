//! Pages of the exchange, by screen: the draft form (`drafts`), an item and its receipt
//! (`items`), the member's journal (`journal`), the member's report
//! sections (`sections`), the staff's inbox with registration and review (`inbox`), and file
//! downloads (`files`), «Заявление об изменении сведений» (`changes`).

mod changes;
mod drafts;
mod files;
mod inbox;
mod items;
mod journal;
mod sections;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::service::ExchangeError;
use crate::state::AppState;
use crate::web::AppError;

pub fn routes(state: &AppState) -> Router<AppState> {
    let u = &state.settings.uploads;
    // Files are checked one by one while they stream; this only caps a runaway body.
    let hard_cap = (u.max_item_bytes()
        + u.max_files_per_item as u64 * u.max_signature_bytes()
        + 8 * 1024 * 1024) as usize;
    let uploads = Router::new()
        .route("/kabinet/reports/sections/{id}", post(drafts::save_section))
        .route("/kabinet/letters", post(drafts::save_new_letter))
        .route("/kabinet/items/{id}", post(drafts::save_draft))
        .route("/kabinet/company/changes", post(changes::send))
        .layer(DefaultBodyLimit::max(hard_cap));
    Router::new()
        .merge(uploads)
        .route("/kabinet/letters/new", get(drafts::show_new_letter))
        .route("/kabinet/company/changes/new", get(changes::show_form))
        .route("/kabinet/reports", get(sections::show_reports_menu))
        .route("/kabinet/reports/current", get(sections::show_current))
        .route("/kabinet/reports/year/{year}", get(sections::show_year))
        .route(
            "/kabinet/reports/sections/{id}",
            get(sections::show_section),
        )
        .route("/kabinet/items/{id}", get(items::show_item))
        .route("/kabinet/items/{id}/revise", post(items::revise_item))
        .route("/kabinet/items/{id}/delete", post(items::delete_draft))
        .route(
            "/kabinet/items/{id}/receipt.pdf",
            get(items::download_receipt),
        )
        .route("/kabinet/journal", get(journal::show_journal))
        .route("/kabinet/journal.csv", get(journal::export_journal))
        .route("/files/{id}", get(files::download_file))
        .route("/files/{id}/checks", get(files::show_checks))
        .route("/files/{id}/protocol.pdf", get(files::download_protocol))
        .route("/files/{id}/recheck", post(files::recheck))
        .route("/office/inbox", get(inbox::show_inbox))
        .route("/office/items/{id}", get(inbox::show_office_item))
        .route("/office/items/{id}/register", post(inbox::register_item))
        .route("/office/items/{id}/review", post(inbox::review_item))
        .route("/office/items/{id}/zip", get(inbox::download_zip))
        .route(
            "/office/items/{id}/receipt.pdf",
            get(inbox::download_receipt),
        )
}

impl From<ExchangeError> for AppError {
    fn from(e: ExchangeError) -> Self {
        match e {
            ExchangeError::NotFound => AppError::NotFound,
            ExchangeError::Conflict(m) => AppError::Conflict(m),
            ExchangeError::Invalid(m) => AppError::Unprocessable(m.to_string()),
            ExchangeError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}
