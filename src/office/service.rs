//! What the back office's own pages need: member counts for the home page, the audit chain's
//! check, the mail log, and resending a message that was not delivered.

use crate::audit::{self, Actor, AuditRow, Event, Verification};
use crate::core::Core;
use crate::db::DbError;
use crate::mail::LogRow;
pub use crate::register::model::MembershipStatus;

/// Members per status: everyone's, and the expert's own when `expert_id` is given.
pub async fn member_counts(
    core: &Core,
    expert_id: Option<i64>,
) -> Result<Vec<(MembershipStatus, i64)>, DbError> {
    crate::register::service::counts(&core.db, expert_id).await
}

/// Registered documents of the expert's members that wait for the expert's review.
pub async fn waiting_review(core: &Core, expert_id: i64) -> anyhow::Result<i64> {
    crate::exchange::journal::waiting_review(core, expert_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The chain's check and the latest entries.
pub async fn audit_log(core: &Core, limit: i64) -> Result<(Verification, Vec<AuditRow>), DbError> {
    let v = audit::verify(&core.db).await?;
    Ok((v, audit::recent(&core.db, limit).await?))
}

/// The latest messages (optionally of one status) and the counts per status.
pub async fn mail_log(
    core: &Core,
    status: Option<&str>,
    limit: i64,
) -> Result<(Vec<LogRow>, Vec<(String, i64)>), DbError> {
    let rows = crate::mail::log(&core.db, status, limit).await?;
    let counts = crate::mail::counts(&core.db).await?;
    Ok((rows, counts))
}

/// Put a message that was not delivered back in the queue, audited.
pub async fn resend_mail(core: &Core, actor: &Actor, id: i64) -> Result<(), DbError> {
    let mut tx = core.db.begin().await?;
    if crate::mail::requeue(&mut tx, id).await? {
        let event = Event::new("mail.requeued", "outbox", id, serde_json::json!({}));
        audit::record(&mut tx, actor, event).await?;
    }
    tx.commit().await?;
    core.mail.wake();
    Ok(())
}
