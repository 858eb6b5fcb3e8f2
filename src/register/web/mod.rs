//! Pages of the register: the back office's list and card (`members`), the entry's form and
//! lists (`entry`), extracts (`extracts`), export and import (`io`), the public register and
//! the extract check (`public`), and the JSON API (`api`, served without a session).

pub mod api;
mod entry;
mod experts;
mod extracts;
mod io;
mod members;
mod public;
mod stream;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use public::{Facts, public_facts};

use super::service::RegisterError;
use crate::state::AppState;
use crate::web::AppError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/members", get(members::list_members))
        .route("/office/members/{id}", get(members::show_member))
        .route(
            "/office/members/new",
            get(entry::show_admit).post(entry::admit),
        )
        .route(
            "/office/members/{id}/entry",
            get(entry::show_edit).post(entry::save_entry),
        )
        .route(
            "/office/members/{id}/lists/{list}",
            post(entry::add_list_item),
        )
        .route(
            "/office/members/{id}/lists/{list}/{index}/remove",
            post(entry::remove_list_item),
        )
        .route(
            "/office/members/{id}/extracts",
            post(extracts::issue_office_extract),
        )
        .route("/office/members/{id}/expert", post(experts::assign))
        .route("/office/staff/{id}/reassign", post(experts::reassign))
        .route("/office/extracts", get(extracts::show_office_extracts))
        .route(
            "/office/extracts/{number}/pdf",
            get(extracts::download_office_extract),
        )
        .route("/office/register/export.csv", get(io::export_csv))
        .route("/office/register/export.xlsx", get(io::export_xlsx))
        .route(
            "/office/register/import",
            get(io::show_import)
                .post(io::import)
                .layer(DefaultBodyLimit::max(io::MAX_IMPORT_BYTES + 64 * 1024)),
        )
        .route(
            "/kabinet/extracts",
            get(extracts::show_member_extracts).post(extracts::issue_member_extract),
        )
        .route(
            "/kabinet/extracts/{number}/pdf",
            get(extracts::download_member_extract),
        )
        .merge(public::routes())
}

impl From<RegisterError> for AppError {
    fn from(e: RegisterError) -> Self {
        match e {
            RegisterError::Invalid(m) => AppError::Unprocessable(m.to_string()),
            RegisterError::NoChanges => AppError::Unprocessable(e.to_string()),
            RegisterError::Stale => AppError::Conflict(e.to_string()),
            RegisterError::NotFound => AppError::NotFound,
            RegisterError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}
