//! «Вход в личный кабинет» and «Выход».

use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::Principal;
use crate::auth::service::{self, AuthError, LoginId};
use crate::validation::FieldErrors;
use crate::web::session::{SESSION_COOKIE, clear_cookie, set_cookie};
use crate::web::views::Chrome;
use crate::web::{AppError, Ctx, page, with_status};

/// The site root sends each user to their own start page.
pub(super) async fn home(ctx: Ctx) -> Redirect {
    Redirect::to(home_of(ctx.user.as_ref().map(|u| u.principal)))
}

pub(super) fn home_of(p: Option<Principal>) -> &'static str {
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
    errors: FieldErrors,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub(super) struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    vyhod: Option<String>,
    /// The session ended while a form was open (the CSRF layer sends the user here).
    #[serde(default)]
    istek: Option<String>,
}

/// Only paths of this site: never an open redirect. One leading `/`, not `//`, no backslash,
/// no control or white-space character anywhere (browsers drop tabs and newlines, so
/// `/\t/evil.example` would be `//evil.example` to them), and a URL parser must read it as a
/// path on this host. Anything else: the user's home page.
fn safe_next(next: &str) -> String {
    let plain = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2000
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    if !plain {
        return String::new();
    }
    let base = url::Url::parse("https://kabinet.invalid/").expect("a valid base");
    match base.join(next) {
        Ok(u) if u.host_str() == Some("kabinet.invalid") && u.scheme() == "https" => {
            u[url::Position::BeforePath..].to_string()
        }
        _ => String::new(),
    }
}

pub(super) async fn show_login(
    ctx: Ctx,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    if let Some(u) = &ctx.user {
        return Ok(Redirect::to(home_of(Some(u.principal))).into_response());
    }
    page(&LoginPage {
        chrome: ctx.chrome("Вход в личный кабинет"),
        login: String::new(),
        next: safe_next(&q.next),
        errors: FieldErrors::new(),
        notice: if q.next.starts_with("/replay/") {
            Some(
                "Сеанс завершился. Войдите снова: то, что вы ввели в форму, сохранено, и после входа его можно будет отправить одной кнопкой.",
            )
        } else if q.istek.is_some() {
            Some("Сеанс завершился. Войдите снова и повторите действие.")
        } else {
            q.vyhod.map(|_| "Вы вышли из личного кабинета.")
        },
    })
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub(super) async fn login(ctx: Ctx, Form(form): Form<LoginForm>) -> Result<Response, AppError> {
    let state = &ctx.state;
    let next = safe_next(&form.next);
    let again = |status: StatusCode, errors: FieldErrors| {
        with_status(
            status,
            &LoginPage {
                chrome: ctx.chrome("Вход в личный кабинет"),
                login: form.login.trim().to_string(),
                next: next.clone(),
                errors,
                notice: None,
            },
        )
    };
    // Both fields are checked in one round.
    let mut errors = FieldErrors::new();
    let id = LoginId::parse(&form.login)
        .map_err(|e| errors.add("login", e.to_string()))
        .ok();
    if form.password.is_empty() {
        errors.add("password", "Введите пароль");
    }
    let Some(id) = id.filter(|_| errors.is_empty()) else {
        return again(StatusCode::UNPROCESSABLE_ENTITY, errors);
    };
    state.limits.check_login(&ctx.client.ip, &id.key()).await?;
    let done = service::login(
        &state.core,
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
            again(StatusCode::UNAUTHORIZED, FieldErrors::form(e.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn logout(ctx: Ctx) -> Result<Response, AppError> {
    let state = &ctx.state;
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
        assert_eq!(safe_next("/\t/evil.example"), "");
        assert_eq!(safe_next("/\n/evil.example"), "");
        assert_eq!(safe_next("/%09/evil.example"), "/%09/evil.example");
        assert_eq!(safe_next("/kabinet?a=1#x"), "/kabinet?a=1#x");
    }
}
