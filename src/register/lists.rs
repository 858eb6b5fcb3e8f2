//! The entry's lists as the exports write them and the import reads them back: one item per
//! line of a cell, in the words of `Policy::describe` and friends. Each reader is the exact
//! inverse of its `describe`, and takes what Excel does to a file saved in Windows-1251 (the
//! «₽» it cannot encode comes back as «?»).

use chrono::NaiveDate;

use super::model::{Inspection, Measure, Policy};

/// The items of one cell: a line each (blank lines skipped).
pub fn items(cell: &str) -> impl Iterator<Item = &str> {
    cell.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// A cell of a list: its items, a line each.
pub fn cell<T>(items: &[T], describe: fn(&T) -> String) -> String {
    items.iter().map(describe).collect::<Vec<_>>().join("\n")
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%d.%m.%Y").ok()
}

/// «АО «Пример», договор СП-1, страховая сумма 10 000 000 ₽, с 01.01.2026 по 31.12.2026»
pub fn policy(line: &str) -> Result<Policy, String> {
    let bad = || {
        format!(
            "«{line}»: договор записывается как «Страховщик, договор №, страховая сумма 1 000 000 ₽, с ДД.ММ.ГГГГ по ДД.ММ.ГГГГ»"
        )
    };
    let (rest, to) = line.rsplit_once(" по ").ok_or_else(bad)?;
    let (rest, from) = rest.rsplit_once(", с ").ok_or_else(bad)?;
    let (rest, sum) = rest.rsplit_once(", страховая сумма ").ok_or_else(bad)?;
    let (insurer, contract) = rest.split_once(", договор ").ok_or_else(bad)?;
    let sum = sum.trim().trim_end_matches('?');
    Ok(Policy {
        insurer: insurer.trim().to_string(),
        contract: contract.trim().to_string(),
        sum_insured: crate::fmt::parse_rubles(sum).map_err(|_| bad())?,
        valid_from: date(from).ok_or_else(bad)?,
        valid_to: date(to).ok_or_else(bad)?,
    })
}

/// «17.04.2026: плановая выездная — нарушений не выявлено»
pub fn inspection(line: &str) -> Result<Inspection, String> {
    let bad = || format!("«{line}»: проверка записывается как «ДД.ММ.ГГГГ: вид — результат»");
    let (on, rest) = line.split_once(": ").ok_or_else(bad)?;
    let (kind, result) = rest.split_once(" — ").ok_or_else(bad)?;
    Ok(Inspection {
        finished_on: date(on).ok_or_else(bad)?,
        kind: kind.trim().to_string(),
        result: result.trim().to_string(),
    })
}

/// «28.09.2026: приостановление права (решение № 4 (повторно))»: the reason is the last
/// bracketed group, brackets inside it included.
pub fn measure(line: &str) -> Result<Measure, String> {
    let bad = || format!("«{line}»: мера записывается как «ДД.ММ.ГГГГ: мера (основание)»");
    let (on, rest) = line.split_once(": ").ok_or_else(bad)?;
    let rest = rest.trim_end();
    let inner = rest.strip_suffix(')').ok_or_else(bad)?;
    // walk back to the bracket that opens the last group
    let mut depth = 0usize;
    let mut open = None;
    for (i, c) in inner.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => {
                open = Some(i);
                break;
            }
            '(' => depth -= 1,
            _ => {}
        }
    }
    let open = open.ok_or_else(bad)?;
    Ok(Measure {
        decided_on: date(on).ok_or_else(bad)?,
        measure: inner[..open].trim_end().to_string(),
        reason: inner[open + 1..].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn each_reader_inverts_its_describe() {
        let p = Policy {
            insurer: "АО «Страховая компания «Пример», филиал «Север»".into(),
            contract: "СП-2026/0457, доп. соглашение 1".into(),
            sum_insured: 10_000_000 * 100 + 50,
            valid_from: d(2026, 1, 1),
            valid_to: d(2026, 12, 31),
        };
        assert_eq!(policy(&p.describe()), Ok(p.clone()));
        // as Excel saves it in Windows-1251: no «₽»
        assert_eq!(policy(&p.describe().replace('₽', "?")), Ok(p));
        let i = Inspection {
            finished_on: d(2026, 4, 17),
            kind: "внеплановая: документарная".into(),
            result: "выявлены нарушения — устранены".into(),
        };
        assert_eq!(inspection(&i.describe()), Ok(i));
        let m = Measure {
            decided_on: d(2026, 9, 28),
            measure: "Приостановление права (полностью)".into(),
            reason: "Решение ДК № 4 (повторно) от 28.09.2026".into(),
        };
        assert_eq!(measure(&m.describe()), Ok(m));
        let m = Measure {
            decided_on: d(2026, 9, 28),
            measure: "Предупреждение".into(),
            reason: String::new(),
        };
        assert_eq!(measure(&m.describe()), Ok(m));
    }

    #[test]
    fn what_cannot_be_read_says_how_to_write_it() {
        assert!(policy("Пример, 100 000").unwrap_err().contains("договор №"));
        assert!(
            inspection("вчера — хорошо")
                .unwrap_err()
                .contains("ДД.ММ.ГГГГ")
        );
        assert!(measure("01.01.2026: мера без основания").is_err());
        let cell = "a\n\n b \r\nc";
        assert_eq!(items(cell).collect::<Vec<_>>(), ["a", "b", "c"]);
    }
}
