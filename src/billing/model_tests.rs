use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn dues() -> Tariff {
    Tariff {
        id: 2,
        kind: ChargeKind::Membership,
        name: "Членский взнос".into(),
        periodicity: Periodicity::Quarter,
        amount: 15_000_00,
        levels: vec![],
        by_level: false,
        due_day: 20,
        accrue_from: Some(d("2024-01-01")),
    }
}

fn member(admitted: &str) -> MemberTerms {
    MemberTerms {
        id: 7,
        status: "member".into(),
        admitted_on: Some(d(admitted)),
        terminated_on: None,
        vv_level: Some(2),
        odo_level: None,
    }
}

#[test]
fn periods_parse_label_and_fall_due() {
    let q = Period::parse("2026-Q1").unwrap();
    assert_eq!(q.label(), "I квартал 2026 г.");
    assert_eq!(q.start(), d("2026-01-01"));
    assert_eq!(q.end(), d("2026-03-31"));
    assert_eq!(q.due(20), d("2026-01-20"));
    assert_eq!(q.next().code(), "2026-Q2");
    assert_eq!(Period::parse("2026-Q4").unwrap().next().code(), "2027-Q1");
    let m = Period::parse("2026-02").unwrap();
    assert_eq!(m.due(31), d("2026-02-28"));
    assert_eq!(m.label(), "февраль 2026 г.");
    assert_eq!(Period::parse("2026").unwrap().end(), d("2026-12-31"));
    for bad in ["2026-13", "2026-Q5", "26", "2026-1", "abcd", ""] {
        assert!(Period::parse(bad).is_none(), "{bad}");
    }
    assert_eq!(
        periods_between(Periodicity::Quarter, d("2025-11-05"), d("2026-04-01"))
            .iter()
            .map(Period::code)
            .collect::<Vec<_>>(),
        ["2025-Q4", "2026-Q1", "2026-Q2"]
    );
}

#[test]
fn dues_are_charged_for_every_period_of_membership_in_full() {
    let t = dues();
    let q1 = Period::parse("2026-Q1").unwrap();
    let p = plan_periodic(&t, &q1, &member("2026-03-31"), &[]).unwrap();
    assert_eq!(p.amount, 15_000_00);
    assert_eq!(p.description, "Членский взнос за I квартал 2026 г.");
    assert_eq!(p.key, "7|2|2026-Q1");
    assert!(plan_periodic(&t, &q1, &member("2026-04-01"), &[]).is_none());
    let mut gone = member("2020-01-01");
    gone.terminated_on = Some(d("2025-12-31"));
    assert!(plan_periodic(&t, &q1, &gone, &[]).is_none());
    gone.terminated_on = Some(d("2026-01-01"));
    assert!(plan_periodic(&t, &q1, &gone, &[]).is_some());
    // a 50 % discount; 100 % is an exemption: nothing is charged
    let mut ex = vec![Exemption {
        member_id: 7,
        charge_type_id: 2,
        percent: 50,
        valid_from: d("2026-01-01"),
        valid_to: None,
    }];
    assert_eq!(
        plan_periodic(&t, &q1, &member("2020-01-01"), &ex)
            .unwrap()
            .amount,
        7_500_00
    );
    ex[0].percent = 100;
    assert!(plan_periodic(&t, &q1, &member("2020-01-01"), &ex).is_none());
}

#[test]
fn a_raised_level_charges_the_difference() {
    let t = Tariff {
        id: 3,
        kind: ChargeKind::KfVv,
        name: "Взнос в КФ ВВ".into(),
        periodicity: Periodicity::Once,
        amount: 0,
        levels: vec![(1, 100_000_00), (2, 500_000_00)],
        by_level: true,
        due_day: 10,
        accrue_from: Some(d("2024-01-01")),
    };
    let today = d("2026-05-01");
    let mut m = member("2019-03-14");
    m.vv_level = Some(1);
    // admitted before the ledger: its level was settled then
    assert_eq!(plan_fund(&t, &m, None, today, &[]), (None, Some(1)));
    m.vv_level = Some(2);
    let (p, settled) = plan_fund(&t, &m, Some(1), today, &[]);
    let p = p.unwrap();
    assert_eq!((p.amount, settled), (400_000_00, Some(2)));
    assert_eq!(p.key, "7|3|L2");
    assert_eq!(p.due_on, d("2026-05-11"));
    assert!(p.description.contains("доплата до 2 уровня"));
    assert_eq!(plan_fund(&t, &m, Some(2), today, &[]), (None, None));
    // a lowered level is no refund
    m.vv_level = Some(1);
    assert_eq!(plan_fund(&t, &m, Some(2), today, &[]), (None, None));
    // a new member pays the whole contribution of its level
    let fresh = member("2026-04-01");
    let (p, settled) = plan_fund(&t, &fresh, None, today, &[]);
    assert_eq!((p.unwrap().amount, settled), (500_000_00, Some(2)));
    // the entrance fee: once, for members admitted since the ledger is kept
    let mut entrance = dues();
    entrance.kind = ChargeKind::Entrance;
    entrance.periodicity = Periodicity::Once;
    entrance.amount = 5_000_00;
    assert_eq!(
        plan_entrance(&entrance, &fresh, 0, today, &[])
            .unwrap()
            .amount,
        5_000_00
    );
    assert!(plan_entrance(&entrance, &fresh, 5_000_00, today, &[]).is_none());
    assert!(plan_entrance(&entrance, &member("2019-03-14"), 0, today, &[]).is_none());
}

#[test]
fn purposes_name_invoices_kinds_and_periods() {
    let h = read_purpose(
        "Оплата по счету СЧ-15/26 от 01.02.2026. Членский взнос за I кв. 2026 г., ИНН 7700123459, без НДС",
        "СЧ-",
    );
    assert_eq!(h.invoices, ["СЧ-15/26"]);
    assert_eq!(h.kinds, [ChargeKind::Membership]);
    assert_eq!(h.periods, ["2026-Q1"]);
    let h = read_purpose("Взнос в КФ ОДО 2 уровень", "СЧ-");
    assert_eq!(h.kinds, [ChargeKind::KfOdo]);
    assert!(h.periods.is_empty());
    let h = read_purpose("членские взносы за март и апрель 2026", "СЧ-");
    assert_eq!(h.periods, ["2026-03", "2026-04"]);
    assert_eq!(
        read_purpose("Членский взнос за 2025 год", "СЧ-").periods,
        ["2025"]
    );
    assert_eq!(
        read_purpose("за 3 квартал 2025", "СЧ-").periods,
        ["2025-Q3"]
    );
}

fn oc(id: i64, kind: ChargeKind, period: &str, due: &str, open: Kopecks) -> OpenCharge {
    OpenCharge {
        id,
        kind,
        period: period.into(),
        due_on: d(due),
        open,
    }
}

#[test]
fn a_payment_goes_where_its_purpose_says_then_to_the_oldest_debt() {
    let base = vec![
        oc(1, ChargeKind::Membership, "2026-Q1", "2026-01-20", 100),
        oc(2, ChargeKind::KfVv, "", "2026-02-01", 500),
        oc(3, ChargeKind::Membership, "2026-Q2", "2026-04-20", 100),
    ];
    let mut open = base.clone();
    let h = read_purpose("членский взнос за II квартал 2026", "СЧ-");
    assert_eq!(allocate(&mut open, 150, &h, &[]), [(3, 100), (1, 50)]);
    let mut open = base.clone();
    assert_eq!(
        allocate(&mut open, 550, &Hints::default(), &[]),
        [(1, 100), (2, 450)]
    );
    let mut open = base.clone();
    assert_eq!(
        allocate(&mut open, 100, &Hints::default(), &[2]),
        [(2, 100)]
    );
    let mut open = base;
    assert_eq!(
        allocate(&mut open, 1000, &Hints::default(), &[])
            .iter()
            .map(|a| a.1)
            .sum::<i64>(),
        700
    );
}

proptest! {
    /// The ledger's invariant on random histories: money is never created or lost, nothing is
    /// over-allocated, and after settling no member has both a debt and unspent money.
    #[test]
    fn allocation_keeps_the_ledger_whole(
        charges in proptest::collection::vec((1i64..5_000_00, 0usize..6), 0..12),
        payments in proptest::collection::vec((1i64..8_000_00, any::<bool>()), 0..12),
    ) {
        let kinds = ChargeKind::ALL;
        let mut open: Vec<OpenCharge> = charges
            .iter()
            .enumerate()
            .map(|(i, (a, k))| oc(i as i64 + 1, kinds[*k], "2026-Q1", "2026-01-20", *a))
            .collect();
        let total_charged: i64 = charges.iter().map(|c| c.0).sum();
        let mut credits = Vec::new();
        let mut allocated = 0;
        for (i, (amount, hinted)) in payments.iter().enumerate() {
            let hints = if *hinted { read_purpose("Членский взнос за I кв. 2026", "СЧ-") } else { Hints::default() };
            let got = allocate(&mut open, *amount, &hints, &[]);
            let used: i64 = got.iter().map(|g| g.1).sum();
            prop_assert!(used <= *amount && got.iter().all(|g| g.1 > 0));
            allocated += used;
            credits.push(Credit { payment_id: i as i64, left: amount - used });
        }
        allocated += settle(&mut open, &mut credits).iter().map(|s| s.2).sum::<i64>();
        let total_paid: i64 = payments.iter().map(|p| p.0).sum();
        let debt: i64 = open.iter().map(|c| c.open).sum();
        let credit: i64 = credits.iter().map(|c| c.left).sum();
        prop_assert!(open.iter().all(|c| c.open >= 0) && credits.iter().all(|c| c.left >= 0));
        prop_assert_eq!(debt - credit, total_charged - total_paid);
        prop_assert_eq!(allocated, total_charged - debt);
        prop_assert!(debt == 0 || credit == 0);
    }
}
