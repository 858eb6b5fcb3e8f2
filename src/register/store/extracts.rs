//! SQL of issued extracts: the record of each, the journal, and the public check.

use chrono::{DateTime, Utc};

use crate::db::{Db, DbResult, Tx};
use crate::{on_db, on_tx};

pub struct ExtractForInsert<'a> {
    pub number: &'a str,
    pub member_id: i64,
    pub member_version: i64,
    pub issued_at: DateTime<Utc>,
    pub issued_to: &'a str,
    pub issued_by_user_id: Option<i64>,
    pub issued_by: &'a str,
    pub snapshot: String,
    pub storage_key: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
}

pub async fn insert_extract(tx: &mut Tx, x: &ExtractForInsert<'_>) -> DbResult<i64> {
    let sql = "INSERT INTO extracts (number, member_id, member_version, issued_at, issued_to, issued_by_user_id, \
               issued_by, snapshot, storage_key, size_bytes, sha256) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(x.number).bind(x.member_id).bind(x.member_version).bind(x.issued_at).bind(x.issued_to)
        .bind(x.issued_by_user_id).bind(x.issued_by).bind(&x.snapshot).bind(x.storage_key)
        .bind(x.size_bytes).bind(x.sha256)
        .fetch_one(c).await?))
}

/// An issued extract, with what the verification page compares it against.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExtractRow {
    pub id: i64,
    pub number: String,
    pub member_id: i64,
    pub member_version: i64,
    pub issued_at: DateTime<Utc>,
    pub issued_to: String,
    pub issued_by: String,
    pub snapshot: String,
    pub storage_key: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub short_name: String,
    pub inn: String,
    pub current_version: i64,
    pub current_status: String,
}

const SELECT_EXTRACT: &str = "SELECT x.id, x.number, x.member_id, x.member_version, x.issued_at, x.issued_to, \
    x.issued_by, x.snapshot, x.storage_key, x.size_bytes, x.sha256, m.short_name, m.inn, \
    m.register_version AS current_version, m.status AS current_status \
    FROM extracts x JOIN members m ON m.id = x.member_id";

pub async fn extract_by_number(db: &Db, number: &str) -> DbResult<Option<ExtractRow>> {
    let sql = format!("{SELECT_EXTRACT} WHERE x.number = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, ExtractRow>(&sql).bind(number).fetch_optional(p).await?))
}

/// The extracts journal: one member's, or everyone's; newest first.
pub async fn extracts(
    db: &Db,
    member_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<ExtractRow>, i64)> {
    let sql = format!(
        "{SELECT_EXTRACT} WHERE ($1 IS NULL OR x.member_id = $1) ORDER BY x.issued_at DESC, x.id DESC LIMIT $2 OFFSET $3"
    );
    let count = "SELECT COUNT(*) FROM extracts WHERE ($1 IS NULL OR member_id = $1)";
    let rows = on_db!(db, p => sqlx::query_as::<_, ExtractRow>(&sql).bind(member_id).bind(limit).bind(offset).fetch_all(p).await?);
    let total =
        on_db!(db, p => sqlx::query_scalar::<_, i64>(count).bind(member_id).fetch_one(p).await?);
    Ok((rows, total))
}

/// Entries as they stood at `version` (the history page shows any of them).
pub async fn snapshot_at(db: &Db, member_id: i64, version: i64) -> DbResult<Option<String>> {
    let sql = "SELECT snapshot FROM member_versions WHERE member_id = $1 AND version = $2";
    Ok(
        on_db!(db, p => sqlx::query_scalar::<_, String>(sql).bind(member_id).bind(version).fetch_optional(p).await?),
    )
}

/// Which of `keys` are the storage keys of issued extracts.
pub async fn extract_keys(db: &Db, keys: &[String]) -> DbResult<std::collections::HashSet<String>> {
    crate::db::present(
        db,
        "SELECT storage_key FROM extracts WHERE storage_key IN",
        keys,
    )
    .await
}
