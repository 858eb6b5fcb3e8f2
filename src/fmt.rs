//! How Kabinet writes and reads dates, money and sizes: the one copy of each rule, for pages,
//! letters, PDFs and exports alike. Dates and times are shown in Moscow time, the SRO's.

use chrono::{DateTime, NaiveDate, Utc};

use crate::clock::moscow;

/// Amounts of money are integer kopecks end to end; never floating point.
pub type Kopecks = i64;

/// «23.11.2026»
pub fn date(d: &NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// «23.11.2026», or «—» when there is no date.
pub fn opt_date(d: &Option<NaiveDate>) -> String {
    d.as_ref().map(date).unwrap_or_else(|| "—".to_string())
}

/// «23.11.2026», or nothing (form values, export cells).
pub fn date_or_empty(d: &Option<NaiveDate>) -> String {
    d.as_ref().map(date).unwrap_or_default()
}

/// «2026-11-23», what `<input type=date>` holds.
pub fn iso_date(d: &Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// «23.11.2026 14:05» in Moscow time, which is what members and staff read.
pub fn datetime(t: &DateTime<Utc>) -> String {
    t.with_timezone(&moscow())
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

/// «23.11.2026 14:05:33» in Moscow time (receipts: to the second).
pub fn datetime_seconds(t: &DateTime<Utc>) -> String {
    t.with_timezone(&moscow())
        .format("%d.%m.%Y %H:%M:%S")
        .to_string()
}

/// «21.03.2024» or «2024-03-21» (what `<input type=date>` sends and what spreadsheets hold);
/// empty is `None`.
pub fn parse_date(s: &str) -> Result<Option<NaiveDate>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .map(Some)
        .map_err(|_| format!("«{s}»: дата указывается как ДД.ММ.ГГГГ"))
}

/// «—» for empty values, so tables have no holes.
pub fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".to_string()
    } else {
        s.to_string()
    }
}

/// «1 234 567», grouped by non-breaking spaces as Russian documents print numbers.
pub fn group_digits(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// «1 234 567,89 ₽», or «1 234 567 ₽» for whole roubles.
pub fn rubles(k: Kopecks) -> String {
    let sign = if k < 0 { "-" } else { "" };
    let r = group_digits((k / 100).abs());
    let c = (k % 100).abs();
    if c == 0 {
        format!("{sign}{r}\u{a0}₽")
    } else {
        format!("{sign}{r},{c:02}\u{a0}₽")
    }
}

/// A sum as a form field holds it: «1500», «1500,50», empty for zero.
pub fn rubles_input(k: Kopecks) -> String {
    if k == 0 {
        return String::new();
    }
    if k % 100 == 0 {
        (k / 100).to_string()
    } else {
        format!("{},{:02}", k / 100, (k % 100).abs())
    }
}

/// Parses «100 000», «100000,50», «1 500 000.00 руб.» into kopecks; empty is zero.
pub fn parse_rubles(s: &str) -> Result<Kopecks, String> {
    let cleaned: String = s
        .trim()
        .trim_end_matches('₽')
        .trim_end_matches("руб.")
        .trim_end_matches("руб")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect();
    if cleaned.is_empty() {
        return Ok(0);
    }
    let cleaned = cleaned.replace(',', ".");
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let bad = || {
        format!(
            "«{}»: укажите сумму в рублях, например 100 000 или 1500,50",
            s.trim()
        )
    };
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || whole.len() > 15 {
        return Err(bad());
    }
    if frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().map_err(|_| bad())?
    };
    Ok(whole * 100 + frac)
}

/// «1,2 МБ», «640 КБ», «15 байт».
pub fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1024.0 {
        format!("{bytes} байт")
    } else if b < 1024.0 * 1024.0 {
        format!("{} КБ", comma(b / 1024.0))
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{} МБ", comma(b / 1024.0 / 1024.0))
    } else {
        format!("{} ГБ", comma(b / 1024.0 / 1024.0 / 1024.0))
    }
}

/// «1,2 МБ (1 258 291 байт)»: receipts state the exact size too.
pub fn exact_size(bytes: i64) -> String {
    let human = human_size(bytes);
    let exact = format!("{} байт", group_digits(bytes));
    // «47 байт», not «47 байт (47 байт)» (issue 17: the receipt printed small sizes twice).
    if human == exact {
        exact
    } else {
        format!("{human} ({exact})")
    }
}

fn comma(x: f64) -> String {
    let s = if x >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    };
    s.trim_end_matches(".0").replace('.', ",")
}

/// A short, human description of a browser from its User-Agent.
pub fn browser_label(ua: &str) -> String {
    let browser = if ua.contains("YaBrowser") {
        "Яндекс Браузер"
    } else if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.contains("Trident/") || ua.contains("MSIE") {
        "Internet Explorer"
    } else if ua.is_empty() {
        "неизвестно"
    } else {
        "другой браузер"
    };
    let os = if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Mac OS") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    if os.is_empty() {
        browser.to_string()
    } else {
        format!("{browser}, {os}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_russian_and_moscow_time() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        assert_eq!(date(&d), "03.11.2026");
        assert_eq!(iso_date(&Some(d)), "2026-11-03");
        let t = DateTime::parse_from_rfc3339("2026-11-23T21:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(datetime(&t), "24.11.2026 00:30");
        assert_eq!(or_dash("  "), "—");
        assert_eq!(
            parse_date("21.03.2024").unwrap(),
            NaiveDate::from_ymd_opt(2024, 3, 21)
        );
        assert_eq!(
            parse_date("2024-03-21").unwrap(),
            NaiveDate::from_ymd_opt(2024, 3, 21)
        );
        assert_eq!(parse_date(" ").unwrap(), None);
        assert!(parse_date("21/03/2024").is_err());
    }

    #[test]
    fn money_is_kopecks() {
        assert_eq!(rubles(150_000_000), "1\u{a0}500\u{a0}000\u{a0}₽");
        assert_eq!(rubles(150_050), "1\u{a0}500,50\u{a0}₽");
        assert_eq!(rubles(-150_050), "-1\u{a0}500,50\u{a0}₽");
        assert_eq!(parse_rubles("1 500 000.00 руб.").unwrap(), 150_000_000);
        assert_eq!(parse_rubles("100000,5").unwrap(), 10_000_050);
        assert_eq!(parse_rubles("").unwrap(), 0);
        assert!(parse_rubles("12,345").is_err());
        assert!(parse_rubles("abc").is_err());
        assert_eq!(rubles_input(150_050), "1500,50");
        assert_eq!(rubles_input(150_000), "1500");
    }

    #[test]
    fn sizes_and_numbers_read_like_russian() {
        assert_eq!(human_size(15), "15 байт");
        assert_eq!(human_size(1536), "1,5 КБ");
        assert_eq!(human_size(1024 * 1024), "1 МБ");
        assert_eq!(human_size(1_288_490_189), "1,2 ГБ");
        assert_eq!(group_digits(1234567), "1\u{a0}234\u{a0}567");
        assert_eq!(group_digits(15), "15");
        assert_eq!(exact_size(1536), "1,5 КБ (1\u{a0}536 байт)");
    }

    #[test]
    fn browsers() {
        assert_eq!(
            browser_label("Mozilla/5.0 (Windows NT 6.1) Chrome/109.0 Safari/537.36"),
            "Chrome, Windows"
        );
        assert_eq!(browser_label(""), "неизвестно");
    }

    #[test]
    fn an_exact_size_says_each_number_once() {
        assert_eq!(exact_size(47), "47 байт");
        assert!(
            exact_size(2_500_000).ends_with("(2\u{a0}500\u{a0}000 байт)"),
            "{}",
            exact_size(2_500_000)
        );
    }
}
