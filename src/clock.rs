//! The one source of "now": every timestamp, expiry, deadline and period reads it here.
//!
//! Production runs on the system clock. Tests hold the same handle and move it forward
//! (`advance`) to see a session expire, a link go stale or a deadline pass, instead of editing
//! rows behind the application's back. The offset is shared by every clone, so the app, its
//! workers and the test see one time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, SubsecRound, Utc};

#[derive(Clone, Default)]
pub struct Clock {
    /// Microseconds added to the system time; zero in production.
    offset_us: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// The current time, truncated to microseconds so it reads back equal from both backends.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = Duration::microseconds(self.offset_us.load(Ordering::Relaxed));
        (Utc::now() + offset).trunc_subsecs(6)
    }

    /// Today's date in Moscow, the SRO's working calendar.
    pub fn today(&self) -> NaiveDate {
        moscow_date(self.now())
    }

    /// Move time forward (tests): everything that reads this clock sees the later time.
    pub fn advance(&self, by: Duration) {
        self.offset_us
            .fetch_add(by.num_microseconds().unwrap_or(i64::MAX), Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// Moscow time: UTC+3 all year since 2014.
pub fn moscow() -> FixedOffset {
    FixedOffset::east_opt(3 * 3600).expect("valid offset")
}

/// The Moscow date of an instant.
pub fn moscow_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&moscow()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_clone() {
        let c = Clock::system();
        let other = c.clone();
        let before = other.now();
        c.advance(Duration::days(2));
        assert!(other.now() - before >= Duration::days(2));
        assert!(other.now() - before < Duration::days(2) + Duration::minutes(1));
    }

    #[test]
    fn moscow_dates_turn_at_21_utc() {
        let t = DateTime::parse_from_rfc3339("2026-11-23T21:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            moscow_date(t),
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
        );
    }
}
