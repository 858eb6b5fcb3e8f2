//! Stored files: the `files` table (one row per blob a member or the SRO uploaded) and the
//! upload type the web layer hands to services. This module is the table's only writer; the
//! slices that attach files (exchange items, report templates) keep the file's id.
//!
//! A blob becomes visible with its row: [`record`] promotes the staged blob inside the
//! caller's transaction, so both appear at the commit or neither does.

pub mod lease;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::db::{Db, DbResult, Tx};
use crate::storage::{Staged, Storage};
use crate::{on_db, on_tx};
pub use lease::Lease;

/// A file from a form, already in storage under a temporary key.
#[derive(Debug, Clone)]
pub struct Upload {
    pub staged: Staged,
    /// The name as the user's computer called it (cleaned).
    pub name: String,
    pub media_type: String,
    /// The lease of the request that brought it (none for a file written and recorded in
    /// one step): it keeps the blob from the sweeper until the file is recorded or dropped.
    pub lease: Option<Arc<Lease>>,
}

/// A file as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub id: i64,
    pub storage_key: String,
    pub original_name: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub sha256: String,
    /// `None` while it is being computed; empty when the blob could not be read.
    pub streebog256: Option<String>,
    /// The member company that uploaded it; `None` for the SRO's own files (templates).
    pub member_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// A row for a blob that is already in place (bulk benchmark data).
pub struct NewFile<'a> {
    pub storage_key: &'a str,
    pub original_name: &'a str,
    pub size_bytes: i64,
    pub media_type: &'a str,
    pub sha256: &'a str,
    pub streebog256: Option<&'a str>,
    pub member_id: Option<i64>,
    pub uploaded_by: Option<i64>,
}

pub async fn insert(tx: &mut Tx, f: &NewFile<'_>) -> DbResult<i64> {
    let sql = "INSERT INTO files (storage_key, original_name, size_bytes, media_type, sha256, streebog256, member_id, \
               uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    let now = tx.now();
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(f.storage_key)
        .bind(f.original_name)
        .bind(f.size_bytes)
        .bind(f.media_type)
        .bind(f.sha256)
        .bind(f.streebog256)
        .bind(f.member_id)
        .bind(f.uploaded_by)
        .bind(now)
        .fetch_one(c)
        .await?))
}

/// Record an upload and promote its blob, in the caller's transaction: the row and the blob
/// appear together at the commit.
pub async fn record(
    tx: &mut Tx,
    storage: &Storage,
    u: &Upload,
    member_id: Option<i64>,
    uploaded_by: Option<i64>,
) -> anyhow::Result<i64> {
    let id = insert(
        tx,
        &NewFile {
            storage_key: &u.staged.key,
            original_name: &u.name,
            size_bytes: u.staged.size as i64,
            media_type: &u.media_type,
            sha256: &u.staged.sha256,
            streebog256: u.staged.streebog256.as_deref(),
            member_id,
            uploaded_by,
        },
    )
    .await?;
    storage.promote(&u.staged).await?;
    Ok(id)
}

pub async fn get(db: &Db, id: i64) -> DbResult<Option<FileRow>> {
    let sql = "SELECT id, storage_key, original_name, size_bytes, media_type, sha256, streebog256, member_id, \
               created_at FROM files WHERE id = $1";
    Ok(on_db!(db, p => sqlx::query_as::<_, FileRow>(sql).bind(id).fetch_optional(p).await?))
}

/// Which of `keys` have a file row (the orphan sweeper asks).
pub async fn known_keys(db: &Db, keys: &[String]) -> DbResult<HashSet<String>> {
    crate::db::present(
        db,
        "SELECT storage_key FROM files WHERE storage_key IN",
        keys,
    )
    .await
}

/// Compute the Streebog-256 digests still missing (files uploaded moments ago). Runs after
/// every upload and in housekeeping; two runs at once only do the same work twice.
pub async fn fill_digests(db: &Db, storage: &Storage) {
    loop {
        let batch = match missing_digests(db, 20).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = ?e, "listing files without a digest");
                return;
            }
        };
        if batch.is_empty() {
            return;
        }
        for (id, key) in batch {
            let r = match storage.digest::<streebog::Streebog256>(&key).await {
                Ok(d) => set_streebog(db, id, &hex::encode(d))
                    .await
                    .map_err(anyhow::Error::new),
                Err(e) => Err(e),
            };
            if let Err(e) = r {
                // A blob that cannot be read (removed by hand, storage down) must not make this
                // loop spin: an empty digest reads as «unknown» on the pages.
                tracing::warn!(error = ?e, file_id = id, "computing a Streebog digest");
                let _ = set_streebog(db, id, "").await;
            }
        }
    }
}

async fn missing_digests(db: &Db, limit: i64) -> DbResult<Vec<(i64, String)>> {
    let sql = "SELECT id, storage_key FROM files WHERE streebog256 IS NULL ORDER BY id LIMIT $1";
    Ok(on_db!(db, p => sqlx::query_as::<_, (i64, String)>(sql).bind(limit).fetch_all(p).await?))
}

async fn set_streebog(db: &Db, id: i64, hex: &str) -> DbResult<()> {
    let sql = "UPDATE files SET streebog256 = $1 WHERE id = $2 AND streebog256 IS NULL";
    on_db!(db, p => sqlx::query(sql).bind(hex).bind(id).execute(p).await?.rows_affected());
    Ok(())
}
