//! The web kit: what every slice's handlers share (errors, sessions and CSRF, authorization
//! extractors, forms, lists, uploads, file responses, the page chrome) and the layers around
//! every request. It imports no slice but `auth`, whose sessions say who is asking; the router
//! that puts the slices together is `crate::routes`.

pub mod access;
pub mod assets;
pub mod error;
pub mod forms;
pub mod input;
pub mod list;
pub mod metrics;
pub mod ratelimit;
pub mod respond;
pub mod session;
pub mod upload;
pub mod views;

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

use crate::auth::{ClientInfo, SessionUser};
use crate::state::AppState;
pub use access::{Member, Staff, User};
pub use error::AppError;
pub use forms::{DoneQuery, invalid, page, with_status};
pub use list::{Opt, Pager};
pub use respond::{content_disposition, file_response, stream_file};
pub use session::Ctx;
use views::Chrome;

/// The fallback of every unknown path.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        "ok".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

/// The client's address: the socket peer, or the last `X-Forwarded-For` hop when we sit
/// behind our own proxy (`server.trust_proxy`).
pub fn client_info(parts: &Parts, state: &AppState) -> ClientInfo {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let ip = if state.settings.server.trust_proxy {
        parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or(peer)
    } else {
        peer
    };
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(300).collect())
        .unwrap_or_default();
    ClientInfo { ip, user_agent }
}

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set(h, "cross-origin-opener-policy", "same-origin");
    if state.settings.is_https() {
        set(h, "strict-transport-security", "max-age=31536000");
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages show personal data: no caching in shared or browser caches.
        set(h, "cache-control", "no-store");
    }
    res
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    title: &'static str,
    message: String,
}

/// Every error response becomes a Russian page (or a JSON problem under `/api`): our own
/// `AppError`s, framework rejections (bad form, wrong method), body limits and 404s alike.
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ours = res.extensions().get::<error::ErrorInfo>().cloned();
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if ours.is_none() && is_html {
        return res; // a page that rendered its own error (a form with messages)
    }
    let (title, default_message) = error::describe(status);
    let retry_after = res
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let message = ours
        .and_then(|i| i.message)
        .unwrap_or_else(|| match retry_after {
            // «Слишком много попыток»: say how long to wait, not just «немного».
            Some(secs) if status == StatusCode::TOO_MANY_REQUESTS => {
                format!(
                    "{default_message} Повторить можно через {}.",
                    error::wait_text(secs)
                )
            }
            _ => default_message.to_string(),
        });
    let session = res.extensions().get::<session::RequestSession>().cloned();
    let mut keep = axum::http::HeaderMap::new();
    // `x-kabinet-session`: an upload page's script learns the session ended (web::session).
    let upload_session = header::HeaderName::from_static("x-kabinet-session");
    for name in [
        header::RETRY_AFTER,
        header::SET_COOKIE,
        header::ALLOW,
        upload_session,
    ] {
        for v in res.headers().get_all(&name) {
            keep.append(name.clone(), v.clone());
        }
    }
    let mut out = if is_api {
        let body = serde_json::json!({ "type": "about:blank", "title": title, "status": status.as_u16(), "detail": message });
        let mut r = (status, axum::Json(body)).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        r
    } else {
        let user: Option<Arc<SessionUser>> = session.as_ref().and_then(|s| s.user.clone());
        let csrf = session.map(|s| s.csrf).unwrap_or_default();
        let tpl = ErrorPage {
            chrome: Chrome::new(state.sro.clone(), title, user.as_deref(), &csrf, &path),
            status: status.as_u16(),
            title,
            message,
        };
        match tpl.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = ?e, "rendering the error page");
                (status, "Ошибка").into_response()
            }
        }
    };
    out.headers_mut().extend(keep);
    out
}
