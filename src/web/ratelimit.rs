//! Rate limits on login attempts, per client IP and per account (e-mail or INN).
//!
//! Kept in memory: with several instances each enforces its own share, which still stops a
//! brute force (the per-account limit is low) without a shared store.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct Limits {
    login_ip: DefaultKeyedRateLimiter<String>,
    login_account: DefaultKeyedRateLimiter<String>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"))
}

impl Limits {
    pub fn new(per_ip: u32, per_account: u32) -> Limits {
        Limits {
            login_ip: RateLimiter::keyed(per_minute(per_ip)),
            login_account: RateLimiter::keyed(per_minute(per_account)),
        }
    }

    /// `Err(seconds to wait)` when either limit is exhausted.
    pub fn check_login(&self, ip: &str, account: &str) -> Result<(), u64> {
        let wait = |e: governor::NotUntil<_>| {
            e.wait_time_from(DefaultClock::default().now()).as_secs() + 1
        };
        self.login_ip.check_key(&ip.to_string()).map_err(wait)?;
        self.login_account
            .check_key(&account.to_string())
            .map_err(wait)?;
        Ok(())
    }

    /// Forget idle keys so memory does not grow with every address ever seen.
    pub fn housekeeping(&self) {
        self.login_ip.retain_recent();
        self.login_account.retain_recent();
        self.login_ip.shrink_to_fit();
        self.login_account.shrink_to_fit();
    }
}

pub const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(300);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_limit_applies_across_ips() {
        let l = Limits::new(100, 3);
        for i in 0..3 {
            assert!(l.check_login(&format!("10.0.0.{i}"), "a@b.ru").is_ok());
        }
        assert!(l.check_login("10.0.0.9", "a@b.ru").is_err());
        assert!(l.check_login("10.0.0.9", "other@b.ru").is_ok());
    }
}
