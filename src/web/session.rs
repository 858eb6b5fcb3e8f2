//! Sessions and CSRF.
//!
//! `kabinet_session` holds a random token whose SHA-256 is the session row's key. Visitors
//! without a session get `kabinet_pre`, a random value that only serves as the CSRF binding
//! of the login form. The CSRF token of a form is HMAC(secret, binding), so it needs no storage
//! and changes whenever the session does (login, logout).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::{self, ClientInfo, SessionUser};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::views::Chrome;

pub const SESSION_COOKIE: &str = "kabinet_session";
pub const PRE_COOKIE: &str = "kabinet_pre";

/// Per-request facts the session layer found; read by the extractors below.
#[derive(Clone)]
pub struct RequestSession {
    pub user: Option<Arc<SessionUser>>,
    /// The raw session cookie value, when it belongs to a live session.
    pub token: Option<String>,
    pub csrf: String,
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

pub fn set_cookie(name: &str, value: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("cookie values are URL-safe base64")
}

pub fn clear_cookie(name: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .expect("static")
}

pub fn csrf_token(secret: &[u8], binding: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"csrf\0");
    mac.update(binding.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn csrf_valid(secret: &[u8], binding: &str, token: &str) -> bool {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(token) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"csrf\0");
    mac.update(binding.as_bytes());
    mac.verify_slice(&bytes).is_ok() // constant time
}

/// Resolve the session, compute the CSRF binding, and hand both to the handler (request
/// extensions) and to the error renderer (response extensions).
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let secure = state.settings.is_https();
    let mut user = None;
    let mut token = None;
    let mut stale_session = false;
    if let Some(t) = cookie(req.headers(), SESSION_COOKIE) {
        match auth::service::session_user(&state.db, &state.settings.security, &state.sessions, &t)
            .await
        {
            Ok(Some(u)) => {
                user = Some(Arc::new(u));
                token = Some(t);
            }
            Ok(None) => stale_session = true,
            Err(e) => {
                return AppError::Unexpected(anyhow::Error::new(e).context("loading the session"))
                    .into_response();
            }
        }
    }
    let mut new_pre = None;
    let binding = match &token {
        Some(t) => t.clone(),
        None => match cookie(req.headers(), PRE_COOKIE) {
            Some(p) => p,
            None => {
                let p = crate::tokens::random_token();
                new_pre = Some(p.clone());
                p
            }
        },
    };
    let rs = RequestSession {
        user,
        token,
        csrf: csrf_token(&state.secret, &binding),
    };
    req.extensions_mut().insert(rs.clone());
    let mut res = next.run(req).await;
    res.extensions_mut().insert(rs);
    if let Some(p) = new_pre {
        res.headers_mut()
            .append(header::SET_COOKIE, set_cookie(PRE_COOKIE, &p, secure));
    }
    if stale_session && !res.headers().contains_key(header::SET_COOKIE) {
        res.headers_mut()
            .append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE, secure));
    }
    res
}

/// Refuse state-changing requests from other sites (Fetch metadata and Origin) and those
/// without the form's CSRF token. URL-encoded forms carry it as `csrf_token`; other requests
/// (scripts) send it in `X-CSRF-Token`.
pub async fn csrf_layer(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, AppError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.run(req).await);
    }
    // «Отписаться» in a mail client (RFC 8058) posts from the mail provider's server, with no
    // session and no form token: its signed address is the authority (`auth::mail_prefs`).
    if req.uri().path() == "/mail/unsubscribe" {
        return Ok(next.run(req).await);
    }
    let headers = req.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err(AppError::Csrf);
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && !origin_allowed(origin, headers, &state.settings.base_url())
    {
        return Err(AppError::Csrf);
    }
    let Some(rs) = req.extensions().get::<RequestSession>().cloned() else {
        return Err(AppError::Csrf);
    };
    // What the page's token was bound to: the live session, or the visitor's pre-session cookie.
    // None: the session ended (or there never was one); a form is then kept, see below.
    let binding = match (&rs.token, cookie(headers, PRE_COOKIE)) {
        (Some(t), _) => Some(t.clone()),
        (None, Some(p)) => Some(p),
        (None, None) => None,
    };
    let valid = |t: &str| {
        binding
            .as_deref()
            .is_some_and(|b| csrf_valid(&state.secret, b, t))
    };
    if let Some(t) = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return if valid(t) {
            Ok(next.run(req).await)
        } else {
            Err(AppError::Csrf)
        };
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        // Uploads are streamed to storage, so the token cannot wait at the end of the body.
        // Forms put it in their first field (browsers send fields in document order): only
        // that part is read here, and the body goes on streaming behind it. Scripts may still
        // put it in the query. (Issue 17: a token in the action URL showed in the address bar
        // when the page came back with errors.)
        let query_token = req.uri().query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v.into_owned())
        });
        // The upload page's script asks (`X-Kabinet-Upload`) to be told rather than sent on:
        // it keeps the chosen files on the page, lets the user log in there and sends again
        // (issue 17: never lose the user's work). A plain form post (no script) goes to the
        // login page with the reason and comes back to the form after it; the files were
        // never read, so they are chosen again.
        let scripted = headers.contains_key("x-kabinet-upload");
        // Back to the page the form was on (the post goes to another path than the page).
        let back = form_page(headers, &state.settings.base_url());
        let ended = || -> Result<Response, AppError> {
            if scripted {
                let state = if rs.user.is_none() { "ended" } else { "stale" };
                Ok((
                    axum::http::StatusCode::UNAUTHORIZED,
                    [("x-kabinet-session", state)],
                    "Сеанс завершился или страница устарела: войдите снова.",
                )
                    .into_response())
            } else if rs.user.is_none() {
                let to = match &back {
                    Some(page) => format!(
                        "/login?istek=1&next={}",
                        url::form_urlencoded::byte_serialize(page.as_bytes()).collect::<String>()
                    ),
                    None => "/login?istek=1".into(),
                };
                Ok(axum::response::Redirect::to(&to).into_response())
            } else {
                Err(AppError::Csrf)
            }
        };
        if let Some(t) = query_token {
            return if valid(&t) {
                Ok(next.run(req).await)
            } else {
                ended()
            };
        }
        let Some(boundary) = multipart_boundary(content_type) else {
            return Err(AppError::Csrf);
        };
        let (parts, body) = req.into_parts();
        let (token, body) = first_field(body, &boundary).await;
        return match token {
            Some(t) if valid(&t) => Ok(next.run(Request::from_parts(parts, body)).await),
            _ => ended(),
        };
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::Csrf);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, state.settings.server.max_body_bytes)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let token = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.into_owned());
    match token {
        Some(t) if valid(&t) => {
            // The body is in hand here: its fields are checked once, for every form.
            crate::web::input::check_pairs(&bytes)?;
            Ok(next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await)
        }
        // The same site's form with a token of an ended session or an older page (the origin
        // checks above passed): what was typed is kept, the user logs in (again) and sends it
        // with one click. Never a bare refusal that loses the work.
        _ if crate::auth::replays::keepable(parts.uri.path(), &bytes) => {
            let (key, browser) =
                crate::auth::replays::keep(&state.db, parts.uri.path(), &bytes).await?;
            let replay = format!("/replay/{key}");
            let to = if rs.user.is_some() {
                replay
            } else {
                format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(replay.as_bytes()).collect::<String>()
                )
            };
            let mut res = axum::response::Redirect::to(&to).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    crate::auth::replays::COOKIE,
                    &browser,
                    state.settings.is_https(),
                ),
            );
            Ok(res)
        }
        // Nothing to keep (or a password form) and the session is gone: to the login page with
        // the reason, not a bare refusal. «Выход» from an ended session is simply done.
        _ if rs.user.is_none() && parts.uri.path() != "/login" => {
            let to = if parts.uri.path() == "/logout" {
                "/login?vyhod=1"
            } else {
                "/login?istek=1"
            };
            Ok(axum::response::Redirect::to(to).into_response())
        }
        _ => Err(AppError::Csrf),
    }
}

/// The `boundary` parameter of a multipart content type.
fn multipart_boundary(content_type: &str) -> Option<String> {
    content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

/// The most read of a multipart body to find its first field.
const FIRST_FIELD_MAX: usize = 16 * 1024;

/// The value of the body's first part when it is the field `csrf_token`, and the body whole
/// again (what was read, then the rest as it streams).
async fn first_field(body: Body, boundary: &str) -> (Option<String>, Body) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut head: Vec<u8> = Vec::new();
    let end = format!("\r\n--{boundary}");
    let mut token = None;
    while head.len() < FIRST_FIELD_MAX {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            _ => break,
        }
        if let Some(t) = parse_first_field(&head, boundary, &end) {
            token = t;
            break;
        }
    }
    let prefix =
        futures_util::stream::once(async move { Ok::<_, axum::Error>(bytes::Bytes::from(head)) });
    (token, Body::from_stream(prefix.chain(stream)))
}

/// `Some(Some(token))` when the first part is complete and is `csrf_token`, `Some(None)` when
/// it is complete and is not, `None` when more bytes are needed.
fn parse_first_field(head: &[u8], boundary: &str, end: &str) -> Option<Option<String>> {
    let opening = format!("--{boundary}\r\n");
    if head.len() < opening.len() {
        return None;
    }
    if !head.starts_with(opening.as_bytes()) {
        return Some(None);
    }
    let rest = &head[opening.len()..];
    let headers_end = find(rest, b"\r\n\r\n")?;
    let headers = String::from_utf8_lossy(&rest[..headers_end]).to_lowercase();
    let value = &rest[headers_end + 4..];
    let value_end = find(value, end.as_bytes())?;
    let named = headers
        .lines()
        .any(|l| l.starts_with("content-disposition:") && l.contains("name=\"csrf_token\""));
    if !named {
        return Some(None);
    }
    Some(
        std::str::from_utf8(&value[..value_end])
            .ok()
            .map(str::to_owned),
    )
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The path (and query) of the page a form was sent from, when the `Referer` is this site.
fn form_page(headers: &HeaderMap, base_url: &str) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let url = url::Url::parse(referer).ok()?;
    let origin = url.origin().ascii_serialization();
    if !origin_allowed(&origin, headers, base_url) {
        return None;
    }
    Some(match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    })
}

fn origin_allowed(origin: &str, headers: &HeaderMap, base_url: &str) -> bool {
    if origin.eq_ignore_ascii_case(base_url) {
        return true;
    }
    // Same host as the request was sent to (covers tests on random ports and direct access).
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    matches!(rest, Some(h) if !host.is_empty() && h.eq_ignore_ascii_case(host))
}

/// Everything a page handler needs about the request: who, CSRF token, path, client.
pub struct Ctx {
    pub user: Option<Arc<SessionUser>>,
    pub token: Option<String>,
    pub csrf: String,
    pub path: String,
    pub client: ClientInfo,
    pub state: AppState,
}

impl Ctx {
    pub fn chrome(&self, title: &str) -> Chrome {
        Chrome::new(
            self.state.sro.clone(),
            title,
            self.user.as_deref(),
            &self.csrf,
            &self.path,
        )
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let rs = parts
            .extensions
            .get::<RequestSession>()
            .cloned()
            .ok_or_else(|| {
                AppError::Unexpected(anyhow::anyhow!("session layer missing on this route"))
            })?;
        let client = crate::web::client_info(parts, state);
        Ok(Ctx {
            user: rs.user,
            token: rs.token,
            csrf: rs.csrf,
            path: parts.uri.path().to_string(),
            client,
            state: state.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_are_bound_to_the_session() {
        let t = csrf_token(b"secret-secret-secret-secret-1234", "session-a");
        assert!(csrf_valid(
            b"secret-secret-secret-secret-1234",
            "session-a",
            &t
        ));
        assert!(!csrf_valid(
            b"secret-secret-secret-secret-1234",
            "session-b",
            &t
        ));
        assert!(!csrf_valid(
            b"another-secret-another-secret-12",
            "session-a",
            &t
        ));
        assert!(!csrf_valid(
            b"secret-secret-secret-secret-1234",
            "session-a",
            "garbage!"
        ));
    }

    #[test]
    fn cookies_are_parsed() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; kabinet_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, PRE_COOKIE), None);
    }
}
