//! Staff getting a member's people in, from the member's card: «Пригласить в личный кабинет»
//! (the register's e-mail and head prefilled), «Отправить повторно», «Отозвать», «Заблокировать»
//! and «Разблокировать».

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::MemberRole;
use crate::auth::model::check_invitee;
use crate::auth::onboarding;
use crate::auth::rules::may_manage_member_logins;
use crate::auth::users::Invitation;
use crate::auth::views::{RoleOption, role_options};
use crate::validation::FieldErrors;
use crate::web::views::Chrome;
use crate::web::{AppError, Staff, invalid, page};

#[derive(Template)]
#[template(path = "office/member_invite.html")]
struct InvitePage {
    chrome: Chrome,
    member_id: i64,
    member_name: String,
    form: InviteForm,
    roles: Vec<RoleOption>,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub(super) struct InviteForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// The member's brief, for whoever may manage its logins (403 for other staff).
async fn brief(s: &Staff, id: i64) -> Result<onboarding::MemberBrief, AppError> {
    let m = onboarding::member_brief(&s.ctx.state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_manage_member_logins(s.user.principal, s.user.user_id, m.expert_id) {
        return Err(AppError::Forbidden);
    }
    Ok(m)
}

pub(super) async fn show_invite(s: Staff, Path(id): Path<i64>) -> Result<Response, AppError> {
    let m = brief(&s, id).await?;
    page(&InvitePage {
        chrome: s.ctx.chrome("Приглашение в личный кабинет"),
        member_id: id,
        member_name: m.short_name,
        roles: role_options(Some(MemberRole::Head.code())),
        form: InviteForm {
            full_name: m.head_name,
            position: m.head_position,
            email: m.email,
            role: MemberRole::Head.code().into(),
        },
        errors: FieldErrors::new(),
    })
}

pub(super) async fn invite(
    s: Staff,
    Path(id): Path<i64>,
    Form(f): Form<InviteForm>,
) -> Result<Response, AppError> {
    let m = brief(&s, id).await?;
    let state = &s.ctx.state;
    let again = |f: InviteForm, errors: FieldErrors| {
        invalid(&InvitePage {
            chrome: s.ctx.chrome("Приглашение в личный кабинет"),
            member_id: id,
            member_name: m.short_name.clone(),
            roles: role_options(Some(&f.role)),
            form: f,
            errors,
        })
    };
    let (email, mut errors) = check_invitee(&f.full_name, &f.position, &f.email);
    let role = MemberRole::from_code(&f.role);
    if role.is_none() {
        errors.add("role", "Выберите роль");
    }
    let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
        return again(f, errors);
    };
    let invitation = Invitation {
        email,
        full_name: f.full_name.trim().to_string(),
        position: f.position.trim().to_string(),
        role,
    };
    match onboarding::invite_member_user(&state.core, &s.user, id, &invitation, &s.ctx.client).await
    {
        Ok(_) => Ok(Redirect::to(&format!("/office/members/{id}?done=invited")).into_response()),
        Err(crate::auth::AuthError::Invalid(errors)) => again(f, errors),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn resend(
    s: Staff,
    Path((id, uid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    onboarding::resend_member_invitation(&state.core, &s.user, id, uid, &s.ctx.client).await?;
    Ok(Redirect::to(&format!("/office/members/{id}?done=resent")).into_response())
}

pub(super) async fn withdraw(
    s: Staff,
    Path((id, uid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    onboarding::withdraw_member_invitation(
        &state.core,
        &state.sessions,
        &s.user,
        id,
        uid,
        &s.ctx.client,
    )
    .await?;
    Ok(Redirect::to(&format!("/office/members/{id}?done=withdrawn")).into_response())
}

#[derive(Deserialize)]
pub(super) struct BlockForm {
    #[serde(default)]
    blocked: String,
}

pub(super) async fn block(
    s: Staff,
    Path((id, uid)): Path<(i64, i64)>,
    Form(f): Form<BlockForm>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let blocked = f.blocked == "1";
    onboarding::set_member_user_blocked(
        &state.core,
        &state.sessions,
        &s.user,
        id,
        uid,
        blocked,
        &s.ctx.client,
    )
    .await?;
    let done = if blocked { "blocked" } else { "unblocked" };
    Ok(Redirect::to(&format!("/office/members/{id}?done={done}")).into_response())
}
