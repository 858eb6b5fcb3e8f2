//! Forms kept across a lost session (issue 17: «never lose the user's work»). When a form's
//! CSRF token no longer matches (the session expired, or the page is older than this login),
//! the CSRF layer keeps its fields here for an hour under a random key and sends the user to
//! log in; afterwards `/replay/{key}` shows «Отправить еще раз» with the same fields and a
//! fresh token. Nothing is sent without the user's click. Forms with a password field are
//! never kept.

use chrono::Duration;

use crate::db::{Db, DbError};
use crate::on_db;
use crate::tokens::{random_token, token_hash};

/// How long a kept form waits for its user.
pub const KEEP_MINUTES: i64 = 60;

/// The most a kept form may hold.
pub const MAX_BODY: usize = 64 * 1024;

/// The cookie that binds a kept form to the browser that sent it.
pub const COOKIE: &str = "kabinet_replay";

/// Whether the form may be kept: a page of the cabinet or the back office (a plain path, the
/// form's action later), something typed, no password.
pub fn keepable(path: &str, body: &[u8]) -> bool {
    let known = ["/kabinet/", "/office/", "/profile"]
        .iter()
        .any(|p| path.starts_with(p));
    if body.len() > MAX_BODY || !known || path.contains("//") {
        return false;
    }
    let mut fields = 0;
    for (k, _) in url::form_urlencoded::parse(body) {
        if k.contains("password") {
            return false;
        }
        if k != "csrf_token" {
            fields += 1;
        }
    }
    fields > 0
}

/// Keeps a form's body for `path`; the key to get it back and the browser's cookie value.
pub async fn keep(db: &Db, path: &str, body: &[u8]) -> Result<(String, String), DbError> {
    let token = random_token();
    let browser = random_token();
    let now = db.now();
    let text = String::from_utf8_lossy(body).into_owned();
    let sql = "INSERT INTO form_replays (token_hash, browser_hash, path, body, created_at, expires_at) \
               VALUES ($1, $6, $2, $3, $4, $5)";
    on_db!(db, p => sqlx::query(sql)
        .bind(token_hash(&token))
        .bind(path)
        .bind(&text)
        .bind(now)
        .bind(now + Duration::minutes(KEEP_MINUTES))
        .bind(token_hash(&browser))
        .execute(p)
        .await?
        .rows_affected());
    Ok((token, browser))
}

/// The kept form (its path and fields without the old token), while it has not expired, to
/// the browser that sent it (`browser`: its cookie).
pub async fn get(
    db: &Db,
    token: &str,
    browser: &str,
) -> Result<Option<(String, Vec<(String, String)>)>, DbError> {
    let sql = "SELECT path, body FROM form_replays WHERE token_hash = $1 AND browser_hash = $3 \
               AND expires_at > $2";
    let row: Option<(String, String)> = on_db!(db, p => sqlx::query_as(sql)
        .bind(token_hash(token))
        .bind(db.now())
        .bind(token_hash(browser))
        .fetch_optional(p)
        .await?);
    Ok(row.map(|(path, body)| {
        let fields = url::form_urlencoded::parse(body.as_bytes())
            .filter(|(k, _)| k != "csrf_token")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        (path, fields)
    }))
}

/// Removes kept forms whose hour has passed (the sessions' sweep).
pub async fn sweep(db: &Db) -> Result<u64, DbError> {
    let sql = "DELETE FROM form_replays WHERE expires_at <= $1";
    Ok(on_db!(db, p => sqlx::query(sql).bind(db.now()).execute(p).await?.rows_affected()))
}
