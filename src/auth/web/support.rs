//! The staff helping a member's users back in, from the company's card: «Редактирование
//! email» (the member's expert or an administrator changes a login e-mail whose mailbox is
//! gone) and «Назначить руководителем» (when the company has lost its head).

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::service::AuthError;
use crate::auth::users;
use crate::requisites::Email;
use crate::state::AppState;
use crate::validation::FieldErrors;
use crate::web::views::Chrome;
use crate::web::{AppError, Staff, invalid, page};

#[derive(Template)]
#[template(path = "office/email_edit.html")]
struct EmailEditPage {
    chrome: Chrome,
    member_id: i64,
    member_name: String,
    user_id: i64,
    user_name: String,
    email: String,
    errors: FieldErrors,
}

/// The page, for whoever may change this member's users' e-mails (403 for other staff, 404
/// for a user of another company).
async fn email_edit_page(
    s: &Staff,
    state: &AppState,
    member_id: i64,
    user_id: i64,
    typed: Option<String>,
    errors: FieldErrors,
) -> Result<EmailEditPage, AppError> {
    let (m, u) = users::email_change_target(&state.db, &s.user, member_id, user_id).await?;
    Ok(EmailEditPage {
        chrome: s.ctx.chrome("Редактирование email"),
        member_id,
        member_name: m.short_name,
        user_id,
        user_name: u.full_name,
        email: typed.unwrap_or(u.email),
        errors,
    })
}

pub(super) async fn show_email_edit(
    s: Staff,
    Path((id, uid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    page(&email_edit_page(&s, state, id, uid, None, FieldErrors::new()).await?)
}

#[derive(Deserialize)]
pub(super) struct EmailForm {
    #[serde(default)]
    email: String,
}

pub(super) async fn save_email(
    s: Staff,
    Path((id, uid)): Path<(i64, i64)>,
    Form(f): Form<EmailForm>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let refused = |typed: String, errors: FieldErrors| async {
        let p = email_edit_page(&s, state, id, uid, Some(typed), errors).await?;
        invalid(&p)
    };
    let email = match Email::parse(&f.email) {
        Ok(e) => e,
        Err(e) => {
            let errors = FieldErrors::one("email", e.to_string());
            return refused(f.email.trim().to_string(), errors).await;
        }
    };
    let r = users::change_member_user_email(
        &state.core,
        &state.sessions,
        &s.user,
        id,
        uid,
        &email,
        &s.ctx.client,
    )
    .await;
    match r {
        Ok(()) => {
            state.mail.wake();
            Ok(Redirect::to(&format!("/office/members/{id}?done=email")).into_response())
        }
        Err(e @ (AuthError::EmailTaken | AuthError::SameEmail)) => {
            refused(email.as_str().to_string(), e.into_form()?).await
        }
        Err(e) => Err(e.into()),
    }
}

/// «Назначить руководителем» on the company's card.
pub(super) async fn appoint_head(
    s: Staff,
    Path((id, uid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    users::appoint_head(
        &state.core,
        &state.sessions,
        &s.user,
        id,
        uid,
        &s.ctx.client,
    )
    .await?;
    Ok(Redirect::to(&format!("/office/members/{id}?done=head")).into_response())
}
