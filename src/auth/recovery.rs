//! Getting back in: password reset by e-mail or INN (as in the manuals), one-time links,
//! setting and changing passwords. Managing a company's users is in `users.rs`.

use chrono::Duration;

use super::cache::SessionCache;
use super::model::{self, User};
use super::service::{AuthError, ClientInfo, LoggedIn, SessionUser};
use super::store;
use crate::audit::{self, Actor, Event};
use crate::config::Settings;
use crate::core::Core;
use crate::db::{Db, Tx};
use crate::mail::{self, Letter, TOKEN_PLACEHOLDER};
use crate::requisites::{Email, Inn};
use crate::tokens::{derive_token, random_token, token_hash};

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
pub(super) async fn issue_token(
    tx: &mut Tx,
    settings: &Settings,
    secret: &[u8],
    user_id: i64,
    purpose: Purpose,
) -> Result<i64, AuthError> {
    let now = tx.now;
    let ttl = match purpose {
        Purpose::Reset => Duration::minutes(i64::from(settings.security.reset_token_minutes)),
        Purpose::Invite => Duration::hours(i64::from(settings.security.invite_token_hours)),
    };
    store::void_tokens(tx, user_id, purpose.code(), now).await?;
    let nonce = random_token();
    let token = derive_token(secret, &nonce);
    Ok(store::insert_token(
        tx,
        user_id,
        purpose.code(),
        &nonce,
        &token_hash(&token),
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
pub(super) fn attach_link(
    letter: &mut Letter,
    settings: &Settings,
    purpose: Purpose,
    token_id: i64,
) {
    let lead = match purpose {
        Purpose::Reset => "Перейдите по этой ссылке для сброса пароля:",
        Purpose::Invite => "Чтобы задать пароль и войти, перейдите по этой ссылке:",
    };
    letter.link = Some((lead.into(), link(settings)));
    letter.after_link.push(until_text(settings, purpose));
    letter.token_id = Some(token_id);
}

/// «Сброс пароля пользователя»: a link to every matching active user. The caller answers the
/// same page whatever was found; how many letters went is returned for the log only.
pub async fn request_reset(
    core: &Core,
    by: &ResetBy,
    client: &ClientInfo,
) -> Result<usize, AuthError> {
    let (db, settings, secret) = (&core.db, &*core.settings, &core.secret[..]);
    let users: Vec<User> = match by {
        ResetBy::Email(e) => store::user_by_email(db, e.as_str())
            .await?
            .filter(|u| !u.is_blocked)
            .into_iter()
            .collect(),
        ResetBy::Inn(inn) => store::active_users_of_member(db, inn.as_str()).await?,
    };
    if users.is_empty() {
        return Ok(0);
    }
    let mut sent = 0;
    let mut tx = db.begin().await?;
    for u in &users {
        let token_id = issue_token(&mut tx, settings, secret, u.id, Purpose::Reset).await?;
        let mut letter = Letter::new(
            settings,
            "password_reset",
            &u.email,
            format!(
                "Восстановление пароля в личном кабинете {}",
                settings.sro.short_name
            ),
        );
        letter.paragraphs.push(format!(
            "Для вашей учетной записи ({}) в личном кабинете {} запрошено восстановление пароля.",
            u.email, settings.sro.short_name
        ));
        attach_link(&mut letter, settings, Purpose::Reset, token_id);
        letter.user_id = Some(u.id);
        letter.member_id = u.member_id;
        mail::enqueue(&mut tx, &letter).await?;
        let details = serde_json::json!({ "by": match by { ResetBy::Email(_) => "email", ResetBy::Inn(_) => "inn" } });
        let event = Event::new("auth.reset_requested", "user", u.id, details);
        audit::record(
            &mut tx,
            &Actor {
                user_id: None,
                label: "anonymous".into(),
                ip: client.ip.clone(),
            },
            event,
        )
        .await?;
        sent += 1;
    }
    tx.commit().await?;
    Ok(sent)
}

/// The user a valid link belongs to, for the «new password» page.
pub async fn user_of_token(db: &Db, token: &str) -> Result<Option<(User, Purpose)>, AuthError> {
    if token.len() != 43 {
        return Ok(None);
    }
    let Some(t) = store::token_by_hash(db, &token_hash(token)).await? else {
        return Ok(None);
    };
    if t.used_at.is_some() || t.expires_at <= db.now() {
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

/// What a password must not contain: the user's e-mail (and its name part) and the company's
/// INN.
async fn personal_words(db: &Db, user: &User) -> Result<Vec<String>, AuthError> {
    let mut words = vec![user.email.clone()];
    if let Some(local) = user.email.split('@').next()
        && local.chars().count() >= 4
    {
        words.push(local.to_string());
    }
    if let Some(mid) = user.member_id
        && let Some(m) = store::member_brief(db, mid).await?
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
    core: &Core,
    cache: &SessionCache,
    token: &str,
    password: &str,
    again: &str,
    client: &ClientInfo,
) -> Result<LoggedIn, AuthError> {
    let (db, settings) = (&core.db, &core.settings);
    let Some((user, purpose)) = user_of_token(db, token).await? else {
        return Err(AuthError::InvalidToken);
    };
    check_new_password(password, again, &personal_words(db, &user).await?)?;
    let hash = core.passwords.hash(password).await?;
    let t = store::token_by_hash(db, &token_hash(token))
        .await?
        .ok_or(AuthError::InvalidToken)?;
    let now = db.now();
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
        Event::new(
            if purpose == Purpose::Invite {
                "auth.password_set"
            } else {
                "auth.password_reset"
            },
            "user",
            user.id,
            serde_json::json!({}),
        ),
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
    core: &Core,
    cache: &SessionCache,
    me: &SessionUser,
    session_token: &str,
    current: &str,
    password: &str,
    again: &str,
    client: &ClientInfo,
) -> Result<u64, AuthError> {
    let db = &core.db;
    let user = store::user_by_id(db, me.user_id)
        .await?
        .ok_or(AuthError::InvalidCredentials)?;
    let ok = match &user.password_hash {
        Some(h) => core.passwords.verify(current, h).await?,
        None => false,
    };
    if !ok {
        return Err(AuthError::WrongCurrentPassword);
    }
    check_new_password(password, again, &personal_words(db, &user).await?)?;
    let hash = core.passwords.hash(password).await?;
    let mut tx = db.begin().await?;
    store::set_password_hash(&mut tx, user.id, &hash).await?;
    let ended =
        store::delete_sessions_of(&mut tx, user.id, Some(&token_hash(session_token))).await?;
    let details = serde_json::json!({ "other_sessions_ended": ended });
    let event = Event::new("auth.password_changed", "user", user.id, details);
    audit::record(&mut tx, &me.actor(client), event).await?;
    tx.commit().await?;
    cache.forget_user(user.id);
    Ok(ended)
}
