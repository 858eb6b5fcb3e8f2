//! The back office's own pages: «Рабочий стол», «Журнал аудита» (administrators) and «Почта».

mod staff;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::service::{self, MembershipStatus};
use crate::audit::{AuditView, Verification};
use crate::auth::rules::Permission;
use crate::fmt;
use crate::state::AppState;
use crate::web::access::Administer;
use crate::web::views::Chrome;
use crate::web::{AppError, Staff, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office", get(show_dashboard))
        .route("/office/audit", get(show_audit))
        .route("/office/mail", get(show_mail_log))
        .route("/office/mail/{id}/retry", post(retry_mail))
        .route("/office/demo-mail", get(show_demo_mail))
        .route("/office/staff", get(staff::show_staff))
        .route("/office/staff/new", get(staff::show_new).post(staff::add))
        .route("/office/staff/{id}", get(staff::show_card))
        .route("/office/staff/{id}/role", post(staff::change_role))
        .route("/office/staff/{id}/block", post(staff::block))
        .route("/office/staff/{id}/resend", post(staff::resend))
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
    /// What waits for this employee's role.
    tasks: Vec<service::Task>,
    /// Demo mode, an administrator: the link to «Демо-почта».
    demo_mail: bool,
    notice: Option<&'static str>,
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

async fn show_dashboard(
    s: Staff,
    Query(q): Query<crate::web::DoneQuery>,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let counts = status_counts(service::member_counts(&state.core, None).await?);
    let total = counts.iter().map(|c| c.count).sum();
    let mine = match s.curator_id() {
        Some(me) => Some(status_counts(
            service::member_counts(&state.core, Some(me)).await?,
        )),
        None => None,
    };
    let tasks = service::work_queue(
        &state.core,
        s.may(Permission::RegisterIncoming),
        s.may(Permission::ReviewDocuments),
        s.may(Permission::ManageBilling),
        s.curator_id(),
    )
    .await?;
    page(&DashboardPage {
        demo_mail: state.settings.demo.enabled && s.may(Permission::Administer),
        tasks,
        notice: (q.done == "welcome")
            .then_some("Пароль сохранен. Добро пожаловать в рабочий кабинет сотрудника СРО."),
        chrome: s.ctx.chrome("Рабочий стол"),
        user_name: s.user.full_name.clone(),
        role: s.role.label(),
        counts,
        total,
        mine,
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

async fn show_audit(s: Staff<Administer>) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let (check, rows) = service::audit_log(&state.core, 200).await?;
    let (intact, entries, broken_id, broken_reason) = match check {
        Verification::Intact { entries } => (true, entries, 0, String::new()),
        Verification::Broken { id, reason } => (false, 0, id, reason),
    };
    page(&AuditPage {
        chrome: s.ctx.chrome("Журнал аудита"),
        intact,
        entries,
        broken_id,
        broken_reason,
        rows: rows.iter().map(AuditView::from).collect(),
    })
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

async fn show_mail_log(s: Staff, Query(q): Query<MailQuery>) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let filter = match q.status.as_str() {
        "queued" | "sent" | "failed" => Some(q.status.as_str()),
        _ => None,
    };
    let (rows, counts) = service::mail_log(&state.core, filter, 300).await?;
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
        is_admin: s.may(Permission::Administer),
        filter: filter.unwrap_or("").to_string(),
        rows: rows
            .iter()
            .map(|r| MailView {
                id: r.id,
                created: fmt::datetime(&r.created_at),
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
                    "sent" => {
                        let at = r
                            .sent_at
                            .as_ref()
                            .map(|t| format!("отправлено {}", fmt::datetime(t)))
                            .unwrap_or_default();
                        // a note on a sent letter: where it went (the demo mailbox)
                        if r.last_error.is_empty() {
                            at
                        } else {
                            format!("{at}; {}", r.last_error)
                        }
                    }
                    "failed" => r.last_error.clone(),
                    _ if r.last_error.is_empty() => "ожидает отправки".into(),
                    _ => format!(
                        "следующая попытка {}; ответ сервера: {}",
                        fmt::datetime(&r.next_attempt_at),
                        r.last_error
                    ),
                },
                failed: r.status == "failed",
            })
            .collect(),
    })
}

async fn retry_mail(s: Staff<Administer>, Path(id): Path<i64>) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    service::resend_mail(&state.core, &s.actor(), id).await?;
    Ok(Redirect::to("/office/mail").into_response())
}

#[derive(Template)]
#[template(path = "office/demo_mail.html")]
struct DemoMailPage {
    chrome: Chrome,
    dir: String,
    letters: Vec<service::DemoLetter>,
}

/// «Демо-почта» (administrators, demo mode only): the letters that went to the local mailbox
/// because no SMTP server answered, with their links, so a newcomer can try invitations and
/// password recovery without setting up mail.
async fn show_demo_mail(s: Staff<Administer>) -> Result<Response, AppError> {
    let Some((dir, letters)) = service::demo_mailbox(&s.ctx.state.core).await? else {
        return Err(AppError::NotFound);
    };
    page(&DemoMailPage {
        chrome: s.ctx.chrome("Демо-почта"),
        dir,
        letters,
    })
}
