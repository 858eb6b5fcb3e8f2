//! Periodic jobs that run once per period across every instance sharing the database.
//!
//! Each instance ticks a few times per period and asks to take each job. Taking is one
//! conditional `UPDATE` on the job's row: it wins only when the job is due and nobody holds an
//! unexpired lease, so of several instances exactly one runs it. The winner moves `due_at` one
//! period on when it finishes. An instance that dies mid-run never finishes: its lease runs out
//! and the next instance to tick runs the job again, in the same period. The table also keeps
//! the counts of runs and failures for `/metrics` and the operator.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::db::{Db, DbResult};
use crate::on_db;

/// Who holds a lease: host, process and a random tag (a restarted process is someone else).
pub fn instance_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".into());
    let tag: String = crate::tokens::random_token().chars().take(6).collect();
    format!("{host}:{}:{tag}", std::process::id())
}

/// Take `name` if it is due and nobody holds it; true: this instance runs it now.
pub async fn claim(db: &Db, name: &str, holder: &str, lease: Duration) -> DbResult<bool> {
    let now = db.now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::hours(1));
    // A new job is due at once; the row exists before anyone races for it.
    let ins = "INSERT INTO jobs (name, holder, lease_until, due_at) VALUES ($1, '', $2, $2) ON CONFLICT (name) DO NOTHING";
    on_db!(db, p => sqlx::query(ins).bind(name).bind(now).execute(p).await?.rows_affected());
    let take = "UPDATE jobs SET holder = $2, lease_until = $4, last_started_at = $3 \
                WHERE name = $1 AND due_at <= $3 AND lease_until <= $3";
    let n = on_db!(db, p => sqlx::query(take).bind(name).bind(holder).bind(now).bind(until)
        .execute(p).await?.rows_affected());
    Ok(n == 1)
}

/// The run ended: release the lease and set the next due time. A holder whose lease ran out
/// and was taken over changes nothing (the new holder reports).
pub async fn finish(
    db: &Db,
    name: &str,
    holder: &str,
    period: Duration,
    error: Option<&str>,
) -> DbResult<()> {
    let now = db.now();
    let next = now + chrono::Duration::from_std(period).unwrap_or(chrono::Duration::hours(1));
    let sql = "UPDATE jobs SET lease_until = $3, due_at = $4, last_finished_at = $3, \
               runs = runs + 1, failures = failures + $5, last_error = $6 \
               WHERE name = $1 AND holder = $2";
    let failed = i64::from(error.is_some());
    on_db!(db, p => sqlx::query(sql).bind(name).bind(holder).bind(now).bind(next).bind(failed)
        .bind(error.unwrap_or("")).execute(p).await?.rows_affected());
    Ok(())
}

/// Run `job` if this instance wins it; errors are counted and logged, never propagated (the
/// other jobs still run).
pub async fn run_once<F, Fut>(
    db: &Db,
    name: &str,
    holder: &str,
    period: Duration,
    lease: Duration,
    job: F,
) -> DbResult<bool>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    if !claim(db, name, holder, lease).await? {
        return Ok(false);
    }
    let outcome = job().await;
    let error = outcome.as_ref().err().map(|e| format!("{e:#}"));
    if let Some(e) = &error {
        tracing::warn!(job = name, error = %e, "periodic job failed");
    }
    finish(db, name, holder, period, error.as_deref()).await?;
    Ok(true)
}

/// One job's row, for `/metrics` and tests.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub name: String,
    pub holder: String,
    pub runs: i64,
    pub failures: i64,
    pub lease_until: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub last_finished_at: Option<DateTime<Utc>>,
}

pub async fn list(db: &Db) -> DbResult<Vec<JobRow>> {
    let sql = "SELECT name, holder, runs, failures, lease_until, due_at, last_finished_at FROM jobs ORDER BY name";
    Ok(on_db!(db, p => sqlx::query_as::<_, JobRow>(sql).fetch_all(p).await?))
}

/// How often an instance asks: a tenth of the period, between 50 ms and 30 s, so a job is late
/// by at most that much after its period.
pub fn tick(period: Duration) -> Duration {
    (period / 10).clamp(Duration::from_millis(50), Duration::from_secs(30))
}
