//! SQL of the audit log.

use chrono::{DateTime, Utc};

use super::Entry;
use crate::db::{Db, DbResult, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub ip: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

const SELECT_AUDIT: &str = "SELECT id, at, actor_user_id, actor, action, object_type, object_id, ip, details, prev_hash, hash FROM audit_log";

pub(super) async fn last(tx: &mut Tx) -> DbResult<Option<(i64, String)>> {
    let sql = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";
    Ok(on_tx!(tx, c => sqlx::query_as::<_, (i64, String)>(sql).fetch_optional(c).await?))
}

pub(super) async fn insert(
    tx: &mut Tx,
    e: &Entry<'_>,
    prev_hash: &str,
    hash: &str,
) -> DbResult<()> {
    let sql = "INSERT INTO audit_log (id, at, actor_user_id, actor, action, object_type, object_id, ip, details, prev_hash, hash) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(e.id)
        .bind(e.at)
        .bind(e.actor_user_id)
        .bind(e.actor)
        .bind(e.action)
        .bind(e.object_type)
        .bind(e.object_id)
        .bind(e.ip)
        .bind(e.details)
        .bind(prev_hash)
        .bind(hash)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

pub(super) async fn page(db: &Db, after: i64, limit: i64) -> DbResult<Vec<AuditRow>> {
    let sql = format!("{SELECT_AUDIT} WHERE id > $1 ORDER BY id LIMIT $2");
    Ok(
        on_db!(db, p => sqlx::query_as::<_, AuditRow>(&sql).bind(after).bind(limit).fetch_all(p).await?),
    )
}

pub(super) async fn recent(db: &Db, limit: i64) -> DbResult<Vec<AuditRow>> {
    let sql = format!("{SELECT_AUDIT} ORDER BY id DESC LIMIT $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, AuditRow>(&sql).bind(limit).fetch_all(p).await?))
}

pub(super) async fn for_object(
    db: &Db,
    object_type: &str,
    object_id: &str,
    limit: i64,
) -> DbResult<Vec<AuditRow>> {
    let sql = format!(
        "{SELECT_AUDIT} WHERE object_type = $1 AND object_id = $2 ORDER BY id DESC LIMIT $3"
    );
    Ok(on_db!(db, p => sqlx::query_as::<_, AuditRow>(&sql)
        .bind(object_type)
        .bind(object_id)
        .bind(limit)
        .fetch_all(p)
        .await?))
}
