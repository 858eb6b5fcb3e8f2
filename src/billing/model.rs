//! The money model, pure: charge kinds and periods, what an accrual charges a member, how a
//! payment is spread over debts. No I/O; the services feed it rows and write what it decides.

use chrono::{Datelike, NaiveDate};

pub use crate::fmt::Kopecks;

/// What a charge is for (`domain.md` §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChargeKind {
    Entrance,
    Membership,
    KfVv,
    KfOdo,
    Target,
    Other,
}

impl ChargeKind {
    pub const ALL: [ChargeKind; 6] = [
        ChargeKind::Entrance,
        ChargeKind::Membership,
        ChargeKind::KfVv,
        ChargeKind::KfOdo,
        ChargeKind::Target,
        ChargeKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ChargeKind::Entrance => "entrance",
            ChargeKind::Membership => "membership",
            ChargeKind::KfVv => "kf_vv",
            ChargeKind::KfOdo => "kf_odo",
            ChargeKind::Target => "target",
            ChargeKind::Other => "other",
        }
    }

    pub fn from_code(s: &str) -> Option<ChargeKind> {
        ChargeKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ChargeKind::Entrance => "Вступительный взнос",
            ChargeKind::Membership => "Членский взнос",
            ChargeKind::KfVv => "Взнос в КФ ВВ",
            ChargeKind::KfOdo => "Взнос в КФ ОДО",
            ChargeKind::Target => "Целевой взнос",
            ChargeKind::Other => "Прочее начисление",
        }
    }

    /// Contributions to a compensation fund follow the member's liability level.
    pub fn follows_level(self) -> bool {
        matches!(self, ChargeKind::KfVv | ChargeKind::KfOdo)
    }
}

/// How often a charge type is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Periodicity {
    Once,
    Month,
    Quarter,
    Year,
}

impl Periodicity {
    pub const ALL: [Periodicity; 4] = [
        Periodicity::Once,
        Periodicity::Month,
        Periodicity::Quarter,
        Periodicity::Year,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Periodicity::Once => "once",
            Periodicity::Month => "month",
            Periodicity::Quarter => "quarter",
            Periodicity::Year => "year",
        }
    }

    pub fn from_code(s: &str) -> Option<Periodicity> {
        Periodicity::ALL.into_iter().find(|p| p.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Periodicity::Once => "разово",
            Periodicity::Month => "ежемесячно",
            Periodicity::Quarter => "ежеквартально",
            Periodicity::Year => "ежегодно",
        }
    }
}

/// A period of a periodic charge: «2026-03», «2026-Q1», «2026».
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub year: i32,
    /// Month 1–12, quarter 1–4, or 0 for a year.
    pub index: u32,
    pub kind: Periodicity,
}

const MONTHS: [&str; 12] = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
];
const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (ymd(ny, nm, 1) - ymd(y, m, 1)).num_days() as u32
}

impl Period {
    /// The period of `kind` holding `d`; `None` for one-off charges.
    pub fn containing(kind: Periodicity, d: NaiveDate) -> Option<Period> {
        let index = match kind {
            Periodicity::Once => return None,
            Periodicity::Month => d.month(),
            Periodicity::Quarter => (d.month() - 1) / 3 + 1,
            Periodicity::Year => 0,
        };
        Some(Period {
            year: d.year(),
            index,
            kind,
        })
    }

    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        let (y, rest) = s.split_at_checked(4)?;
        let year: i32 = y.parse().ok().filter(|y| (1990..=2200).contains(y))?;
        if rest.is_empty() {
            return Some(Period {
                year,
                index: 0,
                kind: Periodicity::Year,
            });
        }
        if let Some(q) = rest.strip_prefix("-Q") {
            let index: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            return Some(Period {
                year,
                index,
                kind: Periodicity::Quarter,
            });
        }
        let m: u32 = rest
            .strip_prefix('-')?
            .parse()
            .ok()
            .filter(|m| (1..=12).contains(m))?;
        (rest.len() == 3).then_some(Period {
            year,
            index: m,
            kind: Periodicity::Month,
        })
    }

    pub fn code(&self) -> String {
        match self.kind {
            Periodicity::Month => format!("{}-{:02}", self.year, self.index),
            Periodicity::Quarter => format!("{}-Q{}", self.year, self.index),
            _ => self.year.to_string(),
        }
    }

    /// «март 2026 г.», «I квартал 2026 г.», «2026 год».
    pub fn label(&self) -> String {
        match self.kind {
            Periodicity::Month => format!("{} {} г.", MONTHS[self.index as usize - 1], self.year),
            Periodicity::Quarter => {
                format!(
                    "{} квартал {} г.",
                    ROMAN[self.index as usize - 1],
                    self.year
                )
            }
            _ => format!("{} год", self.year),
        }
    }

    fn first_month(&self) -> u32 {
        match self.kind {
            Periodicity::Month => self.index,
            Periodicity::Quarter => (self.index - 1) * 3 + 1,
            _ => 1,
        }
    }

    pub fn start(&self) -> NaiveDate {
        ymd(self.year, self.first_month(), 1)
    }

    pub fn end(&self) -> NaiveDate {
        self.next().start().pred_opt().unwrap_or(NaiveDate::MIN)
    }

    pub fn next(&self) -> Period {
        let (year, index) = match self.kind {
            Periodicity::Month if self.index == 12 => (self.year + 1, 1),
            Periodicity::Quarter if self.index == 4 => (self.year + 1, 1),
            Periodicity::Month | Periodicity::Quarter => (self.year, self.index + 1),
            _ => (self.year + 1, 0),
        };
        Period {
            year,
            index,
            kind: self.kind,
        }
    }

    /// The due date: `due_day` of the period's first month (the last day of a short month).
    pub fn due(&self, due_day: u32) -> NaiveDate {
        let m = self.first_month();
        ymd(self.year, m, due_day.clamp(1, days_in_month(self.year, m)))
    }
}

/// A charge type as an accrual needs it.
#[derive(Debug, Clone)]
pub struct Tariff {
    pub id: i64,
    pub kind: ChargeKind,
    pub name: String,
    pub periodicity: Periodicity,
    /// Fixed amount (when not by level).
    pub amount: Kopecks,
    /// Amounts by liability level (КФ ВВ level for dues, the fund's own level for КФ).
    pub levels: Vec<(i64, Kopecks)>,
    pub by_level: bool,
    /// Periodic: the day of the period's first month; one-off: days after charging.
    pub due_day: u32,
    /// The first day charges are made automatically; `None`: by hand only.
    pub accrue_from: Option<NaiveDate>,
}

impl Tariff {
    /// The amount for a member at `level` (or the fixed one).
    pub fn amount_for(&self, level: Option<i64>) -> Option<Kopecks> {
        if self.by_level || self.kind.follows_level() {
            let level = level?;
            self.levels
                .iter()
                .find(|(l, _)| *l == level)
                .map(|(_, a)| *a)
        } else {
            Some(self.amount)
        }
    }
}

/// What of a member matters to accruals.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberTerms {
    pub id: i64,
    pub status: String,
    pub admitted_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
    pub vv_level: Option<i64>,
    pub odo_level: Option<i64>,
}

/// A discount (or a full exemption at 100 %) of one charge type for a member.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Exemption {
    pub member_id: i64,
    pub charge_type_id: i64,
    pub percent: i64,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl Exemption {
    fn covers(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|t| d <= t)
    }
}

/// A charge an accrual would make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub member_id: i64,
    pub charge_type_id: i64,
    pub kind: ChargeKind,
    pub period: String,
    pub description: String,
    pub amount: Kopecks,
    pub due_on: NaiveDate,
    /// One charge per member, type and period (or level): a second run inserts nothing.
    pub key: String,
}

fn discounted(
    amount: Kopecks,
    member: i64,
    tariff: i64,
    on: NaiveDate,
    ex: &[Exemption],
) -> Kopecks {
    let percent = ex
        .iter()
        .filter(|e| e.member_id == member && e.charge_type_id == tariff && e.covers(on))
        .map(|e| e.percent)
        .max()
        .unwrap_or(0)
        .clamp(0, 100);
    // Integer kopecks; the discount is rounded down in the member's favour.
    amount - (amount * percent + 99) / 100
}

/// The periodic charge of `t` for `m` in `p`: a member pays for every period it was a member in,
/// in full for the months of admission and of exclusion.
pub fn plan_periodic(t: &Tariff, p: &Period, m: &MemberTerms, ex: &[Exemption]) -> Option<Planned> {
    let admitted = m.admitted_on?;
    if admitted > p.end() || m.terminated_on.is_some_and(|end| end < p.start()) {
        return None;
    }
    let amount = discounted(t.amount_for(m.vv_level)?, m.id, t.id, p.start(), ex);
    (amount > 0).then(|| Planned {
        member_id: m.id,
        charge_type_id: t.id,
        kind: t.kind,
        period: p.code(),
        description: format!("{} за {}", t.name, p.label()),
        amount,
        due_on: p.due(t.due_day),
        key: format!("{}|{}|{}", m.id, t.id, p.code()),
    })
}

/// The entrance fee of `m` on `today`: once, for members admitted since the ledger is kept
/// (`charged` is what the ledger already charged of this type).
pub fn plan_entrance(
    t: &Tariff,
    m: &MemberTerms,
    charged: Kopecks,
    today: NaiveDate,
    ex: &[Exemption],
) -> Option<Planned> {
    let admitted = m.admitted_on?;
    let from = t.accrue_from?;
    if !matches!(m.status.as_str(), "member" | "suspended")
        || admitted > today
        || admitted < from
        || charged > 0
    {
        return None;
    }
    let amount = discounted(t.amount_for(m.vv_level)?, m.id, t.id, today, ex);
    (amount > 0).then(|| Planned {
        member_id: m.id,
        charge_type_id: t.id,
        kind: t.kind,
        period: String::new(),
        description: t.name.clone(),
        amount,
        due_on: today + chrono::Duration::days(i64::from(t.due_day)),
        key: format!("{}|{}|once", m.id, t.id),
    })
}

/// A compensation fund's contribution of `m`: `settled` is the level already settled (`None`
/// the first time the ledger sees the member: a member admitted before the ledger was kept
/// settled its level then, a newer one nothing). Returns the charge up to the current level —
/// the difference of the tariffs when the level was raised — and the settled level to keep.
pub fn plan_fund(
    t: &Tariff,
    m: &MemberTerms,
    settled: Option<i64>,
    today: NaiveDate,
    ex: &[Exemption],
) -> (Option<Planned>, Option<i64>) {
    let (Some(admitted), Some(from)) = (m.admitted_on, t.accrue_from) else {
        return (None, None);
    };
    let level = if t.kind == ChargeKind::KfVv {
        m.vv_level
    } else {
        m.odo_level
    };
    let (Some(level), true) = (level, matches!(m.status.as_str(), "member" | "suspended")) else {
        return (None, None);
    };
    if admitted > today {
        return (None, None);
    }
    let first = settled.is_none();
    let settled = settled.unwrap_or(if admitted < from { level } else { 0 });
    if level <= settled {
        return (None, first.then_some(settled));
    }
    let before = if settled > 0 {
        t.amount_for(Some(settled)).unwrap_or(0)
    } else {
        0
    };
    let Some(target) = t.amount_for(Some(level)) else {
        return (None, first.then_some(settled));
    };
    let amount = discounted(target - before, m.id, t.id, today, ex);
    let planned = (amount > 0).then(|| Planned {
        member_id: m.id,
        charge_type_id: t.id,
        kind: t.kind,
        period: String::new(),
        description: if settled > 0 {
            format!("{}: доплата до {} уровня ответственности", t.name, level)
        } else {
            format!("{} ({} уровень ответственности)", t.name, level)
        },
        amount,
        due_on: today + chrono::Duration::days(i64::from(t.due_day)),
        key: format!("{}|{}|L{}", m.id, t.id, level),
    });
    (planned, Some(level))
}

/// The periods of `kind` from the one holding `from` to the one holding `to`.
pub fn periods_between(kind: Periodicity, from: NaiveDate, to: NaiveDate) -> Vec<Period> {
    let (Some(mut p), Some(last)) = (Period::containing(kind, from), Period::containing(kind, to))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while p <= last && out.len() < 1200 {
        out.push(p);
        p = p.next();
    }
    out
}

/// A charge with what is still owed on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCharge {
    pub id: i64,
    pub kind: ChargeKind,
    pub period: String,
    pub due_on: NaiveDate,
    pub open: Kopecks,
}

pub use super::purpose::{Hints, read_purpose};

/// Spreads `amount` over the open charges: first those of the invoices named (`invoice`),
/// then those of the kind and period the purpose names, then of the kind, then the oldest
/// debt first. `open` is sorted by due date and is updated. Returns (charge id, amount).
pub fn allocate(
    open: &mut [OpenCharge],
    mut amount: Kopecks,
    hints: &Hints,
    invoice: &[i64],
) -> Vec<(i64, Kopecks)> {
    let mut out: Vec<(i64, Kopecks)> = Vec::new();
    let passes: [&dyn Fn(&OpenCharge) -> bool; 4] = [
        &|c| invoice.contains(&c.id),
        &|c| hints.kinds.contains(&c.kind) && hints.periods.contains(&c.period),
        &|c| hints.kinds.contains(&c.kind),
        &|_| true,
    ];
    for pass in passes {
        for c in open.iter_mut() {
            if amount <= 0 {
                return out;
            }
            if c.open > 0 && pass(c) {
                let take = c.open.min(amount);
                c.open -= take;
                amount -= take;
                match out.iter_mut().find(|(id, _)| *id == c.id) {
                    Some(o) => o.1 += take,
                    None => out.push((c.id, take)),
                }
            }
        }
    }
    out
}

/// Unspent money of a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    pub payment_id: i64,
    pub left: Kopecks,
}

/// Oldest money to the oldest debt: (payment id, charge id, amount). After it, a member never
/// has both a debt and unspent money.
pub fn settle(open: &mut [OpenCharge], credits: &mut [Credit]) -> Vec<(i64, i64, Kopecks)> {
    let mut out = Vec::new();
    let mut ci = 0;
    for c in credits.iter_mut() {
        while c.left > 0 && ci < open.len() {
            if open[ci].open <= 0 {
                ci += 1;
                continue;
            }
            let take = c.left.min(open[ci].open);
            c.left -= take;
            open[ci].open -= take;
            out.push((c.payment_id, open[ci].id, take));
        }
    }
    out
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
