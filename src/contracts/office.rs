//! The staff's side of «Договоры»: the journal of notices with each one's state, the members'
//! КФ ОДО positions, and the production calendar the deadlines are counted on.

use chrono::{Datelike, Days, NaiveDate};

use super::model::{self, Kind, Standing};
use super::service::{ContractError, date_field};
use super::store;
pub use super::store::{JournalRow, OdoRow};
use crate::audit::{self, Actor, Event as AuditEvent};
use crate::core::Core;
use crate::validation::FieldErrors;

/// Where an event's notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeState {
    /// Sent to the SRO on or before the deadline.
    OnTime,
    /// Sent after the deadline (accepted, marked late).
    Late,
    /// Not sent, the deadline not passed yet.
    Due,
    /// Not sent, the deadline passed.
    Missing,
}

impl NoticeState {
    pub fn of(
        due_on: NaiveDate,
        sent_at: Option<chrono::DateTime<chrono::Utc>>,
        today: NaiveDate,
    ) -> Self {
        match sent_at.map(crate::clock::moscow_date) {
            Some(d) if d <= due_on => NoticeState::OnTime,
            Some(_) => NoticeState::Late,
            None if today <= due_on => NoticeState::Due,
            None => NoticeState::Missing,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            NoticeState::OnTime => "on_time",
            NoticeState::Late => "late",
            NoticeState::Due => "due",
            NoticeState::Missing => "missing",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            NoticeState::OnTime => "уведомление отправлено в срок",
            NoticeState::Late => "уведомление отправлено с опозданием",
            NoticeState::Due => "уведомление не отправлено",
            NoticeState::Missing => "уведомление не отправлено, срок истек",
        }
    }
}

/// The staff's journal of notices: events of the period with their notice's state.
pub async fn journal(
    core: &Core,
    member_id: Option<i64>,
    kind: Option<Kind>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(JournalRow, NoticeState)>, ContractError> {
    let today = core.today();
    Ok(
        store::journal(&core.db, member_id, kind.map(Kind::code), from, to, 1000)
            .await?
            .into_iter()
            .map(|r| {
                let s = NoticeState::of(r.due_on, r.item_sent_at, today);
                (r, s)
            })
            .collect(),
    )
}

/// The members with the КФ ОДО right and where each stands.
pub async fn odo_positions(core: &Core) -> Result<Vec<(OdoRow, Standing)>, ContractError> {
    let today = core.today();
    let kind = core.settings.sro.kind;
    let pct = core.settings.contracts.warn_percent;
    Ok(store::odo_members(&core.db)
        .await?
        .into_iter()
        .map(|r| {
            let s = model::standing(kind, Some(r.odo_level), r.total.unwrap_or(0), pct, today);
            (r, s)
        })
        .collect())
}

/// The staff's work queue: members over their limit and notices overdue (of one expert's
/// members, or all), the last year's.
pub async fn queue(core: &Core, expert_id: Option<i64>) -> Result<(i64, i64), ContractError> {
    let over = odo_positions(core)
        .await?
        .iter()
        .filter(|(r, s)| s.over_limit && (expert_id.is_none() || r.expert_id == expert_id))
        .count() as i64;
    let today = core.today();
    // Counted in the database: the home page of every expert asks on every visit.
    let missing =
        store::overdue_notices(&core.db, today - Days::new(365), today, expert_id).await?;
    Ok((over, missing))
}

/// The production calendar's exceptions of a year.
pub async fn calendar_year(
    core: &Core,
    year: i32,
) -> Result<Vec<(NaiveDate, bool, String)>, ContractError> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(ContractError::NotFound)?;
    let to = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(ContractError::NotFound)?;
    Ok(store::calendar(&core.db, from, to).await?)
}

/// Marks a day as a holiday, a working day, or (remove) back to the weekday rule; audited.
pub async fn set_day(
    core: &Core,
    actor: &Actor,
    day: &str,
    what: &str,
    note: &str,
) -> Result<NaiveDate, ContractError> {
    let mut e = FieldErrors::new();
    let day = date_field(&mut e, "day", day, true);
    let Some(day) = day else {
        return Err(ContractError::Invalid(e));
    };
    let mut tx = core.db.begin().await?;
    match what {
        "holiday" => store::set_day(&mut tx, day, false, note.trim()).await?,
        "working" => store::set_day(&mut tx, day, true, note.trim()).await?,
        "remove" => store::delete_day(&mut tx, day).await?,
        _ => {
            return Err(ContractError::Invalid(FieldErrors::one(
                "what",
                "Выберите: нерабочий день, рабочий день или удалить",
            )));
        }
    };
    // The deadlines the day falls within follow the new calendar (three working days never
    // span more than a few weeks, holidays included).
    let rows = store::calendar_tx(&mut tx, day - Days::new(400), day + Days::new(400)).await?;
    let cal = model::WorkCalendar {
        exceptions: rows.into_iter().map(|(d, w, _)| (d, w)).collect(),
    };
    for (id, event_date, due_on) in
        store::events_dated_tx(&mut tx, day - Days::new(31), day).await?
    {
        let due = cal.deadline(event_date, model::NOTICE_WORKING_DAYS);
        if due != due_on {
            store::set_due_tx(&mut tx, id, due).await?;
        }
    }
    audit::record(
        &mut tx,
        actor,
        AuditEvent::new(
            "workdays.change",
            "work_calendar",
            day,
            serde_json::json!({"what": what, "note": note.trim()}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(day)
}

/// Today's year, for the calendar page.
pub fn this_year(core: &Core) -> i32 {
    core.today().year()
}

/// The journal as a workbook: dates as dates, the rest as text (numbers of contracts and
/// incoming numbers keep their form).
pub fn journal_xlsx(rows: &[(JournalRow, NoticeState)]) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Уведомления")?;
    let bold = Format::new().set_bold().set_text_wrap();
    let day = Format::new().set_num_format("dd.mm.yyyy");
    let moment = Format::new().set_num_format("dd.mm.yyyy hh:mm");
    let headers = [
        "Член СРО",
        "Договор",
        "Дата договора",
        "Вид договора",
        "Событие",
        "Дата события",
        "Срок уведомления",
        "Уведомление отправлено",
        "Входящий номер",
        "Состояние",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, 18)?;
    }
    for (i, (r, state)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &r.short_name)?;
        sheet.write_string(row, 1, &r.number)?;
        sheet.write_datetime_with_format(row, 2, crate::xlsxout::date(r.signed_on)?, &day)?;
        sheet.write_string(
            row,
            3,
            Kind::from_code(&r.contract_kind)
                .map(Kind::label)
                .unwrap_or(""),
        )?;
        sheet.write_string(
            row,
            4,
            model::EventKind::from_code(&r.kind)
                .map(model::EventKind::label)
                .unwrap_or(""),
        )?;
        sheet.write_datetime_with_format(row, 5, crate::xlsxout::date(r.event_date)?, &day)?;
        sheet.write_datetime_with_format(row, 6, crate::xlsxout::date(r.due_on)?, &day)?;
        if let Some(t) = r.item_sent_at {
            sheet.write_datetime_with_format(row, 7, crate::xlsxout::moment(t)?, &moment)?;
        }
        sheet.write_string(row, 8, r.item_incoming.as_deref().unwrap_or(""))?;
        sheet.write_string(row, 9, state.label())?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, headers.len() as u16 - 1)?;
    Ok(book.save_to_buffer()?)
}
