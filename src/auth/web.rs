//! Login and logout pages.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::Principal;
use super::service::{self, AuthError, LoginId};
use crate::state::AppState;
use crate::web::session::{SESSION_COOKIE, clear_cookie, set_cookie};
use crate::web::views::Chrome;
use crate::web::{AppError, Ctx, form_page, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(show_login).post(login))
        .route("/logout", post(logout))
}

/// The site root sends each user to their own start page.
async fn home(ctx: Ctx) -> Redirect {
    Redirect::to(home_of(ctx.user.as_ref().map(|u| u.principal)))
}

fn home_of(p: Option<Principal>) -> &'static str {
    match p {
        None => "/login",
        Some(Principal::Member { .. }) => "/kabinet",
        Some(Principal::Staff { .. }) => "/office",
    }
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    chrome: Chrome,
    login: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    vyhod: Option<String>,
}

/// Only paths of this site: never an open redirect.
fn safe_next(next: &str) -> String {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains("://")
    {
        next.to_string()
    } else {
        String::new()
    }
}

async fn show_login(ctx: Ctx, Query(q): Query<LoginQuery>) -> Result<Response, AppError> {
    if let Some(u) = &ctx.user {
        return Ok(Redirect::to(home_of(Some(u.principal))).into_response());
    }
    page(&LoginPage {
        chrome: ctx.chrome("Вход в личный кабинет"),
        login: String::new(),
        next: safe_next(&q.next),
        error: None,
        notice: q.vyhod.map(|_| "Вы вышли из личного кабинета."),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(&form.next);
    let again = |status: StatusCode, error: String| {
        form_page(
            status,
            &LoginPage {
                chrome: ctx.chrome("Вход в личный кабинет"),
                login: form.login.trim().to_string(),
                next: next.clone(),
                error: Some(error),
                notice: None,
            },
        )
    };
    let id = match LoginId::parse(&form.login) {
        Ok(id) => id,
        Err(e) => return again(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    };
    if form.password.is_empty() {
        return again(StatusCode::UNPROCESSABLE_ENTITY, "Введите пароль".into());
    }
    if let Err(wait) = state.limits.check_login(&ctx.client.ip, &id.key()) {
        tracing::warn!(ip = %ctx.client.ip, "login rate limit reached");
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    let done = service::login(
        &state.db,
        &state.settings.security,
        &id,
        &form.password,
        &ctx.client,
        ctx.token.as_deref(),
        &state.sessions,
    )
    .await;
    match done {
        Ok(logged_in) => {
            let target = if next.is_empty() {
                home_of(logged_in.user.principal()).to_string()
            } else {
                next.clone()
            };
            let mut res = Redirect::to(&target).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &logged_in.token, state.settings.is_https()),
            );
            Ok(res)
        }
        Err(e @ (AuthError::InvalidCredentials | AuthError::AmbiguousInn)) => {
            again(StatusCode::UNAUTHORIZED, e.to_string())
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(ctx: Ctx, State(state): State<AppState>) -> Result<Response, AppError> {
    if let (Some(token), Some(user)) = (&ctx.token, &ctx.user) {
        service::logout(&state.db, token, user, &ctx.client, &state.sessions).await?;
    }
    let mut res = Redirect::to("/login?vyhod=1").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(SESSION_COOKIE, state.settings.is_https()),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next("/kabinet/company"), "/kabinet/company");
        assert_eq!(safe_next("//evil.example"), "");
        assert_eq!(safe_next("https://evil.example"), "");
        assert_eq!(safe_next("/\\evil.example"), "");
    }
}

// ---- «Напомнить пароль» ---------------------------------------------------------------

pub fn recovery_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/user/request-password-reset",
            get(show_reset_request).post(request_reset),
        )
        .route(
            "/user/reset-password",
            get(show_new_password).post(set_new_password),
        )
        .route("/profile", get(show_profile))
        .route("/profile/password", post(change_password))
}

#[derive(Template)]
#[template(path = "auth/reset_request.html")]
struct ResetRequestPage {
    chrome: Chrome,
    by_inn: bool,
    value: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct ResetQuery {
    #[serde(default)]
    by: String,
}

async fn show_reset_request(ctx: Ctx, Query(q): Query<ResetQuery>) -> Result<Response, AppError> {
    page(&ResetRequestPage {
        chrome: ctx.chrome("Сброс пароля пользователя"),
        by_inn: q.by == "inn",
        value: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    by: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    inn: String,
}

#[derive(Template)]
#[template(path = "auth/reset_result.html")]
struct ResetResultPage {
    chrome: Chrome,
    masked: Vec<String>,
}

async fn request_reset(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    use super::recovery::{self, ResetBy};
    use crate::members::model::{Email, Inn};
    let by_inn = form.by == "inn";
    let value = if by_inn {
        form.inn.trim().to_string()
    } else {
        form.email.trim().to_string()
    };
    let again = |error: String| {
        form_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetRequestPage {
                chrome: ctx.chrome("Сброс пароля пользователя"),
                by_inn,
                value: value.clone(),
                error: Some(error),
            },
        )
    };
    let by = if by_inn {
        if value.is_empty() {
            return again("Введите ИНН".into());
        }
        match Inn::parse(&value) {
            Ok(i) => ResetBy::Inn(i),
            Err(e) => return again(e.to_string()),
        }
    } else {
        if value.is_empty() {
            return again("Введите адрес электронной почты".into());
        }
        match Email::parse(&value) {
            Ok(e) => ResetBy::Email(e),
            Err(e) => return again(e.to_string()),
        }
    };
    if let Err(wait) = state.limits.check_reset(&ctx.client.ip, by.key()) {
        tracing::warn!(ip = %ctx.client.ip, "password reset rate limit reached");
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    let masked =
        recovery::request_reset(&state.db, &state.settings, &state.secret, &by, &ctx.client)
            .await?;
    if !masked.is_empty() {
        state.mail.wake();
    }
    page(&ResetResultPage {
        chrome: ctx.chrome("Результат действия"),
        masked,
    })
}

#[derive(Template)]
#[template(path = "auth/new_password.html")]
struct NewPasswordPage {
    chrome: Chrome,
    token: String,
    email: String,
    invite: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/link_invalid.html")]
struct LinkInvalidPage {
    chrome: Chrome,
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn link_invalid(ctx: &Ctx) -> Result<Response, AppError> {
    form_page(
        StatusCode::GONE,
        &LinkInvalidPage {
            chrome: ctx.chrome("Ссылка недействительна"),
        },
    )
}

async fn show_new_password(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    match super::recovery::user_of_token(&state.db, &q.token).await? {
        Some((user, purpose)) => page(&NewPasswordPage {
            chrome: ctx.chrome("Новый пароль"),
            token: q.token,
            email: user.email,
            invite: purpose == super::recovery::Purpose::Invite,
            error: None,
        }),
        None => link_invalid(&ctx),
    }
}

#[derive(Deserialize)]
struct NewPasswordForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

async fn set_new_password(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, AppError> {
    let done = super::recovery::set_password_by_token(
        &state.db,
        &state.sessions,
        &state.settings,
        &form.token,
        &form.password,
        &form.password2,
        &ctx.client,
    )
    .await;
    match done {
        Ok(logged_in) => {
            let mut res = Redirect::to("/profile?done=password").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &logged_in.token, state.settings.is_https()),
            );
            Ok(res)
        }
        Err(AuthError::InvalidToken) => link_invalid(&ctx),
        Err(e @ (AuthError::PasswordsDiffer | AuthError::WeakPassword(_))) => {
            let Some((user, purpose)) =
                super::recovery::user_of_token(&state.db, &form.token).await?
            else {
                return link_invalid(&ctx);
            };
            form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewPasswordPage {
                    chrome: ctx.chrome("Новый пароль"),
                    token: form.token,
                    email: user.email,
                    invite: purpose == super::recovery::Purpose::Invite,
                    error: Some(e.to_string()),
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

// ---- профиль ----------------------------------------------------------------------------

pub struct LoginView {
    pub at: String,
    pub ip: String,
    pub browser: String,
    pub success: bool,
}

#[derive(Template)]
#[template(path = "auth/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    name: String,
    email: String,
    role: &'static str,
    company: Option<String>,
    logins: Vec<LoginView>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct ProfileQuery {
    #[serde(default)]
    done: String,
}

async fn profile_page(
    ctx: &Ctx,
    state: &AppState,
    notice: Option<String>,
    error: Option<String>,
) -> Result<ProfilePage, AppError> {
    let user = ctx.user.clone().ok_or(AppError::LoginRequired {
        next: "/profile".into(),
    })?;
    let logins = service::recent_logins(&state.db, user.user_id, 10).await?;
    Ok(ProfilePage {
        chrome: ctx.chrome("Профиль"),
        name: user.full_name.clone(),
        email: user.email.clone(),
        role: user.role_label(),
        company: user.company.clone(),
        logins: logins
            .iter()
            .map(|l| LoginView {
                at: crate::web::views::datetime(&l.at),
                ip: l.ip.clone(),
                browser: crate::web::views::browser_label(&l.user_agent),
                success: l.success,
            })
            .collect(),
        notice,
        error,
    })
}

async fn show_profile(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<ProfileQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "password" => Some("Пароль сохранён. Остальные сеансы входа завершены.".to_string()),
        _ => None,
    };
    page(&profile_page(&ctx, &state, notice, None).await?)
}

#[derive(Deserialize)]
struct ChangePasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

async fn change_password(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(form): Form<ChangePasswordForm>,
) -> Result<Response, AppError> {
    let (Some(user), Some(token)) = (ctx.user.clone(), ctx.token.clone()) else {
        return Err(AppError::LoginRequired {
            next: "/profile".into(),
        });
    };
    let r = super::recovery::change_password(
        &state.db,
        &state.sessions,
        &user,
        &token,
        &form.current,
        &form.password,
        &form.password2,
        &ctx.client,
    )
    .await;
    match r {
        Ok(_) => Ok(Redirect::to("/profile?done=password").into_response()),
        Err(
            e @ (AuthError::WrongCurrentPassword
            | AuthError::PasswordsDiffer
            | AuthError::WeakPassword(_)),
        ) => form_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &profile_page(&ctx, &state, None, Some(e.to_string())).await?,
        ),
        Err(e) => Err(e.into()),
    }
}
