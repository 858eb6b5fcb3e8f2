//! Pages of authentication and users: login and logout (`login`), «Напомнить пароль» and the
//! one-time link page (`recovery`), «Профиль» (`profile`), the company's users as the head
//! manages them (`users`), and the staff helping them back in: «Редактирование email», «Назначить руководителем» (`support`).

mod bulk;
mod login;
mod onboarding;
mod profile;
mod recovery;
mod replay;
mod support;
mod users;

use axum::Router;
use axum::routing::{get, post};

use crate::auth::AuthError;
use crate::state::AppState;
use crate::web::AppError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(login::home))
        .route("/login", get(login::show_login).post(login::login))
        .route("/logout", post(login::logout))
        .route("/replay/{key}", get(replay::show))
        .route(
            "/user/request-password-reset",
            get(recovery::show_reset_request).post(recovery::request_reset),
        )
        .route(
            "/user/reset-password",
            get(recovery::show_new_password).post(recovery::set_new_password),
        )
        .route("/profile", get(profile::show_profile))
        .route("/profile/password", post(profile::change_password))
        .route("/profile/mail", post(profile::choose_mail))
        .route(
            "/mail/unsubscribe",
            get(profile::show_unsubscribe).post(profile::unsubscribe),
        )
        .route("/kabinet/users/{id}", get(users::show_user))
        .route(
            "/kabinet/company/users/new",
            get(users::show_invite).post(users::invite_user),
        )
        .route("/kabinet/users/{id}/role", post(users::change_role))
        .route("/kabinet/users/{id}/block", post(users::block_user))
        .route(
            "/kabinet/users/{id}/withdraw",
            post(users::withdraw_invitation),
        )
        .route(
            "/office/members/{id}/users/{uid}/email",
            get(support::show_email_edit).post(support::save_email),
        )
        .route(
            "/office/members/{id}/users/{uid}/head",
            post(support::appoint_head),
        )
        .route(
            "/office/invitations",
            get(bulk::show_preview).post(bulk::start),
        )
        .route("/office/invitations/{id}", get(bulk::show_report))
        .route(
            "/office/members/{id}/invite",
            get(onboarding::show_invite).post(onboarding::invite),
        )
        .route(
            "/office/members/{id}/users/{uid}/resend",
            post(onboarding::resend),
        )
        .route(
            "/office/members/{id}/users/{uid}/withdraw",
            post(onboarding::withdraw),
        )
        .route(
            "/office/members/{id}/users/{uid}/block",
            post(onboarding::block),
        )
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unexpected(e) => AppError::Unexpected(e),
            AuthError::Forbidden => AppError::Forbidden,
            AuthError::NotFound => AppError::NotFound,
            AuthError::Locked { retry_after_secs } => {
                AppError::TooManyRequests { retry_after_secs }
            }
            AuthError::Busy => AppError::Busy,
            other => AppError::Unprocessable(other.to_string()),
        }
    }
}
