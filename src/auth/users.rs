//! A company's users: the head invites colleagues, changes their roles, blocks and unblocks
//! them; the member's expert (or an administrator) changes a user's login e-mail when the old
//! mailbox is gone, and appoints a head when the company has lost its own. Users who logged
//! in are never deleted, so what they sent stays with the company.

use super::cache::SessionCache;
use super::model::{MemberRole, Principal, User};
use super::recovery::{Purpose, attach_link, issue_token};
use super::rules::may_manage_member_logins;
use super::service::{AuthError, ClientInfo, SessionUser};
use super::store;
use crate::audit::{self, Event};
use crate::core::Core;
use crate::db::{Db, DbError};
use crate::mail::{self, Letter};
use crate::requisites::Email;

/// The member and its user whose login e-mail `staff` is about to change: `Forbidden` for
/// staff who may not, `NotFound` for a user of another company.
pub async fn email_change_target(
    db: &Db,
    staff: &SessionUser,
    member_id: i64,
    user_id: i64,
) -> Result<(store::MemberBrief, User), AuthError> {
    let member = store::member_brief(db, member_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    if !may_manage_member_logins(staff.principal, staff.user_id, member.expert_id) {
        return Err(AuthError::Forbidden);
    }
    let user = colleague(db, member_id, user_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    Ok((member, user))
}

/// A user of the member company, or `None`: another company's user is as absent as a
/// missing one.
pub async fn colleague(db: &Db, member_id: i64, user_id: i64) -> Result<Option<User>, DbError> {
    Ok(store::user_by_id(db, user_id)
        .await?
        .filter(|u| u.member_id == Some(member_id)))
}

/// «Редактирование email»: the member's expert (or an administrator) changes a member user's
/// login e-mail when the old mailbox is gone. Both addresses are told; the new one gets a link
/// to set a password. Only the assigned expert or an admin may do it.
#[allow(clippy::too_many_arguments)]
pub async fn change_member_user_email(
    core: &Core,
    cache: &SessionCache,
    staff: &SessionUser,
    member_id: i64,
    user_id: i64,
    new_email: &Email,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let (db, settings, secret) = (&core.db, &*core.settings, &core.secret[..]);
    let (member, user) = email_change_target(db, staff, member_id, user_id).await?;
    if user.email == new_email.as_str() {
        return Err(AuthError::SameEmail);
    }
    let mut tx = db.begin().await?;
    store::set_email(&mut tx, user.id, new_email.as_str()).await?;
    store::delete_sessions_of(&mut tx, user.id, None).await?;
    let token_id = issue_token(&mut tx, settings, secret, user.id, Purpose::Invite).await?;

    let mut to_old = Letter::new(
        settings,
        "email_changed_old",
        &user.email,
        format!(
            "Изменен адрес для входа в личный кабинет {}",
            settings.sro.short_name
        ),
    );
    to_old.paragraphs.push(format!(
        "Адрес электронной почты для входа в личный кабинет {} ({}) изменен: теперь это {}. Изменение внес сотрудник СРО {}.",
        member.short_name, user.full_name, new_email.masked(), staff.full_name
    ));
    to_old.paragraphs.push(format!(
        "Если вы не просили об этом, немедленно свяжитесь с СРО: {}, {}.",
        settings.sro.phone, settings.sro.email
    ));
    to_old.user_id = Some(user.id);
    to_old.member_id = Some(member_id);
    mail::enqueue(&mut tx, &to_old).await?;

    let mut to_new = Letter::new(
        settings,
        "email_changed_new",
        new_email.as_str(),
        format!("Доступ к личному кабинету {}", settings.sro.short_name),
    );
    to_new.paragraphs.push(format!(
        "Этот адрес указан для входа в личный кабинет {} ({}) вместо прежнего. Изменение внес сотрудник СРО {}.",
        member.short_name, user.full_name, staff.full_name
    ));
    attach_link(&mut to_new, settings, Purpose::Invite, token_id);
    to_new.user_id = Some(user.id);
    to_new.member_id = Some(member_id);
    mail::enqueue(&mut tx, &to_new).await?;

    let details =
        serde_json::json!({ "user_id": user.id, "old": user.email, "new": new_email.as_str() });
    let event = Event::new("member_user.email_changed", "member", member_id, details);
    audit::record(&mut tx, &staff.actor(client), event).await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(())
}

/// The member's expert or an administrator appoints `user_id` a head of the company and lets
/// them in again if they were blocked: for a company whose head left, or whose heads blocked
/// each other. Audited; nothing happens to a user who is an active head already.
pub async fn appoint_head(
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
    let mut tx = core.db.begin().await?;
    let users = store::lock_company_users(&mut tx, member_id).await?;
    let user = users
        .iter()
        .find(|u| u.id == user_id)
        .ok_or(AuthError::NotFound)?;
    if user.is_active_head() {
        return Ok(());
    }
    store::set_member_role(&mut tx, user.id, MemberRole::Head.code()).await?;
    store::set_blocked(&mut tx, user.id, false).await?;
    let details = serde_json::json!({ "user_id": user.id, "name": user.full_name });
    let event = Event::new("member_user.head_appointed", "member", member_id, details);
    audit::record(&mut tx, &staff.actor(client), event).await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(())
}

/// The head of a company invites a colleague: a user without a password, and an invitation
/// link (the same set-password page) through the outbox.
pub async fn invite_member_user(
    core: &Core,
    head: &SessionUser,
    invitee: &Invitation,
    client: &ClientInfo,
) -> Result<i64, AuthError> {
    let Principal::Member {
        member_id,
        role: MemberRole::Head,
    } = head.principal
    else {
        return Err(AuthError::Forbidden);
    };
    let (settings, secret) = (&*core.settings, &core.secret[..]);
    let company = head.company.clone().unwrap_or_default();
    if store::user_by_email(&core.db, invitee.email.as_str())
        .await?
        .is_some()
    {
        // The inviter must not learn that the address has an account: the same answer as for
        // a new address, and a notice to the address's owner instead of a link.
        return notify_taken_address(core, head, invitee, member_id, &company, client).await;
    }
    let mut tx = core.db.begin().await?;
    let id = store::insert_user(
        &mut tx,
        &store::NewUser {
            email: invitee.email.as_str(),
            full_name: &invitee.full_name,
            position: &invitee.position,
            phone: "",
            password_hash: None,
            kind: "member",
            member_id: Some(member_id),
            member_role: Some(invitee.role.code()),
            staff_role: None,
        },
    )
    .await?;
    let token_id = issue_token(&mut tx, settings, secret, id, Purpose::Invite).await?;
    let mut letter = Letter::new(
        settings,
        "invitation",
        invitee.email.as_str(),
        format!("Приглашение в личный кабинет {}", settings.sro.short_name),
    );
    letter.greeting = format!("Здравствуйте, {}!", invitee.full_name);
    letter.paragraphs.push(format!(
        "{} приглашает вас в личный кабинет {} в {} с ролью «{}».",
        head.full_name,
        company,
        settings.sro.short_name,
        invitee.role.label()
    ));
    attach_link(&mut letter, settings, Purpose::Invite, token_id);
    letter.user_id = Some(id);
    letter.member_id = Some(member_id);
    mail::enqueue(&mut tx, &letter).await?;
    let details = serde_json::json!({ "user_id": id, "email": invitee.email.as_str(), "role": invitee.role.code() });
    let event = Event::new("member_user.invited", "member", member_id, details);
    audit::record(&mut tx, &head.actor(client), event).await?;
    tx.commit().await?;
    Ok(id)
}

/// An invitation to an address that already has an account: its owner is told (no link), the
/// inviter sees the usual answer.
async fn notify_taken_address(
    core: &Core,
    head: &SessionUser,
    invitee: &Invitation,
    member_id: i64,
    company: &str,
    client: &ClientInfo,
) -> Result<i64, AuthError> {
    let settings = &*core.settings;
    let mut tx = core.db.begin().await?;
    let mut letter = Letter::new(
        settings,
        "invitation_taken",
        invitee.email.as_str(),
        format!("Приглашение в личный кабинет {}", settings.sro.short_name),
    );
    letter.paragraphs.push(format!(
        "{} приглашает вас в личный кабинет {} в {}. Этот адрес уже используется для входа в личный кабинет, поэтому новая учетная запись не создана.",
        head.full_name, company, settings.sro.short_name
    ));
    letter.paragraphs.push(format!(
        "Если вы забыли пароль, воспользуйтесь «Напомнить пароль» на странице входа. Если приглашение не для вас, просто удалите это письмо; вопросы можно задать СРО: {}, {}.",
        settings.sro.phone, settings.sro.email
    ));
    letter.member_id = Some(member_id);
    mail::enqueue(&mut tx, &letter).await?;
    let details = serde_json::json!({ "email": invitee.email.as_str(), "existing_account": true });
    let event = Event::new("member_user.invited", "member", member_id, details);
    audit::record(&mut tx, &head.actor(client), event).await?;
    tx.commit().await?;
    Ok(0)
}

/// The head withdraws an invitation nobody accepted: the invited user (who never set a
/// password, so never logged in or sent anything) is removed with their link.
pub async fn withdraw_invitation(
    core: &Core,
    cache: &SessionCache,
    head: &SessionUser,
    user_id: i64,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let Principal::Member {
        member_id,
        role: MemberRole::Head,
    } = head.principal
    else {
        return Err(AuthError::Forbidden);
    };
    let user = colleague(&core.db, member_id, user_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    let mut tx = core.db.begin().await?;
    if user.password_hash.is_some() || !store::delete_unaccepted(&mut tx, user.id).await? {
        return Err(AuthError::Invalid(crate::validation::FieldErrors::form(
            "Приглашение уже принято: пользователя можно только заблокировать",
        )));
    }
    let details = serde_json::json!({ "user_id": user.id, "email": user.email });
    let event = Event::new(
        "member_user.invitation_withdrawn",
        "member",
        member_id,
        details,
    );
    audit::record(&mut tx, &head.actor(client), event).await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(())
}

pub struct Invitation {
    pub email: Email,
    pub full_name: String,
    pub position: String,
    pub role: MemberRole,
}

/// The head changes a colleague's role or blocks / unblocks them. Nobody changes themselves,
/// and a company always keeps an active head.
pub async fn update_member_user(
    core: &Core,
    cache: &SessionCache,
    head: &SessionUser,
    user_id: i64,
    role: Option<MemberRole>,
    blocked: Option<bool>,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let Principal::Member {
        member_id,
        role: MemberRole::Head,
    } = head.principal
    else {
        return Err(AuthError::Forbidden);
    };
    if user_id == head.user_id {
        return Err(AuthError::SelfChange);
    }
    let mut tx = core.db.begin().await?;
    let users = store::lock_company_users(&mut tx, member_id).await?;
    // The acting head may have been blocked or demoted a moment ago by another head.
    if !users
        .iter()
        .any(|u| u.id == head.user_id && u.is_active_head())
    {
        return Err(AuthError::Forbidden);
    }
    let user = users
        .iter()
        .find(|u| u.id == user_id)
        .ok_or(AuthError::NotFound)?;
    let stops_being_head = user.is_active_head()
        && (role.is_some_and(|r| r != MemberRole::Head) || blocked == Some(true));
    let other_heads = users
        .iter()
        .filter(|u| u.id != user.id && u.is_active_head())
        .count();
    if stops_being_head && other_heads == 0 {
        return Err(AuthError::LastHead);
    }
    if let Some(r) = role {
        store::set_member_role(&mut tx, user.id, r.code()).await?;
    }
    if let Some(b) = blocked {
        store::set_blocked(&mut tx, user.id, b).await?;
        if b {
            store::delete_sessions_of(&mut tx, user.id, None).await?;
        }
    }
    let details = serde_json::json!({ "user_id": user.id, "role": role.map(|r| r.code()), "blocked": blocked });
    let event = Event::new("member_user.updated", "member", member_id, details);
    audit::record(&mut tx, &head.actor(client), event).await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(())
}
