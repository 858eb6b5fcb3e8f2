//! The staff's journal of notices and КФ ОДО list, and the administrators' production
//! calendar.

use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Days, NaiveDate};
use serde::Deserialize;

use super::super::model::{EventKind, Kind};
use super::super::office;
use super::super::service::ContractError;
use super::{StandingView, standing_view};
use crate::fmt;
use crate::validation::FieldErrors;
use crate::web::access::Administer;
use crate::web::views::Chrome;
use crate::web::{AppError, Staff, invalid, page};

struct JournalLine {
    member_id: i64,
    member: String,
    contract: String,
    kind: &'static str,
    event: &'static str,
    date: String,
    due_on: String,
    state: &'static str,
    state_code: &'static str,
    sent: String,
    item: Option<i64>,
}

#[derive(Template)]
#[template(path = "contracts/journal.html")]
struct JournalPage {
    chrome: Chrome,
    rows: Vec<JournalLine>,
    from: String,
    to: String,
    kind: String,
    state: String,
    member: String,
    kinds: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
pub(super) struct JournalQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    member: String,
}

/// The journal's rows for the page's filters (the page and its XLSX alike), and the period.
async fn filtered(
    core: &crate::core::Core,
    q: &JournalQuery,
) -> Result<
    (
        Vec<(office::JournalRow, office::NoticeState)>,
        NaiveDate,
        NaiveDate,
    ),
    AppError,
> {
    let today = core.today();
    let from = fmt::parse_date(&q.from)
        .ok()
        .flatten()
        .unwrap_or(today - Days::new(365));
    let to = fmt::parse_date(&q.to).ok().flatten().unwrap_or(today);
    let rows = office::journal(
        core,
        q.member.trim().parse().ok(),
        Kind::from_code(&q.kind),
        from,
        to,
    )
    .await?
    .into_iter()
    .filter(|(_, st)| q.state.is_empty() || st.code() == q.state)
    .collect();
    Ok((rows, from, to))
}

/// The journal with the page's filters, as XLSX.
pub(super) async fn export_journal(
    s: Staff,
    Query(q): Query<JournalQuery>,
) -> Result<Response, AppError> {
    let (rows, _, _) = filtered(&s.ctx.state.core, &q).await?;
    let bytes = office::journal_xlsx(&rows).map_err(AppError::Unexpected)?;
    Ok(crate::web::file_response(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Уведомления о договорах.xlsx",
        false,
    ))
}

pub(super) async fn show_journal(
    s: Staff,
    Query(q): Query<JournalQuery>,
) -> Result<Response, AppError> {
    let (rows, from, to) = filtered(&s.ctx.state.core, &q).await?;
    page(&JournalPage {
        chrome: s.ctx.chrome("Уведомления о договорах"),
        rows: rows
            .into_iter()
            .map(|(r, st)| JournalLine {
                member_id: r.member_id,
                member: r.short_name,
                contract: format!("№ {} от {}", r.number, fmt::date(&r.signed_on)),
                kind: Kind::from_code(&r.contract_kind)
                    .map(Kind::label)
                    .unwrap_or(""),
                event: EventKind::from_code(&r.kind)
                    .map(EventKind::label)
                    .unwrap_or(""),
                date: fmt::date(&r.event_date),
                due_on: fmt::date(&r.due_on),
                state: st.label(),
                state_code: st.code(),
                sent: r
                    .item_sent_at
                    .map(|t| fmt::datetime(&t))
                    .unwrap_or_default(),
                item: r.item_sent_at.and(r.notice_item_id),
            })
            .collect(),
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        kind: q.kind,
        state: q.state,
        member: q.member,
        kinds: Kind::of_sro(s.ctx.state.core.settings.sro.kind)
            .into_iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
    })
}

struct OdoLine {
    member_id: i64,
    name: String,
    inn: String,
    s: StandingView,
    date: String,
}

#[derive(Template)]
#[template(path = "contracts/odo.html")]
struct OdoPage {
    chrome: Chrome,
    rows: Vec<OdoLine>,
    filter: String,
    mine: bool,
    warn_percent: i64,
}

#[derive(Deserialize, Default)]
pub(super) struct OdoQuery {
    #[serde(default)]
    filter: String,
    #[serde(default)]
    mine: String,
}

pub(super) async fn show_odo(s: Staff, Query(q): Query<OdoQuery>) -> Result<Response, AppError> {
    let core = &s.ctx.state.core;
    let mine = !q.mine.is_empty();
    let me = s.user.user_id;
    let rows = office::odo_positions(core).await?;
    page(&OdoPage {
        chrome: s.ctx.chrome("КФ ОДО: обязательства членов"),
        rows: rows
            .into_iter()
            .filter(|(r, st)| match q.filter.as_str() {
                "threshold" => st.over_threshold || st.over_limit,
                "limit" => st.over_limit,
                _ => true,
            } && (!mine || r.expert_id == Some(me)))
            .map(|(r, st)| OdoLine {
                member_id: r.member_id,
                name: r.short_name,
                inn: r.inn,
                s: standing_view(&st),
                date: r.updated_on.map(|d| fmt::date(&d)).unwrap_or_else(|| "—".into()),
            })
            .collect(),
        filter: q.filter,
        mine,
        warn_percent: core.settings.contracts.warn_percent,
    })
}

#[derive(Template)]
#[template(path = "contracts/workdays.html")]
struct WorkdaysPage {
    chrome: Chrome,
    year: i32,
    days: Vec<(String, &'static str, String)>,
    errors: FieldErrors,
    notice: Option<String>,
    /// What was typed, when the form comes back with an error.
    form: DayForm,
}

#[derive(Deserialize, Default)]
pub(super) struct YearQuery {
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    done: String,
}

async fn workdays_page(
    s: &Staff<Administer>,
    year: i32,
    errors: FieldErrors,
    notice: Option<String>,
    form: DayForm,
) -> Result<WorkdaysPage, AppError> {
    let days = office::calendar_year(&s.ctx.state.core, year).await?;
    Ok(WorkdaysPage {
        chrome: s.ctx.chrome("Производственный календарь"),
        year,
        days: days
            .into_iter()
            .map(|(d, w, note)| {
                (
                    fmt::date(&d),
                    if w {
                        "рабочий день"
                    } else {
                        "нерабочий день"
                    },
                    note,
                )
            })
            .collect(),
        errors,
        notice,
        form,
    })
}

pub(super) async fn show_workdays(
    s: Staff<Administer>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = q
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| office::this_year(&s.ctx.state.core));
    let notice = (q.done == "saved").then(|| "Календарь изменен.".to_owned());
    page(&workdays_page(&s, year, FieldErrors::new(), notice, DayForm::default()).await?)
}

#[derive(Deserialize, Default)]
pub(super) struct DayForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    what: String,
    #[serde(default)]
    note: String,
}

pub(super) async fn save_workday(
    s: Staff<Administer>,
    Form(f): Form<DayForm>,
) -> Result<Response, AppError> {
    use chrono::Datelike;
    match office::set_day(&s.ctx.state.core, &s.actor(), &f.day, &f.what, &f.note).await {
        Ok(d) => Ok(
            Redirect::to(&format!("/office/workdays?year={}&done=saved", d.year())).into_response(),
        ),
        Err(ContractError::Invalid(errors)) => {
            let year = office::this_year(&s.ctx.state.core);
            invalid(&workdays_page(&s, year, errors, None, f).await?)
        }
        Err(e) => Err(e.into()),
    }
}
