//! Getting back in: password reset by e-mail or INN (as in the manuals), one-time links,
//! setting and changing passwords, and the expert's change of a member user's e-mail.

use chrono::Duration;

use super::cache::SessionCache;
use super::model::{self, Principal, StaffRole, User};
use super::service::{AuthError, ClientInfo, LoggedIn, SessionUser};
use super::store;
use crate::audit::{self, Actor, Event};
use crate::config::Settings;
use crate::db::{Db, Tx};
use crate::mail::{self, Letter, TOKEN_PLACEHOLDER};
use crate::members::model::{Email, Inn};

/// What the user typed on «Сброс пароля пользователя».
pub enum ResetBy {
    Email(Email),
    Inn(Inn),
}

impl ResetBy {
    pub fn key(&self) -> &str {
        match self {
            ResetBy::Email(e) => e.as_str(),
            ResetBy::Inn(i) => i.as_str(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Reset,
    Invite,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Invite => "invite",
        }
    }
}

/// A new one-time link for the user (older unused links of the same purpose stop working).
/// Returns the token row id; the mail carries `%%TOKEN%%`, filled in when it is sent.
async fn issue_token(
    tx: &mut Tx,
    settings: &Settings,
    secret: &[u8],
    user_id: i64,
    purpose: Purpose,
) -> Result<i64, AuthError> {
    let now = crate::db::now();
    let ttl = match purpose {
        Purpose::Reset => Duration::minutes(i64::from(settings.security.reset_token_minutes)),
        Purpose::Invite => Duration::hours(i64::from(settings.security.invite_token_hours)),
    };
    store::void_tokens(tx, user_id, purpose.code(), now).await?;
    let nonce = model::random_token();
    let token = model::derive_token(secret, &nonce);
    Ok(store::insert_token(
        tx,
        user_id,
        purpose.code(),
        &nonce,
        &model::token_hash(&token),
        now,
        now + ttl,
    )
    .await?)
}

fn link(settings: &Settings) -> String {
    format!(
        "{}/user/reset-password?token={TOKEN_PLACEHOLDER}",
        settings.base_url()
    )
}

fn until_text(settings: &Settings, purpose: Purpose) -> String {
    match purpose {
        Purpose::Reset => format!(
            "Ссылка действует {} мин. и только один раз. Если вы не запрашивали восстановление пароля, просто удалите это письмо: пароль останется прежним.",
            settings.security.reset_token_minutes
        ),
        Purpose::Invite => format!(
            "Ссылка действует {} ч. и только один раз; по истечении срока воспользуйтесь кнопкой «Напомнить пароль» на странице входа.",
            settings.security.invite_token_hours
        ),
    }
}

/// Put the one-time link (and how long it lives) into a letter.
fn attach_link(letter: &mut Letter, settings: &Settings, purpose: Purpose, token_id: i64) {
    let lead = match purpose {
        Purpose::Reset => "Перейдите по этой ссылке для сброса пароля:",
        Purpose::Invite => "Чтобы задать пароль и войти, перейдите по этой ссылке:",
    };
    letter.link = Some((lead.into(), link(settings)));
    letter.after_link.push(until_text(settings, purpose));
    letter.token_id = Some(token_id);
}

/// «Сброс пароля пользователя»: a link to every matching active user. The answer does not
/// depend on whether anyone matched; the masked addresses are returned for the result page.
pub async fn request_reset(
    db: &Db,
    settings: &Settings,
    secret: &[u8],
    by: &ResetBy,
    client: &ClientInfo,
) -> Result<Vec<String>, AuthError> {
    let users: Vec<User> = match by {
        ResetBy::Email(e) => store::user_by_email(db, e.as_str())
            .await?
            .filter(|u| !u.is_blocked)
            .into_iter()
            .collect(),
        ResetBy::Inn(inn) => store::active_users_of_member(db, inn.as_str()).await?,
    };
    if users.is_empty() {
        return Ok(vec![]);
    }
    let mut masked = Vec::new();
    let mut tx = db.begin().await?;
    for u in &users {
        let token_id = issue_token(&mut tx, settings, secret, u.id, Purpose::Reset).await?;
        let mut letter = Letter::new(
            settings,
            "password_reset",
            &u.email,
            format!(
                "Восстановление пароля для Личный кабинет {}",
                settings.sro.short_name
            ),
        );
        letter.paragraphs.push(format!(
            "Для вашей учётной записи ({}) в личном кабинете {} запрошено восстановление пароля.",
            u.email, settings.sro.short_name
        ));
        attach_link(&mut letter, settings, Purpose::Reset, token_id);
        letter.user_id = Some(u.id);
        letter.member_id = u.member_id;
        mail::enqueue(&mut tx, &letter).await?;
        audit::record(
            &mut tx,
            &Actor { user_id: None, label: "anonymous".into(), ip: client.ip.clone() },
            Event {
                action: "auth.reset_requested",
                object_type: "user",
                object_id: u.id.to_string(),
                details: serde_json::json!({ "by": match by { ResetBy::Email(_) => "email", ResetBy::Inn(_) => "inn" } }),
            },
        )
        .await?;
        masked.push(
            Email::parse(&u.email)
                .map(|e| e.masked())
                .unwrap_or_default(),
        );
    }
    tx.commit().await?;
    Ok(masked)
}

/// The user a valid link belongs to, for the «new password» page.
pub async fn user_of_token(db: &Db, token: &str) -> Result<Option<(User, Purpose)>, AuthError> {
    if token.len() != 43 {
        return Ok(None);
    }
    let Some(t) = store::token_by_hash(db, &model::token_hash(token)).await? else {
        return Ok(None);
    };
    if t.used_at.is_some() || t.expires_at <= chrono::Utc::now() {
        return Ok(None);
    }
    let purpose = if t.purpose == "invite" {
        Purpose::Invite
    } else {
        Purpose::Reset
    };
    Ok(store::user_by_id(db, t.user_id)
        .await?
        .filter(|u| !u.is_blocked)
        .map(|u| (u, purpose)))
}

async fn personal_words(db: &Db, user: &User) -> Result<Vec<String>, AuthError> {
    let mut words = vec![user.email.clone()];
    if let Some(local) = user.email.split('@').next()
        && local.chars().count() >= 4
    {
        words.push(local.to_string());
    }
    if let Some(mid) = user.member_id
        && let Some(m) = crate::members::service::get(db, mid).await?
    {
        words.push(m.inn);
    }
    Ok(words)
}

pub fn check_new_password(
    password: &str,
    again: &str,
    personal: &[String],
) -> Result<(), AuthError> {
    if password != again {
        return Err(AuthError::PasswordsDiffer);
    }
    let refs: Vec<&str> = personal.iter().map(String::as_str).collect();
    match model::password_problem(password, &refs) {
        Some(p) => Err(AuthError::WeakPassword(p)),
        None => Ok(()),
    }
}

/// Set a new password through a link: the link is used up, every session of the user ends,
/// and a new one is opened (the user is logged in).
pub async fn set_password_by_token(
    db: &Db,
    cache: &SessionCache,
    settings: &Settings,
    token: &str,
    password: &str,
    again: &str,
    client: &ClientInfo,
) -> Result<LoggedIn, AuthError> {
    let Some((user, purpose)) = user_of_token(db, token).await? else {
        return Err(AuthError::InvalidToken);
    };
    check_new_password(password, again, &personal_words(db, &user).await?)?;
    let hash = tokio::task::spawn_blocking({
        let p = password.to_string();
        move || model::hash_password(&p)
    })
    .await
    .map_err(|e| AuthError::Unexpected(anyhow::Error::new(e)))?;
    let t = store::token_by_hash(db, &model::token_hash(token))
        .await?
        .ok_or(AuthError::InvalidToken)?;
    let now = crate::db::now();
    let mut tx = db.begin().await?;
    if !store::use_token(&mut tx, t.id, now).await? {
        return Err(AuthError::InvalidToken); // used by a concurrent request
    }
    store::set_password_hash(&mut tx, user.id, &hash).await?;
    store::delete_sessions_of(&mut tx, user.id, None).await?;
    let session =
        super::service::open_session(&mut tx, &settings.security, user.id, client).await?;
    audit::record(
        &mut tx,
        &Actor {
            user_id: Some(user.id),
            label: user.email.clone(),
            ip: client.ip.clone(),
        },
        Event {
            action: if purpose == Purpose::Invite {
                "auth.password_set"
            } else {
                "auth.password_reset"
            },
            object_type: "user",
            object_id: user.id.to_string(),
            details: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(LoggedIn {
        token: session,
        user,
    })
}

/// «Сменить пароль» in the profile: the current password is required; other sessions end.
#[allow(clippy::too_many_arguments)]
pub async fn change_password(
    db: &Db,
    cache: &SessionCache,
    me: &SessionUser,
    session_token: &str,
    current: &str,
    password: &str,
    again: &str,
    client: &ClientInfo,
) -> Result<u64, AuthError> {
    let user = store::user_by_id(db, me.user_id)
        .await?
        .ok_or(AuthError::InvalidCredentials)?;
    let ok = match user.password_hash.clone() {
        Some(h) => {
            let c = current.to_string();
            tokio::task::spawn_blocking(move || model::verify_password(&c, &h))
                .await
                .map_err(|e| AuthError::Unexpected(anyhow::Error::new(e)))?
        }
        None => false,
    };
    if !ok {
        return Err(AuthError::WrongCurrentPassword);
    }
    check_new_password(password, again, &personal_words(db, &user).await?)?;
    let p = password.to_string();
    let hash = tokio::task::spawn_blocking(move || model::hash_password(&p))
        .await
        .map_err(|e| AuthError::Unexpected(anyhow::Error::new(e)))?;
    let mut tx = db.begin().await?;
    store::set_password_hash(&mut tx, user.id, &hash).await?;
    let ended =
        store::delete_sessions_of(&mut tx, user.id, Some(&model::token_hash(session_token)))
            .await?;
    audit::record(
        &mut tx,
        &me.actor(client),
        Event {
            action: "auth.password_changed",
            object_type: "user",
            object_id: user.id.to_string(),
            details: serde_json::json!({ "other_sessions_ended": ended }),
        },
    )
    .await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(ended)
}

/// Who may change a member user's login e-mail: the member's assigned expert, or an admin.
pub fn may_change_email(staff: &SessionUser, member: &crate::members::Member) -> bool {
    match staff.principal {
        Principal::Staff {
            role: StaffRole::Admin,
        } => true,
        Principal::Staff {
            role: StaffRole::Expert,
        } => member.expert_id == Some(staff.user_id),
        _ => false,
    }
}

/// «Редактирование email»: the member's expert (or an administrator) changes a member user's
/// login e-mail when the old mailbox is gone. Both addresses are told; the new one gets a link
/// to set a password. Only the assigned expert or an admin may do it.
#[allow(clippy::too_many_arguments)]
pub async fn change_member_user_email(
    db: &Db,
    cache: &SessionCache,
    settings: &Settings,
    secret: &[u8],
    staff: &SessionUser,
    member_id: i64,
    user_id: i64,
    new_email: &Email,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let member = crate::members::service::get(db, member_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    let allowed = match staff.principal {
        Principal::Staff {
            role: StaffRole::Admin,
        } => true,
        Principal::Staff {
            role: StaffRole::Expert,
        } => member.expert_id == Some(staff.user_id),
        _ => false,
    };
    if !allowed {
        return Err(AuthError::Forbidden);
    }
    let user = store::user_by_id(db, user_id)
        .await?
        .filter(|u| u.member_id == Some(member_id))
        .ok_or(AuthError::NotFound)?;
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
            "Изменён адрес для входа в личный кабинет {}",
            settings.sro.short_name
        ),
    );
    to_old.paragraphs.push(format!(
        "Адрес электронной почты для входа в личный кабинет {} ({}) изменён: теперь это {}. Изменение внёс сотрудник СРО {}.",
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
        "Этот адрес указан для входа в личный кабинет {} ({}) вместо прежнего. Изменение внёс сотрудник СРО {}.",
        member.short_name, user.full_name, staff.full_name
    ));
    attach_link(&mut to_new, settings, Purpose::Invite, token_id);
    to_new.user_id = Some(user.id);
    to_new.member_id = Some(member_id);
    mail::enqueue(&mut tx, &to_new).await?;

    audit::record(
        &mut tx,
        &staff.actor(client),
        Event {
            action: "member_user.email_changed",
            object_type: "member",
            object_id: member_id.to_string(),
            details: serde_json::json!({ "user_id": user.id, "old": user.email, "new": new_email.as_str() }),
        },
    )
    .await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(())
}

/// The head of a company invites a colleague: a user without a password, and an invitation
/// link (the same set-password page) through the outbox.
pub async fn invite_member_user(
    db: &Db,
    settings: &Settings,
    secret: &[u8],
    head: &SessionUser,
    invitee: &Invitation,
    client: &ClientInfo,
) -> Result<i64, AuthError> {
    let Principal::Member {
        member_id,
        role: super::MemberRole::Head,
    } = head.principal
    else {
        return Err(AuthError::Forbidden);
    };
    let company = head.company.clone().unwrap_or_default();
    let mut tx = db.begin().await?;
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
    audit::record(
        &mut tx,
        &head.actor(client),
        Event {
            action: "member_user.invited",
            object_type: "member",
            object_id: member_id.to_string(),
            details: serde_json::json!({ "user_id": id, "email": invitee.email.as_str(), "role": invitee.role.code() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub struct Invitation {
    pub email: Email,
    pub full_name: String,
    pub position: String,
    pub role: super::MemberRole,
}

/// The head changes a colleague's role or blocks / unblocks them. Nobody changes themselves,
/// and a company always keeps an active head.
pub async fn update_member_user(
    db: &Db,
    cache: &SessionCache,
    head: &SessionUser,
    user_id: i64,
    role: Option<super::MemberRole>,
    blocked: Option<bool>,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let Principal::Member {
        member_id,
        role: super::MemberRole::Head,
    } = head.principal
    else {
        return Err(AuthError::Forbidden);
    };
    let user = store::user_by_id(db, user_id)
        .await?
        .filter(|u| u.member_id == Some(member_id))
        .ok_or(AuthError::NotFound)?;
    if user.id == head.user_id {
        return Err(AuthError::SelfChange);
    }
    let mut tx = db.begin().await?;
    let stops_being_head = user.member_role.as_deref() == Some("head")
        && (role.is_some_and(|r| r != super::MemberRole::Head) || blocked == Some(true));
    if stops_being_head && store::other_active_heads(&mut tx, member_id, user.id).await? == 0 {
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
    audit::record(
        &mut tx,
        &head.actor(client),
        Event {
            action: "member_user.updated",
            object_type: "member",
            object_id: member_id.to_string(),
            details: serde_json::json!({ "user_id": user.id, "role": role.map(|r| r.code()), "blocked": blocked }),
        },
    )
    .await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(())
}
