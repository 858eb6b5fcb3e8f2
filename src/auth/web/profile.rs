//! «Профиль»: who I am, the last logins (failed ones too), and the password change.

use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::recovery;
use crate::auth::service::{self, AuthError};
use crate::auth::views::LoginView;
use crate::state::AppState;
use crate::validation::FieldErrors;
use crate::web::views::Chrome;
use crate::web::{AppError, User, invalid, page};

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
    errors: FieldErrors,
}

#[derive(Deserialize)]
pub(super) struct ProfileQuery {
    #[serde(default)]
    done: String,
}

async fn profile_page(
    u: &User,
    state: &AppState,
    notice: Option<String>,
    errors: FieldErrors,
) -> Result<ProfilePage, AppError> {
    let (ctx, user) = (&u.ctx, &u.user);
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
                at: crate::fmt::datetime(&l.at),
                ip: l.ip.clone(),
                browser: crate::fmt::browser_label(&l.user_agent),
                success: l.success,
            })
            .collect(),
        notice,
        errors,
    })
}

pub(super) async fn show_profile(
    u: User,
    Query(q): Query<ProfileQuery>,
) -> Result<Response, AppError> {
    let state = &u.ctx.state;
    let notice = match q.done.as_str() {
        "password" => Some("Пароль сохранён. Остальные сеансы входа завершены.".to_string()),
        _ => None,
    };
    page(&profile_page(&u, state, notice, FieldErrors::new()).await?)
}

#[derive(Deserialize)]
pub(super) struct ChangePasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub(super) async fn change_password(
    u: User,
    Form(form): Form<ChangePasswordForm>,
) -> Result<Response, AppError> {
    let state = &u.ctx.state;
    let token = u.ctx.token.clone().unwrap_or_default();
    let r = recovery::change_password(
        &state.core,
        &state.sessions,
        &u.user,
        &token,
        &form.current,
        &form.password,
        &form.password2,
        &u.ctx.client,
    )
    .await;
    match r {
        Ok(_) => Ok(Redirect::to("/profile?done=password").into_response()),
        Err(
            e @ (AuthError::WrongCurrentPassword
            | AuthError::PasswordsDiffer
            | AuthError::WeakPassword(_)),
        ) => invalid(&profile_page(&u, state, None, e.into_form()?).await?),
        Err(e) => Err(e.into()),
    }
}
