//! SQL of the outbox.

use chrono::{DateTime, Utc};

use crate::db::{Db, DbResult, Tx};
use crate::{on_db, on_tx};

pub struct NewMail<'a> {
    pub kind: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub token_id: Option<i64>,
    pub user_id: Option<i64>,
    pub member_id: Option<i64>,
    pub list_unsubscribe: Option<&'a str>,
}

pub async fn insert(tx: &mut Tx, m: &NewMail<'_>, now: DateTime<Utc>) -> DbResult<i64> {
    let sql = "INSERT INTO outbox (kind, to_address, subject, text_body, html_body, token_id, user_id, member_id, \
               list_unsubscribe, status, attempts, next_attempt_at, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, 'queued', 0, $9, $9) RETURNING id";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(m.kind)
        .bind(m.to)
        .bind(m.subject)
        .bind(m.text)
        .bind(m.html)
        .bind(m.token_id)
        .bind(m.user_id)
        .bind(m.member_id)
        .bind(now)
        .bind(m.list_unsubscribe)
        .fetch_one(c)
        .await?))
}

/// A message due for delivery, with what is needed to derive its link's token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueMail {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attempts: i32,
    pub token_nonce: Option<String>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub token_used_at: Option<DateTime<Utc>>,
    pub list_unsubscribe: Option<String>,
}

pub async fn due(db: &Db, now: DateTime<Utc>, limit: i64) -> DbResult<Vec<DueMail>> {
    let sql = "SELECT o.id, o.to_address, o.subject, o.text_body, o.html_body, o.attempts, o.list_unsubscribe, \
               t.nonce AS token_nonce, t.expires_at AS token_expires_at, t.used_at AS token_used_at \
               FROM outbox o LEFT JOIN user_tokens t ON t.id = o.token_id \
               WHERE o.status = 'queued' AND o.next_attempt_at <= $1 ORDER BY o.next_attempt_at, o.id LIMIT $2";
    Ok(on_db!(db, p => sqlx::query_as::<_, DueMail>(sql).bind(now).bind(limit).fetch_all(p).await?))
}

pub async fn requeue(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> DbResult<bool> {
    let sql = "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = $2 WHERE id = $1 AND status = 'failed'";
    let n = on_tx!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// One line of the delivery log (never the body: it may carry a link).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogRow {
    pub id: i64,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
}

pub async fn log(db: &Db, status: Option<&str>, limit: i64) -> DbResult<Vec<LogRow>> {
    let sql = "SELECT id, kind, to_address, subject, status, attempts, last_error, created_at, sent_at, next_attempt_at \
               FROM outbox WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2";
    Ok(
        on_db!(db, p => sqlx::query_as::<_, LogRow>(sql).bind(status).bind(limit).fetch_all(p).await?),
    )
}

pub async fn count_by_status(db: &Db) -> DbResult<Vec<(String, i64)>> {
    let sql = "SELECT status, COUNT(*) FROM outbox GROUP BY status";
    Ok(on_db!(db, p => sqlx::query_as::<_, (String, i64)>(sql).fetch_all(p).await?))
}

/// The oldest message still waiting (queued, due or not): its creation time. `None`: the
/// queue is empty. For `/metrics` (a growing age means nothing is delivered).
pub async fn oldest_queued(db: &Db) -> DbResult<Option<DateTime<Utc>>> {
    let sql = "SELECT MIN(created_at) FROM outbox WHERE status = 'queued'";
    Ok(on_db!(db, p => sqlx::query_scalar::<_, Option<DateTime<Utc>>>(sql).fetch_one(p).await?))
}

/// (token id, status, last error) of the messages that carry these one-time links.
/// A thousand ids per statement: a batch of 40,000 invitations would pass both databases'
/// limits on bound parameters.
pub async fn delivery_of_tokens(
    db: &Db,
    token_ids: &[i64],
) -> DbResult<Vec<(i64, String, String)>> {
    let mut out = Vec::with_capacity(token_ids.len());
    for chunk in token_ids.chunks(1000) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT token_id, status, last_error FROM outbox WHERE token_id IN ({})",
            marks.join(", ")
        );
        let rows = on_db!(db, p => {
            let mut q = sqlx::query_as::<_, (i64, String, String)>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(p).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// Take these letters for one attempt (their next attempt moves to the lease's end, so no
/// other worker takes them meanwhile): one statement for the batch; the ids this worker got.
pub async fn claim_many(
    db: &Db,
    ids: &[i64],
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> DbResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "UPDATE outbox SET next_attempt_at = $2 WHERE id IN ({}) AND status = 'queued' \
         AND next_attempt_at <= $1 RETURNING id",
        crate::db::placeholders(3, ids.len())
    );
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(now).bind(lease_until);
        for id in ids {
            q = q.bind(id);
        }
        q.fetch_all(p).await?
    }))
}

/// One letter's attempt, written with the batch's others in one transaction.
pub async fn record(
    tx: &mut Tx,
    id: i64,
    status: &str,
    error: &str,
    next: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
) -> DbResult<()> {
    let sql = "UPDATE outbox SET status = $2, attempts = attempts + 1, last_error = $3, \
               next_attempt_at = $4, sent_at = COALESCE($5, sent_at) WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(status).bind(error).bind(next).bind(sent_at)
        .execute(c).await?.rows_affected());
    Ok(())
}
