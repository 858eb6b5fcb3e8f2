//! The register as a table: reading CSV and XLSX files for the import, writing CSV and XLSX for
//! the exports. Columns are the fields of [`super::form`], titled by their labels, so an export
//! can be imported back.

use std::collections::HashMap;
use std::io::Cursor;

use chrono::NaiveDate;

use super::form::{self, Field};
use super::lists;
use super::model::{self, Snapshot};
use crate::config::SroKind;

/// A file read into rows of text cells; `line` is the row's line in the file (1 = the header).
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads a CSV (UTF-8 or Windows-1251, `;` `,` or tab separated) or an XLSX file.
pub fn read(file_name: &str, bytes: &[u8]) -> Result<Sheet, String> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else if lower.ends_with(".xls") {
        Err("Формат XLS (Excel 97–2003) не поддерживается: сохраните файл как XLSX или CSV".into())
    } else {
        read_csv(bytes)
    }
}

fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        // Excel on Russian Windows saves CSV in Windows-1251
        Err(_) => encoding_rs::WINDOWS_1251.decode(bytes).0.into_owned(),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, String> {
    let text = decode(bytes);
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| first.matches(*d as char).count())
        .unwrap_or(b';');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers = match records.next() {
        Some(Ok(r)) => r.iter().map(|s| s.trim().to_string()).collect(),
        Some(Err(e)) => return Err(format!("Строка 1: файл не читается как CSV ({e})")),
        None => return Err("Файл пуст".into()),
    };
    let mut rows = Vec::new();
    // The line a record starts on: a quoted cell may span lines (the lists do).
    let mut next_line = 2;
    for rec in records {
        let line = next_line;
        let rec = rec.map_err(|e| format!("Строка {line}: файл не читается как CSV ({e})"))?;
        next_line += 1 + rec.iter().map(|c| c.matches('\n').count()).sum::<usize>();
        let cells: Vec<String> = rec.iter().map(crate::csvout::unescape).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(format!(
                "В файле больше {MAX_ROWS} строк: разделите его на несколько файлов"
            ));
        }
        rows.push((line, cells));
    }
    Ok(Sheet { headers, rows })
}

fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string().replace('.', ","),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => {
            if *b {
                "да".into()
            } else {
                "нет".into()
            }
        }
        Data::DateTime(dt) => {
            // Excel's serial date: days since 1899-12-30
            let base = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date");
            base.checked_add_signed(chrono::Duration::days(dt.as_f64().floor() as i64))
                .map(|d| d.format("%d.%m.%Y").to_string())
                .unwrap_or_default()
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.chars().take(10).collect(),
        Data::Error(_) => String::new(),
    }
}

/// Columns an import reads at most (the export has about 40); cells further right are ignored.
const MAX_COLUMNS: u32 = 200;
/// Rows an import takes at most (a file per SRO register; larger ones are split).
pub const MAX_ROWS: usize = 100_000;

/// The first sheet, read cell by cell as the file stores them: memory follows what the file
/// holds, not the rectangle from its first to its last cell (one stray cell far to the right
/// or below made a 1.4 MB file a 1.5 GB grid).
fn read_xlsx(bytes: &[u8]) -> Result<Sheet, String> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("Файл не читается как XLSX ({e})"))?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or("В файле нет листов")?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|e| format!("Первый лист не читается ({e})"))?;
    // (row in the sheet, cells) in the order the file has them: rows ascending
    let mut grid: Vec<(u32, Vec<String>)> = Vec::new();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| format!("Первый лист не читается ({e})"))?
    {
        let (row, col) = cell.get_position();
        if col >= MAX_COLUMNS {
            continue;
        }
        let text = cell_text(&calamine::Data::from(cell.get_value().clone()));
        if text.trim().is_empty() {
            continue;
        }
        if grid.last().is_none_or(|(r, _)| *r != row) {
            if grid.len() > MAX_ROWS {
                return Err(format!(
                    "В файле больше {MAX_ROWS} строк: разделите его на несколько файлов"
                ));
            }
            grid.push((row, Vec::new()));
        }
        let (_, values) = grid.last_mut().expect("pushed above");
        let col = col as usize;
        if values.len() <= col {
            values.resize(col + 1, String::new());
        }
        values[col] = text;
    }
    let mut rows = grid.into_iter();
    let headers = match rows.next() {
        Some((_, r)) => r.iter().map(|c| c.trim().to_string()).collect(),
        None => return Err("Файл пуст".into()),
    };
    Ok(Sheet {
        headers,
        // the sheet's row 0 is line 1
        rows: rows.map(|(r, cells)| (r as usize + 1, cells)).collect(),
    })
}

/// A refused row of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

/// What an import found in a file.
#[derive(Debug, Default)]
pub struct Checked {
    /// Each valid row's line and entry with its lists.
    pub entries: Vec<(usize, Snapshot)>,
    pub errors: Vec<RowError>,
    /// Columns that matched no field (they are ignored; the report says so).
    pub ignored_columns: Vec<String>,
}

/// A header as it is matched: case, «ё» and the currency sign do not matter (Excel saving in
/// Windows-1251 turns «₽» into «?»; people write «руб.»).
fn normalize(h: &str) -> String {
    let h = h.trim();
    let h = [", ₽", ", ?", ", руб.", ", руб"]
        .iter()
        .find_map(|sign| h.strip_suffix(sign))
        .unwrap_or(h);
    h.trim().to_lowercase().replace('ё', "е")
}

/// The list columns of the exports, in their order.
const POLICIES: &str = "Договоры страхования";
const INSPECTIONS: &str = "Проверки";
const MEASURES: &str = "Меры дисциплинарного воздействия";
/// Written by the exports, not read back: the register keeps its own.
const UPDATED: &str = "Дата обновления";

/// Checks every row of the sheet: each value, each entry's rules, and duplicates inside the
/// file. `progress` is called after each row (the command line draws a bar with it).
pub fn check(
    sheet: &Sheet,
    kind: SroKind,
    today: NaiveDate,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Checked {
    let mut out = Checked::default();
    let by_name: HashMap<String, &'static Field> = form::fields()
        .flat_map(|f| [(normalize(f.label), f), (normalize(f.name), f)])
        .collect();
    let columns: Vec<Option<&'static Field>> = sheet
        .headers
        .iter()
        .map(|h| by_name.get(&normalize(h)).copied())
        .collect();
    let list_column = |title: &str| {
        sheet
            .headers
            .iter()
            .position(|h| normalize(h) == normalize(title))
    };
    let (policies_at, inspections_at, measures_at) = (
        list_column(POLICIES),
        list_column(INSPECTIONS),
        list_column(MEASURES),
    );
    let known = [POLICIES, INSPECTIONS, MEASURES, UPDATED].map(normalize);
    for (h, c) in sheet.headers.iter().zip(&columns) {
        if c.is_none() && !h.trim().is_empty() && !known.contains(&normalize(h)) {
            out.ignored_columns.push(h.clone());
        }
    }
    for required in form::fields().filter(|f| f.required && f.name != "status") {
        if !columns
            .iter()
            .any(|c| c.is_some_and(|c| c.name == required.name))
        {
            out.errors.push(RowError {
                line: 1,
                message: format!("Нет столбца «{}»", required.label),
            });
        }
    }
    if !out.errors.is_empty() {
        return out;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, (line, cells)) in sheet.rows.iter().enumerate() {
        let get = |name: &str| -> String {
            columns
                .iter()
                .position(|c| c.is_some_and(|c| c.name == name))
                .and_then(|i| cells.get(i))
                .cloned()
                .unwrap_or_default()
        };
        let label = |field: &str| {
            form::fields()
                .find(|f| f.name == field)
                .map(|f| f.label)
                .unwrap_or("")
        };
        match form::parse(&get) {
            Err(errs) => {
                for e in errs {
                    out.errors.push(RowError {
                        line: *line,
                        message: format!("{}: {}", label(e.field), e.message),
                    });
                }
            }
            Ok(entry) => {
                let mut errs: Vec<(&str, String)> = entry
                    .check(kind, today)
                    .into_iter()
                    .map(|e| (label(e.field), e.message))
                    .collect();
                let cell = |at: Option<usize>| at.and_then(|i| cells.get(i)).map_or("", |s| s);
                let mut snapshot = Snapshot::of(entry);
                read_list(
                    cell(policies_at),
                    POLICIES,
                    lists::policy,
                    model::Policy::check,
                    &mut snapshot.policies,
                    &mut errs,
                );
                read_list(
                    cell(inspections_at),
                    INSPECTIONS,
                    lists::inspection,
                    |_| vec![],
                    &mut snapshot.inspections,
                    &mut errs,
                );
                read_list(
                    cell(measures_at),
                    MEASURES,
                    lists::measure,
                    |_| vec![],
                    &mut snapshot.measures,
                    &mut errs,
                );
                for (field, message) in &errs {
                    out.errors.push(RowError {
                        line: *line,
                        message: format!("{field}: {message}"),
                    });
                }
                let entry = &snapshot.entry;
                let mut dup = false;
                for (what, key) in [
                    ("ИНН", Some(entry.inn.clone())),
                    ("ОГРН", Some(entry.ogrn.clone())),
                    ("регистрационный номер", entry.register_number.clone()),
                ] {
                    let Some(key) = key else { continue };
                    if let Some(first) = seen.insert(format!("{what}:{key}"), *line) {
                        out.errors.push(RowError {
                            line: *line,
                            message: format!("{what} {key} уже есть в строке {first} этого файла"),
                        });
                        dup = true;
                    }
                }
                if errs.is_empty() && !dup {
                    out.entries.push((*line, snapshot));
                }
            }
        }
        progress(i + 1);
    }
    out
}

/// Items of one list cell into `into`; what cannot be read, or breaks the item's rules, into
/// `errs` under the column's title.
fn read_list<T>(
    cell: &str,
    title: &'static str,
    parse: fn(&str) -> Result<T, String>,
    rules: fn(&T) -> Vec<crate::validation::FieldError>,
    into: &mut Vec<T>,
    errs: &mut Vec<(&'static str, String)>,
) {
    for line in lists::items(cell) {
        match parse(line) {
            Ok(item) => {
                let broken = rules(&item);
                if broken.is_empty() {
                    into.push(item);
                }
                errs.extend(
                    broken
                        .into_iter()
                        .map(|e| (title, format!("«{line}»: {}", e.message))),
                );
            }
            Err(e) => errs.push((title, e)),
        }
    }
}

/// Columns of the exports.
pub fn headers(public: bool) -> Vec<String> {
    let mut h: Vec<String> = form::fields()
        .filter(|f| !public || is_public(f.name))
        .map(|f| f.label.to_string())
        .collect();
    h.extend([POLICIES, INSPECTIONS, MEASURES, UPDATED].map(String::from));
    h
}

/// Fields the public register shows: what the law publishes, not the contacts staff keep for
/// their own work (e-mail, КПП).
pub fn is_public(name: &str) -> bool {
    !matches!(name, "email" | "kpp")
}

/// One row of an export. For an entrepreneur the public row leaves out the address of
/// residence (personal data); the place of activity stays.
pub fn row(s: &Snapshot, updated_at: &chrono::DateTime<chrono::Utc>, public: bool) -> Vec<String> {
    let v = form::values(&s.entry);
    let ip = s.entry.ogrn.len() == 15;
    let mut out: Vec<String> = form::fields()
        .filter(|f| !public || is_public(f.name))
        .map(|f| {
            if public && ip && f.name == "legal_address" {
                String::new()
            } else {
                v.get(f.name).cloned().unwrap_or_default()
            }
        })
        .collect();
    out.push(lists::cell(&s.policies, model::Policy::describe));
    out.push(lists::cell(&s.inspections, model::Inspection::describe));
    out.push(lists::cell(&s.measures, model::Measure::describe));
    out.push(crate::fmt::datetime(updated_at));
    out
}

/// A CSV line for Excel.
pub fn csv_line(cells: &[String]) -> String {
    crate::csvout::line(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    /// An entry with every list, a phone Excel would take for a formula, an apostrophe.
    fn full() -> Snapshot {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let mut entry = crate::register::model::tests_support::sample();
        entry.phone = "+7 (495) 000-12-34".into();
        entry.head_name = "Д'Артаньян Шарль".into();
        Snapshot {
            entry,
            policies: vec![
                model::Policy {
                    insurer: "АО «Пример», филиал".into(),
                    contract: "СП-1".into(),
                    sum_insured: 10_000_000 * 100,
                    valid_from: d(2026, 1, 1),
                    valid_to: d(2026, 12, 31),
                },
                model::Policy {
                    insurer: "ООО «Другая»".into(),
                    contract: "2025/7".into(),
                    sum_insured: 5_000_000 * 100 + 50,
                    valid_from: d(2025, 1, 1),
                    valid_to: d(2025, 12, 31),
                },
            ],
            inspections: vec![model::Inspection {
                finished_on: d(2026, 4, 17),
                kind: "плановая выездная".into(),
                result: "нарушений не выявлено".into(),
            }],
            measures: vec![model::Measure {
                decided_on: d(2026, 9, 28),
                measure: "Предупреждение".into(),
                reason: "Решение ДК № 4 (повторно)".into(),
            }],
        }
    }

    #[test]
    fn an_export_line_reads_back_as_the_same_entry() {
        let s = full();
        let csv = format!(
            "{}{}",
            csv_line(&headers(false)),
            csv_line(&row(&s, &chrono::Utc::now(), false))
        );
        assert!(
            csv.contains("'+7 (495)"),
            "Excel must not read the phone as a formula"
        );
        let sheet = read("r.csv", csv.as_bytes()).unwrap();
        let checked = check(&sheet, SroKind::Builders, today(), &mut |_| {});
        assert_eq!(checked.errors, vec![]);
        assert_eq!(checked.entries, vec![(2, s.clone())]);
        assert!(checked.ignored_columns.is_empty());
        // Windows-1251, as Excel saves it: «₽» becomes «?»
        let as_excel = csv.replace('₽', "?").replace('\u{feff}', "");
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(&as_excel);
        let sheet = read("r.csv", &cp1251).unwrap();
        let checked = check(&sheet, SroKind::Builders, today(), &mut |_| {});
        assert_eq!(checked.errors, vec![]);
        assert_eq!(checked.entries, vec![(2, s)]);
    }

    #[test]
    fn windows_1251_comma_separated_with_bad_rows() {
        let text = "ИНН,ОГРН/ОГРНИП,Полное наименование,Сокращенное наименование,Дата регистрации в реестре\n\
                    7700123459,1027700123450,ООО «Альфа»,Альфа,01.02.2020\n\
                    7700123450,1027700123450,ООО «Бета»,Бета,01.02.2020\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        let sheet = read("r.csv", &bytes).unwrap();
        let checked = check(&sheet, SroKind::Builders, today(), &mut |_| {});
        assert_eq!(checked.entries.len(), 1);
        let lines: Vec<_> = checked
            .errors
            .iter()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert_eq!(lines[0].0, 3);
        assert!(lines[0].1.starts_with("ИНН: "), "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == 3 && m.contains("уже есть в строке 2")),
            "{lines:?}"
        );
    }

    #[test]
    fn a_missing_column_is_named() {
        let sheet = read(
            "r.csv",
            "ИНН;Полное наименование\n7700123459;x\n".as_bytes(),
        )
        .unwrap();
        let checked = check(&sheet, SroKind::Builders, today(), &mut |_| {});
        assert!(
            checked
                .errors
                .iter()
                .any(|e| e.line == 1 && e.message.contains("ОГРН"))
        );
        assert!(checked.entries.is_empty());
    }

    #[test]
    fn xlsx_round_trip() {
        let s = full();
        let bytes =
            super::super::sheet::xlsx(&[row(&s, &chrono::Utc::now(), false)], false).unwrap();
        {
            // dates and money are typed cells, the ИНН stays text
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
            let range = book.worksheet_range("Реестр").unwrap();
            let cells: Vec<&calamine::Data> = range.rows().nth(1).unwrap().iter().collect();
            assert!(
                cells
                    .iter()
                    .any(|c| matches!(c, calamine::Data::DateTime(_)))
            );
            assert!(cells.iter().any(|c| matches!(c, calamine::Data::Float(_))));
            assert!(cells.contains(&&calamine::Data::String(s.entry.inn.clone())));
        }
        let sheet = read("r.xlsx", &bytes).unwrap();
        let checked = check(&sheet, SroKind::Builders, today(), &mut |_| {});
        assert_eq!(checked.errors, vec![]);
        assert_eq!(checked.entries, vec![(2, s)]);
    }

    /// Finding 17: a 1.4 MB workbook took 1.58 GB to read, because a stray cell far right or
    /// below made the sheet's rectangle huge. Cells are read as stored: a cell in the last
    /// column of the last row costs nothing.
    #[test]
    fn a_stray_cell_far_away_costs_nothing() {
        let s = full();
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in headers(false).iter().enumerate() {
            sheet.write_string(0, c as u16, h).unwrap();
        }
        for (c, v) in row(&s, &chrono::Utc::now(), false).iter().enumerate() {
            sheet.write_string(1, c as u16, v).unwrap();
        }
        sheet.write_string(1_048_575, 16_383, "x").unwrap();
        sheet.write_string(5_000, 3, "").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let sheet = read("r.xlsx", &bytes).unwrap();
        assert_eq!(sheet.rows.len(), 1);
        let checked = check(&sheet, SroKind::Builders, today(), &mut |_| {});
        assert_eq!(checked.errors, vec![]);
        assert_eq!(checked.entries, vec![(2, s)]);
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(
            csv_line(&["=1+1".into(), "a;b".into()]),
            "'=1+1;\"a;b\"\r\n"
        );
    }
}
