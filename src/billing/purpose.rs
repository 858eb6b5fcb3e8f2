//! What a payment's purpose («назначение платежа») says it pays: an invoice number, kinds of
//! contribution, periods. Banks pass the payer's text as typed, so this reads Russian as people
//! write it: «членский взнос за I кв. 2026 г.», «за март и апрель 2026», «КФ ОДО».

use super::model::ChargeKind;

/// What a payment's purpose says it pays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    /// Invoice numbers named in the text, as written («СЧ-12/26»).
    pub invoices: Vec<String>,
    pub kinds: Vec<ChargeKind>,
    /// Period codes («2026-Q1», «2026-03», «2026»).
    pub periods: Vec<String>,
}

/// Reads a payment's purpose: «Оплата по счету СЧ-15/26 членский взнос за I кв. 2026 г.».
pub fn read_purpose(text: &str, invoice_prefix: &str) -> Hints {
    let low = text.to_lowercase().replace('ё', "е");
    let mut h = Hints::default();
    let prefix = invoice_prefix.to_lowercase();
    if !prefix.is_empty() {
        let mut rest = low.as_str();
        while let Some(i) = rest.find(&prefix) {
            let tail = &rest[i + prefix.len()..];
            let n: String = tail
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '/')
                .collect();
            let n = n.trim_end_matches('/');
            if !n.is_empty() {
                h.invoices.push(format!("{invoice_prefix}{n}"));
            }
            rest = tail;
        }
    }
    let has = |w: &str| low.contains(w);
    if has("членск") {
        h.kinds.push(ChargeKind::Membership);
    }
    if has("кф вв") || has("кфвв") || has("возмещени") {
        h.kinds.push(ChargeKind::KfVv);
    }
    if has("кф одо") || has("кфодо") || has("договорных обязательств")
    {
        h.kinds.push(ChargeKind::KfOdo);
    }
    if has("вступит") {
        h.kinds.push(ChargeKind::Entrance);
    }
    if has("целев") {
        h.kinds.push(ChargeKind::Target);
    }
    h.periods = read_periods(&low);
    h
}

fn read_periods(low: &str) -> Vec<String> {
    let words: Vec<&str> = low
        .split(|c: char| !(c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    let year = words
        .iter()
        .filter_map(|w| w.parse::<i32>().ok())
        .find(|y| (2000..=2100).contains(y));
    let Some(year) = year else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let quarter = next.starts_with("кв");
        if quarter {
            let q = match *w {
                "i" | "1" => 1,
                "ii" | "2" => 2,
                "iii" | "3" => 3,
                "iv" | "4" => 4,
                _ => 0,
            };
            if q > 0 {
                out.push(format!("{year}-Q{q}"));
            }
        }
        const STEMS: [&str; 12] = [
            "январ",
            "феврал",
            "март",
            "апрел",
            "ма",
            "июн",
            "июл",
            "август",
            "сентябр",
            "октябр",
            "ноябр",
            "декабр",
        ];
        for (m, stem) in STEMS.iter().enumerate() {
            let hit = if *stem == "ма" {
                matches!(*w, "май" | "мая" | "мае")
            } else {
                w.starts_with(stem)
            };
            if hit {
                out.push(format!("{year}-{:02}", m + 1));
            }
        }
    }
    if out.is_empty()
        && (low.contains(&format!("{year} год")) || low.contains(&format!("{year} г")))
    {
        out.push(year.to_string());
    }
    out
}
