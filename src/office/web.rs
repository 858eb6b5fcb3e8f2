//! Back-office pages. Every staff role sees members; the audit log is the administrator's.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::audit::{self, Verification};
use crate::auth::{self, StaffRole};
use crate::members::model::MembershipStatus;
use crate::members::service::{self as members, MemberFilter};
use crate::members::web::{ExpertView, MemberView, UserView};
use crate::state::AppState;
use crate::web::views::{self, Chrome};
use crate::web::{AppError, StaffCtx, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office", get(show_dashboard))
        .route("/office/members", get(list_members))
        .route("/office/members/{id}", get(show_member))
        .route("/office/audit", get(show_audit))
}

pub struct StatusCount {
    pub label: &'static str,
    pub code: &'static str,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "office/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    user_name: String,
    role: &'static str,
    counts: Vec<StatusCount>,
    total: i64,
    mine: Option<Vec<StatusCount>>,
}

fn status_counts(v: Vec<(MembershipStatus, i64)>) -> Vec<StatusCount> {
    v.into_iter()
        .map(|(s, n)| StatusCount {
            label: s.label(),
            code: s.code(),
            count: n,
        })
        .collect()
}

async fn show_dashboard(s: StaffCtx, State(state): State<AppState>) -> Result<Response, AppError> {
    let counts = status_counts(members::counts(&state.db, None).await?);
    let total = counts.iter().map(|c| c.count).sum();
    let mine = if s.role == StaffRole::Expert {
        Some(status_counts(
            members::counts(&state.db, Some(s.user.user_id)).await?,
        ))
    } else {
        None
    };
    page(&DashboardPage {
        chrome: s.ctx.chrome("Рабочий стол"),
        user_name: s.user.full_name.clone(),
        role: s.role.label(),
        counts,
        total,
        mine,
    })
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    mine: Option<String>,
    #[serde(default)]
    page: Option<u32>,
}

pub struct Row {
    pub id: i64,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub register_number: String,
    pub status: &'static str,
    pub status_code: &'static str,
}

pub struct StatusOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "office/members.html")]
struct MembersPage {
    chrome: Chrome,
    q: String,
    statuses: Vec<StatusOption>,
    mine: bool,
    is_expert: bool,
    rows: Vec<Row>,
    total: i64,
    page: u32,
    pages: u32,
    prev_href: Option<String>,
    next_href: Option<String>,
}

const PAGE_SIZE: i64 = 50;

async fn list_members(
    s: StaffCtx,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let status = MembershipStatus::from_code(&q.status);
    let mine = q.mine.is_some() && s.role == StaffRole::Expert;
    let query = q.q.trim().to_lowercase();
    let filter = MemberFilter {
        query: if query.is_empty() { None } else { Some(query) },
        status: status.map(|s| s.code()),
        expert_id: if mine { Some(s.user.user_id) } else { None },
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let (list, total) = members::list(
        &state.db,
        &filter,
        PAGE_SIZE,
        (i64::from(page_no) - 1) * PAGE_SIZE,
    )
    .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1) as u32;
    let href = |p: u32| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        if !q.q.trim().is_empty() {
            ser.append_pair("q", q.q.trim());
        }
        if let Some(st) = status {
            ser.append_pair("status", st.code());
        }
        if mine {
            ser.append_pair("mine", "1");
        }
        ser.append_pair("page", &p.to_string());
        format!("/office/members?{}", ser.finish())
    };
    page(&MembersPage {
        chrome: s.ctx.chrome("Члены СРО"),
        q: q.q.trim().to_string(),
        statuses: MembershipStatus::ALL
            .into_iter()
            .map(|st| StatusOption {
                code: st.code(),
                label: st.label(),
                selected: Some(st) == status,
            })
            .collect(),
        mine,
        is_expert: s.role == StaffRole::Expert,
        rows: list
            .iter()
            .map(|m| Row {
                id: m.id,
                short_name: m.short_name.clone(),
                inn: m.inn.clone(),
                ogrn: m.ogrn.clone(),
                register_number: views::or_dash(m.register_number.as_deref().unwrap_or("")),
                status: m.status().label(),
                status_code: m.status().code(),
            })
            .collect(),
        total,
        page: page_no,
        pages,
        prev_href: (page_no > 1).then(|| href(page_no - 1)),
        next_href: (page_no < pages).then(|| href(page_no + 1)),
    })
}

pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub ip: String,
}

impl From<&audit::AuditRow> for AuditView {
    fn from(r: &audit::AuditRow) -> Self {
        AuditView {
            id: r.id,
            at: views::datetime(&r.at),
            actor: r.actor.clone(),
            action: action_label(&r.action).to_string(),
            object: format!("{} {}", r.object_type, r.object_id),
            ip: views::or_dash(&r.ip),
        }
    }
}

fn action_label(action: &str) -> &str {
    match action {
        "auth.login" => "Вход в кабинет",
        "auth.logout" => "Выход из кабинета",
        "staff.create" => "Создан сотрудник СРО",
        "member.create" => "Добавлен член СРО",
        "member.create_many" => "Добавлены члены СРО (пакетом)",
        "member_user.create" => "Добавлен пользователь организации",
        "member_user.create_many" => "Добавлены пользователи (пакетом)",
        other => other,
    }
}

#[derive(Template)]
#[template(path = "office/member.html")]
struct MemberPage {
    chrome: Chrome,
    company: MemberView,
    expert: Option<ExpertView>,
    users: Vec<UserView>,
    history: Vec<AuditView>,
}

async fn show_member(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let m = members::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let expert = match m.expert_id {
        Some(eid) => auth::service::user(&state.db, eid)
            .await?
            .map(|u| ExpertView {
                name: u.full_name,
                email: u.email,
                phone: views::or_dash(&u.phone),
            }),
        None => None,
    };
    let users = auth::service::users_of_member(&state.db, id).await?;
    let history = audit::for_object(&state.db, "member", &id.to_string(), 20).await?;
    page(&MemberPage {
        chrome: s.ctx.chrome(&m.short_name),
        company: MemberView::from(&m),
        expert,
        users: users.iter().map(UserView::from).collect(),
        history: history.iter().map(AuditView::from).collect(),
    })
}

#[derive(Template)]
#[template(path = "office/audit.html")]
struct AuditPage {
    chrome: Chrome,
    intact: bool,
    entries: u64,
    broken_id: i64,
    broken_reason: String,
    rows: Vec<AuditView>,
}

async fn show_audit(s: StaffCtx, State(state): State<AppState>) -> Result<Response, AppError> {
    if s.role != StaffRole::Admin {
        return Err(AppError::Forbidden);
    }
    let (intact, entries, broken_id, broken_reason) = match audit::verify(&state.db).await? {
        Verification::Intact { entries } => (true, entries, 0, String::new()),
        Verification::Broken { id, reason } => (false, 0, id, reason),
    };
    let rows = audit::recent(&state.db, 200).await?;
    page(&AuditPage {
        chrome: s.ctx.chrome("Журнал аудита"),
        intact,
        entries,
        broken_id,
        broken_reason,
        rows: rows.iter().map(AuditView::from).collect(),
    })
}
