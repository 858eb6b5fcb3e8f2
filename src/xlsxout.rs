//! Cells for Excel workbooks (`rust_xlsxwriter`): dates as Excel dates, the way every export
//! writes them (a date as text does not sort or filter in Excel).

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use rust_xlsxwriter::ExcelDateTime;

/// A calendar date.
pub fn date(d: NaiveDate) -> anyhow::Result<ExcelDateTime> {
    Ok(ExcelDateTime::from_ymd(
        d.year() as u16,
        d.month() as u8,
        d.day() as u8,
    )?)
}

/// A moment, as Moscow reads it (to the minute).
pub fn moment(t: DateTime<Utc>) -> anyhow::Result<ExcelDateTime> {
    let m = t.with_timezone(&crate::clock::moscow()).naive_local();
    Ok(date(m.date())?.and_hms(m.hour() as u16, m.minute() as u8, 0)?)
}
