//! «Сотрудники» (administrators): the SRO's employees, «Добавить сотрудника» by invitation, an
//! employee's card with role, access, latest logins and — for an expert — handing all their
//! members to another expert.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::fmt;
use crate::office::staff::{self, AuthError, StaffInvitation, StaffRole, StaffRow, check_invitee};
use crate::validation::FieldErrors;
use crate::web::access::Administer;
use crate::web::list::Opt;
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Staff, invalid, page};

pub struct StaffView {
    pub id: i64,
    pub full_name: String,
    pub position: String,
    pub email: String,
    pub role: &'static str,
    pub blocked: bool,
    pub invited: bool,
    pub invitation: String,
    pub last_login: String,
    /// «12 организаций» for an expert, empty for other roles.
    pub members: String,
}

impl From<&StaffRow> for StaffView {
    fn from(r: &StaffRow) -> Self {
        let u = &r.user;
        StaffView {
            id: u.id,
            full_name: u.full_name.clone(),
            position: fmt::or_dash(&u.position),
            email: u.email.clone(),
            role: u.role_label(),
            blocked: u.is_blocked,
            invited: u.password_hash.is_none(),
            invitation: r.invite.as_ref().map(|i| i.label()).unwrap_or_default(),
            last_login: u
                .last_login_at
                .as_ref()
                .map(fmt::datetime)
                .unwrap_or_else(|| "еще не входил".into()),
            members: r.members.map(|n| n.to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "office/staff.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<StaffView>,
}

pub(super) async fn show_staff(s: Staff<Administer>) -> Result<Response, AppError> {
    let rows = staff::list(&s.ctx.state.core).await?;
    page(&ListPage {
        chrome: s.ctx.chrome("Сотрудники"),
        rows: rows.iter().map(StaffView::from).collect(),
    })
}

fn role_options(current: &str) -> Vec<Opt> {
    StaffRole::ALL
        .into_iter()
        .map(|r| Opt::new(r.code(), r.label(), current))
        .collect()
}

#[derive(Deserialize, Default)]
pub(super) struct NewForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

#[derive(Template)]
#[template(path = "office/staff_new.html")]
struct NewPage {
    chrome: Chrome,
    form: NewForm,
    roles: Vec<Opt>,
    errors: FieldErrors,
}

pub(super) async fn show_new(s: Staff<Administer>) -> Result<Response, AppError> {
    page(&NewPage {
        chrome: s.ctx.chrome("Добавить сотрудника"),
        roles: role_options(StaffRole::Expert.code()),
        form: NewForm::default(),
        errors: FieldErrors::new(),
    })
}

pub(super) async fn add(
    s: Staff<Administer>,
    Form(f): Form<NewForm>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let again = |f: NewForm, errors: FieldErrors| {
        invalid(&NewPage {
            chrome: s.ctx.chrome("Добавить сотрудника"),
            roles: role_options(&f.role),
            form: f,
            errors,
        })
    };
    let (email, mut errors) = check_invitee(&f.full_name, &f.position, &f.email);
    let role = StaffRole::from_code(&f.role);
    if role.is_none() {
        errors.add("role", "Выберите роль");
    }
    let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
        return again(f, errors);
    };
    let invitee = StaffInvitation {
        email,
        full_name: f.full_name.trim().to_string(),
        position: f.position.trim().to_string(),
        role,
    };
    match staff::invite(&state.core, &s.user, &invitee, &s.ctx.client).await {
        Ok(id) => Ok(Redirect::to(&format!("/office/staff/{id}?done=invited")).into_response()),
        Err(AuthError::Invalid(errors)) => again(f, errors),
        Err(e) => Err(e.into()),
    }
}

pub struct LoginLine {
    pub at: String,
    pub at_iso: String,
    pub ip: String,
    pub browser: String,
    pub success: bool,
}

#[derive(Template)]
#[template(path = "office/staff_card.html")]
struct CardPage {
    chrome: Chrome,
    person: StaffView,
    is_self: bool,
    roles: Vec<Opt>,
    logins: Vec<LoginLine>,
    is_expert: bool,
    other_experts: Vec<Opt>,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

async fn card_page(
    s: &Staff<Administer>,
    id: i64,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<CardPage, AppError> {
    let c = staff::card(&s.ctx.state.core, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let u = &c.row.user;
    Ok(CardPage {
        chrome: s.ctx.chrome(&u.full_name),
        is_self: u.id == s.user.user_id,
        roles: role_options(u.staff_role.as_deref().unwrap_or("")),
        is_expert: c.row.members.is_some(),
        other_experts: c
            .other_experts
            .iter()
            .map(|e| Opt::new(e.id.to_string(), e.full_name.clone(), ""))
            .collect(),
        logins: c
            .logins
            .iter()
            .map(|l| LoginLine {
                at: fmt::datetime(&l.at),
                at_iso: l.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ip: l.ip.clone(),
                browser: fmt::browser_label(&l.user_agent),
                success: l.success,
            })
            .collect(),
        person: StaffView::from(&c.row),
        errors,
        notice,
    })
}

pub(super) async fn show_card(
    s: Staff<Administer>,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "invited" => {
            Some("Приглашение отправлено: по ссылке из письма сотрудник задаст пароль и войдет.")
        }
        "resent" => Some("Приглашение отправлено повторно; прежняя ссылка больше не действует."),
        "saved" => Some("Изменения сохранены."),
        "reassigned" => Some("Организации эксперта переданы."),
        _ => None,
    };
    page(&card_page(&s, id, FieldErrors::new(), notice).await?)
}

#[derive(Deserialize)]
pub(super) struct RoleForm {
    #[serde(default)]
    role: String,
}

#[derive(Deserialize)]
pub(super) struct BlockForm {
    #[serde(default)]
    blocked: String,
}

/// A refusal the service phrases (self-change, the last administrator) on the card, 422.
async fn refused(s: &Staff<Administer>, id: i64, e: AuthError) -> Result<Response, AppError> {
    let errors = e.into_form()?;
    invalid(&card_page(s, id, errors, None).await?)
}

async fn update(
    s: Staff<Administer>,
    id: i64,
    role: Option<StaffRole>,
    blocked: Option<bool>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    match staff::update(
        &state.core,
        &state.sessions,
        &s.user,
        id,
        role,
        blocked,
        &s.ctx.client,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/office/staff/{id}?done=saved")).into_response()),
        Err(e @ (AuthError::NotFound | AuthError::Forbidden)) => Err(e.into()),
        Err(e) => refused(&s, id, e).await,
    }
}

pub(super) async fn change_role(
    s: Staff<Administer>,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Result<Response, AppError> {
    let Some(role) = StaffRole::from_code(&f.role) else {
        return refused(
            &s,
            id,
            AuthError::Invalid(FieldErrors::form("Выберите роль")),
        )
        .await;
    };
    update(s, id, Some(role), None).await
}

pub(super) async fn block(
    s: Staff<Administer>,
    Path(id): Path<i64>,
    Form(f): Form<BlockForm>,
) -> Result<Response, AppError> {
    update(s, id, None, Some(f.blocked == "1")).await
}

pub(super) async fn resend(
    s: Staff<Administer>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    staff::resend(&state.core, &s.user, id, &s.ctx.client).await?;
    Ok(Redirect::to(&format!("/office/staff/{id}?done=resent")).into_response())
}
