//! Contracts and their events, the three-working-day deadline of a notice, and the actual
//! total obligations against the КФ ОДО level (domain.md §2, §10). Pure: no I/O.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::config::SroKind;
use crate::fmt::Kopecks;
use crate::register::levels::{self, Fund, Level};

/// What the contract is for: builders notify construction and demolition (ст. 740 ГК), designers
/// design documentation, surveyors engineering surveys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Construction,
    Demolition,
    Design,
    Surveys,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Construction,
        Kind::Demolition,
        Kind::Design,
        Kind::Surveys,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Kind::Construction => "construction",
            Kind::Demolition => "demolition",
            Kind::Design => "design",
            Kind::Surveys => "surveys",
        }
    }
    pub fn from_code(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Construction => "Строительный подряд (строительство, реконструкция, капремонт)",
            Kind::Demolition => "Снос объекта капитального строительства",
            Kind::Design => "Подготовка проектной документации",
            Kind::Surveys => "Выполнение инженерных изысканий",
        }
    }
    /// The kinds an SRO of `sro` takes notices of.
    pub fn of_sro(sro: SroKind) -> Vec<Kind> {
        match sro {
            SroKind::Builders => vec![Kind::Construction, Kind::Demolition],
            SroKind::Designers => vec![Kind::Design],
            SroKind::Surveyors => vec![Kind::Surveys],
        }
    }
}

/// How the contract was concluded: by a competitive method under a law (counted against the
/// КФ ОДО limit), or directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Direct,
    Fz44,
    Fz223,
    Pp615,
}

impl Method {
    pub const ALL: [Method; 4] = [Method::Fz44, Method::Fz223, Method::Pp615, Method::Direct];
    pub fn code(self) -> &'static str {
        match self {
            Method::Direct => "direct",
            Method::Fz44 => "44fz",
            Method::Fz223 => "223fz",
            Method::Pp615 => "pp615",
        }
    }
    pub fn from_code(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Method::Direct => "Без конкурентных процедур",
            Method::Fz44 => "Конкурентный способ, 44-ФЗ",
            Method::Fz223 => "Конкурентный способ, 223-ФЗ",
            Method::Pp615 => "Конкурентный способ, ПП РФ № 615",
        }
    }
    pub fn competitive(self) -> bool {
        self != Method::Direct
    }
}

/// An event in a contract's life; each one is notified to the SRO within three working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Concluded,
    /// An addendum changing the price (the new total price) or the term.
    Addendum,
    /// Work accepted by an act (its sum).
    Act,
    Executed,
    Terminated,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::Concluded,
        EventKind::Addendum,
        EventKind::Act,
        EventKind::Executed,
        EventKind::Terminated,
    ];
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Concluded => "concluded",
            EventKind::Addendum => "addendum",
            EventKind::Act => "act",
            EventKind::Executed => "executed",
            EventKind::Terminated => "terminated",
        }
    }
    pub fn from_code(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Concluded => "Заключение договора",
            EventKind::Addendum => "Дополнительное соглашение (цена или срок)",
            EventKind::Act => "Акт приемки выполненных работ",
            EventKind::Executed => "Исполнение договора",
            EventKind::Terminated => "Расторжение договора",
        }
    }
    /// «о заключении», for the notice's title.
    pub fn about(self) -> &'static str {
        match self {
            EventKind::Concluded => "о заключении договора",
            EventKind::Addendum => "об изменении договора",
            EventKind::Act => "о приемке выполненных работ по договору",
            EventKind::Executed => "об исполнении договора",
            EventKind::Terminated => "о расторжении договора",
        }
    }
}

/// One event as the total needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub date: NaiveDate,
    /// Addendum: the new price (0: the price is unchanged); act: the sum accepted.
    pub amount: Kopecks,
}

/// A contract as the total needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub signed_on: NaiveDate,
    pub price: Kopecks,
    pub method: Method,
    pub events: Vec<Event>,
}

impl Position {
    /// What is still owed under the contract on `on`: the price with the latest addendum
    /// that changed it, minus work accepted by acts; zero when the contract is not concluded
    /// yet, or is executed or terminated by then.
    pub fn open_on(&self, on: NaiveDate) -> Kopecks {
        if self.signed_on > on {
            return 0;
        }
        if self
            .events
            .iter()
            .any(|e| e.date <= on && matches!(e.kind, EventKind::Executed | EventKind::Terminated))
        {
            return 0;
        }
        (self.price_on(on) - self.accepted_on(on)).max(0)
    }

    /// The price on `on`: the latest addendum that changed it, or the contract's own.
    pub fn price_on(&self, on: NaiveDate) -> Kopecks {
        let mut addenda: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| e.date <= on && e.kind == EventKind::Addendum && e.amount > 0)
            .collect();
        addenda.sort_by_key(|e| e.date);
        addenda.last().map(|e| e.amount).unwrap_or(self.price)
    }

    /// Work accepted by acts up to `on`.
    pub fn accepted_on(&self, on: NaiveDate) -> Kopecks {
        self.events
            .iter()
            .filter(|e| e.date <= on && e.kind == EventKind::Act)
            .map(|e| e.amount)
            .sum()
    }

    /// Whether the contract counts against the limit: competitive ones always, direct ones
    /// when the SRO's rules say so.
    pub fn counted(&self, count_direct: bool) -> bool {
        self.method.competitive() || count_direct
    }
}

/// The actual total obligations on `on` (domain.md §10.2).
pub fn total_on(positions: &[Position], on: NaiveDate, count_direct: bool) -> Kopecks {
    positions
        .iter()
        .filter(|p| p.counted(count_direct))
        .map(|p| p.open_on(on))
        .sum()
}

/// Working days: Monday to Friday unless the production calendar says otherwise (holidays,
/// and the Saturdays or Sundays a holiday is transferred to).
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    /// date → working day or not, where it differs from the weekday rule.
    pub exceptions: HashMap<NaiveDate, bool>,
}

impl WorkCalendar {
    pub fn is_working(&self, d: NaiveDate) -> bool {
        match self.exceptions.get(&d) {
            Some(w) => *w,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The last day of a notice of an event on `event`: the third working day after it (the
    /// day after the event is the first day counted, if it is a working one).
    pub fn deadline(&self, event: NaiveDate, working_days: u32) -> NaiveDate {
        let mut d = event;
        let mut counted = 0;
        while counted < working_days {
            d = d + Days::new(1);
            if self.is_working(d) {
                counted += 1;
            }
        }
        d
    }
}

/// The statutory term of a notice, in working days (ч. 4 ст. 55.8 ГрК).
pub const NOTICE_WORKING_DAYS: u32 = 3;

/// The position against the member's КФ ОДО level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub level: Option<Level>,
    /// The level's limit in kopecks; `None` without a level or at the top level.
    pub limit: Option<Kopecks>,
    pub total: Kopecks,
    /// Share of the limit used, in whole percent.
    pub share: Option<i64>,
    pub over_threshold: bool,
    pub over_limit: bool,
    /// When over the limit: the level needed and the additional contribution it means.
    pub advice: Option<Advice>,
    /// When near the limit (over the threshold, not over it): the next level and what moving
    /// to it would cost, so the member can plan before taking the next contract.
    pub next: Option<Advice>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    pub level: Level,
    /// The next level's minimal contribution minus the current one's, in roubles.
    pub additional_rub: i64,
}

/// Where a total of `total` stands against level `level` of an SRO of `kind` on `on`.
pub fn standing(
    kind: SroKind,
    level: Option<i64>,
    total: Kopecks,
    threshold_percent: i64,
    on: NaiveDate,
) -> Standing {
    let current = level.and_then(|n| levels::level(kind, Fund::Odo, n, on));
    let limit = current.as_ref().and_then(|l| l.limit_rub).map(|r| r * 100);
    let share = limit.filter(|l| *l > 0).map(|l| total * 100 / l);
    let over_limit = limit.is_some_and(|l| total > l);
    let over_threshold = share.is_some_and(|s| s >= threshold_percent);
    let advice = match (&current, over_limit || current.is_none() && total > 0) {
        (_, false) => None,
        (cur, true) => needed_level(kind, total, on).map(|needed| Advice {
            additional_rub: needed.min_contribution_rub
                - cur.as_ref().map(|c| c.min_contribution_rub).unwrap_or(0),
            level: needed,
        }),
    };
    let next = match &current {
        Some(cur) if over_threshold && !over_limit => {
            levels::level(kind, Fund::Odo, cur.number + 1, on).map(|l| Advice {
                additional_rub: l.min_contribution_rub - cur.min_contribution_rub,
                level: l,
            })
        }
        _ => None,
    };
    Standing {
        next,
        level: current,
        limit,
        total,
        share,
        over_threshold,
        over_limit,
        advice,
    }
}

/// The lowest КФ ОДО level whose limit covers `total`.
pub fn needed_level(kind: SroKind, total: Kopecks, on: NaiveDate) -> Option<Level> {
    levels::levels(kind, Fund::Odo, on)
        .into_iter()
        .find(|l| l.limit_rub.is_none_or(|r| total <= r * 100))
}

/// Checks the ИНН of a customer: 10 digits (organisation) or 12 (person), check digits right.
pub fn inn_ok(inn: &str) -> bool {
    crate::requisites::Inn::parse(inn).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn calendar() -> WorkCalendar {
        let mut c = WorkCalendar::default();
        // 2026: the New Year holidays to 11.01, 23.02, 09.03, 01.05, 11.05, 12.06, 04.11,
        // 31.12; nothing moved to a Saturday in this sample.
        for day in [
            d(2026, 1, 1),
            d(2026, 1, 2),
            d(2026, 1, 5),
            d(2026, 1, 6),
            d(2026, 1, 7),
            d(2026, 1, 8),
            d(2026, 1, 9),
            d(2026, 2, 23),
            d(2026, 3, 9),
            d(2026, 5, 1),
            d(2026, 5, 11),
            d(2026, 6, 12),
            d(2026, 11, 4),
            d(2026, 12, 31),
        ] {
            c.exceptions.insert(day, false);
        }
        c.exceptions.insert(d(2026, 12, 26), true); // a transferred Saturday (test data)
        c
    }

    #[test]
    fn three_working_days_skip_weekends_and_holidays() {
        let c = calendar();
        // Monday → Thursday.
        assert_eq!(c.deadline(d(2026, 3, 2), 3), d(2026, 3, 5));
        // Thursday → Tuesday over the weekend.
        assert_eq!(c.deadline(d(2026, 3, 5), 3), d(2026, 3, 11));
        // ...and the holiday of 09.03: Friday 06.03 → 10, 11, 12.
        assert_eq!(c.deadline(d(2026, 3, 6), 3), d(2026, 3, 12));
        // Over the New Year: 30.12.2025 → 31.12.2025 is not in the sample (a working Wednesday),
        // then 01-11.01 rest: 12.01 and 13.01.
        assert_eq!(c.deadline(d(2025, 12, 30), 3), d(2026, 1, 13));
        // An event on a Saturday: Monday is the first day.
        assert_eq!(c.deadline(d(2026, 3, 14), 3), d(2026, 3, 18));
        // A transferred working Saturday counts.
        assert_eq!(c.deadline(d(2026, 12, 24), 3), d(2026, 12, 28));
    }

    fn position(method: Method) -> Position {
        Position {
            signed_on: d(2026, 3, 1),
            price: 10_000_000_00,
            method,
            events: vec![
                Event {
                    kind: EventKind::Addendum,
                    date: d(2026, 5, 1),
                    amount: 12_000_000_00,
                },
                Event {
                    kind: EventKind::Act,
                    date: d(2026, 6, 1),
                    amount: 3_000_000_00,
                },
                Event {
                    kind: EventKind::Act,
                    date: d(2026, 7, 1),
                    amount: 2_000_000_00,
                },
                Event {
                    kind: EventKind::Executed,
                    date: d(2026, 9, 1),
                    amount: 0,
                },
            ],
        }
    }

    #[test]
    fn the_total_follows_addenda_acts_and_execution() {
        let p = position(Method::Fz44);
        assert_eq!(p.open_on(d(2026, 2, 28)), 0);
        assert_eq!(p.open_on(d(2026, 3, 1)), 10_000_000_00);
        assert_eq!(p.open_on(d(2026, 5, 1)), 12_000_000_00);
        assert_eq!(p.open_on(d(2026, 6, 15)), 9_000_000_00);
        assert_eq!(p.open_on(d(2026, 7, 1)), 7_000_000_00);
        assert_eq!(p.open_on(d(2026, 9, 1)), 0);
        let direct = position(Method::Direct);
        let all = [p.clone(), direct];
        assert_eq!(total_on(&all, d(2026, 6, 15), false), 9_000_000_00);
        assert_eq!(total_on(&all, d(2026, 6, 15), true), 18_000_000_00);
        let mut terminated = p;
        terminated.events[3].kind = EventKind::Terminated;
        assert_eq!(terminated.open_on(d(2026, 10, 1)), 0);
    }

    #[test]
    fn the_level_advice_names_the_level_and_the_additional_contribution() {
        let on = d(2026, 12, 1);
        // Builders, level 1: 90 million; 80 % warns.
        let s = standing(SroKind::Builders, Some(1), 75_000_000_00, 80, on);
        assert_eq!(s.limit, Some(90_000_000_00));
        assert_eq!(s.share, Some(83));
        assert!(s.over_threshold && !s.over_limit && s.advice.is_none());
        let next = s.next.unwrap();
        assert_eq!(
            (next.level.number, next.additional_rub),
            (2, 2_500_000 - 200_000)
        );
        let s = standing(SroKind::Builders, Some(1), 120_000_000_00, 80, on);
        assert!(s.over_limit);
        let a = s.advice.unwrap();
        assert_eq!(a.level.number, 2);
        assert_eq!(a.additional_rub, 2_500_000 - 200_000);
        // Designers, level 1: 25 million; 60 million needs level 3.
        let s = standing(SroKind::Designers, Some(1), 60_000_000_00, 80, on);
        let a = s.advice.unwrap();
        assert_eq!(a.level.number, 3);
        assert_eq!(a.additional_rub, 2_500_000 - 150_000);
        // The top level has no limit.
        let s = standing(SroKind::Designers, Some(4), 900_000_000_00, 80, on);
        assert!(!s.over_limit && s.limit.is_none());
    }
}
