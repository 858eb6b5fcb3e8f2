//! Counters that every instance shares: rate limits (a fixed window per key) and the growing
//! delay after failed logins. Both live in the database, not in process memory, so several
//! instances behind a load balancer count the same attempts.

use chrono::{DateTime, Duration, Utc};

use crate::db::{Db, DbResult};
use crate::on_db;

/// Count one hit of `key` in its window of `window`; `Some(seconds to wait)` when this hit is
/// over `limit`.
pub async fn hit(db: &Db, key: &str, limit: u32, window: Duration) -> DbResult<Option<u64>> {
    let now = db.now();
    let expired = now - window;
    // One statement: the row is created, counted or restarted atomically on both backends.
    let sql = "INSERT INTO rate_counters (key, window_start, hits) VALUES ($1, $2, 1) \
               ON CONFLICT (key) DO UPDATE SET \
               hits = CASE WHEN rate_counters.window_start <= $3 THEN 1 ELSE rate_counters.hits + 1 END, \
               window_start = CASE WHEN rate_counters.window_start <= $3 THEN $2 ELSE rate_counters.window_start END \
               RETURNING hits, window_start";
    let (hits, start): (i64, DateTime<Utc>) = on_db!(db, p => sqlx::query_as(sql)
        .bind(key)
        .bind(now)
        .bind(expired)
        .fetch_one(p)
        .await?);
    if hits > i64::from(limit.max(1)) {
        let wait = (start + window - now).num_seconds().max(1);
        Ok(Some(wait as u64))
    } else {
        Ok(None)
    }
}

/// Forget counters whose window ended long ago (housekeeping).
pub async fn sweep(db: &Db, older_than: Duration) -> DbResult<u64> {
    let cutoff = db.now() - older_than;
    let n = on_db!(db, p => sqlx::query("DELETE FROM rate_counters WHERE window_start < $1")
        .bind(cutoff)
        .execute(p)
        .await?
        .rows_affected());
    let m = on_db!(db, p => sqlx::query("DELETE FROM login_throttle WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)")
        .bind(cutoff)
        .execute(p)
        .await?
        .rows_affected());
    Ok(n + m)
}

/// After this many failed logins in a row each next attempt waits.
pub const FREE_FAILURES: i64 = 5;

/// How long the account waits after `failures` failed logins in a row: nothing for the first
/// few, then 1 minute, doubling up to an hour.
pub fn login_delay(failures: i64) -> Option<Duration> {
    (failures >= FREE_FAILURES).then(|| {
        let doublings = (failures - FREE_FAILURES).min(6) as u32;
        Duration::minutes((1i64 << doublings).min(60))
    })
}

/// Until when `key` may not try to log in, if it is waiting now.
pub async fn login_locked_until(db: &Db, key: &str) -> DbResult<Option<DateTime<Utc>>> {
    let sql = "SELECT locked_until FROM login_throttle WHERE key = $1";
    let until: Option<Option<DateTime<Utc>>> =
        on_db!(db, p => sqlx::query_scalar(sql).bind(key).fetch_optional(p).await?);
    Ok(until.flatten().filter(|t| *t > db.now()))
}

/// One more failed login of `key`: the count of failures in a row, and until when it waits.
pub async fn login_failed(db: &Db, key: &str) -> DbResult<(i64, Option<DateTime<Utc>>)> {
    let now = db.now();
    let sql = "INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2) \
               ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures + 1, updated_at = $2 \
               RETURNING failures";
    let failures: i64 =
        on_db!(db, p => sqlx::query_scalar(sql).bind(key).bind(now).fetch_one(p).await?);
    let until = login_delay(failures).map(|d| now + d);
    if let Some(until) = until {
        let sql = "UPDATE login_throttle SET locked_until = $2 WHERE key = $1";
        on_db!(db, p => sqlx::query(sql).bind(key).bind(until).execute(p).await?.rows_affected());
    }
    Ok((failures, until))
}

/// A successful login starts the count again.
pub async fn login_succeeded(db: &Db, key: &str) -> DbResult<()> {
    let sql = "DELETE FROM login_throttle WHERE key = $1";
    on_db!(db, p => sqlx::query(sql).bind(key).execute(p).await?.rows_affected());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_grows_and_stops_at_an_hour() {
        assert_eq!(login_delay(4), None);
        assert_eq!(login_delay(5), Some(Duration::minutes(1)));
        assert_eq!(login_delay(6), Some(Duration::minutes(2)));
        assert_eq!(login_delay(9), Some(Duration::minutes(16)));
        assert_eq!(login_delay(11), Some(Duration::minutes(60)));
        assert_eq!(login_delay(100), Some(Duration::minutes(60)));
    }
}
