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

/// One line of a role's work queue on «Рабочий стол».
pub struct Task {
    pub label: &'static str,
    pub count: i64,
    pub href: String,
}

/// What waits for this employee: items to register (registrars, administrators), to review
/// and overdue reviews (experts: of their members; administrators: all), insurance ending
/// within 30 days (experts and administrators), payments to assign (the accountant,
/// administrators).
pub async fn work_queue(
    core: &Core,
    register: bool,
    review: bool,
    money: bool,
    expert_id: Option<i64>,
) -> anyhow::Result<Vec<Task>> {
    let (to_register, to_review, overdue) = crate::exchange::journal::work_queue(core, expert_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mine = if expert_id.is_some() { "&mine=1" } else { "" };
    let mut tasks = vec![];
    if register {
        tasks.push(Task {
            label: "Ждут регистрации",
            count: to_register,
            href: "/office/inbox?status=sent".into(),
        });
    }
    if review {
        tasks.push(Task {
            label: "Ждут рассмотрения",
            count: to_review,
            href: format!("/office/inbox?status=registered{mine}"),
        });
        tasks.push(Task {
            label: "Рассмотрение просрочено (больше 10 дней)",
            count: overdue,
            href: format!("/office/inbox?status=registered{mine}"),
        });
        let (over, missing) = crate::contracts::office::queue(core, expert_id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        tasks.push(Task {
            label: "Превышен предельный размер обязательств по КФ ОДО",
            count: over,
            href: format!("/office/contracts/odo?filter=limit{mine}"),
        });
        tasks.push(Task {
            label: "Уведомления о договорах не поступили в срок",
            count: missing,
            href: "/office/contracts?state=missing".into(),
        });
        tasks.push(Task {
            label: "Договор страхования истекает в ближайшие 30 дней",
            count: crate::register::experts::expiring_policies(core, 30, expert_id).await?,
            href: format!("/office/members?{}", &mine.trim_start_matches('&')),
        });
    }
    if money {
        tasks.push(Task {
            label: "Неразнесенные платежи",
            count: crate::billing::ledger::unmatched_count(core)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            href: "/office/billing/unmatched".into(),
        });
    }
    Ok(tasks)
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

/// A letter of the demo mailbox, as the page shows it.
pub struct DemoLetter {
    pub text: String,
    /// Links to this portal in the letter (one-time links among them).
    pub links: Vec<String>,
}

/// The demo mailbox (demo mode only; `None` otherwise): the newest letters first.
pub async fn demo_mailbox(core: &Core) -> anyhow::Result<Option<(String, Vec<DemoLetter>)>> {
    if !core.settings.demo.enabled {
        return Ok(None);
    }
    let base = core.settings.base_url();
    let letters = crate::mail::demo_letters(&core.settings, 50)
        .await?
        .into_iter()
        .map(|(_, text)| DemoLetter {
            links: text
                .split_whitespace()
                .filter(|w| w.starts_with(&base))
                .map(str::to_string)
                .collect(),
            text,
        })
        .collect();
    let dir = crate::mail::demo_mailbox(&core.settings)
        .display()
        .to_string();
    Ok(Some((dir, letters)))
}
