//! Getting people in, as SRO staff do it: the first head of an admitted member is invited from
//! the member's card (and a company that lost its head gets a new one the same way); staff
//! block and unblock a member's users; administrators invite staff («Сотрудники»), change their
//! roles and block them. Every invitation is a user without a password and a one-time link
//! (the same set-password page as «Напомнить пароль»), every change is audited.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::cache::SessionCache;
use super::model::{StaffRole, User};
use super::recovery::{Purpose, attach_link, issue_token};
use super::rules::{Permission, allows, may_manage_member_logins};
use super::service::{AuthError, ClientInfo, SessionUser};
use super::store;
use super::users::{Invitation, colleague};
use crate::audit::{self, Event};
use crate::core::Core;
use crate::db::{Db, DbError, Tx};
use crate::mail::{self, Letter};
use crate::requisites::Email;
use crate::validation::FieldErrors;

/// An SRO employee to invite.
pub struct StaffInvitation {
    pub email: Email,
    pub full_name: String,
    pub position: String,
    pub role: StaffRole,
}

/// Where an invitation stands, for the member's card and «Сотрудники».
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteState {
    /// The user has a password: nothing to show.
    Accepted,
    /// Sent on `sent_at`; the letter is still in the outbox.
    Queued { sent_at: DateTime<Utc> },
    /// The mail server of the addressee took the letter.
    Delivered {
        sent_at: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    /// Delivery failed for good (the mail log has the details; «Отправить повторно»).
    Failed {
        sent_at: DateTime<Utc>,
        error: String,
    },
    /// Nobody followed the link in time.
    Expired { until: DateTime<Utc> },
}

impl InviteState {
    pub fn label(&self) -> String {
        let d = crate::fmt::datetime;
        match self {
            InviteState::Accepted => String::new(),
            InviteState::Queued { sent_at } => {
                format!("Приглашение от {}: отправляется", d(sent_at))
            }
            InviteState::Delivered { sent_at, until } => format!(
                "Приглашение от {} доставлено; ссылка действует до {}",
                d(sent_at),
                d(until)
            ),
            InviteState::Failed { sent_at, error } => {
                format!("Приглашение от {} не доставлено: {error}", d(sent_at))
            }
            InviteState::Expired { until } => {
                format!(
                    "Срок приглашения истек {}: отправьте его повторно",
                    d(until)
                )
            }
        }
    }
}

/// The invitations of a company's users (`Some(member)`) or of the staff (`None`), by user:
/// users without a password only (an accepted invitation has nothing left to say).
pub async fn invite_states(
    db: &Db,
    member_id: Option<i64>,
    users: &[User],
) -> Result<HashMap<i64, InviteState>, DbError> {
    let pending: Vec<i64> = users
        .iter()
        .filter(|u| u.password_hash.is_none())
        .map(|u| u.id)
        .collect();
    if pending.is_empty() {
        return Ok(HashMap::new());
    }
    // The newest link of each user is the one that counts (issuing voids the older ones).
    let mut latest: HashMap<i64, store::InviteRow> = HashMap::new();
    for t in store::invites(db, member_id).await? {
        if pending.contains(&t.user_id) {
            latest.insert(t.user_id, t);
        }
    }
    let ids: Vec<i64> = latest.values().map(|t| t.id).collect();
    let delivery: HashMap<i64, (String, String)> = mail::delivery_of_tokens(db, &ids)
        .await?
        .into_iter()
        .map(|(t, s, e)| (t, (s, e)))
        .collect();
    let now = db.now();
    Ok(latest
        .into_values()
        .map(|t| {
            let state = if t.expires_at <= now || t.used_at.is_some() {
                InviteState::Expired {
                    until: t.expires_at.min(t.used_at.unwrap_or(t.expires_at)),
                }
            } else {
                match delivery.get(&t.id).map(|(s, e)| (s.as_str(), e)) {
                    Some(("sent", _)) => InviteState::Delivered {
                        sent_at: t.created_at,
                        until: t.expires_at,
                    },
                    Some(("failed", e)) => InviteState::Failed {
                        sent_at: t.created_at,
                        error: e.clone(),
                    },
                    _ => InviteState::Queued {
                        sent_at: t.created_at,
                    },
                }
            };
            (t.user_id, state)
        })
        .collect())
}

fn taken() -> AuthError {
    AuthError::Invalid(FieldErrors::one(
        "email",
        "Этот адрес уже используется для входа другим пользователем. Укажите другой адрес или измените адрес существующего пользователя.",
    ))
}

/// A unique-key violation on the e-mail (two invitations to one address at once) reads as the
/// same «адрес уже используется».
fn email_race(e: DbError) -> AuthError {
    match AuthError::from(e) {
        AuthError::EmailTaken => taken(),
        other => other,
    }
}

/// The member's assigned expert or an administrator invites a user of an admitted company
/// (its first head, usually; a new head when the old one left).
pub async fn invite_member_user(
    core: &Core,
    staff: &SessionUser,
    member_id: i64,
    invitee: &Invitation,
    client: &ClientInfo,
) -> Result<i64, AuthError> {
    let member = store::member_brief(&core.db, member_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    if !may_manage_member_logins(staff.principal, staff.user_id, member.expert_id) {
        return Err(AuthError::Forbidden);
    }
    let settings = &*core.settings;
    let mut tx = core.db.begin().await?;
    let lead = format!(
        "{} открывает вам доступ к личному кабинету члена СРО {} с ролью «{}». В кабинете — отчеты и документы для СРО, журнал отправленного, выписки из реестра и сообщения СРО.",
        settings.sro.short_name,
        member.short_name,
        invitee.role.label()
    );
    let subject = format!("Приглашение в личный кабинет {}", settings.sro.short_name);
    let new = store::NewUser {
        email: invitee.email.as_str(),
        full_name: &invitee.full_name,
        position: &invitee.position,
        phone: "",
        password_hash: None,
        kind: "member",
        member_id: Some(member_id),
        member_role: Some(invitee.role.code()),
        staff_role: None,
    };
    let id = invite_new(core, &mut tx, &new, subject, lead).await?;
    let details = serde_json::json!({ "user_id": id, "email": invitee.email.as_str(), "role": invitee.role.code(), "by_staff": true });
    let event = Event::new("member_user.invited", "member", member_id, details);
    audit::record(&mut tx, &staff.actor(client), event).await?;
    tx.commit().await?;
    core.mail.wake();
    Ok(id)
}

/// A new user without a password and the letter with their one-time link, in the caller's
/// transaction. An address another account uses is refused at the field.
async fn invite_new(
    core: &Core,
    tx: &mut Tx,
    new: &store::NewUser<'_>,
    subject: String,
    lead: String,
) -> Result<i64, AuthError> {
    if store::user_by_email(&core.db, new.email).await?.is_some() {
        return Err(taken());
    }
    let id = store::insert_user(tx, new).await.map_err(email_race)?;
    let user = store::user_by_id_tx(tx, id).await?;
    reissue(core, tx, &user, subject, lead).await?;
    Ok(id)
}

/// A fresh link for an invitation nobody accepted yet (the old link stops working).
async fn reissue(
    core: &Core,
    tx: &mut Tx,
    user: &User,
    subject: String,
    lead: String,
) -> Result<(), AuthError> {
    let settings = &*core.settings;
    let token_id = issue_token(tx, settings, &core.secret, user.id, Purpose::Invite).await?;
    let mut letter = Letter::new(settings, "invitation", &user.email, subject);
    letter.greeting = format!("Здравствуйте, {}!", user.full_name);
    letter.paragraphs.push(lead);
    attach_link(&mut letter, settings, Purpose::Invite, token_id);
    letter.user_id = Some(user.id);
    letter.member_id = user.member_id;
    mail::enqueue(tx, &letter).await?;
    Ok(())
}

fn accepted() -> AuthError {
    AuthError::Invalid(FieldErrors::form(
        "Приглашение уже принято: пользователь задал пароль и входит сам («Напомнить пароль» на странице входа).",
    ))
}

/// «Отправить приглашение повторно» for a member's user.
pub async fn resend_member_invitation(
    core: &Core,
    staff: &SessionUser,
    member_id: i64,
    user_id: i64,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let member = store::member_brief(&core.db, member_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    if !may_manage_member_logins(staff.principal, staff.user_id, member.expert_id) {
        return Err(AuthError::Forbidden);
    }
    let user = colleague(&core.db, member_id, user_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    if user.password_hash.is_some() {
        return Err(accepted());
    }
    let settings = &*core.settings;
    let mut tx = core.db.begin().await?;
    let lead = format!(
        "{} повторно открывает вам доступ к личному кабинету члена СРО {} с ролью «{}». Прежняя ссылка больше не действует.",
        settings.sro.short_name,
        member.short_name,
        user.role_label()
    );
    let subject = format!("Приглашение в личный кабинет {}", settings.sro.short_name);
    reissue(core, &mut tx, &user, subject, lead).await?;
    let details = serde_json::json!({ "user_id": user.id, "email": user.email });
    let event = Event::new(
        "member_user.invitation_resent",
        "member",
        member_id,
        details,
    );
    audit::record(&mut tx, &staff.actor(client), event).await?;
    tx.commit().await?;
    core.mail.wake();
    Ok(())
}

/// «Отозвать приглашение»: the invited user (who never set a password) is removed.
pub async fn withdraw_member_invitation(
    core: &Core,
    cache: &SessionCache,
    staff: &SessionUser,
    member_id: i64,
    user_id: i64,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let member = store::member_brief(&core.db, member_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    if !may_manage_member_logins(staff.principal, staff.user_id, member.expert_id) {
        return Err(AuthError::Forbidden);
    }
    let user = colleague(&core.db, member_id, user_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    let mut tx = core.db.begin().await?;
    if user.password_hash.is_some() || !store::delete_unaccepted(&mut tx, user.id).await? {
        return Err(accepted());
    }
    let details = serde_json::json!({ "user_id": user.id, "email": user.email });
    let event = Event::new(
        "member_user.invitation_withdrawn",
        "member",
        member_id,
        details,
    );
    audit::record(&mut tx, &staff.actor(client), event).await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(())
}

/// Staff block a member's user (who left the company, whose password leaked) or let them in
/// again. A company may be left without an active head this way: the card then offers to
/// invite or appoint one.
pub async fn set_member_user_blocked(
    core: &Core,
    cache: &SessionCache,
    staff: &SessionUser,
    member_id: i64,
    user_id: i64,
    blocked: bool,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let member = store::member_brief(&core.db, member_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    if !may_manage_member_logins(staff.principal, staff.user_id, member.expert_id) {
        return Err(AuthError::Forbidden);
    }
    let user = colleague(&core.db, member_id, user_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    let mut tx = core.db.begin().await?;
    store::set_blocked(&mut tx, user.id, blocked).await?;
    if blocked {
        store::delete_sessions_of(&mut tx, user.id, None).await?;
    }
    let details = serde_json::json!({ "user_id": user.id, "blocked": blocked, "by_staff": true });
    let event = Event::new("member_user.updated", "member", member_id, details);
    audit::record(&mut tx, &staff.actor(client), event).await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(())
}

fn administers(who: &SessionUser) -> Result<(), AuthError> {
    if allows(who.principal, Permission::Administer) {
        Ok(())
    } else {
        Err(AuthError::Forbidden)
    }
}

/// «Добавить сотрудника»: an administrator invites an employee; nobody types a password for
/// anybody else.
pub async fn invite_staff(
    core: &Core,
    admin: &SessionUser,
    invitee: &StaffInvitation,
    client: &ClientInfo,
) -> Result<i64, AuthError> {
    administers(admin)?;
    let settings = &*core.settings;
    let mut tx = core.db.begin().await?;
    let new = store::NewUser {
        email: invitee.email.as_str(),
        full_name: &invitee.full_name,
        position: &invitee.position,
        phone: "",
        password_hash: None,
        kind: "staff",
        member_id: None,
        member_role: None,
        staff_role: Some(invitee.role.code()),
    };
    let subject = format!(
        "Приглашение в рабочий кабинет сотрудника {}",
        settings.sro.short_name
    );
    let lead = format!(
        "{} приглашает вас в рабочий кабинет сотрудника СРО с ролью «{}».",
        admin.full_name,
        invitee.role.label()
    );
    let id = invite_new(core, &mut tx, &new, subject, lead).await?;
    let details = serde_json::json!({ "user_id": id, "email": invitee.email.as_str(), "role": invitee.role.code() });
    let event = Event::new("staff.invited", "user", id, details);
    audit::record(&mut tx, &admin.actor(client), event).await?;
    tx.commit().await?;
    core.mail.wake();
    Ok(id)
}

/// «Отправить приглашение повторно» for an employee who has not set a password.
pub async fn resend_staff_invitation(
    core: &Core,
    admin: &SessionUser,
    user_id: i64,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    administers(admin)?;
    let user = staff_user(&core.db, user_id).await?;
    if user.password_hash.is_some() {
        return Err(accepted());
    }
    let settings = &*core.settings;
    let mut tx = core.db.begin().await?;
    let lead = format!(
        "{} повторно приглашает вас в рабочий кабинет сотрудника СРО с ролью «{}». Прежняя ссылка больше не действует.",
        admin.full_name,
        user.role_label()
    );
    let subject = format!(
        "Приглашение в рабочий кабинет сотрудника {}",
        settings.sro.short_name
    );
    reissue(core, &mut tx, &user, subject, lead).await?;
    let details = serde_json::json!({ "user_id": user.id, "email": user.email });
    let event = Event::new("staff.invitation_resent", "user", user.id, details);
    audit::record(&mut tx, &admin.actor(client), event).await?;
    tx.commit().await?;
    core.mail.wake();
    Ok(())
}

/// An employee by id; `NotFound` for a member's user.
pub async fn staff_user(db: &Db, user_id: i64) -> Result<User, AuthError> {
    store::user_by_id(db, user_id)
        .await?
        .filter(|u| u.kind == "staff")
        .ok_or(AuthError::NotFound)
}

fn is_active_admin(u: &User) -> bool {
    u.staff_role.as_deref() == Some(StaffRole::Admin.code()) && !u.is_blocked
}

/// An administrator changes an employee's role or blocks / unblocks them. Nobody changes
/// themselves, and at least one active administrator always remains: the staff rows are
/// locked first, so two administrators demoting each other at once take turns.
pub async fn update_staff(
    core: &Core,
    cache: &SessionCache,
    admin: &SessionUser,
    user_id: i64,
    role: Option<StaffRole>,
    blocked: Option<bool>,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    administers(admin)?;
    if user_id == admin.user_id {
        return Err(AuthError::SelfChange);
    }
    let mut tx = core.db.begin().await?;
    let staff = store::lock_staff(&mut tx).await?;
    // The acting administrator may have been demoted or blocked a moment ago.
    if !staff
        .iter()
        .any(|u| u.id == admin.user_id && is_active_admin(u))
    {
        return Err(AuthError::Forbidden);
    }
    let user = staff
        .iter()
        .find(|u| u.id == user_id)
        .ok_or(AuthError::NotFound)?;
    let stops_being_admin = is_active_admin(user)
        && (role.is_some_and(|r| r != StaffRole::Admin) || blocked == Some(true));
    let others = staff
        .iter()
        .filter(|u| u.id != user.id && is_active_admin(u))
        .count();
    if stops_being_admin && others == 0 {
        return Err(AuthError::LastAdmin);
    }
    if let Some(r) = role {
        store::set_staff_role(&mut tx, user.id, r.code()).await?;
    }
    if let Some(b) = blocked {
        store::set_blocked(&mut tx, user.id, b).await?;
        if b {
            store::delete_sessions_of(&mut tx, user.id, None).await?;
        }
    }
    let details = serde_json::json!({ "user_id": user.id, "role": role.map(|r| r.code()), "blocked": blocked });
    let event = Event::new("staff.updated", "user", user.id, details);
    audit::record(&mut tx, &admin.actor(client), event).await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(())
}

/// The SRO's employees with their invitations, for «Сотрудники».
pub async fn staff_list(db: &Db) -> Result<(Vec<User>, HashMap<i64, InviteState>), DbError> {
    let users = store::staff_users(db).await?;
    let states = invite_states(db, None, &users).await?;
    Ok((users, states))
}

pub use store::MemberBrief;

/// What the invitation form needs of a member: name, expert, and the register's e-mail and
/// head as the defaults.
pub async fn member_brief(db: &Db, member_id: i64) -> Result<Option<MemberBrief>, DbError> {
    store::member_brief(db, member_id).await
}
