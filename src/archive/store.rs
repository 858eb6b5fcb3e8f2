//! SQL of `company_archives`.

use chrono::{DateTime, Utc};

use crate::db::{Db, DbResult, Tx, placeholders};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArchiveRow {
    pub id: i64,
    pub member_id: i64,
    pub requested_by: i64,
    pub state: String,
    pub storage_key: Option<String>,
    pub size_bytes: i64,
    pub entries: i64,
    pub error: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, member_id, requested_by, state, storage_key, size_bytes, entries, error, \
    created_at, finished_at, expires_at";

pub async fn insert(tx: &mut Tx, member_id: i64, user_id: i64) -> DbResult<i64> {
    let now = tx.now();
    let sql = "INSERT INTO company_archives (member_id, requested_by, state, created_at) \
               VALUES ($1, $2, 'pending', $3) RETURNING id";
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(member_id).bind(user_id).bind(now).fetch_one(c).await?),
    )
}

/// The company's archives, newest first.
pub async fn of_member(db: &Db, member_id: i64, limit: i64) -> DbResult<Vec<ArchiveRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM company_archives WHERE member_id = $1 ORDER BY id DESC LIMIT $2"
    );
    Ok(
        on_db!(db, p => sqlx::query_as::<_, ArchiveRow>(&sql).bind(member_id).bind(limit).fetch_all(p).await?),
    )
}

pub async fn get(db: &Db, id: i64) -> DbResult<Option<ArchiveRow>> {
    let sql = format!("SELECT {COLUMNS} FROM company_archives WHERE id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, ArchiveRow>(&sql).bind(id).fetch_optional(p).await?))
}

/// Take the oldest archive waiting (or one whose builder's lease ran out): one conditional
/// UPDATE, so two instances never build the same archive at once.
pub async fn claim(db: &Db, lease_until: DateTime<Utc>) -> DbResult<Option<ArchiveRow>> {
    let now = db.now();
    let pick = "SELECT id FROM company_archives WHERE state = 'pending' \
                OR (state = 'building' AND lease_until < $1) ORDER BY id LIMIT 1";
    let Some(id) =
        on_db!(db, p => sqlx::query_scalar::<_, i64>(pick).bind(now).fetch_optional(p).await?)
    else {
        return Ok(None);
    };
    let take = "UPDATE company_archives SET state = 'building', lease_until = $2 WHERE id = $1 \
                AND (state = 'pending' OR (state = 'building' AND lease_until < $3))";
    let n = on_db!(db, p => sqlx::query(take).bind(id).bind(lease_until).bind(now).execute(p).await?.rows_affected());
    if n == 0 {
        return Ok(None);
    }
    get(db, id).await
}

pub async fn finish(
    tx: &mut Tx,
    id: i64,
    key: &str,
    size: i64,
    entries: i64,
    expires_at: DateTime<Utc>,
) -> DbResult<u64> {
    let now = tx.now();
    let sql = "UPDATE company_archives SET state = 'ready', storage_key = $2, size_bytes = $3, \
               entries = $4, finished_at = $5, expires_at = $6, lease_until = NULL \
               WHERE id = $1 AND state = 'building'";
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(id).bind(key).bind(size).bind(entries).bind(now).bind(expires_at)
        .execute(c).await?.rows_affected()),
    )
}

pub async fn fail(db: &Db, id: i64, error: &str) -> DbResult<()> {
    let now = db.now();
    let sql = "UPDATE company_archives SET state = 'failed', error = $2, finished_at = $3, \
               lease_until = NULL WHERE id = $1";
    on_db!(db, p => sqlx::query(sql).bind(id).bind(error).bind(now).execute(p).await?.rows_affected());
    Ok(())
}

/// Ready archives past their time: marked expired; their keys, for the blobs to go.
pub async fn expire(tx: &mut Tx) -> DbResult<Vec<String>> {
    let now = tx.now();
    let sql = "UPDATE company_archives SET state = 'expired' WHERE state = 'ready' AND expires_at < $1 \
               RETURNING storage_key";
    let keys: Vec<Option<String>> =
        on_tx!(tx, c => sqlx::query_scalar::<_, Option<String>>(sql).bind(now).fetch_all(c).await?);
    Ok(keys.into_iter().flatten().collect())
}

/// Which of `keys` are ready archives (the orphan sweeper asks).
pub async fn known_keys(db: &Db, keys: &[String]) -> DbResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(500) {
        let sql = format!(
            "SELECT storage_key FROM company_archives WHERE state = 'ready' AND storage_key IN ({})",
            placeholders(1, chunk.len())
        );
        let found: Vec<String> = on_db!(db, p => {
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for k in chunk {
                q = q.bind(k);
            }
            q.fetch_all(p).await?
        });
        out.extend(found);
    }
    Ok(out)
}
