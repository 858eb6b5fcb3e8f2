//! Use cases of authentication. No HTTP here: the web layer turns forms into these calls.

use anyhow::Context;
use chrono::Duration;

use super::cache::SessionCache;
use super::model::{self, MemberRole, Principal, StaffRole, User};
use super::store;
use crate::audit::{self, Actor, Event};
use crate::config::SecuritySettings;
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
    #[error("У организации несколько пользователей. Войдите по своему адресу электронной почты.")]
    AmbiguousInn,
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
            | AuthError::LastHead => FORM,
            _ => return Err(self),
        };
        Ok(FieldErrors::one(field, self.to_string()))
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
        if s.chars().all(|c| c.is_ascii_digit()) {
            return Inn::parse(s).map(LoginId::Inn).map_err(|e| match e {
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

pub struct LoggedIn {
    /// The new session cookie value (never stored; the database keeps its hash).
    pub token: String,
    pub user: User,
}

async fn verify_blocking(password: String, hash: String) -> anyhow::Result<bool> {
    // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    tokio::task::spawn_blocking(move || model::verify_password(&password, &hash))
        .await
        .context("password check task")
}

/// Check the credentials and open a new session. Any session the browser had is ended, so the
/// session id always changes at login.
pub async fn login(
    db: &Db,
    security: &SecuritySettings,
    id: &LoginId,
    password: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
    cache: &SessionCache,
) -> Result<LoggedIn, AuthError> {
    let candidates = match id {
        LoginId::Email(e) => store::user_by_email(db, e.as_str())
            .await?
            .filter(|u| !u.is_blocked && u.password_hash.is_some())
            .into_iter()
            .collect(),
        LoginId::Inn(inn) => store::login_candidates_by_inn(db, inn.as_str()).await?,
    };
    if candidates.is_empty() {
        // Same work as a real check, so timing does not tell whether the account exists.
        verify_blocking(password.to_string(), model::dummy_hash().to_string()).await?;
        record_failure(db, None, client).await?;
        return Err(AuthError::InvalidCredentials);
    }
    let mut matched: Vec<User> = Vec::new();
    for user in candidates.iter() {
        let hash = user.password_hash.clone().unwrap_or_default();
        if verify_blocking(password.to_string(), hash).await? {
            matched.push(user.clone());
        }
    }
    let user = match matched.len() {
        1 => matched.pop().expect("one"),
        0 => {
            let who = if candidates.len() == 1 {
                Some(candidates[0].id)
            } else {
                None
            };
            record_failure(db, who, client).await?;
            return Err(AuthError::InvalidCredentials);
        }
        _ => return Err(AuthError::AmbiguousInn),
    };
    if user.principal().is_none() {
        return Err(AuthError::InvalidCredentials);
    }

    let mut tx = db.begin().await?;
    let old = previous_token.map(crate::tokens::token_hash);
    if let Some(old) = &old {
        store::delete_session(&mut tx, old).await?;
    }
    let token = open_session(&mut tx, security, user.id, client).await?;
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

async fn record_failure(
    db: &Db,
    user_id: Option<i64>,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let mut tx = db.begin().await?;
    store::record_login(
        &mut tx,
        user_id,
        db.now(),
        &client.ip,
        &client.user_agent,
        false,
    )
    .await?;
    tx.commit().await?;
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
    });
    if let Some(u) = &user {
        cache.put(&hash, u.clone(), expires_at.min(absolute_end));
    }
    Ok(user)
}

/// A new SRO employee (CLI `create-staff`, demo data).
pub async fn create_staff(
    db: &Db,
    role: StaffRole,
    email: &Email,
    full_name: &str,
    password: &str,
    actor: &Actor,
) -> Result<i64, AuthError> {
    if let Some(problem) = model::password_problem(password, &[email.as_str()]) {
        return Err(AuthError::WeakPassword(problem));
    }
    let hash = model::hash_password(password);
    let mut tx = db.begin().await?;
    let id = store::insert_user(
        &mut tx,
        &store::NewUser {
            email: email.as_str(),
            full_name,
            position: role.label(),
            phone: "",
            password_hash: Some(&hash),
            kind: "staff",
            member_id: None,
            member_role: None,
            staff_role: Some(role.code()),
        },
    )
    .await?;
    let details = serde_json::json!({ "email": email.as_str(), "role": role.code() });
    let event = Event::new("staff.create", "user", id, details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// A user of a member company. `password_hash` may be a precomputed hash (bulk data).
pub struct MemberUserForCreate<'a> {
    pub member_id: i64,
    pub role: MemberRole,
    pub email: &'a Email,
    pub full_name: &'a str,
    pub position: &'a str,
    pub phone: &'a str,
    pub password: &'a str,
}

pub async fn create_member_user(
    db: &Db,
    u: &MemberUserForCreate<'_>,
    actor: &Actor,
) -> Result<i64, AuthError> {
    if let Some(problem) = model::password_problem(u.password, &[u.email.as_str()]) {
        return Err(AuthError::WeakPassword(problem));
    }
    let hash = model::hash_password(u.password);
    let mut tx = db.begin().await?;
    let id = store::insert_user(
        &mut tx,
        &store::NewUser {
            email: u.email.as_str(),
            full_name: u.full_name,
            position: u.position,
            phone: u.phone,
            password_hash: Some(&hash),
            kind: "member",
            member_id: Some(u.member_id),
            member_role: Some(u.role.code()),
            staff_role: None,
        },
    )
    .await?;
    let details = serde_json::json!({ "email": u.email.as_str(), "member_id": u.member_id, "role": u.role.code() });
    let event = Event::new("member_user.create", "user", id, details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn users_of_member(db: &Db, member_id: i64) -> Result<Vec<User>, DbError> {
    store::users_of_member(db, member_id).await
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
    store::delete_expired_sessions(db, db.now()).await
}

/// One «Руководитель» user per member, all with the same precomputed hash (bulk data only).
pub async fn create_member_heads_bulk(
    db: &Db,
    users: &[(i64, String, String)],
    password_hash: &str,
    actor: &Actor,
) -> Result<(), AuthError> {
    let mut tx = db.begin().await?;
    for (member_id, email, name) in users {
        store::insert_user(
            &mut tx,
            &store::NewUser {
                email,
                full_name: name,
                position: "",
                phone: "",
                password_hash: Some(password_hash),
                kind: "member",
                member_id: Some(*member_id),
                member_role: Some(MemberRole::Head.code()),
                staff_role: None,
            },
        )
        .await?;
    }
    let details = serde_json::json!({ "count": users.len() });
    let event = Event::new("member_user.create_many", "user", String::new(), details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(())
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
    }
}
