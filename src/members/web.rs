//! The member's cabinet: «Личный кабинет» (the home page) and «Организация».

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::get;

use super::service::{self, ExpertView, MemberView, UserView};
use crate::auth::rules::Permission;
use crate::state::AppState;
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Member, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kabinet", get(show_dashboard))
        .route("/kabinet/company", get(show_company))
}

#[derive(Template)]
#[template(path = "members/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    company: MemberView,
    expert: Option<ExpertView>,
    user_name: String,
    /// The user's unread notes; none for a role that sees no notes.
    unread_notes: Option<i64>,
    /// (debt, overdue) for «Руководитель» and «Бухгалтер».
    debt: Option<(String, String, bool, bool)>,
    /// The SRO's messages this user reads: (not opened, waiting for «Ознакомлен»).
    messages: (i64, i64),
    /// (date, iso date, what, link, status, status class): overdue and the coming month.
    deadlines: Vec<(String, String, String, String, String, &'static str)>,
    /// The annual report: (title, link, «сдано 3 из 9 разделов», deadline, all sent).
    report: Option<(String, String, String, String, bool)>,
    /// Drafts not sent to the SRO, for those who send.
    drafts: Option<i64>,
    notice: Option<&'static str>,
}

async fn show_dashboard(m: Member, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let found = service::dashboard(&state.core, m.user.principal, m.member_id, m.user.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let expert = match (found.expert_name, found.expert_email) {
        (Some(name), Some(email)) => Some(ExpertView {
            name,
            email,
            phone: crate::fmt::or_dash(found.expert_phone.as_deref().unwrap_or("")),
        }),
        _ => None,
    };
    let debt = m.may(Permission::Payments).then(|| {
        (
            crate::fmt::rubles(found.debt),
            crate::fmt::rubles(found.overdue),
            found.debt > 0,
            found.overdue > 0,
        )
    });
    let messages = (found.unread_messages, found.to_acknowledge);
    let today = state.core.today();
    let (next, progress) = service::home_deadlines(&state.core, m.member_id, m.role, 6).await?;
    let report = progress.map(|p| {
        (
            p.title,
            p.link,
            format!("сдано {} из {} разделов", p.sent, p.total),
            crate::fmt::date(&p.due),
            p.sent == p.total,
        )
    });
    let deadlines = next
        .into_iter()
        .map(|d| {
            let (status, code) = d.status(today);
            (
                crate::fmt::date(&d.due),
                d.due.format("%Y-%m-%d").to_string(),
                d.title,
                d.link,
                status,
                code,
            )
        })
        .collect();
    page(&DashboardPage {
        chrome: m.ctx.chrome("Личный кабинет"),
        debt,
        messages,
        deadlines,
        report,
        company: MemberView::from(&found.member),
        expert,
        user_name: m.user.full_name.clone(),
        unread_notes: m.may(Permission::Reports).then_some(found.unread_notes),
        drafts: m.may(Permission::Reports).then_some(found.drafts),
        notice: (q.done == "welcome")
            .then_some("Пароль сохранен. Добро пожаловать в личный кабинет: входите по адресу электронной почты (или ИНН организации) и этому паролю."),
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

async fn show_company(m: Member, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    let state = &m.ctx.state;
    let (company, users) = service::company(&state.core, m.member_id)
        .await?
        .ok_or(AppError::NotFound)?;
    page(&CompanyPage {
        chrome: m.ctx.chrome("Организация"),
        company: MemberView::from(&company),
        users: users.iter().map(UserView::from).collect(),
        is_head: m.may(Permission::CompanyUsers),
        notice: match q.done.as_str() {
            "invited" => {
                Some("Приглашение отправлено. Пользователь задаст пароль по ссылке из письма.")
            }
            "withdrawn" => Some("Приглашение отозвано: ссылка из письма больше не действует."),
            _ => None,
        },
    })
}
