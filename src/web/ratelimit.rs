//! The limits on what a client may try how often: logins, password resets, extract checks and
//! extracts, invitations. The counters are in the database (`crate::ratelimit`), so every
//! instance counts the same attempts. Over a limit: a Russian 429 page with `Retry-After`.

use chrono::Duration;

use crate::config::SecuritySettings;
use crate::db::Db;
use crate::web::error::AppError;

pub struct Limits {
    db: Db,
    s: SecuritySettings,
}

impl Limits {
    pub fn new(db: Db, s: &SecuritySettings) -> Limits {
        Limits { db, s: s.clone() }
    }

    async fn check(
        &self,
        what: &str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<(), AppError> {
        match crate::ratelimit::hit(&self.db, &format!("{what}:{key}"), limit, window).await? {
            None => Ok(()),
            Some(retry_after_secs) => {
                tracing::warn!(limit = what, "rate limit reached");
                Err(AppError::TooManyRequests { retry_after_secs })
            }
        }
    }

    /// Login attempts per client IP and per account (e-mail or INN).
    pub async fn check_login(&self, ip: &str, account: &str) -> Result<(), AppError> {
        let minute = Duration::minutes(1);
        self.check("login-ip", ip, self.s.login_per_ip_per_minute, minute)
            .await?;
        self.check(
            "login",
            account,
            self.s.login_per_account_per_minute,
            minute,
        )
        .await
    }

    /// Password-reset requests: a flood gets 429, never a mail storm.
    pub async fn check_reset(&self, ip: &str, account: &str) -> Result<(), AppError> {
        let hour = Duration::hours(1);
        self.check("reset-ip", ip, self.s.reset_per_ip_per_hour, hour)
            .await?;
        self.check("reset", account, self.s.reset_per_account_per_hour, hour)
            .await
    }

    /// A look-up of an extract number (the check page and its PDF): numbers are random, but a
    /// guesser should not get to try many.
    pub async fn check_extract_lookup(&self, ip: &str) -> Result<(), AppError> {
        let limit = self.s.extract_checks_per_ip_per_minute;
        self.check("extract-check", ip, limit, Duration::minutes(1))
            .await
    }

    /// Invitations: per company per day and per user per hour (no mail relay for anyone).
    pub async fn check_invitation(&self, member_id: i64, user_id: i64) -> Result<(), AppError> {
        let (day, hour) = (Duration::days(1), Duration::hours(1));
        let company = self.s.invitations_per_member_per_day;
        self.check("invite-member", &member_id.to_string(), company, day)
            .await?;
        let user = self.s.invitations_per_user_per_hour;
        self.check("invite-user", &user_id.to_string(), user, hour)
            .await
    }

    /// An extract a member company issues itself.
    pub async fn check_extract_issue(&self, member_id: i64) -> Result<(), AppError> {
        let limit = self.s.extracts_per_member_per_hour;
        self.check("extract", &member_id.to_string(), limit, Duration::hours(1))
            .await
    }
}
