//! Asking for an archive, the worker that builds it (a lease per archive: a dead builder's
//! archive is taken over), the download while it lasts, and the expiry of old ones.

use std::time::Duration;

use serde_json::json;

use super::build;
use super::store::{self, ArchiveRow};
use crate::audit::{self, Actor, Event};
use crate::core::Core;
use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("not found")]
    NotFound,
    /// The archive's time is over: ask for a new one.
    #[error("{0}")]
    Gone(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for ArchiveError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => ArchiveError::NotFound,
            other => ArchiveError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// How long a ready archive may be downloaded.
pub const KEEP_DAYS: i64 = 7;
/// How long a builder holds an archive before another instance may take it over.
const LEASE: Duration = Duration::from_secs(30 * 60);
/// No ZIP64: an archive stops short of 4 GiB.
const MAX_BYTES: u64 = u32::MAX as u64;

/// Ask for a new archive; one already waiting or being built is the answer instead.
pub async fn request(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    user_id: i64,
) -> Result<i64, ArchiveError> {
    if let Some(open) = store::of_member(&core.db, member_id, 1)
        .await?
        .into_iter()
        .find(|a| a.state == "pending" || a.state == "building")
    {
        return Ok(open.id);
    }
    let mut tx = core.db.begin().await?;
    let id = store::insert(&mut tx, member_id, user_id).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new(
            "archive.request",
            "company_archive",
            id,
            json!({"member_id": member_id}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The company's archives, newest first (the page shows the last few).
pub async fn list(core: &Core, member_id: i64) -> Result<Vec<ArchiveRow>, ArchiveError> {
    Ok(store::of_member(&core.db, member_id, 5).await?)
}

/// A ready archive of the member: (storage key, file name, size). Another company's or a
/// missing one: `NotFound`; an expired one: `Gone`.
pub async fn download(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    id: i64,
) -> Result<(String, String, i64), ArchiveError> {
    let a = store::get(&core.db, id)
        .await?
        .filter(|a| a.member_id == member_id)
        .ok_or(ArchiveError::NotFound)?;
    let expired = a.expires_at.is_some_and(|t| t < core.db.now());
    if a.state == "expired" || (a.state == "ready" && expired) {
        return Err(ArchiveError::Gone(
            "Срок хранения архива истек: сформируйте новый".into(),
        ));
    }
    let key = match (&*a.state, a.storage_key) {
        ("ready", Some(k)) => k,
        _ => return Err(ArchiveError::NotFound),
    };
    let mut tx = core.db.begin().await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("archive.download", "company_archive", id, json!({})),
    )
    .await?;
    tx.commit().await?;
    let day = a
        .finished_at
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    Ok((key, format!("Архив организации {day}.zip"), a.size_bytes))
}

/// Build one waiting archive, if there is one; whether there was.
pub async fn work(core: &Core) -> Result<bool, ArchiveError> {
    let lease_until = core.db.now() + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let Some(a) = store::claim(&core.db, lease_until).await? else {
        return Ok(false);
    };
    match build_one(core, &a).await {
        Ok(()) => {}
        Err(e) => {
            tracing::warn!(archive = a.id, error = %format!("{e:#}"), "building an archive");
            store::fail(
                &core.db,
                a.id,
                "Не удалось сформировать архив: попробуйте еще раз",
            )
            .await?;
        }
    }
    Ok(true)
}

async fn build_one(core: &Core, a: &ArchiveRow) -> anyhow::Result<()> {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let producer = {
        let core = core.clone();
        let member_id = a.member_id;
        tokio::spawn(async move {
            let r = build::produce(&core, member_id, &tx).await;
            if let Err(e) = &r {
                // the writer ends the ZIP with an error instead of closing a partial archive
                let _ = tx.send(Err(std::io::Error::other(format!("{e:#}")))).await;
            }
            r
        })
    };
    let zip = crate::storage::zip::stream_parts(core.storage.clone(), rx);
    let staged = core
        .storage
        .put_temp(
            &format!("archive{}", a.id),
            Box::pin(zip),
            MAX_BYTES,
            |_| Ok(()),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"));
    let entries = producer.await??;
    let staged = staged?;
    let expires = core.db.now() + chrono::Duration::days(KEEP_DAYS);
    let mut tx = core.db.begin().await?;
    core.storage.promote(&staged).await?;
    let n = store::finish(
        &mut tx,
        a.id,
        &staged.key,
        staged.size as i64,
        entries,
        expires,
    )
    .await?;
    if n == 0 {
        // another instance took it over after our lease ran out; its copy wins
        drop(tx);
        core.storage.discard(std::slice::from_ref(&staged)).await;
        return Ok(());
    }
    tx.commit().await?;
    Ok(())
}

/// The worker of one instance: archives while there are some, a pause when there are none.
pub async fn run_worker(core: Core) {
    loop {
        match work(&core).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "archive worker"),
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Archives past their time: marked expired, their blobs removed (the periodic job).
pub async fn expire(core: &Core) -> Result<usize, ArchiveError> {
    let mut tx = core.db.begin().await?;
    let keys = store::expire(&mut tx).await?;
    tx.commit().await?;
    for k in &keys {
        if let Err(e) = core.storage.remove(k).await {
            tracing::warn!(error = %e, key = k, "removing an expired archive");
        }
    }
    Ok(keys.len())
}

/// Which of `keys` are ready archives (the orphan sweeper must leave them).
pub async fn known_keys(
    db: &crate::db::Db,
    keys: &[String],
) -> Result<std::collections::HashSet<String>, DbError> {
    Ok(store::known_keys(db, keys).await?.into_iter().collect())
}
