//! Use cases of authentication. No HTTP here: the web layer turns forms into these calls.

use chrono::Duration;

use super::cache::SessionCache;
use super::model::{MemberRole, Principal, StaffRole, User};
use super::store;
use crate::audit::{self, Actor, Event};
use crate::config::SecuritySettings;
use crate::core::Core;
use crate::db::{Db, DbError};
use crate::requisites::{Email, Inn, RequisiteError};
use crate::validation::{FORM, FieldErrors};

/// Where a request came from; recorded with logins and audit entries.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Deliberately one message for "no such user", "wrong password" and "blocked".
    #[error("Неверный логин или пароль")]
    InvalidCredentials,
    #[error("{0}")]
    BadLogin(String),
    /// Several users of the company share this password: the INN does not say who it is.
    /// A wrong password for a company of several users: the same refusal, with the hint.
    #[error(
        "Неверный логин или пароль. У организации несколько пользователей: войдите по своему адресу электронной почты."
    )]
    AmbiguousInn,
    /// Too many failed logins in a row: the account waits.
    #[error("Слишком много неудачных попыток входа")]
    Locked { retry_after_secs: u64 },
    /// The password checks are overloaded: try again in a moment.
    #[error("Сервис входа перегружен")]
    Busy,
    #[error("Пользователь с таким адресом электронной почты уже есть")]
    EmailTaken,
    #[error("{0}")]
    WeakPassword(&'static str),
    #[error("Пароли не совпадают")]
    PasswordsDiffer,
    #[error("Текущий пароль указан неверно")]
    WrongCurrentPassword,
    #[error("Ссылка недействительна: она уже использована, устарела или заменена более новой")]
    InvalidToken,
    #[error("Недостаточно прав для этого действия")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("Это ваш текущий адрес")]
    SameEmail,
    #[error("Нельзя изменить роль или заблокировать самого себя")]
    SelfChange,
    #[error("В организации должен остаться хотя бы один активный руководитель")]
    LastHead,
    #[error("Должен остаться хотя бы один действующий администратор")]
    LastAdmin,
    /// A form's own checks: messages at their fields.
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl AuthError {
    /// The refusal as the form shows it, each message at the field it concerns; errors that
    /// are not about the form pass on.
    pub fn into_form(self) -> Result<FieldErrors, AuthError> {
        if let AuthError::Invalid(e) = self {
            return Ok(e);
        }
        let field = match &self {
            AuthError::EmailTaken | AuthError::SameEmail => "email",
            AuthError::WeakPassword(_) => "password",
            AuthError::PasswordsDiffer => "password2",
            AuthError::WrongCurrentPassword => "current",
            AuthError::BadLogin(_)
            | AuthError::InvalidCredentials
            | AuthError::AmbiguousInn
            | AuthError::SelfChange
            | AuthError::LastHead
            | AuthError::LastAdmin => FORM,
            _ => return Err(self),
        };
        Ok(FieldErrors::one(field, self.to_string()))
    }
}

impl From<crate::passwords::Busy> for AuthError {
    fn from(_: crate::passwords::Busy) -> Self {
        AuthError::Busy
    }
}

impl From<DbError> for AuthError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Conflict { constraint } if constraint == "users_email_key" => {
                AuthError::EmailTaken
            }
            other => AuthError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// What the login field holds: an e-mail, or the company's INN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginId {
    Email(Email),
    Inn(Inn),
}

impl LoginId {
    /// Digits mean an INN (a bad check digit is a form error, not a lookup); `@` means e-mail.
    pub fn parse(input: &str) -> Result<LoginId, AuthError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(AuthError::BadLogin(
                "Введите адрес электронной почты или ИНН".into(),
            ));
        }
        // An INN as people copy it from documents: «7700 123 459», «7700-123459».
        let digits: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}'))
            .collect();
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            return Inn::parse(&digits).map(LoginId::Inn).map_err(|e| match e {
                RequisiteError::Length { .. } => AuthError::BadLogin(
                    "ИНН состоит из 10 цифр (организация) или 12 цифр (ИП)".into(),
                ),
                other => AuthError::BadLogin(other.to_string()),
            });
        }
        if s.contains('@') {
            return Email::parse(s)
                .map(LoginId::Email)
                .map_err(|e| AuthError::BadLogin(e.to_string()));
        }
        Err(AuthError::BadLogin(
            "Введите адрес электронной почты или ИНН (10 или 12 цифр)".into(),
        ))
    }

    /// The key the per-account rate limit counts.
    pub fn key(&self) -> String {
        match self {
            LoginId::Email(e) => e.as_str().to_string(),
            LoginId::Inn(i) => i.as_str().to_string(),
        }
    }
}

pub use super::accounts::{
    MemberUserForCreate, create_member_heads_bulk, create_member_user, create_staff,
};

pub struct LoggedIn {
    /// The new session cookie value (never stored; the database keeps its hash).
    pub token: String,
    pub user: User,
}

/// An INN login checks the password against this many hashes whatever the company: its users
/// and dummies for the rest, so the time it takes does not tell how many users a company has.
/// A company with more users logs in by e-mail.
pub const INN_LOGIN_CHECKS: usize = 5;

/// Check the credentials and open a new session. Any session the browser had is ended, so the
/// session id always changes at login.
///
/// Failed logins count per account whatever the form (`ratelimit::login_failed`): after a few
/// in a row the account waits, growing to an hour; the wait is the same for a login no account
/// has, so it says nothing about which exist.
pub async fn login(
    core: &Core,
    id: &LoginId,
    password: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
    cache: &SessionCache,
) -> Result<LoggedIn, AuthError> {
    let db = &core.db;
    let candidates: Vec<User> = match id {
        LoginId::Email(e) => store::user_by_email(db, e.as_str())
            .await?
            .filter(|u| !u.is_blocked && u.password_hash.is_some())
            .into_iter()
            .collect(),
        LoginId::Inn(inn) => store::login_candidates_by_inn(db, inn.as_str()).await?,
    };
    let several = matches!(id, LoginId::Inn(_)) && candidates.len() > 1;
    let keys: Vec<String> = if candidates.is_empty() {
        vec![format!("login:{}", id.key())]
    } else {
        candidates
            .iter()
            .map(|u| format!("user:{}", u.id))
            .collect()
    };
    let mut locked = None;
    for k in &keys {
        locked = locked.max(crate::ratelimit::login_locked_until(db, k).await?);
    }
    if let Some(until) = locked {
        return Err(AuthError::Locked {
            retry_after_secs: (until - db.now()).num_seconds().max(1) as u64,
        });
    }
    let matched = check_candidates(core, id, &candidates, password).await?;
    let user = match matched {
        Some(u) if u.principal().is_some() => u,
        _ => {
            let who = (candidates.len() == 1).then(|| candidates[0].id);
            record_failure(core, who, &keys, client).await?;
            // Several users share the password, or none has it: one answer, so a guessed
            // password is never confirmed; a company of several users is told to use e-mail.
            return Err(if several {
                AuthError::AmbiguousInn
            } else {
                AuthError::InvalidCredentials
            });
        }
    };
    crate::ratelimit::login_succeeded(db, &format!("user:{}", user.id)).await?;

    let mut tx = db.begin().await?;
    let old = previous_token.map(crate::tokens::token_hash);
    if let Some(old) = &old {
        store::delete_session(&mut tx, old).await?;
    }
    let token = open_session(&mut tx, &core.settings.security, user.id, client).await?;
    let actor = Actor {
        user_id: Some(user.id),
        label: user.email.clone(),
        ip: client.ip.clone(),
    };
    let how = match id {
        LoginId::Email(_) => "email",
        LoginId::Inn(_) => "inn",
    };
    let details = serde_json::json!({ "by": how });
    let event = Event::new("auth.login", "user", user.id, details);
    audit::record(&mut tx, &actor, event).await?;
    tx.commit().await?;
    // After the commit: a request racing the commit cannot put the old session back.
    if let Some(old) = &old {
        cache.forget_token(old);
    }
    Ok(LoggedIn { token, user })
}

/// The user whose password it is: exactly one of the candidates. The work is the same
/// whatever the candidates: one check for an e-mail, [`INN_LOGIN_CHECKS`] for an INN.
async fn check_candidates(
    core: &Core,
    id: &LoginId,
    candidates: &[User],
    password: &str,
) -> Result<Option<User>, AuthError> {
    let checks = match id {
        LoginId::Email(_) => 1,
        LoginId::Inn(_) => INN_LOGIN_CHECKS,
    };
    let mut matched = Vec::new();
    for i in 0..checks {
        let hash = candidates.get(i).and_then(|u| u.password_hash.as_deref());
        let ok = match hash {
            Some(h) => core.passwords.verify(password, h).await?,
            None => core.passwords.verify_nobody(password).await?,
        };
        if ok {
            matched.push(candidates[i].clone());
        }
    }
    // More candidates than checks: the INN cannot pick among so many users.
    if candidates.len() > checks || matched.len() != 1 {
        return Ok(None);
    }
    Ok(matched.pop())
}

/// A failed login: recorded for the user (their «Последние входы»), counted for every account
/// it tried, and audited when it makes an account wait.
async fn record_failure(
    core: &Core,
    user_id: Option<i64>,
    keys: &[String],
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let db = &core.db;
    let mut tx = db.begin().await?;
    let now = tx.now;
    store::record_login(&mut tx, user_id, now, &client.ip, &client.user_agent, false).await?;
    tx.commit().await?;
    for key in keys {
        let (failures, until) = crate::ratelimit::login_failed(db, key).await?;
        if let Some(until) = until {
            let mut tx = db.begin().await?;
            let actor = Actor {
                user_id: None,
                label: "anonymous".into(),
                ip: client.ip.clone(),
            };
            let details = serde_json::json!({ "failures": failures, "until": until });
            let event = Event::new("auth.login_locked", "account", key, details);
            audit::record(&mut tx, &actor, event).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

pub async fn logout(
    db: &Db,
    token: &str,
    user: &SessionUser,
    client: &ClientInfo,
    cache: &SessionCache,
) -> Result<(), AuthError> {
    let hash = crate::tokens::token_hash(token);
    let mut tx = db.begin().await?;
    store::delete_session(&mut tx, &hash).await?;
    let actor = Actor {
        user_id: Some(user.user_id),
        label: user.email.clone(),
        ip: client.ip.clone(),
    };
    let event = Event::new("auth.logout", "user", user.user_id, serde_json::json!({}));
    audit::record(&mut tx, &actor, event).await?;
    tx.commit().await?;
    cache.forget_token(&hash);
    Ok(())
}

/// A new session for the user (and the successful login recorded), in the caller's transaction.
/// Returns the cookie value; only its hash is stored.
pub(super) async fn open_session(
    tx: &mut crate::db::Tx,
    security: &SecuritySettings,
    user_id: i64,
    client: &ClientInfo,
) -> Result<String, DbError> {
    let token = crate::tokens::random_token();
    let now = tx.now;
    let expires = now + Duration::hours(i64::from(security.session_idle_hours));
    store::insert_session(
        tx,
        &crate::tokens::token_hash(&token),
        user_id,
        now,
        expires,
        &client.ip,
        &client.user_agent,
    )
    .await?;
    store::record_login(tx, Some(user_id), now, &client.ip, &client.user_agent, true).await?;
    Ok(token)
}

/// The logged-in user behind a session cookie.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user_id: i64,
    pub email: String,
    pub full_name: String,
    pub principal: Principal,
    /// Short name of the member company (members only).
    pub company: Option<String>,
    /// The SRO's messages the company has not opened, of the user's categories (the menu's
    /// counter; as fresh as the session cache).
    pub new_sro: i64,
}

impl SessionUser {
    pub fn member_id(&self) -> Option<i64> {
        match self.principal {
            Principal::Member { member_id, .. } => Some(member_id),
            Principal::Staff { .. } => None,
        }
    }

    pub fn staff_role(&self) -> Option<StaffRole> {
        match self.principal {
            Principal::Staff { role } => Some(role),
            Principal::Member { .. } => None,
        }
    }

    pub fn role_label(&self) -> &'static str {
        match self.principal {
            Principal::Member { role, .. } => role.label(),
            Principal::Staff { role } => role.label(),
        }
    }

    pub fn actor(&self, client: &ClientInfo) -> Actor {
        Actor {
            user_id: Some(self.user_id),
            label: self.email.clone(),
            ip: client.ip.clone(),
        }
    }
}

/// Resolve a session cookie. Expired or blocked sessions are removed and give `None`.
/// Activity is written at most once a minute, so reading pages does not mean writing rows.
pub async fn session_user(
    db: &Db,
    security: &SecuritySettings,
    cache: &SessionCache,
    token: &str,
) -> Result<Option<SessionUser>, DbError> {
    let hash = crate::tokens::token_hash(token);
    if let Some(user) = cache.get(&hash) {
        return Ok(Some(user));
    }
    let Some(row) = store::session(db, &hash).await? else {
        return Ok(None);
    };
    let now = db.now();
    let too_old = row.created_at + Duration::hours(i64::from(security.session_max_hours)) < now;
    if row.expires_at < now || too_old || row.is_blocked {
        store::delete_session_now(db, &hash).await?;
        return Ok(None);
    }
    let mut expires_at = row.expires_at;
    if now - row.last_seen_at > Duration::seconds(60) {
        expires_at = now + Duration::hours(i64::from(security.session_idle_hours));
        store::touch_session(db, &hash, now, expires_at).await?;
    }
    let absolute_end = row.created_at + Duration::hours(i64::from(security.session_max_hours));
    let principal = match row.kind.as_str() {
        "member" => row
            .member_id
            .zip(row.member_role.as_deref().and_then(MemberRole::from_code))
            .map(|(member_id, role)| Principal::Member { member_id, role }),
        _ => row
            .staff_role
            .as_deref()
            .and_then(StaffRole::from_code)
            .map(|role| Principal::Staff { role }),
    };
    let user = principal.map(|principal| SessionUser {
        user_id: row.user_id,
        email: row.email,
        full_name: row.full_name,
        principal,
        company: row.company,
        new_sro: row.new_sro,
    });
    if let Some(u) = &user {
        cache.put(&hash, u.clone(), expires_at.min(absolute_end));
    }
    Ok(user)
}

pub async fn users_of_member(db: &Db, member_id: i64) -> Result<Vec<User>, DbError> {
    store::users_of_member(db, member_id).await
}

/// The users of several companies, in one read.
pub async fn users_of_members(db: &Db, members: &[i64]) -> Result<Vec<User>, DbError> {
    store::users_of_members(db, members).await
}

pub async fn user(db: &Db, id: i64) -> Result<Option<User>, DbError> {
    store::user_by_id(db, id).await
}

pub async fn staff(db: &Db) -> Result<Vec<User>, DbError> {
    store::staff_users(db).await
}

pub async fn recent_logins(
    db: &Db,
    user_id: i64,
    limit: i64,
) -> Result<Vec<store::LoginEvent>, DbError> {
    store::recent_logins(db, user_id, limit).await
}

pub async fn sweep_sessions(db: &Db) -> Result<u64, DbError> {
    let n = store::delete_expired_sessions(db, db.now()).await?;
    Ok(n + super::replays::sweep(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_sit_at_their_fields() {
        let e = AuthError::PasswordsDiffer.into_form().unwrap();
        assert_eq!(e.get("password2"), Some("Пароли не совпадают"));
        let e = AuthError::EmailTaken.into_form().unwrap();
        assert!(e.get("email").is_some());
        let e = AuthError::LastHead.into_form().unwrap();
        assert_eq!(e.general().len(), 1);
        assert!(matches!(
            AuthError::NotFound.into_form(),
            Err(AuthError::NotFound)
        ));
    }

    #[test]
    fn login_field_is_email_or_inn() {
        assert!(
            matches!(LoginId::parse(" Director@Firm.ru "), Ok(LoginId::Email(e)) if e.as_str() == "director@firm.ru")
        );
        assert!(matches!(LoginId::parse("7700123459"), Ok(LoginId::Inn(_))));
        assert!(matches!(
            LoginId::parse("770012345606"),
            Ok(LoginId::Inn(_))
        ));
        let bad_digit = LoginId::parse("7700123450").unwrap_err().to_string();
        assert!(bad_digit.contains("контрольная цифра"), "{bad_digit}");
        assert!(
            LoginId::parse("77001")
                .unwrap_err()
                .to_string()
                .contains("10 цифр")
        );
        assert!(LoginId::parse("ivanov").is_err());
        assert!(LoginId::parse("").is_err());
        // As copied from documents (issue 17): spaces, dashes, a no-break space.
        for typed in [
            "7700 123 459",
            "7700-123459",
            "7700\u{a0}123459",
            " 77-00-12-34-59 ",
        ] {
            assert!(
                matches!(LoginId::parse(typed), Ok(LoginId::Inn(ref i)) if i.as_str() == "7700123459"),
                "{typed}"
            );
        }
        assert!(LoginId::parse("- -").is_err());
    }
}
