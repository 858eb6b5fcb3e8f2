//! `/replay/{key}`: a form kept across a lost session, with a fresh token and «Отправить еще
//! раз» (see `auth::replays`).

use askama::Template;
use axum::extract::Path;
use axum::response::Response;

use crate::auth::replays;
use crate::web::views::Chrome;
use crate::web::{AppError, User, page};

#[derive(Template)]
#[template(path = "auth/replay.html")]
struct ReplayPage {
    chrome: Chrome,
    action: String,
    fields: Vec<(String, String)>,
    /// What was typed, for the user to recognise (long texts cut).
    shown: Vec<String>,
}

pub(super) async fn show(
    u: User,
    headers: axum::http::HeaderMap,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    // Only the browser that sent the form has its cookie.
    let browser = crate::web::session::cookie(&headers, replays::COOKIE).unwrap_or_default();
    let Some((action, fields)) = replays::get(&u.ctx.state.db, &key, &browser).await? else {
        return Err(AppError::NotFound);
    };
    let shown = fields
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(_, v)| {
            let v: String = v.chars().take(80).collect();
            v
        })
        .take(8)
        .collect();
    page(&ReplayPage {
        chrome: u.ctx.chrome("Отправить форму еще раз"),
        action,
        fields,
        shown,
    })
}
