//! Contracts from a spreadsheet (XLSX or CSV, the template below): every row checked like the
//! form, every bad row reported, and all of them written in one transaction or none. Each
//! imported contract still needs its notice.

use super::model::{Kind, Method};
use super::service::{self, ContractInput, Valid};
use crate::core::Core;

/// The template's columns: (header, form field). Headers match case-insensitively.
const COLUMNS: [(&str, &str); 11] = [
    ("Номер договора", "number"),
    ("Дата заключения", "signed_on"),
    ("Заказчик", "customer_name"),
    ("ИНН заказчика", "customer_inn"),
    ("Предмет договора", "subject"),
    ("Вид договора", "kind"),
    ("Цена, руб.", "price"),
    ("Способ заключения", "method"),
    ("Реестровый номер закупки или ИКЗ", "procurement_id"),
    ("Начало работ", "work_from"),
    ("Окончание работ", "work_to"),
];

/// The most rows one file takes.
pub const MAX_ROWS: usize = 5_000;

/// The template to fill: the headers, one example row and the allowed values.
pub fn template(core: &Core) -> anyhow::Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold().set_text_wrap();
    let kinds = Kind::of_sro(core.settings.sro.kind);
    let sheet = book.add_worksheet();
    sheet.set_name("Договоры")?;
    for (c, (h, _)) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, 22)?;
    }
    let example = [
        "12/2026-П",
        "15.03.2026",
        "ГКУ «Дирекция строительства»",
        "7701234560",
        "Разработка проектной документации",
        kinds.first().map(|k| k.label()).unwrap_or(""),
        "15000000",
        Method::Fz44.label(),
        "0373200001226000017",
        "01.04.2026",
        "31.12.2026",
    ];
    for (c, v) in example.iter().enumerate() {
        // text cells: an ИНН or a registry number must not lose its zeros
        sheet.write_string(1, c as u16, *v)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let help = book.add_worksheet();
    help.set_name("Справочник")?;
    help.write_string_with_format(0, 0, "Вид договора", &bold)?;
    for (r, k) in kinds.iter().enumerate() {
        help.write_string(r as u32 + 1, 0, k.label())?;
    }
    help.write_string_with_format(0, 1, "Способ заключения", &bold)?;
    for (r, m) in Method::ALL.iter().enumerate() {
        help.write_string(r as u32 + 1, 1, m.label())?;
    }
    help.set_column_width(0, 60)?;
    help.set_column_width(1, 40)?;
    Ok(book.save_to_buffer()?)
}

fn kind_of(text: &str, kinds: &[Kind]) -> String {
    let t = text.trim().to_lowercase();
    // the exact code or label first; then words, «снос» before «строит» (the demolition
    // label «…объекта капитального строительства» has both)
    let exact = kinds
        .iter()
        .find(|k| k.code() == t || k.label().to_lowercase() == t);
    let by_word = || {
        let order = [
            (Kind::Demolition, "снос"),
            (Kind::Surveys, "изыск"),
            (Kind::Design, "проект"),
            (Kind::Construction, "строит"),
            (Kind::Construction, "подряд"),
        ];
        order
            .into_iter()
            .find(|(k, w)| kinds.contains(k) && t.contains(w))
            .map(|(k, _)| k)
    };
    exact
        .copied()
        .or_else(by_word)
        .map(|k| k.code().to_owned())
        .unwrap_or(t)
}

fn method_of(text: &str) -> String {
    let t = text.trim().to_lowercase();
    Method::ALL
        .into_iter()
        .find(|m| {
            m.code() == t
                || m.label().to_lowercase() == t
                || match m {
                    Method::Fz44 => t.contains("44"),
                    Method::Fz223 => t.contains("223"),
                    Method::Pp615 => t.contains("615"),
                    Method::Direct => t.contains("без") || t.contains("прям") || t.contains("нет"),
                }
        })
        .map(|m| m.code().to_owned())
        .unwrap_or(t)
}

/// Every row checked; the contracts when all are good, else every problem «Строка N: …».
pub fn read(
    core: &Core,
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<(usize, Valid)>, Vec<String>> {
    let sheet = crate::register::table::read(file_name, bytes).map_err(|e| vec![e])?;
    let index: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|(h, _)| {
            sheet
                .headers
                .iter()
                .position(|x| x.trim().to_lowercase() == h.to_lowercase())
        })
        .collect();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(&index)
        .filter(|(_, i)| i.is_none())
        .map(|((h, _), _)| *h)
        .take(11)
        .collect();
    // Dates of work and the registry number may be absent as columns; the rest may not.
    let required_missing: Vec<&&str> = missing
        .iter()
        .filter(|h| {
            !matches!(
                **h,
                "Начало работ" | "Окончание работ" | "Реестровый номер закупки или ИКЗ"
            )
        })
        .collect();
    if !required_missing.is_empty() {
        return Err(vec![format!(
            "Строка 1: нет столбцов {}: скачайте шаблон и заполните его",
            required_missing
                .iter()
                .map(|h| format!("«{h}»"))
                .collect::<Vec<_>>()
                .join(", ")
        )]);
    }
    if sheet.rows.is_empty() {
        return Err(vec!["В файле нет ни одного договора".into()]);
    }
    if sheet.rows.len() > MAX_ROWS {
        return Err(vec![format!(
            "В файле больше {MAX_ROWS} договоров: разделите его на несколько файлов"
        )]);
    }
    let kinds = Kind::of_sro(core.settings.sro.kind);
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (line, cells) in &sheet.rows {
        let cell = |field: &str| {
            COLUMNS
                .iter()
                .position(|(_, f)| *f == field)
                .and_then(|i| index[i])
                .and_then(|i| cells.get(i))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let input = ContractInput {
            number: cell("number"),
            signed_on: cell("signed_on"),
            customer_name: cell("customer_name"),
            customer_inn: cell("customer_inn"),
            subject: cell("subject"),
            kind: kind_of(&cell("kind"), &kinds),
            price: cell("price"),
            method: method_of(&cell("method")),
            procurement_id: cell("procurement_id"),
            work_from: cell("work_from"),
            work_to: cell("work_to"),
        };
        match service::check(core, &input) {
            Ok(v) => out.push((*line, v)),
            Err(errors) => {
                for e in errors.iter() {
                    let header = COLUMNS
                        .iter()
                        .find(|(_, f)| *f == e.field)
                        .map(|(h, _)| *h)
                        .unwrap_or("");
                    problems.push(format!("Строка {line}: «{header}» — {}", e.message));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_methods_read_as_people_write_them() {
        let builders = Kind::of_sro(crate::config::SroKind::Builders);
        // the template's own demolition label has «строительства» in it
        assert_eq!(kind_of(Kind::Demolition.label(), &builders), "demolition");
        assert_eq!(kind_of("снос здания", &builders), "demolition");
        assert_eq!(kind_of("Строительный подряд", &builders), "construction");
        assert_eq!(kind_of("construction", &builders), "construction");
        let designers = Kind::of_sro(crate::config::SroKind::Designers);
        assert_eq!(kind_of("проектирование", &designers), "design");
        // a kind the SRO does not take stays as typed (the check refuses it)
        assert_eq!(kind_of("снос", &designers), "снос");
        assert_eq!(method_of("44-ФЗ"), "44fz");
        assert_eq!(method_of("по 223-ФЗ"), "223fz");
        assert_eq!(method_of("ПП РФ № 615"), "pp615");
        assert_eq!(method_of("без конкурентных процедур"), "direct");
    }
}
