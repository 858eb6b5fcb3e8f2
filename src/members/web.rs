//! The member's cabinet: dashboard, the company's card and its users.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;

use super::model::Member;
use super::service;
use crate::auth;
use crate::auth::model::Area;
use crate::auth::recovery::{self, Invitation};
use crate::auth::service::AuthError;
use crate::auth::{MemberRole, Principal};
use crate::members::model::Email;
use crate::state::AppState;
use crate::web::views::{self, Chrome};
use crate::web::{AppError, DoneQuery, MemberCtx, form_page, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kabinet", get(show_dashboard))
        .route("/kabinet/company", get(show_company))
        .route("/kabinet/users/{id}", get(show_user))
        .route(
            "/kabinet/company/users/new",
            get(show_invite).post(invite_user),
        )
        .route("/kabinet/users/{id}/role", post(change_role))
        .route("/kabinet/users/{id}/block", post(block_user))
}

/// A member company ready for display.
pub struct MemberView {
    pub id: i64,
    pub full_name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn_label: &'static str,
    pub ogrn: String,
    pub kpp: String,
    pub register_number: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub admitted_on: String,
    pub terminated_on: String,
    pub termination_reason: String,
    pub legal_address: String,
    pub actual_address: String,
    pub head: String,
    pub phone: String,
    pub email: String,
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> Self {
        MemberView {
            id: m.id,
            full_name: m.full_name.clone(),
            short_name: m.short_name.clone(),
            inn: m.inn.clone(),
            ogrn_label: if m.ogrn.len() == 15 {
                "ОГРНИП"
            } else {
                "ОГРН"
            },
            ogrn: m.ogrn.clone(),
            kpp: views::or_dash(m.kpp.as_deref().unwrap_or("")),
            register_number: views::or_dash(m.register_number.as_deref().unwrap_or("")),
            status: m.status().label(),
            status_code: m.status().code(),
            admitted_on: views::opt_date(&m.admitted_on),
            terminated_on: views::opt_date(&m.terminated_on),
            termination_reason: m.termination_reason.clone(),
            legal_address: views::or_dash(&m.legal_address),
            actual_address: views::or_dash(&m.actual_address),
            head: views::or_dash(
                [m.head_position.as_str(), m.head_name.as_str()]
                    .join(" ")
                    .trim(),
            ),
            phone: views::or_dash(&m.phone),
            email: views::or_dash(&m.email),
        }
    }
}

/// A user of a company, for lists and cards.
pub struct UserView {
    pub id: i64,
    pub full_name: String,
    pub email: String,
    pub position: String,
    pub role: &'static str,
    pub blocked: bool,
    pub last_login: String,
}

impl From<&auth::User> for UserView {
    fn from(u: &auth::User) -> Self {
        UserView {
            id: u.id,
            full_name: u.full_name.clone(),
            email: u.email.clone(),
            position: views::or_dash(&u.position),
            role: u.role_label(),
            blocked: u.is_blocked,
            last_login: u
                .last_login_at
                .as_ref()
                .map(views::datetime)
                .unwrap_or_else(|| "ещё не входил".into()),
        }
    }
}

pub struct ExpertView {
    pub name: String,
    pub email: String,
    pub phone: String,
}

async fn load_own_company(state: &AppState, member_id: i64) -> Result<Member, AppError> {
    service::get(&state.db, member_id)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "members/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    company: MemberView,
    expert: Option<ExpertView>,
    user_name: String,
    /// Unread notes about the company's documents (reports area only).
    unread_notes: Option<i64>,
}

async fn show_dashboard(m: MemberCtx, State(state): State<AppState>) -> Result<Response, AppError> {
    let found = service::get_with_expert(&state.db, m.member_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let expert = match (found.expert_name, found.expert_email) {
        (Some(name), Some(email)) => Some(ExpertView {
            name,
            email,
            phone: views::or_dash(found.expert_phone.as_deref().unwrap_or("")),
        }),
        _ => None,
    };
    let unread_notes =
        matches!(m.user.principal, Principal::Member { role, .. } if role.may(Area::Reports))
            .then_some(found.unread_notes);
    page(&DashboardPage {
        chrome: m.ctx.chrome("Личный кабинет"),
        company: MemberView::from(&found.member),
        expert,
        user_name: m.user.full_name.clone(),
        unread_notes,
    })
}

#[derive(Template)]
#[template(path = "members/company.html")]
struct CompanyPage {
    chrome: Chrome,
    company: MemberView,
    users: Vec<UserView>,
    is_head: bool,
    notice: Option<&'static str>,
}

/// May this user manage the company's users? (Only «Руководитель».)
fn is_head(m: &MemberCtx) -> bool {
    matches!(m.user.principal, Principal::Member { role, .. } if role.may(Area::Users))
}

async fn show_company(
    m: MemberCtx,
    State(state): State<AppState>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let company = load_own_company(&state, m.member_id).await?;
    let users = auth::service::users_of_member(&state.db, m.member_id).await?;
    page(&CompanyPage {
        chrome: m.ctx.chrome("Организация"),
        company: MemberView::from(&company),
        users: users.iter().map(UserView::from).collect(),
        is_head: is_head(&m),
        notice: match q.done.as_str() {
            "invited" => {
                Some("Приглашение отправлено. Пользователь задаст пароль по ссылке из письма.")
            }
            _ => None,
        },
    })
}

#[derive(Template)]
#[template(path = "members/user.html")]
struct UserPage {
    chrome: Chrome,
    user: UserView,
    company: String,
    can_manage: bool,
    roles: Vec<RoleOption>,
    error: Option<String>,
    notice: Option<&'static str>,
}

pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn role_options(current: Option<&str>) -> Vec<RoleOption> {
    MemberRole::ALL
        .into_iter()
        .map(|r| RoleOption {
            code: r.code(),
            label: r.label(),
            selected: Some(r.code()) == current,
        })
        .collect()
}

/// A colleague's card. Another company's user is "not found": ids say nothing to outsiders.
async fn show_user(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "saved" => Some("Изменения сохранены."),
        _ => None,
    };
    user_page(&m, &state, id, None, notice)
        .await
        .map(|p| p.into_response())
}

async fn user_page(
    m: &MemberCtx,
    state: &AppState,
    id: i64,
    error: Option<String>,
    notice: Option<&'static str>,
) -> Result<axum::response::Response, AppError> {
    let user = auth::service::user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.member_id != Some(m.member_id) {
        return Err(AppError::NotFound);
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    form_page(
        status,
        &UserPage {
            chrome: m.ctx.chrome(&user.full_name),
            can_manage: is_head(m) && user.id != m.user.user_id,
            roles: role_options(user.member_role.as_deref()),
            user: UserView::from(&user),
            company: m.user.company.clone().unwrap_or_default(),
            error,
            notice,
        },
    )
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn change_role(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Result<Response, AppError> {
    let Some(role) = MemberRole::from_code(&f.role) else {
        return user_page(&m, &state, id, Some("Выберите роль из списка".into()), None).await;
    };
    manage(&m, &state, id, Some(role), None).await
}

#[derive(Deserialize)]
struct BlockForm {
    #[serde(default)]
    blocked: String,
}

async fn block_user(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<BlockForm>,
) -> Result<Response, AppError> {
    manage(&m, &state, id, None, Some(f.blocked == "1")).await
}

async fn manage(
    m: &MemberCtx,
    state: &AppState,
    id: i64,
    role: Option<MemberRole>,
    blocked: Option<bool>,
) -> Result<Response, AppError> {
    if !is_head(m) {
        return Err(AppError::Forbidden);
    }
    match recovery::update_member_user(
        &state.db,
        &state.sessions,
        &m.user,
        id,
        role,
        blocked,
        &m.ctx.client,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/kabinet/users/{id}?done=saved")).into_response()),
        Err(e @ (AuthError::SelfChange | AuthError::LastHead)) => {
            user_page(m, state, id, Some(e.to_string()), None).await
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
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct InviteForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

async fn show_invite(m: MemberCtx) -> Result<Response, AppError> {
    if !is_head(&m) {
        return Err(AppError::Forbidden);
    }
    page(&InvitePage {
        chrome: m.ctx.chrome("Пригласить пользователя"),
        form: InviteForm::default(),
        roles: role_options(Some(MemberRole::Reporter.code())),
        error: None,
    })
}

async fn invite_user(
    m: MemberCtx,
    State(state): State<AppState>,
    Form(f): Form<InviteForm>,
) -> Result<Response, AppError> {
    if !is_head(&m) {
        return Err(AppError::Forbidden);
    }
    let again = |f: InviteForm, error: String| {
        let roles = role_options(Some(&f.role));
        form_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &InvitePage {
                chrome: m.ctx.chrome("Пригласить пользователя"),
                form: f,
                roles,
                error: Some(error),
            },
        )
    };
    if f.full_name.trim().is_empty() {
        return again(f, "Укажите ФИО пользователя".into());
    }
    let email = match Email::parse(&f.email) {
        Ok(e) => e,
        Err(e) => return again(f, e.to_string()),
    };
    let Some(role) = MemberRole::from_code(&f.role) else {
        return again(f, "Выберите роль".into());
    };
    let invitation = Invitation {
        email,
        full_name: f.full_name.trim().to_string(),
        position: f.position.trim().to_string(),
        role,
    };
    match recovery::invite_member_user(
        &state.db,
        &state.settings,
        &state.secret,
        &m.user,
        &invitation,
        &m.ctx.client,
    )
    .await
    {
        Ok(_) => {
            state.mail.wake();
            Ok(Redirect::to("/kabinet/company?done=invited").into_response())
        }
        Err(e @ AuthError::EmailTaken) => again(f, e.to_string()),
        Err(e) => Err(e.into()),
    }
}
