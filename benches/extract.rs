//! How long one extract PDF takes: the typst engine is built once (fonts and templates loaded
//! once), then `RUNS` extracts of one entry are rendered, each with its own number and QR code.
//! Prints the median and the 90th percentile. `cargo bench --bench extract`.

use std::time::Instant;

use chrono::NaiveDate;
use kabinet::config::Settings;
use kabinet::documents::Documents;
use kabinet::register::extract;
use kabinet::register::extract::extract_number;
use kabinet::register::model::{Entry, Inspection, MembershipStatus, Policy, Snapshot};

const RUNS: usize = 200;

fn main() {
    let settings = Settings::load(std::path::Path::new("config/poso.toml")).expect("config");
    let started = Instant::now();
    let documents = Documents::new().expect("engine");
    let engine_ms = started.elapsed().as_secs_f64() * 1000.0;
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
    let snapshot = Snapshot {
        entry: Entry {
            full_name: "Общество с ограниченной ответственностью «Ромашка-Строй»".into(),
            short_name: "ООО «Ромашка-Строй»".into(),
            inn: "7700123459".into(),
            ogrn: "1027700123450".into(),
            kpp: Some("770001001".into()),
            legal_address: "123100, г. Москва, ул. Вымышленная, д. 7, офис 12".into(),
            actual_address: String::new(),
            head_name: "Лебедев Андрей Николаевич".into(),
            head_position: "Генеральный директор".into(),
            phone: "+7 (495) 000-12-34".into(),
            email: String::new(),
            site: String::new(),
            register_number: Some("1".into()),
            status: MembershipStatus::Member,
            admitted_on: d(2019, 3, 14),
            admission_decision_number: "12".into(),
            admission_decision_date: d(2019, 3, 5),
            admission_effective_on: d(2019, 3, 14),
            terminated_on: None,
            termination_reason: String::new(),
            suspended_from: None,
            suspended_until: None,
            suspension_reason: String::new(),
            right_ordinary_from: d(2019, 3, 14),
            right_dangerous_from: None,
            right_nuclear_from: None,
            vv_level: Some(2),
            vv_contribution: 500_000 * 100,
            odo_level: Some(1),
            odo_contribution: 200_000 * 100,
            odo_obligations: 12_500_000 * 100,
            odo_obligations_on: None,
        },
        policies: vec![Policy {
            insurer: "АО «Страховая компания «Пример»".into(),
            contract: "СП-2026/0457".into(),
            sum_insured: 10_000_000 * 100,
            valid_from: d(2026, 1, 1).unwrap(),
            valid_to: d(2026, 12, 31).unwrap(),
        }],
        inspections: vec![Inspection {
            finished_on: d(2026, 4, 17).unwrap(),
            kind: "плановая".into(),
            result: "нарушений не выявлено".into(),
        }],
        measures: vec![],
    };
    let mut times = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    for i in 0..RUNS {
        let number = extract_number(
            2026,
            (i as u64 * 7919).to_be_bytes()[3..].try_into().unwrap(),
        );
        let at = chrono::Utc::now();
        let t = Instant::now();
        let doc = extract::document(&settings, &snapshot, &number, at, "ООО «Ромашка-Строй»");
        let pdf = extract::render(&documents, &doc, at).expect("render");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        bytes = pdf.len();
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("engine start-up: {engine_ms:.0} ms (once)");
    println!(
        "extract PDF ({RUNS} runs, {} KB each): min {:.1} ms, median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        bytes / 1024,
        times[0],
        times[RUNS / 2],
        times[RUNS * 9 / 10],
        times[RUNS - 1]
    );
}
