//! «Профиль»: who I am, the last logins (failed ones too), the password change, and the
//! optional letters (with the letters' one-click «отписаться»).

use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::service::{self, AuthError};
use crate::auth::views::LoginView;
use crate::auth::{mail_prefs, recovery};
use crate::state::AppState;
use crate::validation::FieldErrors;
use crate::web::views::Chrome;
use crate::web::{AppError, Ctx, User, invalid, page};

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
    /// Member users: whether the optional letters come (`None` for staff).
    mail_notices: Option<bool>,
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
    let mail_notices = mail_prefs::wanted(&state.db, user.user_id).await?;
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
        mail_notices,
    })
}

pub(super) async fn show_profile(
    u: User,
    Query(q): Query<ProfileQuery>,
) -> Result<Response, AppError> {
    let state = &u.ctx.state;
    let notice = match q.done.as_str() {
        "password" => Some("Пароль сохранен. Остальные сеансы входа завершены.".to_string()),
        "mail" => Some("Выбор писем сохранен.".to_string()),
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

#[derive(Deserialize)]
pub(super) struct MailForm {
    #[serde(default)]
    mail_notices: String,
}

/// «Присылать письма о регистрации и рассмотрении документов» in the profile.
pub(super) async fn choose_mail(u: User, Form(f): Form<MailForm>) -> Result<Response, AppError> {
    let state = &u.ctx.state;
    let on = f.mail_notices == "1";
    mail_prefs::choose(&state.core, &u.user, on, &u.ctx.client).await?;
    Ok(Redirect::to("/profile?done=mail").into_response())
}

#[derive(Deserialize)]
pub(super) struct UnsubscribeQuery {
    #[serde(default)]
    u: i64,
    #[serde(default)]
    t: String,
}

#[derive(Template)]
#[template(path = "auth/unsubscribe.html")]
struct UnsubscribePage {
    chrome: Chrome,
    done: bool,
    action: String,
}

/// The letter's «отписаться» link opened in a browser: a button, so a link checker that
/// follows links in mail stops nothing.
pub(super) async fn show_unsubscribe(
    ctx: Ctx,
    Query(q): Query<UnsubscribeQuery>,
) -> Result<Response, AppError> {
    if !mail_prefs::genuine(&ctx.state.secret, q.u, &q.t) {
        return Err(AppError::NotFound);
    }
    page(&UnsubscribePage {
        chrome: ctx.chrome("Отписка от писем"),
        done: false,
        action: format!("/mail/unsubscribe?u={}&t={}", q.u, q.t),
    })
}

/// One click (RFC 8058): a mail client's POST, or the button above. The signed address is
/// the authority; no session or form token is needed.
pub(super) async fn unsubscribe(
    ctx: Ctx,
    Query(q): Query<UnsubscribeQuery>,
) -> Result<Response, AppError> {
    mail_prefs::unsubscribe(&ctx.state.core, q.u, &q.t, &ctx.client).await?;
    page(&UnsubscribePage {
        chrome: ctx.chrome("Отписка от писем"),
        done: true,
        action: String::new(),
    })
}
