//! Back-office pages. Every staff role sees members; the audit log is the administrator's.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::audit::{self, Verification};
use crate::auth::service::AuthError;
use crate::auth::{self, StaffRole};
use crate::members::model::MembershipStatus;
use crate::members::model::{Email, Member};
use crate::members::service::{self as members, MemberFilter};
use crate::members::web::{ExpertView, MemberView, UserView};
use crate::register;
use crate::state::AppState;
use crate::web::views::{self, Chrome};
use crate::web::{AppError, DoneQuery, StaffCtx, form_page, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office", get(show_dashboard))
        .route("/office/members", get(list_members))
        .route("/office/members/{id}", get(show_member))
        .route("/office/audit", get(show_audit))
        .route(
            "/office/members/{id}/users/{uid}/email",
            get(show_email_edit).post(save_email),
        )
        .route("/office/mail", get(show_mail_log))
        .route("/office/mail/{id}/retry", post(retry_mail))
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
    can_keep: bool,
    is_admin: bool,
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
        can_keep: matches!(s.role, StaffRole::Admin | StaffRole::Expert),
        is_admin: s.role == StaffRole::Admin,
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
        "member_user.email_changed" => "Изменён e-mail пользователя (ЛК)",
        "member_user.invited" => "Приглашён пользователь",
        "member_user.updated" => "Изменены роль или доступ пользователя",
        "auth.reset_requested" => "Запрошено восстановление пароля",
        "auth.password_reset" => "Пароль восстановлен по ссылке",
        "auth.password_set" => "Пароль установлен по приглашению",
        "auth.password_changed" => "Пароль изменён в профиле",
        "mail.requeued" => "Письмо отправлено повторно",
        "register.admit" => "Член СРО внесен в реестр",
        "register.import" => "Члены СРО внесены в реестр (импорт)",
        "register.change" => "Изменена запись реестра",
        "register.extract" => "Выдана выписка из реестра",
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
    can_edit_email: bool,
    notice: Option<&'static str>,
    register: Vec<crate::register::public::Facts>,
    versions: Vec<VersionView>,
    can_keep: bool,
    updated: String,
}

pub struct VersionView {
    pub version: i64,
    pub at: String,
    pub actor: String,
    pub reason: String,
    pub changes: Vec<crate::register::model::Change>,
}

/// The assigned expert and administrators may change a member user's login e-mail.
fn may_edit_email(s: &StaffCtx, m: &Member) -> bool {
    crate::auth::recovery::may_change_email(&s.user, m)
}

async fn show_member(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
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
    let (row, snapshot) = register::service::current(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let versions = register::service::history(&state.db, id).await?;
    page(&MemberPage {
        register: register::public::staff_facts(&snapshot),
        versions: versions
            .into_iter()
            .map(|v| VersionView {
                version: v.version,
                at: views::datetime(&v.at),
                actor: v.actor,
                reason: v.reason,
                changes: v.changes,
            })
            .collect(),
        can_keep: matches!(s.role, StaffRole::Admin | StaffRole::Expert),
        updated: views::datetime(&row.updated_at),
        chrome: s.ctx.chrome(&m.short_name),
        company: MemberView::from(&m),
        expert,
        users: users.iter().map(UserView::from).collect(),
        history: history.iter().map(AuditView::from).collect(),
        can_edit_email: may_edit_email(&s, &m),
        notice: match q.done.as_str() {
            "email" => Some(
                "Адрес изменён. Уведомления отправлены на прежний и новый адреса, на новый — ссылка для установки пароля.",
            ),
            "admitted" => Some("Член СРО внесен в реестр."),
            "changed" => Some("Изменения сохранены как новая версия записи реестра."),
            _ => None,
        },
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

#[derive(Template)]
#[template(path = "office/email_edit.html")]
struct EmailEditPage {
    chrome: Chrome,
    member_id: i64,
    member_name: String,
    user_id: i64,
    user_name: String,
    email: String,
    error: Option<String>,
}

async fn email_edit_page(
    s: &StaffCtx,
    state: &AppState,
    member_id: i64,
    user_id: i64,
    typed: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let m = members::get(&state.db, member_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_edit_email(s, &m) {
        return Err(AppError::Forbidden);
    }
    let u = auth::service::user(&state.db, user_id)
        .await?
        .filter(|u| u.member_id == Some(member_id))
        .ok_or(AppError::NotFound)?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    form_page(
        status,
        &EmailEditPage {
            chrome: s.ctx.chrome("Редактирование email"),
            member_id,
            member_name: m.short_name,
            user_id,
            user_name: u.full_name,
            email: typed.unwrap_or(u.email),
            error,
        },
    )
}

async fn show_email_edit(
    s: StaffCtx,
    State(state): State<AppState>,
    Path((id, uid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    email_edit_page(&s, &state, id, uid, None, None).await
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

async fn save_email(
    s: StaffCtx,
    State(state): State<AppState>,
    Path((id, uid)): Path<(i64, i64)>,
    Form(f): Form<EmailForm>,
) -> Result<Response, AppError> {
    let email = match Email::parse(&f.email) {
        Ok(e) => e,
        Err(e) => {
            return email_edit_page(
                &s,
                &state,
                id,
                uid,
                Some(f.email.trim().to_string()),
                Some(e.to_string()),
            )
            .await;
        }
    };
    let r = crate::auth::recovery::change_member_user_email(
        &state.db,
        &state.sessions,
        &state.settings,
        &state.secret,
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
            email_edit_page(
                &s,
                &state,
                id,
                uid,
                Some(email.as_str().to_string()),
                Some(e.to_string()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct MailView {
    pub id: i64,
    pub created: String,
    pub to: String,
    pub subject: String,
    pub status: &'static str,
    pub status_code: String,
    pub attempts: i32,
    pub detail: String,
    pub failed: bool,
}

#[derive(Template)]
#[template(path = "office/mail.html")]
struct MailLogPage {
    chrome: Chrome,
    rows: Vec<MailView>,
    queued: i64,
    sent: i64,
    failed: i64,
    is_admin: bool,
    filter: String,
}

#[derive(Deserialize, Default)]
struct MailQuery {
    #[serde(default)]
    status: String,
}

async fn show_mail_log(
    s: StaffCtx,
    State(state): State<AppState>,
    Query(q): Query<MailQuery>,
) -> Result<Response, AppError> {
    let filter = match q.status.as_str() {
        "queued" | "sent" | "failed" => Some(q.status.as_str()),
        _ => None,
    };
    let rows = crate::mail::log(&state.db, filter, 300).await?;
    let counts = crate::mail::counts(&state.db).await?;
    let n = |k: &str| {
        counts
            .iter()
            .find(|(s, _)| s == k)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    page(&MailLogPage {
        chrome: s.ctx.chrome("Почта"),
        queued: n("queued"),
        sent: n("sent"),
        failed: n("failed"),
        is_admin: s.role == StaffRole::Admin,
        filter: filter.unwrap_or("").to_string(),
        rows: rows
            .iter()
            .map(|r| MailView {
                id: r.id,
                created: views::datetime(&r.created_at),
                to: r.to_address.clone(),
                subject: r.subject.clone(),
                status: match r.status.as_str() {
                    "sent" => "отправлено",
                    "failed" => "не доставлено",
                    _ => "в очереди",
                },
                status_code: r.status.clone(),
                attempts: r.attempts,
                detail: match r.status.as_str() {
                    "sent" => r
                        .sent_at
                        .as_ref()
                        .map(|t| format!("отправлено {}", views::datetime(t)))
                        .unwrap_or_default(),
                    "failed" => r.last_error.clone(),
                    _ if r.last_error.is_empty() => "ожидает отправки".into(),
                    _ => format!(
                        "следующая попытка {}; ответ сервера: {}",
                        views::datetime(&r.next_attempt_at),
                        r.last_error
                    ),
                },
                failed: r.status == "failed",
            })
            .collect(),
    })
}

async fn retry_mail(
    s: StaffCtx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if s.role != StaffRole::Admin {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    if crate::mail::requeue(&mut tx, id).await? {
        audit::record(
            &mut tx,
            &s.user.actor(&s.ctx.client),
            audit::Event {
                action: "mail.requeued",
                object_type: "outbox",
                object_id: id.to_string(),
                details: serde_json::json!({}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    state.mail.wake();
    Ok(Redirect::to("/office/mail").into_response())
}
