//! The register as an XLSX workbook: dates as dates, money and levels as numbers (issue 17:
//! «XLSX exports use typed numbers and dates»), everything else as text so that an ИНН or an
//! ОГРН keeps its digits. The import reads typed cells back to the same text.

use rust_xlsxwriter::{Format, Workbook};

use super::form::{self, Kind};
use super::table::{self, is_public};

/// How a column is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Text,
    Date,
    Money,
    Number,
}

fn kinds(public: bool) -> Vec<Cell> {
    let mut k: Vec<Cell> = form::fields()
        .filter(|f| !public || is_public(f.name))
        .map(|f| match f.kind {
            Kind::Date => Cell::Date,
            Kind::Money => Cell::Money,
            Kind::Level => Cell::Number,
            _ => Cell::Text,
        })
        .collect();
    // the lists and the moment of the last change stay text
    k.extend([Cell::Text; 4]);
    k
}

/// The whole table (rows as `table::row` makes them).
pub fn xlsx(rows: &[Vec<String>], public: bool) -> anyhow::Result<Vec<u8>> {
    let headers = table::headers(public);
    let kinds = kinds(public);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Реестр")?;
    let bold = Format::new().set_bold().set_text_wrap();
    let money = Format::new().set_num_format("#,##0.00");
    let day = Format::new().set_num_format("dd.mm.yyyy");
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
        sheet.set_column_width(c as u16, 18)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let col = c as u16;
            if v.trim().is_empty() {
                continue;
            }
            match kinds.get(c).copied().unwrap_or(Cell::Text) {
                Cell::Date => match crate::fmt::parse_date(v) {
                    Ok(Some(d)) => {
                        let x = crate::xlsxout::date(d)?;
                        sheet.write_datetime_with_format(r, col, x, &day)?;
                    }
                    _ => {
                        sheet.write_string(r, col, v)?;
                    }
                },
                Cell::Money => match crate::fmt::parse_rubles(v) {
                    Ok(k) => {
                        sheet.write_number_with_format(r, col, k as f64 / 100.0, &money)?;
                    }
                    Err(_) => {
                        sheet.write_string(r, col, v)?;
                    }
                },
                Cell::Number => match v.trim().parse::<i64>() {
                    Ok(n) => {
                        sheet.write_number(r, col, n as f64)?;
                    }
                    Err(_) => {
                        sheet.write_string(r, col, v)?;
                    }
                },
                // text cells: an ИНН or an ОГРН must not become a number with lost zeros
                Cell::Text => {
                    sheet.write_string(r, col, v)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(book.save_to_buffer()?)
}
