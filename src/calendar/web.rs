//! «Календарь» (a month and a list), the secret iCalendar address in «Профиль», the feed
//! itself (no login: the address is the key), and the staff's «Напоминания» (rules with their
//! stages, what the coming days bring, what was sent).

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Deserialize;

use super::CalendarError;
use super::model::{Deadline, Rule, stage_label, stages_text};
use super::service;
use crate::fmt;
use crate::state::AppState;
use crate::validation::FieldErrors;
use crate::web::access::SendMessages;
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Member, Staff, invalid, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kabinet/calendar", get(show_calendar))
        .route("/profile/calendar", get(show_feed).post(new_feed))
        .route("/profile/calendar/revoke", post(revoke_feed))
        .route("/calendar/{file}", get(feed))
        .route("/office/reminders", get(show_reminders).post(save_rules))
}

impl From<CalendarError> for AppError {
    fn from(e: CalendarError) -> Self {
        match e {
            CalendarError::NotFound => AppError::NotFound,
            CalendarError::Invalid(m) => AppError::Unprocessable(m.to_string()),
            CalendarError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

pub struct EventView {
    pub title: String,
    pub kind: &'static str,
    pub due: String,
    pub iso: String,
    pub status: String,
    pub status_code: &'static str,
    pub link: String,
    pub anchor: String,
}

impl EventView {
    fn of(d: &Deadline, today: NaiveDate) -> EventView {
        let (status, status_code) = d.status(today);
        EventView {
            title: d.title.clone(),
            kind: d.rule.label(),
            due: fmt::date(&d.due),
            iso: d.due.format("%Y-%m-%d").to_string(),
            status,
            status_code,
            link: d.link.clone(),
            anchor: d.uid(),
        }
    }
}

pub struct DayView {
    pub day: u32,
    pub iso: String,
    pub in_month: bool,
    pub today: bool,
    pub events: Vec<EventView>,
}

#[derive(Template)]
#[template(path = "calendar/member.html")]
struct CalendarPage {
    chrome: Chrome,
    month_title: String,
    prev: String,
    next: String,
    weeks: Vec<Vec<DayView>>,
    open: Vec<EventView>,
    done: Vec<EventView>,
}

#[derive(Deserialize, Default)]
struct MonthQuery {
    #[serde(default)]
    month: String,
}

const MONTHS: [&str; 12] = [
    "Январь",
    "Февраль",
    "Март",
    "Апрель",
    "Май",
    "Июнь",
    "Июль",
    "Август",
    "Сентябрь",
    "Октябрь",
    "Ноябрь",
    "Декабрь",
];

/// The month's grid: Monday to Sunday, the weeks that hold any of its days.
fn grid(first: NaiveDate, today: NaiveDate, list: &[Deadline]) -> Vec<Vec<DayView>> {
    let start = first - Days::new(u64::from(first.weekday().num_days_from_monday()));
    let last = first + Months::new(1) - Days::new(1);
    let mut weeks = Vec::new();
    let mut day = start;
    while day <= last {
        let mut week = Vec::new();
        for _ in 0..7 {
            week.push(DayView {
                day: day.day(),
                iso: day.format("%Y-%m-%d").to_string(),
                in_month: day.month() == first.month(),
                today: day == today,
                events: list
                    .iter()
                    .filter(|d| d.due == day)
                    .map(|d| EventView::of(d, today))
                    .collect(),
            });
            day = day + Days::new(1);
        }
        weeks.push(week);
    }
    weeks
}

async fn show_calendar(m: Member, Query(q): Query<MonthQuery>) -> Result<Response, AppError> {
    let core = &m.ctx.state.core;
    let today = core.today();
    let first = NaiveDate::parse_from_str(&format!("{}-01", q.month.trim()), "%Y-%m-%d")
        .unwrap_or_else(|_| today.with_day(1).unwrap_or(today));
    let list = service::deadlines(core, m.member_id, m.role).await?;
    let month_title = format!("{} {}", MONTHS[first.month0() as usize], first.year());
    let (open, done): (Vec<&Deadline>, Vec<&Deadline>) =
        list.iter().partition(|d| d.done.is_none());
    page(&CalendarPage {
        chrome: m.ctx.chrome("Календарь"),
        month_title,
        prev: (first - Months::new(1)).format("%Y-%m").to_string(),
        next: (first + Months::new(1)).format("%Y-%m").to_string(),
        weeks: grid(first, today, &list),
        // overdue first (oldest first), then what comes
        open: open.iter().map(|d| EventView::of(d, today)).collect(),
        done: done
            .iter()
            .rev()
            .take(50)
            .map(|d| EventView::of(d, today))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "calendar/feed.html")]
struct FeedPage {
    chrome: Chrome,
    made: Option<String>,
    /// The new address, shown once right after it was made.
    address: Option<String>,
    notice: Option<&'static str>,
}

async fn show_feed(m: Member, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    let made = service::feed_made(&m.ctx.state.core, m.user.user_id).await?;
    page(&FeedPage {
        chrome: m.ctx.chrome("Календарь в Outlook, Google и Яндексе"),
        made,
        address: None,
        notice: (!q.done.is_empty())
            .then_some("Адрес отключен: календари, подписанные на него, больше не получат сроков."),
    })
}

async fn new_feed(m: Member) -> Result<Response, AppError> {
    let core = &m.ctx.state.core;
    let address = service::new_feed(core, &m.actor(), m.user.user_id).await?;
    let made = service::feed_made(core, m.user.user_id).await?;
    page(&FeedPage {
        chrome: m.ctx.chrome("Календарь в Outlook, Google и Яндексе"),
        made,
        address: Some(address),
        notice: None,
    })
}

async fn revoke_feed(m: Member) -> Result<Response, AppError> {
    service::revoke_feed(&m.ctx.state.core, &m.actor(), m.user.user_id).await?;
    Ok(Redirect::to("/profile/calendar?done=revoked").into_response())
}

/// `/calendar/<secret>.ics`: what the calendar programs fetch.
async fn feed(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let text = service::feed(&state.core, token).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=900"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"kabinet.ics\"",
            ),
        ],
        text,
    )
        .into_response())
}

pub struct RuleView {
    pub code: &'static str,
    pub field: &'static str,
    pub label: &'static str,
    pub stages: String,
    pub stages_read: String,
    pub enabled: bool,
    pub updated: String,
    pub readers: String,
}

pub struct PlannedView {
    pub on: String,
    pub kind: &'static str,
    pub stage: String,
    pub member: String,
    pub member_id: i64,
    pub title: String,
    pub due: String,
}

pub struct SentView {
    pub at: String,
    pub kind: &'static str,
    pub stage: String,
    pub member: String,
    pub member_id: i64,
    pub title: String,
    pub letters: i64,
}

#[derive(Template)]
#[template(path = "calendar/office.html")]
struct RemindersPage {
    chrome: Chrome,
    rules: Vec<RuleView>,
    planned: Vec<PlannedView>,
    planned_total: usize,
    sent: Vec<SentView>,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

async fn reminders_page(
    s: &Staff<SendMessages>,
    typed: Option<&[(String, String, bool)]>,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<RemindersPage, AppError> {
    let core = &s.ctx.state.core;
    let rules = service::rules(core)
        .await?
        .into_iter()
        .map(|r| {
            let code = r.rule.code();
            let typed = typed.and_then(|t| t.iter().find(|(c, _, _)| c == code));
            RuleView {
                code,
                field: r.rule.field(),
                label: r.rule.label(),
                stages: typed
                    .map(|t| t.1.clone())
                    .unwrap_or_else(|| stages_text(&r.stages)),
                stages_read: r
                    .stages
                    .iter()
                    .map(|s| stage_label(*s))
                    .collect::<Vec<_>>()
                    .join(" · "),
                enabled: typed.map(|t| t.2).unwrap_or(r.enabled),
                updated: r.updated,
                readers: r.rule.readers(),
            }
        })
        .collect();
    let (planned, planned_total) = service::upcoming(core, 30, 200).await?;
    let sent = service::history(core, None, 200).await?;
    Ok(RemindersPage {
        chrome: s.ctx.chrome("Напоминания"),
        rules,
        planned: planned
            .into_iter()
            .map(|p| PlannedView {
                on: fmt::date(&p.on),
                kind: p.deadline.rule.label(),
                stage: stage_label(p.stage),
                member: p.member_name,
                member_id: p.deadline.member_id,
                title: p.deadline.title,
                due: fmt::date(&p.deadline.due),
            })
            .collect(),
        planned_total,
        sent: sent
            .into_iter()
            .map(|h| SentView {
                at: fmt::datetime(&h.sent_at),
                kind: Rule::from_code(&h.rule).map(Rule::label).unwrap_or("—"),
                stage: stage_label(h.stage),
                member: h.member_name,
                member_id: h.member_id,
                title: h.title,
                letters: h.letters,
            })
            .collect(),
        errors,
        notice,
    })
}

async fn show_reminders(
    s: Staff<SendMessages>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let notice = (!q.done.is_empty()).then_some("Правила напоминаний сохранены");
    page(&reminders_page(&s, None, FieldErrors::new(), notice).await?)
}

async fn save_rules(
    s: Staff<SendMessages>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let typed: Vec<(String, String, bool)> = Rule::ALL
        .into_iter()
        .filter_map(|r| {
            let stages = value(&format!("stages_{}", r.code()))?;
            let on = value(&format!("enabled_{}", r.code())).is_some();
            Some((r.code().to_string(), stages, on))
        })
        .collect();
    match service::save_rules(&s.ctx.state.core, &s.actor(), &typed).await {
        Ok(()) => Ok(Redirect::to("/office/reminders?done=saved").into_response()),
        Err(CalendarError::Invalid(errors)) => {
            invalid(&reminders_page(&s, Some(&typed), errors, None).await?)
        }
        Err(e) => Err(e.into()),
    }
}
