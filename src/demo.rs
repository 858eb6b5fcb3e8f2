//! Fictional demo data: three member companies with users, and the SRO's staff.
//! All names, requisites (valid check digits) and addresses are invented.

use chrono::{Datelike, NaiveDate};

use crate::audit::Actor;
use crate::auth::service::{self as auth, MemberUserForCreate};
use crate::auth::{MemberRole, StaffRole};
use crate::core::Core;
use crate::register::model::{Entry, Inspection, Measure, MembershipStatus, Policy, Snapshot};
use crate::register::service as register;
use crate::requisites::{Email, Inn, Kpp, Ogrn};

pub struct DemoLogin {
    pub who: &'static str,
    pub login: &'static str,
    pub password: &'static str,
}

/// The logins the demo creates; printed at start.
pub fn logins() -> Vec<DemoLogin> {
    vec![
        DemoLogin {
            who: "член СРО, руководитель",
            login: "director@romashka-stroy.example",
            password: "Romashka-2026!",
        },
        DemoLogin {
            who: "  тот же вход по ИНН",
            login: "7700123459",
            password: "Romashka-2026!",
        },
        DemoLogin {
            who: "член СРО, бухгалтер",
            login: "buh@romashka-stroy.example",
            password: "Romashka-Buh-2026!",
        },
        DemoLogin {
            who: "член СРО (второй)",
            login: "info@vektor-proekt.example",
            password: "Vektor-2026!",
        },
        DemoLogin {
            who: "ИП (членство приостановлено)",
            login: "petrov@ip-petrov.example",
            password: "Petrov-2026!",
        },
        DemoLogin {
            who: "эксперт СРО",
            login: "expert@sro.example",
            password: "Expert-2026!",
        },
        DemoLogin {
            who: "регистратор СРО",
            login: "registrar@sro.example",
            password: "Registrar-2026!",
        },
        DemoLogin {
            who: "бухгалтер СРО",
            login: "accountant@sro.example",
            password: "Accountant-2026!",
        },
        DemoLogin {
            who: "администратор СРО",
            login: "admin@sro.example",
            password: "Admin-2026!",
        },
    ]
}

/// A demo company: its requisites and who curates it; the rest of its entry is defaulted.
struct Company {
    full_name: String,
    short_name: String,
    inn: Inn,
    ogrn: Ogrn,
    kpp: Option<Kpp>,
    legal_address: String,
    actual_address: String,
    head_name: String,
    head_position: String,
    phone: String,
    email: String,
    site: String,
    register_number: Option<String>,
    status: MembershipStatus,
    admitted_on: Option<NaiveDate>,
    expert_id: Option<i64>,
}

impl Company {
    fn entry(&self) -> Entry {
        Entry {
            full_name: self.full_name.clone(),
            short_name: self.short_name.clone(),
            inn: self.inn.to_string(),
            ogrn: self.ogrn.to_string(),
            kpp: self.kpp.as_ref().map(|k| k.to_string()),
            legal_address: self.legal_address.clone(),
            actual_address: self.actual_address.clone(),
            head_name: self.head_name.clone(),
            head_position: self.head_position.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            site: self.site.clone(),
            register_number: self.register_number.clone(),
            status: self.status,
            admitted_on: self.admitted_on,
            admission_decision_number: String::new(),
            admission_decision_date: None,
            admission_effective_on: self.admitted_on,
            terminated_on: None,
            termination_reason: String::new(),
            suspended_from: None,
            suspended_until: None,
            suspension_reason: String::new(),
            right_ordinary_from: self.admitted_on,
            right_dangerous_from: None,
            right_nuclear_from: None,
            vv_level: None,
            vv_contribution: 0,
            odo_level: None,
            odo_contribution: 0,
            odo_obligations: 0,
            odo_obligations_on: None,
        }
    }
}

fn email(s: &str) -> Email {
    Email::parse(s).expect("demo e-mails are valid")
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Load the demo into an empty database; `None` when there are members already.
pub async fn load_if_empty(core: &Core) -> anyhow::Result<Option<Vec<DemoLogin>>> {
    let db = &core.db;
    if register::count(db).await? > 0 {
        return Ok(None);
    }
    let actor = Actor::system("demo-data");
    let staff = [
        (
            StaffRole::Expert,
            "expert@sro.example",
            "Смирнова Анна Викторовна",
            "Expert-2026!",
        ),
        (
            StaffRole::Registrar,
            "registrar@sro.example",
            "Кузнецов Олег Петрович",
            "Registrar-2026!",
        ),
        (
            StaffRole::Accountant,
            "accountant@sro.example",
            "Белова Ирина Сергеевна",
            "Accountant-2026!",
        ),
        (
            StaffRole::Admin,
            "admin@sro.example",
            "Орлов Дмитрий Андреевич",
            "Admin-2026!",
        ),
    ];
    let mut expert_id = None;
    for (role, mail, name, password) in staff {
        let id = auth::create_staff(db, role, &email(mail), name, password, &actor).await?;
        if role == StaffRole::Expert {
            expert_id = Some(id);
        }
    }
    let companies = [
        Company {
            full_name: "Общество с ограниченной ответственностью «Ромашка-Строй»".into(),
            short_name: "ООО «Ромашка-Строй»".into(),
            inn: Inn::parse("7700123459")?,
            ogrn: Ogrn::parse("1027700123450")?,
            kpp: Some(Kpp::parse("770001001")?),
            legal_address: "123100, г. Москва, ул. Вымышленная, д. 7, офис 12".into(),
            actual_address: "123100, г. Москва, ул. Вымышленная, д. 7, офис 12".into(),
            head_name: "Лебедев Андрей Николаевич".into(),
            head_position: "Генеральный директор".into(),
            phone: "+7 (495) 000-12-34".into(),
            email: "office@romashka-stroy.example".into(),
            site: String::new(),
            register_number: Some("1".into()),
            status: MembershipStatus::Member,
            admitted_on: date(2019, 3, 14),
            expert_id,
        },
        Company {
            full_name: "Общество с ограниченной ответственностью «Вектор Проект»".into(),
            short_name: "ООО «Вектор Проект»".into(),
            inn: Inn::parse("5000987650")?,
            ogrn: Ogrn::complete("102500098765"),
            kpp: Some(Kpp::parse("500001001")?),
            legal_address: "141000, Московская обл., г. Условный, пр-т Примерный, д. 3".into(),
            actual_address: "141000, Московская обл., г. Условный, пр-т Примерный, д. 3".into(),
            head_name: "Соколова Мария Игоревна".into(),
            head_position: "Директор".into(),
            phone: "+7 (496) 000-56-78".into(),
            email: "info@vektor-proekt.example".into(),
            site: String::new(),
            register_number: Some("2".into()),
            status: MembershipStatus::Member,
            admitted_on: date(2021, 9, 1),
            expert_id,
        },
        Company {
            full_name: "Индивидуальный предприниматель Петров Сергей Иванович".into(),
            short_name: "ИП Петров С. И.".into(),
            inn: Inn::parse("770012345606")?,
            ogrn: Ogrn::parse("304770012345674")?,
            kpp: None,
            legal_address: String::new(),
            actual_address: "г. Москва, ул. Тестовая, д. 15".into(),
            head_name: "Петров Сергей Иванович".into(),
            head_position: "Индивидуальный предприниматель".into(),
            phone: "+7 (900) 000-00-01".into(),
            email: "petrov@ip-petrov.example".into(),
            site: String::new(),
            register_number: Some("3".into()),
            status: MembershipStatus::Suspended,
            admitted_on: date(2020, 6, 10),
            expert_id: None,
        },
    ];
    // Admitted through the register, so each entry starts its history at version 1.
    let decisions = [
        ("12", date(2019, 3, 5)),
        ("31", date(2021, 8, 25)),
        ("18", date(2020, 6, 2)),
    ];
    let mut entries = Vec::new();
    for (c, (number, decided)) in companies.iter().zip(decisions) {
        let suspended = c.status == MembershipStatus::Suspended;
        let odo = c.inn.as_str() == "7700123459";
        let entry = Entry {
            admission_decision_number: number.into(),
            admission_decision_date: decided,
            suspended_from: suspended.then(|| date(2026, 10, 1)).flatten(),
            suspended_until: suspended.then(|| date(2026, 12, 31)).flatten(),
            suspension_reason: if suspended {
                "Решение Дисциплинарной комиссии № 4 от 28.09.2026".into()
            } else {
                String::new()
            },
            // contributions that meet the first level of either kind of SRO
            vv_level: Some(1),
            vv_contribution: 100_000 * 100,
            odo_level: odo.then_some(1),
            odo_contribution: if odo { 200_000 * 100 } else { 0 },
            odo_obligations: if odo { 12_500_000 * 100 } else { 0 },
            odo_obligations_on: if odo { date(2026, 11, 1) } else { None },
            ..c.entry()
        };
        let mut snapshot = Snapshot::of(entry);
        if suspended {
            snapshot.measures.push(Measure {
                decided_on: date(2026, 9, 28).expect("valid date"),
                measure: "Приостановление права осуществлять строительство".into(),
                reason: "Решение Дисциплинарной комиссии № 4 от 28.09.2026".into(),
            });
        }
        entries.push((snapshot, c.expert_id));
    }
    let ids = register::admit_many(
        core,
        entries,
        "Внесение сведений в реестр (демо-данные)",
        &actor,
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo register entries: {e:?}"))?;
    register::change(
        core,
        ids[0],
        1,
        "Договор страхования и плановая проверка 2026 года",
        &actor,
        |s| {
            s.policies.push(Policy {
                insurer: "АО «Страховая компания «Пример»".into(),
                contract: "СП-2026/0457".into(),
                sum_insured: 10_000_000 * 100,
                valid_from: date(2026, 1, 1).expect("valid date"),
                valid_to: date(2026, 12, 31).expect("valid date"),
            });
            s.inspections.push(Inspection {
                finished_on: date(2026, 4, 17).expect("valid date"),
                kind: "плановая выездная".into(),
                result: "нарушений не выявлено".into(),
            });
            Ok(())
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo register change: {e:?}"))?;
    let users = [
        (
            ids[0],
            MemberRole::Head,
            "director@romashka-stroy.example",
            "Лебедев Андрей Николаевич",
            "Генеральный директор",
            "Romashka-2026!",
        ),
        (
            ids[0],
            MemberRole::Accountant,
            "buh@romashka-stroy.example",
            "Зайцева Ольга Михайловна",
            "Главный бухгалтер",
            "Romashka-Buh-2026!",
        ),
        (
            ids[1],
            MemberRole::Head,
            "info@vektor-proekt.example",
            "Соколова Мария Игоревна",
            "Директор",
            "Vektor-2026!",
        ),
        (
            ids[2],
            MemberRole::Head,
            "petrov@ip-petrov.example",
            "Петров Сергей Иванович",
            "Индивидуальный предприниматель",
            "Petrov-2026!",
        ),
    ];
    for (member_id, role, mail, name, position, password) in users {
        let e = email(mail);
        let u = MemberUserForCreate {
            member_id,
            role,
            email: &e,
            full_name: name,
            position,
            phone: "",
            password,
        };
        auth::create_member_user(db, &u, &actor).await?;
    }
    // The report for 2026, due by 1 March 2027 (the usual deadline, domain.md §3).
    crate::reports::service::create_campaign(
        db,
        &actor,
        2026,
        date(2027, 3, 1).expect("valid date"),
    )
    .await?;
    demo_money(core, &ids).await?;
    Ok(Some(logins()))
}

/// The year's dues charged, and one bank statement: «Ромашка-Строй» has paid three quarters,
/// «Вектор Проект» one, and a payment with a mistyped INN waits in «Неразнесенные».
async fn demo_money(core: &Core, ids: &[i64]) -> anyhow::Result<()> {
    use crate::billing::statement::{Encoding, compose};
    crate::billing::tariffs::seed(core).await?;
    crate::billing::accrual::run_due(core).await?;
    let sro = &core.settings.sro;
    if sro.account.is_empty() || ids.len() < 2 {
        return Ok(());
    }
    let day = |m, d| date(2026, m, d).expect("valid date");
    let docs = vec![
        (
            "214".to_string(),
            day(7, 15),
            45_000_00,
            "ООО «Ромашка-Строй»".to_string(),
            "7700123459".to_string(),
            "40702810900000000001".to_string(),
            "Членские взносы за I, II и III кв. 2026 г. Без НДС".to_string(),
        ),
        (
            "88".to_string(),
            day(1, 19),
            15_000_00,
            "ООО «Вектор Проект»".to_string(),
            "5000987650".to_string(),
            "40702810900000000002".to_string(),
            "Членский взнос за I квартал 2026 г. Без НДС".to_string(),
        ),
        (
            "97".to_string(),
            day(11, 24),
            15_000_00,
            "ООО «Ромашка-Строй»".to_string(),
            "7700123450".to_string(),
            "40702810900000000003".to_string(),
            "Членский взнос за IV кв. 2026 г.".to_string(),
        ),
    ];
    let bytes = compose(Encoding::Windows, true, &sro.account, &docs);
    crate::billing::import::import(
        core,
        &Actor::system("demo-data"),
        "kl_to_1c.txt",
        None,
        std::io::Cursor::new(bytes),
        false,
        &|_| {},
    )
    .await?;
    Ok(())
}

/// Years of monthly charges and payments of the first demo company, through the ledger's own
/// use cases (the payments page benchmark: «5 years of history»).
pub async fn generate_history(core: &Core, years: u32) -> anyhow::Result<()> {
    use crate::billing::ledger::{self, ManualCharge, ManualPayment};
    use crate::billing::model::{ChargeKind, Period, Periodicity};
    let member: i64 = crate::on_db!(&core.db, p => sqlx::query_scalar("SELECT id FROM members WHERE inn = '7700123459'")
        .fetch_one(p)
        .await?);
    let actor = Actor::system("demo-data");
    let today = core.today();
    let from = date(today.year() - years as i32, 1, 1).expect("valid date");
    for p in crate::billing::model::periods_between(Periodicity::Month, from, today) {
        let p: Period = p;
        let c = ManualCharge {
            charge_type_id: None,
            kind: ChargeKind::Membership,
            description: format!("Членский взнос за {}", p.label()),
            period: p.code(),
            amount: 5_000_00,
            due_on: p.due(20),
        };
        ledger::add_charge(core, &actor, member, &c).await?;
        let pay = ManualPayment {
            amount: 5_000_00,
            paid_on: p.due(15).min(today),
            doc_number: format!("ПП {}", p.code()),
            purpose: format!("Членский взнос за {}", p.label()),
        };
        ledger::add_payment(core, &actor, member, &pay).await?;
    }
    Ok(())
}

/// Bulk member companies for benchmarks: valid requisites, one user each
/// (`member<N>@bench.example`, password `Bench-2026!`), inserted in large transactions.
pub async fn generate_members(core: &Core, count: u32) -> anyhow::Result<()> {
    let db = &core.db;
    let start = register::count(db).await? as u32;
    let hash = crate::auth::model::hash_password("Bench-2026!");
    let actor = Actor::system("demo-data");
    let mut batch = Vec::with_capacity(1000);
    for i in start..start + count {
        let n = i + 1;
        batch.push(Company {
            full_name: format!("Общество с ограниченной ответственностью «Тестовая компания {n}»"),
            short_name: format!("ООО «Тестовая компания {n}»"),
            inn: Inn::complete(&format!("63{n:07}")),
            ogrn: Ogrn::complete(&format!("10263{n:07}")),
            kpp: Some(Kpp::parse("631501001")?),
            legal_address: format!("443000, г. Самара, ул. Условная, д. {}", n % 300 + 1),
            actual_address: String::new(),
            head_name: "Иванов Иван Иванович".into(),
            head_position: "Директор".into(),
            phone: String::new(),
            email: format!("member{n}@bench.example"),
            site: String::new(),
            register_number: Some(format!("Т-{n}")),
            status: if n % 20 == 0 {
                MembershipStatus::Excluded
            } else {
                MembershipStatus::Member
            },
            admitted_on: date(2018 + (n % 8) as i32, n % 12 + 1, n % 28 + 1),
            expert_id: None,
        });
        if batch.len() == 1000 || i + 1 == start + count {
            let entries: Vec<Entry> = batch.iter().map(Company::entry).collect();
            let ids = register::create_bulk(db, &entries, &actor).await?;
            let users: Vec<(i64, String, String)> = ids
                .iter()
                .zip(&batch)
                .map(|(id, m)| (*id, m.email.clone(), m.head_name.clone()))
                .collect();
            auth::create_member_heads_bulk(db, &users, &hash, &actor).await?;
            batch.clear();
        }
    }
    Ok(())
}

/// Sent letters of the first demo company for the journal benchmark.
pub async fn generate_items(core: &Core, count: u32) -> anyhow::Result<()> {
    let member_id: i64 = crate::on_db!(&core.db, p => sqlx::query_scalar("SELECT id FROM members WHERE inn = '7700123459'")
        .fetch_one(p)
        .await?);
    let user_id: i64 = crate::on_db!(&core.db, p => sqlx::query_scalar("SELECT id FROM users WHERE email = 'director@romashka-stroy.example'")
        .fetch_one(p)
        .await?);
    crate::exchange::bench::generate_sent_letters(core, member_id, user_id, count).await
}

/// Printable forms as templates of the newest campaign's sections that have none, so the
/// demo shows step 3 of the manual («в каждом разделе прикреплен соответствующий шаблон»).
pub async fn attach_templates(state: &Core) -> anyhow::Result<()> {
    use crate::reports::service as r;
    let Some(campaign) = r::latest_campaign(&state.db).await? else {
        return Ok(());
    };
    let existing = r::templates(&state.db, campaign.id).await?;
    let actor = Actor::system("demo-data");
    let sections: Vec<_> = r::sections(&state.db, campaign.id)
        .await?
        .into_iter()
        .filter(|s| !s.retired)
        .collect();
    for (i, section) in sections.iter().enumerate() {
        if existing.iter().any(|t| t.section_id == section.id) {
            continue;
        }
        let form = crate::documents::SectionForm {
            sro_name: state.settings.sro.short_name.clone(),
            sro_full_name: state.settings.sro.name.clone(),
            campaign: campaign.title.clone(),
            year: campaign.year,
            number: i + 1,
            title: section.title.clone(),
            description: section.description.clone(),
        };
        let docs = state.documents.clone();
        let pdf = tokio::task::spawn_blocking(move || {
            docs.render(crate::documents::Template::SectionForm, &form)
        })
        .await??;
        // «заполнить недостающие сведения»: a workbook to fill in, beside the printable form.
        let book = crate::reports::forms::fillable(i + 1, &section.title, &section.description)?;
        for (bytes, name, media) in [
            (
                pdf,
                format!("Раздел {} — форма.pdf", i + 1),
                "application/pdf",
            ),
            (
                book,
                format!("Раздел {} — форма для заполнения.xlsx", i + 1),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        ] {
            let staged = state.storage.put_small(bytes::Bytes::from(bytes)).await?;
            let upload = crate::files::Upload {
                staged,
                name,
                media_type: media.into(),
                lease: None,
            };
            crate::reports::service::add_template(
                &state.db,
                &state.storage,
                &actor,
                section.id,
                &upload,
                None,
            )
            .await
            .map_err(|e| anyhow::anyhow!("attaching a demo template: {e}"))?;
        }
    }
    Ok(())
}
