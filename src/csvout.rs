//! CSV for Excel as Russian offices open it: UTF-8 with a BOM, `;` between cells, CRLF lines,
//! cells quoted where needed, and a leading `= + - @` neutralised so Excel does not run a cell
//! as a formula.

/// A long number (ИНН of 12 digits, ОГРН, ОГРНИП) or digits with a leading zero: Excel would
/// show the first as «1,0277E+12» and drop the zeros of the second. `="…"` is the form Excel shows
/// as the text itself, without a visible apostrophe (issue 17); only digits ever go in it.
fn excel_text_number(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s.len() >= 12 || (s.len() > 1 && s.starts_with('0')))
}

/// One cell.
pub fn cell(s: &str) -> String {
    if excel_text_number(s) {
        return format!("\"=\"\"{s}\"\"\"");
    }
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A cell as [`cell`] wrote it, back (the import of an exported file): the `'` before a value
/// Excel would take for a formula comes off, so «+7 (495)…» comes back as it was, and a long
/// number in `="…"` comes back as its digits.
pub fn unescape(cell: &str) -> String {
    if let Some(digits) = cell.strip_prefix("=\"").and_then(|r| r.strip_suffix('"'))
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return digits.to_string();
    }
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => cell.to_string(),
    }
}

/// One line with its CRLF.
pub fn line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut out = cells
        .iter()
        .map(|c| cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(";");
    out.push_str("\r\n");
    out
}

/// The byte-order mark Excel needs to read UTF-8.
pub const BOM: &str = "\u{feff}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_safe_for_excel() {
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("say \"hi\";"), "\"say \"\"hi\"\";\"");
        assert_eq!(cell("Отчет"), "Отчет");
        assert_eq!(line(&["a", "b;c"]), "a;\"b;c\"\r\n");
        // long numbers and leading zeros stay text in Excel, without an apostrophe
        assert_eq!(cell("1027700123450"), "\"=\"\"1027700123450\"\"\"");
        assert_eq!(cell("007"), "\"=\"\"007\"\"\"");
        assert_eq!(cell("7700123459"), "7700123459");
        assert_eq!(cell("0"), "0");
    }
}
