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
    reset_ip: DefaultKeyedRateLimiter<String>,
    reset_account: DefaultKeyedRateLimiter<String>,
    extract_check_ip: DefaultKeyedRateLimiter<String>,
    extract_member: DefaultKeyedRateLimiter<i64>,
}

fn per_hour(n: u32) -> Quota {
    Quota::per_hour(NonZeroU32::new(n.max(1)).expect("at least 1"))
}

fn wait(e: governor::NotUntil<governor::clock::QuantaInstant>) -> u64 {
    e.wait_time_from(DefaultClock::default().now()).as_secs() + 1
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"))
}

impl Limits {
    pub fn new(s: &crate::config::SecuritySettings) -> Limits {
        Limits {
            login_ip: RateLimiter::keyed(per_minute(s.login_per_ip_per_minute)),
            login_account: RateLimiter::keyed(per_minute(s.login_per_account_per_minute)),
            reset_ip: RateLimiter::keyed(per_hour(s.reset_per_ip_per_hour)),
            reset_account: RateLimiter::keyed(per_hour(s.reset_per_account_per_hour)),
            extract_check_ip: RateLimiter::keyed(per_minute(s.extract_checks_per_ip_per_minute)),
            extract_member: RateLimiter::keyed(per_hour(s.extracts_per_member_per_hour)),
        }
    }

    /// `Err(seconds to wait)` when either limit is exhausted.
    pub fn check_login(&self, ip: &str, account: &str) -> Result<(), u64> {
        self.login_ip.check_key(&ip.to_string()).map_err(wait)?;
        self.login_account
            .check_key(&account.to_string())
            .map_err(wait)?;
        Ok(())
    }

    /// Password-reset requests: a flood gets 429, never a mail storm.
    pub fn check_reset(&self, ip: &str, account: &str) -> Result<(), u64> {
        self.reset_ip.check_key(&ip.to_string()).map_err(wait)?;
        self.reset_account
            .check_key(&account.to_string())
            .map_err(wait)?;
        Ok(())
    }

    /// A look-up of an extract number on the public page: numbers are random, but a guesser
    /// should not get to try many.
    pub fn check_extract_lookup(&self, ip: &str) -> Result<(), u64> {
        self.extract_check_ip
            .check_key(&ip.to_string())
            .map_err(wait)
    }

    /// An extract a member company issues itself.
    pub fn check_extract_issue(&self, member_id: i64) -> Result<(), u64> {
        self.extract_member.check_key(&member_id).map_err(wait)
    }

    /// Forget idle keys so memory does not grow with every address ever seen.
    pub fn housekeeping(&self) {
        self.extract_check_ip.retain_recent();
        self.extract_check_ip.shrink_to_fit();
        self.extract_member.retain_recent();
        self.extract_member.shrink_to_fit();
        for l in [
            &self.login_ip,
            &self.login_account,
            &self.reset_ip,
            &self.reset_account,
        ] {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

pub const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(300);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_limit_applies_across_ips() {
        let s = crate::config::SecuritySettings {
            login_per_ip_per_minute: 100,
            login_per_account_per_minute: 3,
            ..Default::default()
        };
        let l = Limits::new(&s);
        for i in 0..3 {
            assert!(l.check_login(&format!("10.0.0.{i}"), "a@b.ru").is_ok());
        }
        assert!(l.check_login("10.0.0.9", "a@b.ru").is_err());
        assert!(l.check_login("10.0.0.9", "other@b.ru").is_ok());
    }
}
