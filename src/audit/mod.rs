//! The audit log: every state-changing operation writes one entry in the same transaction.
//!
//! Entries form a hash chain: each `hash` covers the previous entry's hash and this entry's
//! fields, so editing or deleting a row in the middle shows up in [`verify`]. (Cutting rows off
//! the end cannot be seen from the table alone; the last hash is also logged on every write.)

mod store;
mod views;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::db::{Db, DbResult, Tx};

pub use store::AuditRow;
pub use views::{AuditView, action_label, object_label};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Advisory lock key that serialises writers of the chain on PostgreSQL.
const CHAIN_LOCK: i64 = 0x4b61_6269_6e65_7401;

/// Who did it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// e-mail of the user, or `cli`, `system`
    pub label: String,
    pub ip: String,
}

impl Actor {
    pub fn system(label: &str) -> Actor {
        Actor {
            user_id: None,
            label: label.to_string(),
            ip: String::new(),
        }
    }
}

/// What happened to which object.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub details: serde_json::Value,
}

impl<'a> Event<'a> {
    /// `action` done to the object `object_type` `object_id`, with what matters about it.
    pub fn new(
        action: &'a str,
        object_type: &'a str,
        object_id: impl ToString,
        details: serde_json::Value,
    ) -> Event<'a> {
        Event {
            action,
            object_type,
            object_id: object_id.to_string(),
            details,
        }
    }
}

/// Append an entry inside the caller's transaction.
pub async fn record(tx: &mut Tx, actor: &Actor, event: Event<'_>) -> DbResult<()> {
    tx.lock_chain(CHAIN_LOCK).await?;
    let (last_id, prev_hash) = store::last(tx).await?.unwrap_or((0, GENESIS.to_string()));
    let at = tx.now();
    let details = event.details.to_string();
    let entry = Entry {
        id: last_id + 1,
        at,
        actor_user_id: actor.user_id,
        actor: &actor.label,
        action: event.action,
        object_type: event.object_type,
        object_id: &event.object_id,
        ip: &actor.ip,
        details: &details,
    };
    let hash = entry.hash(&prev_hash);
    store::insert(tx, &entry, &prev_hash, &hash).await?;
    tracing::debug!(audit_id = entry.id, action = event.action, hash = %hash, "audit entry");
    Ok(())
}

/// The fields the hash covers. `id` is part of it so rows cannot be swapped.
pub(crate) struct Entry<'a> {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub ip: &'a str,
    pub details: &'a str,
}

impl Entry<'_> {
    fn hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        // Length-prefixed fields: no two different entries serialise to the same bytes.
        let at = self.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
        let user = self
            .actor_user_id
            .map(|u| u.to_string())
            .unwrap_or_default();
        for part in [
            prev_hash,
            &self.id.to_string(),
            &at,
            &user,
            self.actor,
            self.action,
            self.object_type,
            self.object_id,
            self.ip,
            self.details,
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact {
        entries: u64,
    },
    /// The first entry whose stored hash or link does not match.
    Broken {
        id: i64,
        reason: String,
    },
}

/// Walk the chain from the start, in pages, and report the first broken link.
pub async fn verify(db: &Db) -> DbResult<Verification> {
    let mut prev_hash = GENESIS.to_string();
    let mut expected_id = 1i64;
    let mut count = 0u64;
    let mut after = 0i64;
    loop {
        let page = store::page(db, after, 1000).await?;
        if page.is_empty() {
            return Ok(Verification::Intact { entries: count });
        }
        for row in &page {
            if row.id != expected_id {
                return Ok(Verification::Broken {
                    id: row.id,
                    reason: format!("запись {} отсутствует (удалена?)", expected_id),
                });
            }
            if row.prev_hash != prev_hash {
                return Ok(Verification::Broken {
                    id: row.id,
                    reason: "ссылка на предыдущую запись не совпадает".into(),
                });
            }
            let entry = Entry {
                id: row.id,
                at: row.at,
                actor_user_id: row.actor_user_id,
                actor: &row.actor,
                action: &row.action,
                object_type: &row.object_type,
                object_id: &row.object_id,
                ip: &row.ip,
                details: &row.details,
            };
            if entry.hash(&prev_hash) != row.hash {
                return Ok(Verification::Broken {
                    id: row.id,
                    reason: "содержимое записи изменено после внесения".into(),
                });
            }
            prev_hash = row.hash.clone();
            expected_id += 1;
            count += 1;
            after = row.id;
        }
    }
}

/// The latest entries, newest first, for the back office.
pub async fn recent(db: &Db, limit: i64) -> DbResult<Vec<AuditRow>> {
    store::recent(db, limit).await
}

/// Entries about one object, newest first.
pub async fn for_object(
    db: &Db,
    object_type: &str,
    object_id: &str,
    limit: i64,
) -> DbResult<Vec<AuditRow>> {
    store::for_object(db, object_type, object_id, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(details: &str) -> Entry<'_> {
        Entry {
            id: 1,
            at: DateTime::parse_from_rfc3339("2026-11-23T10:00:00.123456Z")
                .unwrap()
                .with_timezone(&Utc),
            actor_user_id: Some(5),
            actor: "expert@sro.example",
            action: "auth.login",
            object_type: "user",
            object_id: "5",
            ip: "127.0.0.1",
            details,
        }
    }

    #[test]
    fn hash_depends_on_every_field_and_the_previous_hash() {
        let a = entry("{}").hash(GENESIS);
        assert_eq!(a.len(), 64);
        assert_eq!(a, entry("{}").hash(GENESIS));
        assert_ne!(a, entry("{\"x\":1}").hash(GENESIS));
        assert_ne!(a, entry("{}").hash(&a));
    }
}
