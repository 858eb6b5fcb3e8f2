//! Forms of the report's sections as workbooks to fill in («заполнить недостающие сведения»):
//! the columns a section asks for, chosen by what the section is about, and rows to fill.

/// A section's form as a workbook the member fills in: the columns the section asks for, by
/// what the section is about, and rows to fill.
pub fn fillable(number: usize, title: &str, description: &str) -> anyhow::Result<Vec<u8>> {
    let t = title.to_lowercase();
    let columns: &[&str] = if t.contains("специалист") {
        &[
            "№",
            "ФИО",
            "Должность",
            "Идентификационный номер в НРС",
            "Дата внесения в НРС",
            "Дата свидетельства о квалификации",
        ]
    } else if t.contains("выполненных работ") {
        &[
            "№",
            "Договор (номер, дата)",
            "Заказчик",
            "Объект",
            "Стоимость работ за год, руб.",
            "Дата завершения",
        ]
    } else if t.contains("конкурентн") {
        &[
            "№",
            "Договор (номер, дата)",
            "Заказчик",
            "Способ заключения (44-ФЗ, 223-ФЗ, ПП РФ № 615)",
            "Цена, руб.",
            "Принято работ, руб.",
            "Неисполненные обязательства, руб.",
        ]
    } else if t.contains("страхован") {
        &[
            "№",
            "Страховщик",
            "Номер договора",
            "Страховая сумма, руб.",
            "Начало",
            "Окончание",
        ]
    } else if t.contains("имуществ") {
        &[
            "№",
            "Наименование",
            "Вид (здание, техника, оборудование)",
            "Количество",
            "Основание владения",
        ]
    } else if t.contains("споры") || t.contains("претензи") {
        &[
            "№",
            "Дело, претензия или предписание",
            "Дата",
            "Суть",
            "Результат",
        ]
    } else {
        &["№", "Сведения", "Значение", "Подтверждающий документ"]
    };
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(format!("Раздел {number}"))?;
    let bold = rust_xlsxwriter::Format::new().set_bold().set_text_wrap();
    let cell = rust_xlsxwriter::Format::new()
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_text_wrap();
    sheet.write_string_with_format(0, 0, format!("Раздел {number}. {title}"), &bold)?;
    sheet.write_string(1, 0, description)?;
    sheet.write_string(2, 0, "Организация (наименование, ИНН):")?;
    for (c, h) in columns.iter().enumerate() {
        sheet.write_string_with_format(4, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, if c == 0 { 5 } else { 26 })?;
    }
    for r in 0..15u32 {
        sheet.write_number_with_format(5 + r, 0, f64::from(r + 1), &cell)?;
        for c in 1..columns.len() {
            sheet.write_blank(5 + r, c as u16, &cell)?;
        }
    }
    sheet.set_freeze_panes(5, 0)?;
    Ok(book.save_to_buffer()?)
}
