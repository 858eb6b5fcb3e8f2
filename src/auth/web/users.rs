//! The company's users as its head manages them: a colleague's card with role and access, and
//! the invitation of a new colleague. Another company's user is "not found".

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::MemberRole;
use crate::auth::model::check_invitee;
use crate::auth::rules::Permission;
use crate::auth::service::AuthError;
use crate::auth::users::{self, Invitation};
use crate::auth::views::{RoleOption, UserView, role_options};
use crate::state::AppState;
use crate::validation::FieldErrors;
use crate::web::access::{CompanyUsers, Rule};
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Member, invalid, page};

#[derive(Template)]
#[template(path = "members/user.html")]
struct UserPage {
    chrome: Chrome,
    user: UserView,
    company: String,
    can_manage: bool,
    roles: Vec<RoleOption>,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

async fn user_page<R: Rule>(
    m: &Member<R>,
    state: &AppState,
    id: i64,
    notice: Option<&'static str>,
) -> Result<UserPage, AppError> {
    let user = users::colleague(&state.db, m.member_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(UserPage {
        chrome: m.ctx.chrome(&user.full_name),
        can_manage: m.may(Permission::CompanyUsers) && user.id != m.user.user_id,
        roles: role_options(user.member_role.as_deref()),
        user: UserView::from(&user),
        company: m.user.company.clone().unwrap_or_default(),
        errors: FieldErrors::new(),
        notice,
    })
}

/// A colleague's card. Another company's user is "not found": ids say nothing to outsiders.
pub(super) async fn show_user(
    m: Member,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let notice = (q.done == "saved").then_some("Изменения сохранены.");
    page(&user_page(&m, state, id, notice).await?)
}

#[derive(Deserialize)]
pub(super) struct RoleForm {
    #[serde(default)]
    role: String,
}

pub(super) async fn change_role(
    m: Member<CompanyUsers>,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    match MemberRole::from_code(&f.role) {
        Some(role) => manage(&m, state, id, Some(role), None).await,
        None => {
            refused(
                &m,
                state,
                id,
                FieldErrors::one("role", "Выберите роль из списка"),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct BlockForm {
    #[serde(default)]
    blocked: String,
}

/// «Отозвать приглашение»: the invited colleague disappears with their link.
pub(super) async fn withdraw_invitation(
    m: Member<CompanyUsers>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    users::withdraw_invitation(&state.core, &state.sessions, &m.user, id, &m.ctx.client).await?;
    Ok(Redirect::to("/kabinet/company?done=withdrawn").into_response())
}

pub(super) async fn block_user(
    m: Member<CompanyUsers>,
    Path(id): Path<i64>,
    Form(f): Form<BlockForm>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    manage(&m, state, id, None, Some(f.blocked == "1")).await
}

async fn refused(
    m: &Member<CompanyUsers>,
    state: &AppState,
    id: i64,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let mut p = user_page(m, state, id, None).await?;
    p.errors = errors;
    invalid(&p)
}

async fn manage(
    m: &Member<CompanyUsers>,
    state: &AppState,
    id: i64,
    role: Option<MemberRole>,
    blocked: Option<bool>,
) -> Result<Response, AppError> {
    let r = users::update_member_user(
        &state.core,
        &state.sessions,
        &m.user,
        id,
        role,
        blocked,
        &m.ctx.client,
    )
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/kabinet/users/{id}?done=saved")).into_response()),
        Err(e @ (AuthError::SelfChange | AuthError::LastHead)) => {
            refused(m, state, id, e.into_form()?).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "members/invite.html")]
struct InvitePage {
    chrome: Chrome,
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

pub(super) async fn show_invite(m: Member<CompanyUsers>) -> Result<Response, AppError> {
    page(&InvitePage {
        chrome: m.ctx.chrome("Пригласить пользователя"),
        form: InviteForm::default(),
        roles: role_options(Some(MemberRole::Reporter.code())),
        errors: FieldErrors::new(),
    })
}

pub(super) async fn invite_user(
    m: Member<CompanyUsers>,
    Form(f): Form<InviteForm>,
) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let again = |f: InviteForm, errors: FieldErrors| {
        invalid(&InvitePage {
            chrome: m.ctx.chrome("Пригласить пользователя"),
            roles: role_options(Some(&f.role)),
            form: f,
            errors,
        })
    };
    // Every field is checked in one round.
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
    state
        .limits
        .check_invitation(m.member_id, m.user.user_id)
        .await?;
    match users::invite_member_user(&state.core, &m.user, &invitation, &m.ctx.client).await {
        Ok(_) => {
            state.mail.wake();
            Ok(Redirect::to("/kabinet/company?done=invited").into_response())
        }
        Err(e @ AuthError::EmailTaken) => again(f, e.into_form()?),
        Err(e) => Err(e.into()),
    }
}
