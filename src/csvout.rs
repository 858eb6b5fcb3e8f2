//! CSV for Excel as Russian offices open it: UTF-8 with a BOM, `;` between cells, CRLF lines,
//! cells quoted where needed, and a leading `= + - @` neutralised so Excel does not run a cell
//! as a formula.

/// One cell.
pub fn cell(s: &str) -> String {
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
    }
}
