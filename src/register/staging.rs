//! Imports of many members: staged in short transactions, then switched on in one.
//!
//! One transaction for 40,000 members held SQLite's only writer for seconds, and every login
//! (which writes its session) waited. Here a few hundred members are written per transaction,
//! marked with the import's batch, so other requests get the database between them; `members`,
//! the view everything reads, does not show them. When every row is written, one short
//! transaction clears the mark and records the import in the audit: to everybody the import
//! appears whole at that instant, or, if anything failed, never.

use super::model::{Change, Policy, Snapshot};
use super::service::{RegisterError, assign_number, id_range, reason_required, write_version};
use super::store;
use crate::audit::{self, Actor, Event};
use crate::core::Core;
use crate::db::{Db, DbError};

/// Members written per transaction.
pub const STAGE_ROWS: usize = 100;

/// An import being staged: its mark on the rows written so far.
pub struct Batch {
    token: String,
    ids: Vec<i64>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch {
            token: crate::tokens::random_token(),
            ids: Vec::new(),
        }
    }

    /// Write `entries` (checked already) in one short transaction, invisible for now.
    pub async fn stage(
        &mut self,
        core: &Core,
        entries: Vec<Snapshot>,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), RegisterError> {
        let today = core.today();
        let mut tx = core.db.begin().await?;
        let at = tx.now;
        let changes = [Change {
            field: "Запись".into(),
            old: String::new(),
            new: "внесена в реестр".into(),
        }];
        for mut s in entries {
            assign_number(&mut tx, &core.settings, today, &mut s.entry).await?;
            let id = store::insert_entry(&mut tx, &s.entry, None, at, Some(&self.token)).await?;
            store::replace_lists(&mut tx, id, &s).await?;
            write_version(&mut tx, id, 1, actor, reason, &changes, &s).await?;
            self.ids.push(id);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Make every staged member live at once, with one audit entry.
    pub async fn switch(
        &self,
        core: &Core,
        reason: &str,
        actor: &Actor,
    ) -> Result<Vec<i64>, RegisterError> {
        let mut tx = core.db.begin().await?;
        let n = store::switch_batch(&mut tx, &self.token).await?;
        if n as usize != self.ids.len() {
            // Rows of this batch went missing (swept as abandoned): nothing is switched.
            return Err(RegisterError::Unexpected(anyhow::anyhow!(
                "import batch has {n} rows, {} were staged",
                self.ids.len()
            )));
        }
        let details = serde_json::json!({ "reason": reason.trim(), "count": self.ids.len() });
        let event = Event::new("register.import", "member", id_range(&self.ids), details);
        audit::record(&mut tx, actor, event).await?;
        tx.commit().await?;
        Ok(self.ids.clone())
    }

    /// Remove what was staged (an import that failed half-way).
    pub async fn abandon(self, db: &Db) {
        if let Err(e) = store::delete_staged(db, Some(&self.token), db.now()).await {
            // The sweeper removes it later (`sweep_abandoned`).
            tracing::warn!(error = ?e, "removing a failed import's staged members");
        }
    }
}

impl Default for Batch {
    fn default() -> Self {
        Batch::new()
    }
}

/// Admit every entry, staged in short transactions, then switched on at once: all or none.
pub async fn import(
    core: &Core,
    entries: Vec<Snapshot>,
    reason: &str,
    actor: &Actor,
) -> Result<Vec<i64>, RegisterError> {
    reason_required(reason)?;
    let (kind, today) = (core.settings.sro.kind, core.today());
    for s in &entries {
        let mut errors = s.entry.check(kind, today);
        errors.extend(s.policies.iter().flat_map(Policy::check));
        if !errors.is_empty() {
            return Err(RegisterError::Invalid(errors.into()));
        }
    }
    let mut batch = Batch::new();
    let started = std::time::Instant::now();
    let rows = entries.len();
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let chunk: Vec<Snapshot> = entries.by_ref().take(STAGE_ROWS).collect();
        if let Err(e) = batch.stage(core, chunk, reason, actor).await {
            batch.abandon(&core.db).await;
            return Err(e);
        }
        if !core.db.is_postgres() {
            // SQLite's file lock is not fair: another process waiting to write (the server,
            // while the command line imports) sleeps in growing steps and would keep missing
            // the moments between chunks. A short pause lets it in.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
    let staged = started.elapsed();
    match batch.switch(core, reason, actor).await {
        Ok(ids) => {
            tracing::info!(
                rows,
                staged_ms = staged.as_millis() as u64,
                switched_ms = (started.elapsed() - staged).as_millis() as u64,
                "register import"
            );
            Ok(ids)
        }
        Err(e) => {
            batch.abandon(&core.db).await;
            Err(e)
        }
    }
}

/// Imports that never switched (their process died): removed a day after they started.
pub async fn sweep_abandoned(db: &Db) -> Result<u64, DbError> {
    store::delete_staged(db, None, db.now() - chrono::Duration::days(1)).await
}
