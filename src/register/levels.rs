//! The liability levels of the compensation funds (`domain.md` §2): limits and minimal
//! contributions per level, by the kind of SRO and the date (the builders' threshold moved on
//! 15.08.2023). Pure: no I/O.

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::SroKind;
use crate::fmt::group_digits as group;

/// A liability level of a compensation fund (`domain.md` §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level {
    pub number: i64,
    /// «первый»
    pub ordinal: &'static str,
    /// Upper limit in roubles; `None` for the top level («… и более»).
    pub limit_rub: Option<i64>,
    /// Lower limit of the top level in roubles.
    pub from_rub: i64,
    pub min_contribution_rub: i64,
}

impl Level {
    /// «не превышает 90 000 000 рублей» / «составляет 10 000 000 000 рублей и более».
    pub fn limit_text(&self) -> String {
        match self.limit_rub {
            Some(l) => format!("не превышает {} рублей", group(l)),
            None => format!("составляет {} рублей и более", group(self.from_rub)),
        }
    }
}

/// Which fund a level belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fund {
    /// КФ возмещения вреда: the cost of work under one contract.
    Vv,
    /// КФ обеспечения договорных обязательств: total obligations under competitive contracts.
    Odo,
}

const ORDINALS: [&str; 5] = ["первый", "второй", "третий", "четвертый", "пятый"];

/// Since 15.08.2023 (435-FZ) the builders' first level is 90 million roubles; it was 60.
pub fn builders_threshold_change() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 8, 15).expect("valid date")
}

/// The levels of `fund` for an SRO of `kind`, as the law has them on date `on`.
pub fn levels(kind: SroKind, fund: Fund, on: NaiveDate) -> Vec<Level> {
    // (limit in roubles, minimal contribution in roubles); the last limit opens the top level
    let table: &[(i64, i64)] = match (kind, fund) {
        (SroKind::Builders, Fund::Vv) => &[
            (90_000_000, 100_000),
            (500_000_000, 500_000),
            (3_000_000_000, 1_500_000),
            (10_000_000_000, 2_000_000),
            (10_000_000_000, 5_000_000),
        ],
        (SroKind::Builders, Fund::Odo) => &[
            (90_000_000, 200_000),
            (500_000_000, 2_500_000),
            (3_000_000_000, 4_500_000),
            (10_000_000_000, 7_000_000),
            (10_000_000_000, 25_000_000),
        ],
        (_, Fund::Vv) => &[
            (25_000_000, 50_000),
            (50_000_000, 150_000),
            (300_000_000, 500_000),
            (300_000_000, 1_000_000),
        ],
        (_, Fund::Odo) => &[
            (25_000_000, 150_000),
            (50_000_000, 350_000),
            (300_000_000, 2_500_000),
            (300_000_000, 3_500_000),
        ],
    };
    let n = table.len();
    table
        .iter()
        .enumerate()
        .map(|(i, &(limit, min))| {
            let limit = if kind == SroKind::Builders && i == 0 && on < builders_threshold_change() {
                60_000_000
            } else {
                limit
            };
            Level {
                number: i as i64 + 1,
                ordinal: ORDINALS[i],
                limit_rub: (i + 1 < n).then_some(limit),
                from_rub: limit,
                min_contribution_rub: min,
            }
        })
        .collect()
}

pub fn level(kind: SroKind, fund: Fund, number: i64, on: NaiveDate) -> Option<Level> {
    levels(kind, fund, on)
        .into_iter()
        .find(|l| l.number == number)
}
