//! What the ledger's pages show of its rows: Russian dates and sums, days overdue, where each
//! payment went.

use chrono::{Datelike, NaiveDate};

use crate::billing::ledger::Ledger;
use crate::billing::model::ChargeKind;
use crate::fmt;
use crate::web::list::Opt;

pub struct ChargeView {
    pub id: i64,
    pub description: String,
    pub charged_on: String,
    pub due_on: String,
    pub due_iso: String,
    pub amount: String,
    pub open: String,
    pub is_open: bool,
    /// «просрочено на 12 дн.», empty when not overdue.
    pub overdue: String,
    pub reversal: bool,
    pub reversed: bool,
    pub reason: String,
}

pub struct AllocationView {
    pub description: String,
    pub amount: String,
    pub note: String,
}

pub struct PaymentView {
    pub id: i64,
    pub paid_on: String,
    pub paid_iso: String,
    pub document: String,
    pub purpose: String,
    pub amount: String,
    pub left: String,
    pub has_left: bool,
    pub source: &'static str,
    pub reversal: bool,
    pub reversed: bool,
    pub reason: String,
    pub allocations: Vec<AllocationView>,
}

/// The summary line and the pages' tables, filtered by year (of the date) and kind.
pub struct LedgerView {
    pub debt: String,
    pub has_debt: bool,
    pub overdue: String,
    pub has_overdue: bool,
    pub credit: String,
    pub has_credit: bool,
    pub charges: Vec<ChargeView>,
    pub payments: Vec<PaymentView>,
    pub open: Vec<ChargeView>,
    pub years: Vec<Opt>,
    pub kinds: Vec<Opt>,
}

pub fn overdue_text(due: NaiveDate, today: NaiveDate) -> String {
    let days = (today - due).num_days();
    if days > 0 {
        format!("просрочено на {days} дн.")
    } else {
        String::new()
    }
}

pub fn ledger_view(
    l: &Ledger,
    today: NaiveDate,
    year: Option<i32>,
    kind: Option<ChargeKind>,
) -> LedgerView {
    let reversed_charges: Vec<i64> = l.charges.iter().filter_map(|c| c.reverses_id).collect();
    let reversed_payments: Vec<i64> = l.payments.iter().filter_map(|p| p.reverses_id).collect();
    let charge = |c: &crate::billing::ChargeRow| ChargeView {
        id: c.id,
        description: c.description.clone(),
        charged_on: fmt::date(&c.charged_on),
        due_on: fmt::date(&c.due_on),
        due_iso: c.due_on.to_string(),
        amount: fmt::rubles(c.amount),
        open: fmt::rubles(c.open()),
        is_open: c.open() > 0,
        overdue: if c.open() > 0 {
            overdue_text(c.due_on, today)
        } else {
            String::new()
        },
        reversal: c.reverses_id.is_some(),
        reversed: reversed_charges.contains(&c.id),
        reason: c.reason.clone(),
    };
    let mut years: Vec<i32> = l
        .charges
        .iter()
        .map(|c| c.charged_on.year())
        .chain(l.payments.iter().map(|p| p.paid_on.year()))
        .collect();
    years.sort_unstable();
    years.dedup();
    years.reverse();
    let year_s = year.map(|y| y.to_string()).unwrap_or_default();
    let kind_s = kind.map(|k| k.code()).unwrap_or_default();
    let charges: Vec<ChargeView> = l
        .charges
        .iter()
        .filter(|c| year.is_none_or(|y| c.charged_on.year() == y))
        .filter(|c| kind.is_none_or(|k| c.kind == k.code()))
        .rev()
        .map(charge)
        .collect();
    let payments = l
        .payments
        .iter()
        .filter(|p| year.is_none_or(|y| p.paid_on.year() == y))
        .rev()
        .map(|p| PaymentView {
            id: p.id,
            paid_on: fmt::date(&p.paid_on),
            paid_iso: p.paid_on.to_string(),
            document: match (p.source.as_str(), p.doc_number.is_empty()) {
                (_, true) => "—".into(),
                ("bank", _) => format!("п/п № {}", p.doc_number),
                _ => p.doc_number.clone(),
            },
            purpose: p.purpose.clone(),
            amount: fmt::rubles(p.amount),
            left: fmt::rubles(p.left()),
            has_left: p.left() > 0,
            source: if p.source == "bank" {
                "банк"
            } else {
                "вручную"
            },
            reversal: p.reverses_id.is_some(),
            reversed: reversed_payments.contains(&p.id),
            reason: p.reason.clone(),
            allocations: l
                .allocations
                .iter()
                .filter(|a| a.payment_id == p.id)
                .map(|a| AllocationView {
                    description: a.description.clone(),
                    amount: fmt::rubles(a.amount),
                    note: a.reason.clone(),
                })
                .collect(),
        })
        .collect();
    let year_items: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    LedgerView {
        debt: fmt::rubles(l.debt),
        has_debt: l.debt > 0,
        overdue: fmt::rubles(l.overdue),
        has_overdue: l.overdue > 0,
        credit: fmt::rubles(l.credit),
        has_credit: l.credit > 0,
        charges,
        payments,
        open: l.open().map(charge).collect(),
        years: crate::web::list::options_with_all(
            "Все годы",
            year_items.iter().map(|y| (y.as_str(), y.as_str())),
            &year_s,
        ),
        kinds: crate::web::list::options_with_all(
            "Все виды",
            ChargeKind::ALL.iter().map(|k| (k.code(), k.label())),
            kind_s,
        ),
    }
}
