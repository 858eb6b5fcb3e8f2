//! «Календарь» and reminders: each rule's stages as the clock moves, once per stage (also with
//! two runs at once), a pause that sends only the latest stage, reminders that stop when the
//! cause goes (a debt paid, an answer sent, a policy renewed); the member's calendar by role,
//! the iCalendar feed read by a real parser and revoked; «Архив организации».

use chrono::{Days, NaiveDate};
use kabinet::audit::Actor;
use kabinet::billing::ledger::{self, ManualCharge, ManualPayment};
use kabinet::billing::model::ChargeKind;
use kabinet::calendar::service::run;
use reqwest::StatusCode;

use crate::billing::member_id;
use crate::both_dbs;
use crate::exchange::{member, pdf, upload};
use crate::helpers::*;

both_dbs!(
    reminders_follow_their_stages_and_stop_when_a_debt_is_paid,
    an_answer_through_the_exchange_stops_its_reminders,
    policies_and_planned_inspections_are_reminded_until_renewed,
    report_sections_are_reminded_until_sent,
    the_menu_counts_unopened_sro_messages_by_role,
    a_suspended_member_sees_why_and_since_when,
    the_calendar_shows_each_role_its_deadlines_and_feeds_a_calendar,
    the_archive_holds_what_the_company_sent_and_received
);

async fn stages(app: &TestApp, rule: &str, object: &str) -> Vec<i32> {
    kabinet::on_db!(&app.db, p => sqlx::query_scalar::<_, i32>(
        "SELECT stage FROM reminders WHERE rule = $1 AND object_key = $2 ORDER BY stage")
        .bind(rule).bind(object).fetch_all(p).await.unwrap())
}

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

/// Staff set the rules through the page: only `on` rules run, with these stages.
async fn set_rules(app: &TestApp, on: &[(&str, &str)]) {
    let admin = member(app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut fields: Vec<(String, String)> = Vec::new();
    for rule in ["sections", "charges", "policies", "inspections", "answers"] {
        let stages = on
            .iter()
            .find(|(r, _)| *r == rule)
            .map(|(_, s)| s.to_string());
        fields.push((
            format!("stages_{rule}"),
            stages.clone().unwrap_or_else(|| "-1".into()),
        ));
        if stages.is_some() {
            fields.push((format!("enabled_{rule}"), "on".into()));
        }
    }
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = admin
        .post_with_token_from("/office/reminders", "/office/reminders", &refs)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/office/reminders?done=saved");
}

async fn reminders_follow_their_stages_and_stop_when_a_debt_is_paid(app: TestApp) {
    app.start_mail_server().await;
    let core = &app.state.core;
    let romashka = member_id(&app, MEMBER_INN).await;
    // a mistyped schedule comes back at its field, and nothing is saved
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r = admin
        .post_with_token_from(
            "/office/reminders",
            "/office/reminders",
            &[("stages_charges", "за неделю"), ("enabled_charges", "on")],
        )
        .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(html.contains("«за» — не число дней"), "{html}");
    set_rules(&app, &[("charges", "-3, 0, 7")]).await;
    let html = admin.page("/office/reminders").await;
    assert!(
        html.contains("за 3 дн. · в день срока · через 7 дн."),
        "{html}"
    );

    let actor = Actor::system("test");
    let due = core.today() + Days::new(10);
    let charge = ledger::add_charge(
        core,
        &actor,
        romashka,
        &ManualCharge {
            charge_type_id: None,
            kind: ChargeKind::Other,
            description: "Взнос на семинар по охране труда".into(),
            period: String::new(),
            amount: 5_000_00,
            due_on: due,
        },
    )
    .await
    .unwrap();
    let key = charge.to_string();
    run(core).await.unwrap();
    assert!(stages(&app, "charges", &key).await.is_empty());

    // three days before: the first stage, a letter to the head and the accountant
    app.clock.advance(days(7));
    let (a, b) = tokio::join!(run(core), run(core));
    a.unwrap();
    b.unwrap();
    assert_eq!(stages(&app, "charges", &key).await, [-3]);
    let letter = app.wait_for_mail(MEMBER_BUH_EMAIL).await;
    assert!(
        letter.text.contains("Взнос на семинар по охране труда")
            && letter.text.contains("через 3 дн."),
        "{}",
        letter.text
    );
    assert!(letter.link().ends_with("/kabinet/calendar"));
    let sent_to_buh = |app: &TestApp| {
        app.mailbox()
            .iter()
            .filter(|m| m.to.contains(MEMBER_BUH_EMAIL) && m.text.contains("семинар"))
            .count()
    };
    assert_eq!(sent_to_buh(&app), 1, "two runs at once send one letter");
    run(core).await.unwrap();
    assert_eq!(stages(&app, "charges", &key).await, [-3]);

    // the service is down from the day before the deadline to a week after: one letter,
    // the latest stage, not the missed «в день срока»
    app.clock.advance(days(10));
    run(core).await.unwrap();
    assert_eq!(stages(&app, "charges", &key).await, [-3, 7]);
    app.clock.advance(days(40));
    run(core).await.unwrap();
    assert_eq!(stages(&app, "charges", &key).await, [-3, 7]);

    // a debt paid stops its reminders
    let due = core.today() + Days::new(5);
    let charge = ledger::add_charge(
        core,
        &actor,
        romashka,
        &ManualCharge {
            charge_type_id: None,
            kind: ChargeKind::Other,
            description: "Доплата взноса".into(),
            period: String::new(),
            amount: 1_000_00,
            due_on: due,
        },
    )
    .await
    .unwrap();
    let key = charge.to_string();
    app.clock.advance(days(2));
    run(core).await.unwrap();
    assert_eq!(stages(&app, "charges", &key).await, [-3]);
    ledger::add_payment(
        core,
        &actor,
        romashka,
        &ManualPayment {
            amount: 100_000_000_00,
            paid_on: core.today(),
            doc_number: "ПКО-77".into(),
            purpose: "Оплата всех взносов".into(),
        },
    )
    .await
    .unwrap();
    app.clock.advance(days(3));
    run(core).await.unwrap();
    assert_eq!(stages(&app, "charges", &key).await, [-3]);
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let html = head.page("/kabinet/calendar").await;
    assert!(html.contains("Оплатить: Доплата взноса"), "{html}");
    assert!(html.contains("оплачено"), "{html}");
    // the history names the company and the stage
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let html = admin.page("/office/reminders").await;
    assert!(
        html.contains("Отправленные") && html.contains("через 7 дн."),
        "{html}"
    );
}

async fn an_answer_through_the_exchange_stops_its_reminders(app: TestApp) {
    app.start_mail_server().await;
    let core = &app.state.core;
    set_rules(&app, &[("answers", "-3, 0, 1")]).await;
    let expert = member(&app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    let due = core.today() + Days::new(4);
    let r = expert
        .post(
            "/office/messages/new",
            &[
                ("subject", "Запрос сведений о работниках"),
                ("body", "Просим направить сведения."),
                ("category", "request"),
                ("answer_due", &due.format("%Y-%m-%d").to_string()),
                ("to", "list"),
                ("list", MEMBER_INN),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id: i64 = location(&r)
        .trim_start_matches("/office/messages/")
        .parse()
        .unwrap();
    let page = format!("/office/messages/{id}");
    let r = expert
        .post_with_token_from(&page, &format!("{page}/send"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.wait_for_mail(MEMBER_EMAIL).await;
    let recipient: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT id FROM sro_message_recipients WHERE message_id = $1").bind(id).fetch_one(p).await.unwrap());
    let key = recipient.to_string();

    app.clock.advance(days(1));
    run(core).await.unwrap();
    assert_eq!(stages(&app, "answers", &key).await, [-3]);
    let letter = app.wait_for_mail_n(MEMBER_EMAIL, 2).await;
    assert!(
        letter.text.contains("Ответить на документ СРО") && letter.text.contains("Запрос сведений"),
        "{}",
        letter.text
    );

    // «Ответить»: a letter of the exchange, its subject naming the message
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let html = head.page(&format!("/kabinet/messages/{id}")).await;
    assert!(
        html.contains(&format!("/kabinet/letters/new?answer={id}")),
        "{html}"
    );
    let form = format!("/kabinet/letters/new?answer={id}");
    let html = head.page(&form).await;
    assert!(html.contains("Ответ на исх. №"), "{html}");
    assert!(
        html.contains(&format!("name=\"answers\" value=\"{id}\"")),
        "{html}"
    );
    let r = upload(
        &head,
        &form,
        "/kabinet/letters",
        &[
            ("subject", "Ответ на запрос сведений"),
            ("answers", &id.to_string()),
            ("action", "send"),
        ],
        vec![("file_1", "Сведения.pdf", pdf("сведения"))],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let html = head.page("/kabinet/messages").await;
    assert!(html.contains("ответ отправлен"), "{html}");
    // the clock moved past the staff session's idle time: log in again
    let expert = member(&app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    let html = expert.page(&page).await;
    assert!(
        html.contains("/office/items/"),
        "the receipt links the answer: {html}"
    );

    // answered: no more reminders, and the calendar says so
    app.clock.advance(days(3));
    run(core).await.unwrap();
    assert_eq!(stages(&app, "answers", &key).await, [-3]);
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let html = head.page("/kabinet/calendar").await;
    assert!(html.contains("ответ отправлен"), "{html}");

    // another company cannot answer for it: its letter is not linked
    let other = member(&app, OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD).await;
    let html = other
        .page(&format!("/kabinet/letters/new?answer={id}"))
        .await;
    assert!(
        !html.contains("Ответ на исх. №") && html.contains("Письмо в СРО"),
        "{html}"
    );
}

async fn policies_and_planned_inspections_are_reminded_until_renewed(app: TestApp) {
    let core = &app.state.core;
    set_rules(&app, &[("policies", "-30, 0"), ("inspections", "-14, -3")]).await;
    let romashka = member_id(&app, MEMBER_INN).await;
    let today = core.today();
    let ends = today + Days::new(20);
    let planned = today + Days::new(10);
    let (m, _) = kabinet::register::service::current(&app.db, romashka)
        .await
        .unwrap()
        .unwrap();
    let actor = Actor::system("test");
    kabinet::register::service::change(
        core,
        romashka,
        m.register_version,
        "Договор страхования и план проверок",
        &actor,
        |s| {
            s.policies.clear();
            s.policies.push(kabinet::register::model::Policy {
                insurer: "АО «Страхование-Тест»".into(),
                contract: "СО-17/2026".into(),
                sum_insured: 10_000_000_00,
                valid_from: ends - Days::new(364),
                valid_to: ends,
            });
            s.inspections.push(kabinet::register::model::Inspection {
                finished_on: planned,
                kind: "плановая выездная".into(),
                result: "запланирована".into(),
            });
            Ok(())
        },
    )
    .await
    .unwrap();
    let policy = format!("{romashka}:{ends}:СО-17/2026");
    let inspection = format!("{romashka}:{planned}:плановая выездная");
    run(core).await.unwrap();
    // 20 days before the end: the «-30» stage is due now (10 days late, still current)
    assert_eq!(stages(&app, "policies", &policy).await, [-30]);
    assert_eq!(stages(&app, "inspections", &inspection).await, [-14]);
    app.clock.advance(days(7));
    run(core).await.unwrap();
    assert_eq!(stages(&app, "inspections", &inspection).await, [-14, -3]);
    // a new policy that ends later: the old one is renewed, no «в день срока»
    let (m, _) = kabinet::register::service::current(&app.db, romashka)
        .await
        .unwrap()
        .unwrap();
    kabinet::register::service::change(
        core,
        romashka,
        m.register_version,
        "Новый договор",
        &actor,
        |s| {
            s.policies.push(kabinet::register::model::Policy {
                insurer: "АО «Страхование-Тест»".into(),
                contract: "СО-44/2027".into(),
                sum_insured: 10_000_000_00,
                valid_from: ends,
                valid_to: ends + Days::new(365),
            });
            Ok(())
        },
    )
    .await
    .unwrap();
    app.clock.advance(days(13));
    run(core).await.unwrap();
    assert_eq!(stages(&app, "policies", &policy).await, [-30]);
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let html = head.page("/kabinet/calendar").await;
    assert!(
        html.contains("Продлить договор страхования № СО-17/2026") && html.contains("продлен"),
        "{html}"
    );
    assert!(html.contains("Проверка СРО: плановая выездная"), "{html}");
}

/// An iCalendar feed's events (SUMMARY, DTSTART) as a real parser reads them.
fn events(text: &str) -> Vec<(String, String)> {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let cal = parser.next().expect("a calendar").expect("it parses");
    assert!(parser.next().is_none());
    cal.events
        .iter()
        .map(|e| {
            let prop = |n: &str| {
                e.properties
                    .iter()
                    .find(|p| p.name == n)
                    .and_then(|p| p.value.clone())
                    .unwrap_or_default()
            };
            (prop("SUMMARY"), prop("DTSTART"))
        })
        .collect()
}

async fn the_calendar_shows_each_role_its_deadlines_and_feeds_a_calendar(app: TestApp) {
    let core = &app.state.core;
    let romashka = member_id(&app, MEMBER_INN).await;
    let due = NaiveDate::from_ymd_opt(2027, 1, 20)
        .unwrap()
        .max(core.today() + Days::new(30));
    ledger::add_charge(
        core,
        &Actor::system("test"),
        romashka,
        &ManualCharge {
            charge_type_id: None,
            kind: ChargeKind::Other,
            description: "Целевой взнос; на курсы, 2027".into(),
            period: String::new(),
            amount: 2_500_00,
            due_on: due,
        },
    )
    .await
    .unwrap();
    let buh = member(&app, MEMBER_BUH_EMAIL, MEMBER_BUH_PASSWORD).await;
    let month = due.format("%Y-%m").to_string();
    let html = buh.page(&format!("/kabinet/calendar?month={month}")).await;
    assert!(html.contains("Целевой взнос; на курсы, 2027"), "{html}");
    assert!(
        html.contains(&format!("datetime=\"{}\"", due.format("%Y-%m-%d"))),
        "{html}"
    );
    // another company's calendar does not have it
    let other = member(&app, OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD).await;
    let html = other
        .page(&format!("/kabinet/calendar?month={month}"))
        .await;
    assert!(
        html.contains("Календарь") && !html.contains("на курсы"),
        "{html}"
    );

    // the secret address: shown once, read by a calendar program without a login
    let html = buh.page("/profile/calendar").await;
    assert!(html.contains("Получить адрес календаря"), "{html}");
    let r = buh
        .post_with_token_from("/profile/calendar", "/profile/calendar", &[])
        .await;
    let html = expect(r, StatusCode::OK).await;
    let start = html.find("/calendar/").expect("the address");
    let url_start = html[..start].rfind('"').unwrap() + 1;
    let end = start + html[start..].find('"').unwrap();
    let address = html[url_start..end].to_string();
    assert!(address.ends_with(".ics"), "{address}");
    let path = &address[address.find("/calendar/").unwrap()..];
    let r = app.new_client().get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = r.text().await.unwrap();
    let list = events(&text);
    assert!(
        list.iter()
            .any(|(s, d)| s.contains("Целевой взнос\\; на курсы\\, 2027")
                && *d == due.format("%Y%m%d").to_string()),
        "{list:?}"
    );
    // a wrong address and a revoked one are not found
    let r = app
        .new_client()
        .get(app.url("/calendar/nonsense.ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = buh
        .post_with_token_from("/profile/calendar", "/profile/calendar/revoke", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.new_client().get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// The names and contents of a ZIP's entries (stored ones, as Kabinet writes them).
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let eocd = (0..bytes.len() - 21)
        .rev()
        .find(|i| bytes[*i..*i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .expect("end of central directory");
    let le16 = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize;
    let le32 = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let (count, mut at) = (le16(eocd + 10), le32(eocd + 16));
    let mut out = Vec::new();
    for _ in 0..count {
        assert_eq!(le32(at), 0x0201_4b50);
        let (size, name_len, extra, comment, offset) = (
            le32(at + 24),
            le16(at + 28),
            le16(at + 30),
            le16(at + 32),
            le32(at + 42),
        );
        let name = String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec()).unwrap();
        let data = offset + 30 + le16(offset + 26) + le16(offset + 28);
        out.push((name, bytes[data..data + size].to_vec()));
        at += 46 + name_len + extra + comment;
    }
    out
}

async fn the_archive_holds_what_the_company_sent_and_received(app: TestApp) {
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    crate::exchange::send_letter(&head, "Письмо для архива").await;
    let html = head.page("/kabinet/archive").await;
    assert!(html.contains("Сформировать архив"), "{html}");
    let r = head
        .post_with_token_from("/kabinet/archive", "/kabinet/archive", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut html = String::new();
    for _ in 0..120 {
        html = head.page("/kabinet/archive").await;
        if html.contains("/download") || html.contains("не удалось") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let link = {
        let at = html.find("/kabinet/archive/").expect("a ready archive");
        let end = at + html[at..].find('"').unwrap();
        html[at..end].to_string()
    };
    let r = head.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let entries = unzip(&bytes);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"index.csv") && names.contains(&"README.txt"),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("1 Отправлено в СРО/")
            && n.contains("Письмо для архива")
            && n.ends_with("Письмо.pdf")),
        "{names:?}"
    );
    assert!(names.iter().any(|n| n.contains("Квитанция")), "{names:?}");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("4 Счета и акты/Акт сверки")),
        "{names:?}"
    );
    let (_, letter) = entries
        .iter()
        .find(|(n, _)| n.ends_with("Письмо.pdf"))
        .unwrap();
    assert_eq!(letter, &pdf("Письмо для архива"));
    let (_, index) = entries.iter().find(|(n, _)| n == "index.csv").unwrap();
    let index = String::from_utf8(index.clone()).unwrap();
    assert_eq!(
        index.lines().count(),
        entries.len() - 1,
        "a line per file and a header: {index}"
    );
    // only the head: the accountant and another company get 404
    let buh = member(&app, MEMBER_BUH_EMAIL, MEMBER_BUH_PASSWORD).await;
    let r = buh
        .client
        .get(app.url("/kabinet/archive"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let other = member(&app, OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD).await;
    let r = other.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // after its time the archive is gone, with a message
    app.clock.advance(days(8));
    kabinet::archive::service::expire(&app.state.core)
        .await
        .unwrap();
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let r = head.client.get(app.url(&link)).send().await.unwrap();
    let html = expect(r, StatusCode::NOT_FOUND).await;
    assert!(html.contains("сформируйте новый"), "{html}");
}

async fn report_sections_are_reminded_until_sent(app: TestApp) {
    app.start_mail_server().await;
    let core = &app.state.core;
    set_rules(&app, &[("sections", "-14, 0, 1")]).await;
    let romashka = member_id(&app, MEMBER_INN).await;
    // the demo campaign for 2026 is due on 01.03.2027
    let due = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let to_stage = (due - core.today()).num_days() - 14;
    assert!(to_stage > 0, "the demo campaign is ahead of the clock");
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let section = crate::exchange::first_section(&head).await;
    let key = format!("{section}:{romashka}");
    let sections: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_sections WHERE NOT retired").fetch_one(p).await.unwrap());
    // the home page opens on what to do: the report's progress and its deadline
    let html = head.page("/kabinet").await;
    assert!(
        html.contains(&format!(
            "<strong>сдано 0 из {sections} разделов</strong>, срок 01.03.2027"
        )),
        "{html}"
    );
    app.clock.advance(days(to_stage));
    run(core).await.unwrap();
    assert_eq!(stages(&app, "sections", &key).await, [-14]);
    // every unsent section of every live member got its reminder; the head's letter names it
    let letter = app.wait_for_mail(MEMBER_EMAIL).await;
    assert!(
        letter.text.contains("Сдать раздел") && letter.text.contains("за 2026 год"),
        "{}",
        letter.text
    );
    // the section is sent: no more reminders for it, the others go on
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let page = format!("/kabinet/reports/sections/{section}");
    let r = upload(
        &head,
        &page,
        &page,
        &[("action", "send")],
        vec![("file_1", "Раздел.pdf", pdf("раздел"))],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let html = head.page("/kabinet").await;
    assert!(
        html.contains(&format!("сдано 1 из {sections} разделов")),
        "{html}"
    );
    app.clock.advance(days(14));
    run(core).await.unwrap();
    assert_eq!(stages(&app, "sections", &key).await, [-14]);
    let others: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM reminders WHERE rule = 'sections' AND stage = 0 AND member_id = $1")
        .bind(romashka).fetch_one(p).await.unwrap());
    assert!(others > 0, "the sections not sent are reminded on the day");
    // the reporter-less accountant never gets report reminders
    assert!(
        !app.mailbox()
            .iter()
            .any(|m| m.to.contains(MEMBER_BUH_EMAIL) && m.text.contains("Сдать раздел")),
        "the accountant reads no report reminders"
    );
}

/// The menu counts the SRO's messages nobody in the company has opened, of the categories the
/// user's role reads (the session's query writes `Category::read_by` in SQL: they must agree).
async fn the_menu_counts_unopened_sro_messages_by_role(app: TestApp) {
    use kabinet::messages::model::Category;
    let core = &app.state.core;
    let actor = Actor::system("test");
    let expert = member(&app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    for c in Category::ALL {
        let r = expert
            .post(
                "/office/messages/new",
                &[
                    ("subject", c.label()),
                    ("body", "Текст."),
                    ("category", c.code()),
                    ("to", "list"),
                    ("list", MEMBER_INN),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let id: i64 = location(&r)
            .trim_start_matches("/office/messages/")
            .parse()
            .unwrap();
        kabinet::messages::service::send(core, &actor, id)
            .await
            .unwrap();
    }
    kabinet::messages::service::work(core, 100).await.unwrap();
    let count_in = |html: &str| -> i64 {
        let at = html
            .find("class=\"nav-count\">")
            .map(|i| i + "class=\"nav-count\">".len());
        at.map(|i| {
            let rest = &html[i..];
            let rest = &rest[rest.find("</span>").unwrap() + "</span>".len()..];
            rest[..rest.find('<').unwrap()].trim().parse().unwrap()
        })
        .unwrap_or(0)
    };
    for (email, password, role) in [
        (
            MEMBER_EMAIL,
            MEMBER_PASSWORD,
            kabinet::auth::MemberRole::Head,
        ),
        (
            MEMBER_BUH_EMAIL,
            MEMBER_BUH_PASSWORD,
            kabinet::auth::MemberRole::Accountant,
        ),
    ] {
        let c = member(&app, email, password).await;
        let html = c.page("/kabinet/calendar").await;
        let want = Category::ALL.iter().filter(|x| x.read_by(role)).count() as i64;
        assert_eq!(count_in(&html), want, "{email}");
    }
    // the head opens one: the company's count goes down for both (a fresh session reads it)
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let list = head.page("/kabinet/messages").await;
    let first = crate::exchange::first_id(&list, "/kabinet/messages/");
    head.page(&format!("/kabinet/messages/{first}")).await;
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let html = head.page("/kabinet/calendar").await;
    assert_eq!(count_in(&html), Category::ALL.len() as i64 - 1);
    // another company has none
    let other = member(&app, OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD).await;
    let html = other.page("/kabinet/calendar").await;
    assert!(
        html.contains("Календарь") && !html.contains("nav-count"),
        "{html}"
    );
}

async fn a_suspended_member_sees_why_and_since_when(app: TestApp) {
    let core = &app.state.core;
    let romashka = member_id(&app, MEMBER_INN).await;
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let html = head.page("/kabinet").await;
    assert!(
        html.contains("Личный кабинет") && !html.contains("Право приостановлено"),
        "{html}"
    );
    let (m, _) = kabinet::register::service::current(&app.db, romashka)
        .await
        .unwrap()
        .unwrap();
    let from = core.today();
    let until = from + Days::new(90);
    kabinet::register::service::change(
        core,
        romashka,
        m.register_version,
        "Решение Дисциплинарного комитета",
        &Actor::system("test"),
        |s| {
            s.entry.status = kabinet::register::member::MembershipStatus::Suspended;
            s.entry.suspended_from = Some(from);
            s.entry.suspended_until = Some(until);
            s.entry.suspension_reason = "решение ДК № 4: не представлен договор страхования".into();
            Ok(())
        },
    )
    .await
    .unwrap();
    let html = head.page("/kabinet").await;
    let want = format!(
        "Право приостановлено с {} по {}: решение ДК № 4: не представлен договор страхования",
        from.format("%d.%m.%Y"),
        until.format("%d.%m.%Y")
    );
    assert!(html.contains(&want), "{html}");
}
