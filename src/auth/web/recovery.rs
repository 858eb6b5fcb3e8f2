//! «Напомнить пароль»: «Сброс пароля пользователя» by e-mail or INN, and the page of the
//! one-time link where the new password is set.

use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::recovery::{self, Purpose, ResetBy};
use crate::auth::service::AuthError;
use crate::requisites::{Email, Inn};
use crate::validation::FieldErrors;
use crate::web::session::{SESSION_COOKIE, set_cookie};
use crate::web::views::Chrome;
use crate::web::{AppError, Ctx, invalid, page, with_status};

#[derive(Template)]
#[template(path = "auth/reset_request.html")]
struct ResetRequestPage {
    chrome: Chrome,
    by_inn: bool,
    value: String,
    /// at `inn` or `email`, the one field of the form
    errors: FieldErrors,
}

#[derive(Deserialize)]
pub(super) struct ResetQuery {
    #[serde(default)]
    by: String,
}

pub(super) async fn show_reset_request(
    ctx: Ctx,
    Query(q): Query<ResetQuery>,
) -> Result<Response, AppError> {
    page(&ResetRequestPage {
        chrome: ctx.chrome("Сброс пароля пользователя"),
        by_inn: q.by == "inn",
        value: String::new(),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
pub(super) struct ResetForm {
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
}

pub(super) async fn request_reset(
    ctx: Ctx,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let state = &ctx.state;
    let by_inn = form.by == "inn";
    let value = if by_inn {
        form.inn.trim().to_string()
    } else {
        form.email.trim().to_string()
    };
    let field = if by_inn { "inn" } else { "email" };
    let again = |error: String| {
        invalid(&ResetRequestPage {
            chrome: ctx.chrome("Сброс пароля пользователя"),
            by_inn,
            value: value.clone(),
            errors: FieldErrors::one(field, error),
        })
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
    state.limits.check_reset(&ctx.client.ip, by.key()).await?;
    recovery::request_reset(&state.core, &by, &ctx.client).await?;
    state.mail.wake();
    // The same page whatever was found: it must not tell whether an account exists.
    page(&ResetResultPage {
        chrome: ctx.chrome("Результат действия"),
    })
}

#[derive(Template)]
#[template(path = "auth/new_password.html")]
struct NewPasswordPage {
    chrome: Chrome,
    token: String,
    email: String,
    invite: bool,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "auth/link_invalid.html")]
struct LinkInvalidPage {
    chrome: Chrome,
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn link_invalid(ctx: &Ctx) -> Result<Response, AppError> {
    with_status(
        StatusCode::GONE,
        &LinkInvalidPage {
            chrome: ctx.chrome("Ссылка недействительна"),
        },
    )
}

pub(super) async fn show_new_password(
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let state = &ctx.state;
    match recovery::user_of_token(&state.db, &q.token).await? {
        Some((user, purpose)) => page(&NewPasswordPage {
            chrome: ctx.chrome("Новый пароль"),
            token: q.token,
            email: user.email,
            invite: purpose == Purpose::Invite,
            errors: FieldErrors::new(),
        }),
        None => link_invalid(&ctx),
    }
}

#[derive(Deserialize)]
pub(super) struct NewPasswordForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub(super) async fn set_new_password(
    ctx: Ctx,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, AppError> {
    let state = &ctx.state;
    // An invited user lands in the cabinet (issue 17); a recovered password goes to «Профиль»,
    // which says it was saved and lists the last logins.
    let invited = recovery::user_of_token(&state.db, &form.token)
        .await?
        .is_some_and(|(_, p)| p == Purpose::Invite);
    let done = recovery::set_password_by_token(
        &state.core,
        &state.sessions,
        &form.token,
        &form.password,
        &form.password2,
        &ctx.client,
    )
    .await;
    match done {
        Ok(logged_in) => {
            let to = if invited {
                format!(
                    "{}?done=welcome",
                    super::login::home_of(logged_in.user.principal())
                )
            } else {
                "/profile?done=password".to_string()
            };
            let mut res = Redirect::to(&to).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &logged_in.token, state.settings.is_https()),
            );
            Ok(res)
        }
        Err(AuthError::InvalidToken) => link_invalid(&ctx),
        Err(e @ (AuthError::PasswordsDiffer | AuthError::WeakPassword(_))) => {
            let errors = e.into_form()?;
            let Some((user, purpose)) = recovery::user_of_token(&state.db, &form.token).await?
            else {
                return link_invalid(&ctx);
            };
            invalid(&NewPasswordPage {
                chrome: ctx.chrome("Новый пароль"),
                token: form.token,
                email: user.email,
                invite: purpose == Purpose::Invite,
                errors,
            })
        }
        Err(e) => Err(e.into()),
    }
}
