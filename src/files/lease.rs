//! Leases of uploads in flight. A form with files takes as long as the user's connection
//! needs; meanwhile its finished files wait under `tmp/`. The request holds a [`Lease`] (a
//! row renewed every minute by a background task) and names its blobs after it; the sweeper
//! leaves a blob alone while its lease is alive, whatever the grace period, and removes it
//! once the lease is released or has not been renewed for [`LEASE_TTL`] (its process died).
//! The row is in the database so that every instance sees every other instance's uploads.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use crate::db::{Db, DbResult};
use crate::on_db;

/// How often a lease is renewed while its request lives.
const RENEW_EVERY: Duration = Duration::from_secs(60);
/// A lease not renewed for this long belongs to a process that died.
pub const LEASE_TTL: chrono::Duration = chrono::Duration::minutes(5);

/// Held by a request while it streams files in and records them; released when dropped.
pub struct Lease {
    token: String,
    db: Db,
    renewal: tokio::task::JoinHandle<()>,
}

impl Lease {
    /// A new lease, recorded before any blob is written under its name.
    pub async fn start(db: &Db) -> DbResult<Arc<Lease>> {
        // No dots: the token is the part of a blob's name before the first dot.
        let token = crate::tokens::random_token().replace('.', "");
        let sql = "INSERT INTO upload_leases (token, renewed_at) VALUES ($1, $2)";
        on_db!(db, p => sqlx::query(sql).bind(&token).bind(db.now()).execute(p).await?.rows_affected());
        let renewal = {
            let (db, token) = (db.clone(), token.clone());
            tokio::spawn(async move {
                let start = tokio::time::Instant::now() + RENEW_EVERY;
                let mut tick = tokio::time::interval_at(start, RENEW_EVERY);
                loop {
                    tick.tick().await;
                    if let Err(e) = renew(&db, &token).await {
                        tracing::warn!(error = %e, "renewing an upload lease");
                    }
                }
            })
        };
        Ok(Arc::new(Lease {
            token,
            db: db.clone(),
            renewal,
        }))
    }

    pub fn token(&self) -> &str {
        &self.token
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Lease").field(&self.token).finish()
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewal.abort();
        // Released at once when possible; if not, it simply expires.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (db, token) = (self.db.clone(), std::mem::take(&mut self.token));
            rt.spawn(async move {
                let sql = "DELETE FROM upload_leases WHERE token = $1";
                let r = on_db!(&db, p => sqlx::query(sql).bind(&token).execute(p).await.map(|r| r.rows_affected()));
                if let Err(e) = r {
                    tracing::warn!(error = %e, "releasing an upload lease");
                }
            });
        }
    }
}

async fn renew(db: &Db, token: &str) -> DbResult<()> {
    let sql = "UPDATE upload_leases SET renewed_at = $1 WHERE token = $2";
    on_db!(db, p => sqlx::query(sql).bind(db.now()).bind(token).execute(p).await?.rows_affected());
    Ok(())
}

/// The leases alive now.
pub async fn live(db: &Db) -> DbResult<HashSet<String>> {
    let sql = "SELECT token FROM upload_leases WHERE renewed_at > $1";
    let rows: Vec<String> =
        on_db!(db, p => sqlx::query_scalar(sql).bind(db.now() - LEASE_TTL).fetch_all(p).await?);
    Ok(rows.into_iter().collect())
}

/// Forget leases that died (after the sweeper removed their blobs).
pub async fn forget_dead(db: &Db) -> DbResult<u64> {
    let sql = "DELETE FROM upload_leases WHERE renewed_at <= $1";
    Ok(
        on_db!(db, p => sqlx::query(sql).bind(db.now() - LEASE_TTL).execute(p).await?.rows_affected()),
    )
}
