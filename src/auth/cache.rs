//! A short-lived in-process cache of resolved sessions.
//!
//! Every page needs "who is this cookie?"; on SQLite that query is a large part of a page's
//! cost. Entries live `ttl` (1 s by default, `security.session_cache_ms`), and everything that
//! ends a session in this process (logout, a new login, blocking, a password change) removes
//! them at once. Another instance sharing the database sees such a change within `ttl`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::service::SessionUser;
use crate::clock::Clock;

struct Entry {
    user: SessionUser,
    loaded: Instant,
    expires_at: DateTime<Utc>,
}

pub struct SessionCache {
    ttl: Duration,
    /// The application's clock: a session the clock says has expired is never served.
    clock: Clock,
    entries: Mutex<HashMap<String, Entry>>,
}

/// Bound on memory: past this many live sessions the cache starts over.
const MAX_ENTRIES: usize = 50_000;

impl SessionCache {
    pub fn new(ttl: Duration, clock: Clock) -> SessionCache {
        SessionCache {
            ttl,
            clock,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, token_hash: &str) -> Option<SessionUser> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().expect("cache lock");
        let e = entries.get(token_hash)?;
        (e.loaded.elapsed() < self.ttl && e.expires_at > self.clock.now()).then(|| e.user.clone())
    }

    pub fn put(&self, token_hash: &str, user: SessionUser, expires_at: DateTime<Utc>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.loaded.elapsed() < self.ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            token_hash.to_string(),
            Entry {
                user,
                loaded: Instant::now(),
                expires_at,
            },
        );
    }

    pub fn forget_token(&self, token_hash: &str) {
        self.entries.lock().expect("cache lock").remove(token_hash);
    }

    pub fn forget_user(&self, user_id: i64) {
        self.entries
            .lock()
            .expect("cache lock")
            .retain(|_, e| e.user.user_id != user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Principal, StaffRole};

    fn user(id: i64) -> SessionUser {
        SessionUser {
            user_id: id,
            email: format!("u{id}@sro.example"),
            full_name: "Тест".into(),
            principal: Principal::Staff {
                role: StaffRole::Admin,
            },
            company: None,
            new_sro: 0,
        }
    }

    #[test]
    fn entries_expire_and_can_be_forgotten() {
        let c = SessionCache::new(Duration::from_secs(60), Clock::system());
        let later = Utc::now() + chrono::Duration::hours(1);
        c.put("a", user(1), later);
        c.put("b", user(2), later);
        assert_eq!(c.get("a").unwrap().user_id, 1);
        c.forget_token("a");
        assert!(c.get("a").is_none());
        c.forget_user(2);
        assert!(c.get("b").is_none());
        c.put("c", user(3), Utc::now() - chrono::Duration::seconds(1));
        assert!(
            c.get("c").is_none(),
            "an expired session is never served from the cache"
        );
        let off = SessionCache::new(Duration::ZERO, Clock::system());
        off.put("a", user(1), later);
        assert!(off.get("a").is_none());
    }
}
