//! The member's cabinet: dashboard, the company's card and its users.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;

use super::model::Member;
use super::service;
use crate::auth;
use crate::state::AppState;
use crate::web::views::{self, Chrome};
use crate::web::{AppError, MemberCtx, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kabinet", get(show_dashboard))
        .route("/kabinet/company", get(show_company))
        .route("/kabinet/users/{id}", get(show_user))
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
    page(&DashboardPage {
        chrome: m.ctx.chrome("Личный кабинет"),
        company: MemberView::from(&found.member),
        expert,
        user_name: m.user.full_name.clone(),
    })
}

#[derive(Template)]
#[template(path = "members/company.html")]
struct CompanyPage {
    chrome: Chrome,
    company: MemberView,
    users: Vec<UserView>,
}

async fn show_company(m: MemberCtx, State(state): State<AppState>) -> Result<Response, AppError> {
    let company = load_own_company(&state, m.member_id).await?;
    let users = auth::service::users_of_member(&state.db, m.member_id).await?;
    page(&CompanyPage {
        chrome: m.ctx.chrome("Организация"),
        company: MemberView::from(&company),
        users: users.iter().map(UserView::from).collect(),
    })
}

#[derive(Template)]
#[template(path = "members/user.html")]
struct UserPage {
    chrome: Chrome,
    user: UserView,
    company: String,
}

/// A colleague's card. Another company's user is "not found": ids say nothing to outsiders.
async fn show_user(
    m: MemberCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = auth::service::user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.member_id != Some(m.member_id) {
        return Err(AppError::NotFound);
    }
    page(&UserPage {
        chrome: m.ctx.chrome(&user.full_name),
        user: UserView::from(&user),
        company: m.user.company.clone().unwrap_or_default(),
    })
}
