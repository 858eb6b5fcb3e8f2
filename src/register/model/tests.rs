//! The register's rules, levels and changes, checked.

use super::*;
use crate::register::levels::{builders_threshold_change, level};
use tests_support::sample;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

#[test]
fn a_valid_entry_passes() {
    assert_eq!(sample().check(SroKind::Builders, today()), vec![]);
}

#[test]
fn levels_follow_the_kind_of_sro() {
    assert_eq!(levels(SroKind::Builders, Fund::Vv, today()).len(), 5);
    assert_eq!(levels(SroKind::Designers, Fund::Odo, today()).len(), 4);
    let mut e = sample();
    e.vv_level = Some(5);
    e.vv_contribution = 5_000_000 * 100;
    assert!(e.check(SroKind::Builders, today()).is_empty());
    let errs = e.check(SroKind::Designers, today());
    assert_eq!(errs[0].field, "vv_level");
    assert!(errs[0].message.contains("с 1 по 4"), "{}", errs[0].message);
}

#[test]
fn the_90_million_threshold_since_15_08_2023() {
    let before = NaiveDate::from_ymd_opt(2023, 8, 14).unwrap();
    assert_eq!(
        level(SroKind::Builders, Fund::Vv, 1, before)
            .unwrap()
            .limit_rub,
        Some(60_000_000)
    );
    let l = level(SroKind::Builders, Fund::Vv, 1, builders_threshold_change()).unwrap();
    assert_eq!(l.limit_text(), "не превышает 90\u{a0}000\u{a0}000 рублей");
    let top = level(SroKind::Builders, Fund::Odo, 5, today()).unwrap();
    assert_eq!(top.limit_rub, None);
    assert!(top.limit_text().contains("и более"));
    assert_eq!(
        level(SroKind::Designers, Fund::Vv, 1, today())
            .unwrap()
            .limit_rub,
        Some(25_000_000)
    );
}

#[test]
fn a_contribution_below_the_minimum_is_refused() {
    let mut e = sample();
    e.vv_level = Some(2);
    let errs = e.check(SroKind::Builders, today());
    assert_eq!(errs[0].field, "vv_contribution");
    assert!(
        errs[0].message.contains("500\u{a0}000"),
        "{}",
        errs[0].message
    );
}

#[test]
fn bad_inn_and_dates_in_the_wrong_order_are_refused() {
    let mut e = sample();
    e.inn = "7700123450".into();
    e.status = MembershipStatus::Excluded;
    e.terminated_on = NaiveDate::from_ymd_opt(2019, 1, 1);
    let errs = e.check(SroKind::Builders, today());
    let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
    assert!(fields.contains(&"inn"));
    assert!(fields.contains(&"terminated_on"));
    assert!(fields.contains(&"termination_reason"));
    assert!(errs.iter().any(|e| e.message.contains("раньше начала")));
}

#[test]
fn an_entrepreneur_needs_an_ogrnip() {
    let mut e = sample();
    e.inn = "770012345606".into();
    let errs = e.check(SroKind::Builders, today());
    assert_eq!(errs[0].field, "ogrn");
    e.ogrn = "304770012345674".into();
    assert!(e.check(SroKind::Builders, today()).is_empty());
}

#[test]
fn changes_name_each_field_and_list_item() {
    let old = Snapshot {
        entry: sample(),
        policies: vec![],
        inspections: vec![],
        measures: vec![],
    };
    let mut new = old.clone();
    new.entry.vv_level = Some(2);
    new.entry.vv_contribution = 500_000 * 100;
    new.inspections.push(Inspection {
        finished_on: today(),
        kind: "плановая".into(),
        result: "нарушений нет".into(),
    });
    let c = changes(&old, &new);
    assert_eq!(c.len(), 3);
    assert_eq!(c[0].field, "Уровень ответственности КФ ВВ");
    assert_eq!((c[0].old.as_str(), c[0].new.as_str()), ("1", "2"));
    assert_eq!(c[2].field, "Проверка");
    assert!(changes(&old, &old).is_empty());
}
