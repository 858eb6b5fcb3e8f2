//! «Пригласить всех без доступа»: after an import or at go-live, every member that nobody can
//! log in for gets an invitation for its head, at the register's e-mail.
//!
//! An administrator sees the preview (who will be invited, who cannot be: no e-mail or a bad
//! one) and starts a batch; its items are written at once, and a worker in every instance
//! does them one by one, each in its own transaction with the user, the one-time link and the
//! letter. A restart leaves the rest pending for the next worker; an item's conditional move
//! out of `pending` makes sure no member is invited twice, by one batch or by two.

use std::time::Duration;

use super::model::{MemberRole, person_name_problem};
use super::recovery::{Purpose, attach_link, issue_token};
use super::rules::{Permission, allows};
use super::service::{AuthError, ClientInfo, SessionUser};
use super::store;
use crate::audit::{self, Event};
use crate::core::Core;
use crate::db::{Db, DbError};
use crate::mail::{self, Letter};
use crate::requisites::Email;

pub use store::{BatchRow, ItemRow, Unreached};

/// Who a run would reach, and who it cannot (with the reason).
pub struct Preview {
    pub ready: Vec<Unreached>,
    pub unreachable: Vec<(Unreached, &'static str)>,
}

fn problem_of(email: &str) -> Option<&'static str> {
    if email.trim().is_empty() {
        Some("в реестре нет адреса электронной почты")
    } else if Email::parse(email).is_err() {
        Some("адрес электронной почты в реестре неверен")
    } else {
        None
    }
}

pub async fn preview(db: &Db) -> Result<Preview, DbError> {
    let mut p = Preview {
        ready: vec![],
        unreachable: vec![],
    };
    for m in store::unreached_members(db).await? {
        match problem_of(&m.email) {
            None => p.ready.push(m),
            Some(why) => p.unreachable.push((m, why)),
        }
    }
    Ok(p)
}

/// Start a batch for everyone the preview shows now (the ones without a usable address are
/// in its report as not invited). `None` when there is nobody to invite.
pub async fn start(
    core: &Core,
    admin: &SessionUser,
    client: &ClientInfo,
) -> Result<Option<i64>, AuthError> {
    if !allows(admin.principal, Permission::Administer) {
        return Err(AuthError::Forbidden);
    }
    let p = preview(&core.db).await?;
    if p.ready.is_empty() {
        return Ok(None);
    }
    let total = (p.ready.len() + p.unreachable.len()) as i64;
    let mut tx = core.db.begin().await?;
    let id = store::insert_batch(&mut tx, admin.user_id, total).await?;
    for m in &p.ready {
        store::insert_batch_item(&mut tx, id, m.id, &m.short_name, &m.email, "pending", "").await?;
    }
    for (m, why) in &p.unreachable {
        store::insert_batch_item(&mut tx, id, m.id, &m.short_name, &m.email, "failed", why).await?;
    }
    let details = serde_json::json!({ "batch": id, "members": p.ready.len(), "unreachable": p.unreachable.len() });
    audit::record(
        &mut tx,
        &admin.actor(client),
        Event::new("member_user.invited_many", "invitation_batch", id, details),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Do one item: the head's user, the link and the letter, or the reason it was not done.
async fn do_item(core: &Core, item: i64, member_id: i64, email: &str) -> Result<(), AuthError> {
    let settings = &*core.settings;
    let mut tx = core.db.begin().await?;
    if !store::take_item(&mut tx, item).await? {
        return Ok(()); // another worker did it
    }
    let outcome = |state: &'static str, note: &'static str| (state, note);
    let refused = if store::active_users_count(&mut tx, member_id).await? > 0 {
        Some(outcome(
            "skipped",
            "у организации уже есть пользователь личного кабинета",
        ))
    } else if Email::parse(email).is_err() {
        Some(outcome(
            "failed",
            "адрес электронной почты в реестре неверен",
        ))
    } else if store::email_taken(&mut tx, email).await? {
        Some(outcome(
            "failed",
            "адрес уже используется для входа другим пользователем",
        ))
    } else {
        None
    };
    if let Some((state, note)) = refused {
        store::set_item_outcome(&mut tx, item, state, note, None, None).await?;
        tx.commit().await?;
        return Ok(());
    }
    let brief = store::member_brief(&core.db, member_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    // The register's head, if the name is one a letter may carry.
    let name =
        if brief.head_name.trim().is_empty() || person_name_problem(&brief.head_name).is_some() {
            format!("Руководитель {}", brief.short_name)
        } else {
            brief.head_name.trim().to_string()
        };
    let user_id = store::insert_user(
        &mut tx,
        &store::NewUser {
            email: email.trim(),
            full_name: &name,
            position: brief.head_position.trim(),
            phone: "",
            password_hash: None,
            kind: "member",
            member_id: Some(member_id),
            member_role: Some(MemberRole::Head.code()),
            staff_role: None,
        },
    )
    .await?;
    let token_id = issue_token(&mut tx, settings, &core.secret, user_id, Purpose::Invite).await?;
    let mut letter = Letter::new(
        settings,
        "invitation",
        email.trim(),
        format!("Приглашение в личный кабинет {}", settings.sro.short_name),
    );
    letter.greeting = format!("Здравствуйте, {name}!");
    letter.paragraphs.push(format!(
        "{} открывает личный кабинет члена СРО для {}: отчеты и документы для СРО, журнал отправленного, выписки из реестра и сообщения СРО. Вы получаете доступ как руководитель и сможете пригласить коллег.",
        settings.sro.short_name, brief.short_name
    ));
    attach_link(&mut letter, settings, Purpose::Invite, token_id);
    letter.user_id = Some(user_id);
    letter.member_id = Some(member_id);
    mail::enqueue(&mut tx, &letter).await?;
    store::set_item_outcome(&mut tx, item, "sent", "", Some(user_id), Some(token_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Do up to `limit` pending items (of any batch); how many were looked at.
pub async fn work(core: &Core, limit: i64) -> Result<usize, AuthError> {
    let items = store::pending_items(&core.db, limit).await?;
    let mut batches = vec![];
    for (item, batch, member_id, email) in &items {
        if let Err(e) = do_item(core, *item, *member_id, email).await {
            // Left pending (the transaction rolled back): the next round tries again.
            tracing::warn!(item, error = %e, "bulk invitation item");
        }
        if !batches.contains(batch) {
            batches.push(*batch);
        }
    }
    for b in batches {
        store::finish_batch(&core.db, b).await?;
    }
    if !items.is_empty() {
        core.mail.wake();
    }
    Ok(items.len())
}

/// The worker of one instance: a round every second while there is work, else every 5 s.
pub async fn run_worker(core: Core) {
    loop {
        let pause = match work(&core, 50).await {
            Ok(0) => Duration::from_secs(5),
            Ok(_) => Duration::from_millis(100),
            Err(e) => {
                tracing::warn!(error = %e, "bulk invitations");
                Duration::from_secs(5)
            }
        };
        tokio::time::sleep(pause).await;
    }
}

pub async fn batches(db: &Db) -> Result<Vec<BatchRow>, DbError> {
    store::batches(db, 20).await
}

/// A batch's report: its progress and every item, with how each letter fared.
pub struct Report {
    pub batch: BatchRow,
    pub items: Vec<(ItemRow, Option<String>)>,
}

pub async fn report(db: &Db, id: i64) -> Result<Option<Report>, DbError> {
    let Some(batch) = store::batch(db, id).await? else {
        return Ok(None);
    };
    let items = store::batch_items(db, id).await?;
    let tokens: Vec<i64> = items.iter().filter_map(|i| i.token_id).collect();
    let delivery: std::collections::HashMap<i64, (String, String)> =
        mail::delivery_of_tokens(db, &tokens)
            .await?
            .into_iter()
            .map(|(t, s, e)| (t, (s, e)))
            .collect();
    let items = items
        .into_iter()
        .map(|i| {
            let d = i
                .token_id
                .and_then(|t| delivery.get(&t))
                .map(|(s, e)| match s.as_str() {
                    "sent" => "доставлено".to_string(),
                    "failed" => format!("не доставлено: {e}"),
                    _ => "отправляется".to_string(),
                });
            (i, d)
        })
        .collect();
    Ok(Some(Report { batch, items }))
}
