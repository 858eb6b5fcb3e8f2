//! Rendering pages and forms: the page itself (200), the same form again with what the user
//! typed and the messages at their fields (422), and the notice after a redirect.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::web::error::AppError;

/// Render a template into a response, or a 500 page.
pub fn page<T: Template>(t: &T) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

/// The form again with the user's input and the messages: 422. The one way every handler
/// answers a refused form.
pub fn invalid<T: Template>(t: &T) -> Result<Response, AppError> {
    with_status(StatusCode::UNPROCESSABLE_ENTITY, t)
}

/// A page with another status (401 after a wrong password, 410 for a used link).
pub fn with_status<T: Template>(status: StatusCode, t: &T) -> Result<Response, AppError> {
    Ok((status, Html(t.render()?)).into_response())
}

/// `?done=…` after a redirect: which confirmation the page shows (post/redirect/get).
#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: String,
}
