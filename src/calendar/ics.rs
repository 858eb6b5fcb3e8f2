//! The deadlines as an iCalendar feed (RFC 5545) that Outlook, Google and Yandex calendars
//! subscribe to: one all-day event per deadline, UIDs stable across refreshes (so a changed
//! date moves the event instead of adding one), lines folded at 75 octets. Pure.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::Deadline;

/// What the feed is called in the subscriber's calendar and where its events link to.
pub struct Feed<'a> {
    pub name: &'a str,
    /// «https://kabinet.sro.example»: links in events and the UIDs' domain.
    pub base_url: &'a str,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
}

/// The whole feed's text (CRLF line ends, as the standard wants).
pub fn render(feed: &Feed, deadlines: &[Deadline]) -> String {
    let host = feed
        .base_url
        .split("://")
        .nth(1)
        .unwrap_or(feed.base_url)
        .trim_end_matches('/')
        .split(['/', ':'])
        .next()
        .unwrap_or("kabinet");
    let stamp = feed.now.format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//Kabinet//Personal cabinet of an SRO member//RU".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", escape(feed.name)),
        "X-WR-TIMEZONE:Europe/Moscow".into(),
        // ask subscribers to refresh every few hours
        "REFRESH-INTERVAL;VALUE=DURATION:PT4H".into(),
        "X-PUBLISHED-TTL:PT4H".into(),
    ] {
        line(&mut out, &l);
    }
    for d in deadlines {
        let (status, _) = d.status(feed.today);
        let summary = match &d.done {
            Some(done) => format!("{} ({done})", d.title),
            None => d.title.clone(),
        };
        let url = format!("{}{}", feed.base_url.trim_end_matches('/'), d.link);
        for l in [
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}@{host}", d.uid()),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART;VALUE=DATE:{}", d.due.format("%Y%m%d")),
            format!(
                "DTEND;VALUE=DATE:{}",
                (d.due + chrono::Days::new(1)).format("%Y%m%d")
            ),
            format!("SUMMARY:{}", escape(&summary)),
            format!(
                "DESCRIPTION:{}",
                escape(&format!("{}: {status}\n{url}", d.rule.label()))
            ),
            format!("CATEGORIES:{}", escape(d.rule.label())),
            format!("URL:{url}"),
            "TRANSP:TRANSPARENT".into(),
            "END:VEVENT".into(),
        ] {
            line(&mut out, &l);
        }
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// TEXT values escape backslash, semicolon, comma and line breaks.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets, never inside a UTF-8 character (Cyrillic is two
/// octets a letter); continuation lines start with a space.
fn line(out: &mut String, l: &str) {
    let mut width = 0;
    for c in l.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::model::Rule;

    #[test]
    fn events_are_escaped_and_folded_within_75_octets() {
        let d = Deadline {
            rule: Rule::Sections,
            member_id: 7,
            object: "3:7".into(),
            title: "Сдать раздел «Сведения о работниках, имеющих квалификацию; стаж» за 2026 год"
                .into(),
            due: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            done: None,
            link: "/kabinet/reports/current".into(),
        };
        let feed = Feed {
            name: "СРО АП СОПО: сроки",
            base_url: "https://kabinet.sopo.example:8443/",
            now: DateTime::parse_from_rfc3339("2027-02-01T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            today: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
        };
        let text = render(&feed, &[d]);
        for l in text.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("UID:sections-3-7@kabinet.sopo.example\r\n"));
        assert!(unfolded.contains("DTSTART;VALUE=DATE:20270301\r\nDTEND;VALUE=DATE:20270302"));
        assert!(unfolded.contains("работниках\\, имеющих квалификацию\\; стаж"));
        assert!(
            unfolded.contains(
                "через 28 дн.\\nhttps://kabinet.sopo.example:8443/kabinet/reports/current"
            )
        );
    }
}
