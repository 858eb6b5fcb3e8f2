//! «Договоры» (issue 18): a member records contracts and their events; each event's notice is
//! due on the third working day of the production calendar and goes to the SRO as a letter of
//! the exchange with a generated PDF (late ones accepted and marked); the actual total
//! obligations follow addenda and execution and stand against the КФ ОДО level with the level
//! advice; the register publishes the total with its date; staff see the journal of notices
//! and the members' positions. The arithmetic and the calendar one by one are unit tests
//! (src/contracts/model.rs).

use reqwest::StatusCode;

use crate::auth::Browserless;
use crate::both_dbs;
use crate::exchange::{first_id, fixture, member, upload};
use crate::helpers::*;

/// Normalised page text: non-breaking spaces (in sums) as plain ones.
async fn text(c: &Browserless<'_>, path: &str) -> String {
    let (s, html) = c.get_html(path).await;
    assert_eq!(s, StatusCode::OK, "{path}: {html}");
    html.replace('\u{a0}', " ")
}

async fn add_contract(
    c: &Browserless<'_>,
    number: &str,
    signed_on: &str,
    price: &str,
    method: &str,
) -> i64 {
    let r = c
        .post_with_token_from(
            "/kabinet/contracts/new",
            "/kabinet/contracts",
            &[
                ("number", number),
                ("signed_on", signed_on),
                ("customer_name", "ГКУ «Дирекция капитального строительства»"),
                ("customer_inn", "7701234560"),
                (
                    "subject",
                    "Разработка проектной документации школы на 550 мест",
                ),
                ("kind", "design"),
                ("price", price),
                ("method", method),
                ("procurement_id", "0373200001226000017"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    first_id(&location(&r), "/kabinet/contracts/")
}

async fn add_event(
    c: &Browserless<'_>,
    contract: i64,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = format!("/kabinet/contracts/{contract}");
    c.post_with_token_from(&page, &format!("{page}/events"), fields)
        .await
}

fn iso(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

both_dbs!(
    contracts_are_notified_on_working_days_and_counted_against_the_level,
    the_production_calendar_is_data_the_sro_keeps,
    contracts_load_from_a_spreadsheet_all_or_nothing
);

async fn contracts_are_notified_on_working_days_and_counted_against_the_level(app: TestApp) {
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let page = text(&head, "/kabinet/contracts").await;
    assert!(page.contains("первый уровень"), "{page}");
    assert!(
        page.contains("25 000 000 ₽"),
        "the designers' first level: {page}"
    );

    // Bad input: every message at its field, nothing written.
    let r = head
        .post_with_token_from(
            "/kabinet/contracts/new",
            "/kabinet/contracts",
            &[
                ("number", ""),
                ("signed_on", "06.03.26"),
                ("customer_name", "ГКУ"),
                ("customer_inn", "7701234561"),
                ("subject", "Проект"),
                ("kind", "design"),
                ("price", "сто"),
                ("method", "44fz"),
            ],
        )
        .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    for m in [
        "Укажите номер договора",
        "ИНН заказчика: 10 цифр",
        "укажите реестровый номер закупки или ИКЗ",
        "Укажите год четырьмя цифрами",
    ] {
        assert!(html.contains(m), "{m}: {html}");
    }
    assert!(
        text(&head, "/kabinet/contracts")
            .await
            .contains("Договоров пока нет")
    );

    // Friday 06.03.2026, and Monday 09.03 is a holiday: the notice is due on Thursday 12.03.
    let a = add_contract(&head, "П-17/2026", "2026-03-06", "15 000 000", "44fz").await;
    let card = text(&head, &format!("/kabinet/contracts/{a}")).await;
    assert!(card.contains("12.03.2026"), "{card}");
    assert!(
        card.contains("уведомление не отправлено, срок истек"),
        "{card}"
    );
    let event = first_id(&card, &format!("/kabinet/contracts/{a}/events/"));

    // The notice: a letter of the exchange with the generated PDF; the member adds the
    // supporting document with its signature and sends it.
    let notice_path = format!("/kabinet/contracts/{a}/events/{event}/notice");
    let r = head
        .post_with_token_from(&format!("/kabinet/contracts/{a}"), &notice_path, &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let item_page = location(&r);
    let item = first_id(&item_page, "/kabinet/items/");
    // A second click opens the same letter.
    let r = head
        .post_with_token_from(&format!("/kabinet/contracts/{a}"), &notice_path, &[])
        .await;
    assert_eq!(location(&r), item_page);
    // The home page says a draft waits to be sent.
    let home = text(&head, "/kabinet").await;
    assert!(
        home.contains("Черновики, не отправленные в СРО: <strong>1</strong>"),
        "{home}"
    );
    let html = text(&head, &item_page).await;
    assert!(
        html.contains("Уведомление о заключении договора № П-17/2026 от 06.03.2026"),
        "{html}"
    );
    let pdf_id = first_id(&html, "/files/");
    let r = head.get(&format!("/files/{pdf_id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let pdf = r.bytes().await.unwrap();
    let pdf_text = crate::trust::pdf_text(&pdf);
    for m in [
        "Уведомление о заключении договора",
        "П-17/2026",
        "12.03.2026",
        "7701234560",
        "15 000 000",
    ] {
        assert!(pdf_text.contains(m), "{m}: {pdf_text}");
    }
    let r = upload(
        &head,
        &item_page,
        &item_page,
        &[
            (
                "subject",
                "Уведомление о заключении договора № П-17/2026 от 06.03.2026",
            ),
            ("body", "Направляем уведомление"),
            ("action", "send"),
        ],
        vec![
            ("file_1", "Договор П-17.pdf", fixture("otchet.pdf")),
            ("sig_1", "Договор П-17.pdf.sig", fixture("otchet.pdf.sig")),
        ],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let home = text(&head, "/kabinet").await;
    assert!(
        home.contains("Ближайшие сроки") && !home.contains("Черновики, не отправленные"),
        "{home}"
    );
    let card = text(&head, &format!("/kabinet/contracts/{a}")).await;
    assert!(
        card.contains("уведомление отправлено с опозданием"),
        "{card}"
    );
    // The SRO registers it like any letter.
    let registrar = member(&app, "registrar@sro.example", "Registrar-2026!").await;
    let r = registrar
        .post_with_token_from(
            &format!("/office/items/{item}"),
            &format!("/office/items/{item}/register"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Today: a direct contract (not counted) and a competitive one.
    let today = app.clock.today();
    add_contract(&head, "Д-1", &iso(today), "5 000 000", "direct").await;
    let c = add_contract(&head, "К-2", &iso(today), "8 000 000", "223fz").await;
    let page = text(&head, "/kabinet/contracts").await;
    assert!(page.contains("<strong>23 000 000 ₽</strong>"), "{page}");
    assert!(page.contains("Использовано 92 %"), "{page}");
    // The calendar (and its reminders) has every notice's deadline, done or not.
    let cal = text(&head, "/kabinet/calendar").await;
    assert!(
        cal.contains("Уведомить СРО о заключении договора № К-2"),
        "{cal}"
    );
    assert!(
        cal.contains("Уведомить СРО о заключении договора № П-17/2026"),
        "{cal}"
    );
    assert!(cal.contains("уведомление отправлено"), "{cal}");
    // The total at an earlier date: only the first contract.
    let page = text(&head, "/kabinet/contracts?on=2026-03-06").await;
    assert!(page.contains("<strong>15 000 000 ₽</strong>"), "{page}");

    // The statement for the report's section, as of that date: PDF and XLSX in its draft.
    let r = head
        .post_with_token_from(
            "/kabinet/contracts",
            "/kabinet/contracts/statement",
            &[("on", "2026-03-06")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let section_page = location(&r);
    assert!(
        section_page.starts_with("/kabinet/reports/sections/"),
        "{section_page}"
    );
    let html = text(&head, &section_page).await;
    assert!(html.contains("Обязательства на 06.03.2026.pdf"), "{html}");
    assert!(html.contains("Обязательства на 06.03.2026.xlsx"), "{html}");
    let at = html.find("Обязательства на 06.03.2026.pdf").unwrap();
    let file = first_id(&html[html[..at].rfind("/files/").unwrap()..], "/files/");
    let r = head.get(&format!("/files/{file}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let statement = crate::trust::pdf_text(&r.bytes().await.unwrap());
    assert!(
        statement.contains("П-17/2026") && statement.contains("15 000 000"),
        "{statement}"
    );
    assert!(!statement.contains("К-2"), "signed later: {statement}");

    // An addendum today; its notice is not due yet. Ten days on, it is overdue.
    let r = add_event(
        &head,
        c,
        &[
            ("kind", "addendum"),
            ("event_date", &iso(today)),
            ("amount", "9 000 000"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = add_event(
        &head,
        c,
        &[("kind", "act"), ("event_date", &iso(today)), ("amount", "")],
    )
    .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(html.contains("Укажите сумму принятых работ"), "{html}");
    let card = text(&head, &format!("/kabinet/contracts/{c}")).await;
    assert!(card.contains("новая цена 9 000 000 ₽"), "{card}");
    assert!(card.contains("уведомление не отправлено"), "{card}");
    assert!(!card.contains("срок истек"), "not due yet: {card}");
    app.clock.advance(chrono::Duration::days(10));
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let card = text(&head, &format!("/kabinet/contracts/{c}")).await;
    assert_eq!(
        card.matches("уведомление не отправлено, срок истек")
            .count(),
        2,
        "{card}"
    );

    // Over the limit: 15 + 9 + 30 = 54 million > 25; designers need the third level
    // (300 million), 2 500 000 − 150 000 more to the fund.
    let today = app.clock.today();
    add_contract(&head, "К-3", &iso(today), "30 000 000", "pp615").await;
    let page = text(&head, "/kabinet/contracts").await;
    assert!(page.contains("превышает предельный размер"), "{page}");
    assert!(
        page.contains("Нужен третий уровень ответственности по КФ ОДО")
            && page.contains("2 350 000 ₽"),
        "{page}"
    );
    let notes = text(&head, "/kabinet/notifications").await;
    assert!(
        notes.contains("превысил предельный размер обязательств"),
        "{notes}"
    );
    // Execution of the first contract drops it: 39 million.
    let r = add_event(
        &head,
        a,
        &[("kind", "executed"), ("event_date", &iso(today))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = text(&head, "/kabinet/contracts").await;
    assert!(page.contains("<strong>39 000 000 ₽</strong>"), "{page}");
    let r = add_event(
        &head,
        a,
        &[
            ("kind", "act"),
            ("event_date", &iso(today)),
            ("amount", "1"),
        ],
    )
    .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        html.contains("Договор уже исполнен или расторгнут"),
        "{html}"
    );

    // The register publishes the total with its date; so does the API.
    let card = app.get_html(&format!("/reestr/{MEMBER_INN}")).await;
    assert_eq!(card.0, StatusCode::OK);
    let public = card.1.replace('\u{a0}', " ");
    let on = today.format("%d.%m.%Y").to_string();
    assert!(
        public.contains(&format!("39 000 000 ₽ (дата обновления {on})")),
        "{public}"
    );
    assert!(public.contains("в пределах фактического совокупного размера обязательств"));
    let r = app.get(&format!("/api/v1/register/inn/{MEMBER_INN}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json["odo_obligations_kopecks"], 3_900_000_000i64, "{json}");
    assert_eq!(json["odo_obligations_on"], iso(today), "{json}");

    // Staff: the journal by state, the members over the limit.
    let expert = member(&app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    let journal = text(&expert, "/office/contracts?from=2026-01-01&state=late").await;
    assert!(
        journal.contains("№ П-17/2026 от 06.03.2026") && journal.contains("с опозданием"),
        "{journal}"
    );
    assert!(!journal.contains("К-2"), "{journal}");
    // The same as a workbook: dates are dates.
    let r = expert
        .get("/office/contracts.xlsx?from=2026-01-01&state=late")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    {
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("Уведомления").unwrap();
        assert_eq!(
            range.get((1, 1)),
            Some(&calamine::Data::String("П-17/2026".into()))
        );
        assert!(matches!(
            range.get((1, 2)),
            Some(calamine::Data::DateTime(_))
        ));
        assert!(matches!(
            range.get((1, 6)),
            Some(calamine::Data::DateTime(_))
        ));
        assert_eq!(range.height(), 2, "the header and the one late notice");
    }
    let journal = text(&expert, "/office/contracts?from=2026-01-01&state=missing").await;
    assert!(journal.contains("К-2"), "{journal}");
    let odo = text(&expert, "/office/contracts/odo?filter=limit").await;
    assert!(odo.contains("Ромашка") && odo.contains("превышен"), "{odo}");
    let odo = text(&expert, "/office/contracts/odo?filter=limit&mine=1").await;
    assert!(odo.contains("Ромашка"), "the expert's own member: {odo}");
    // «Рабочий стол»: the expert's tasks.
    let desk = text(&expert, "/office").await;
    assert_eq!(
        crate::walkthrough::task(&desk, "Превышен предельный размер обязательств по КФ ОДО"),
        1
    );
    assert_eq!(
        crate::walkthrough::task(&desk, "Уведомления о договорах не поступили в срок"),
        3,
        "the conclusions of Д-1 and К-2, the addendum of К-2"
    );

    // Who may not: the company's accountant and another company get 404.
    let buh = member(&app, MEMBER_BUH_EMAIL, MEMBER_BUH_PASSWORD).await;
    for path in [
        "/kabinet/contracts".to_string(),
        format!("/kabinet/contracts/{a}"),
    ] {
        let (s, _) = buh.get_html(&path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    let other = member(&app, OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD).await;
    let (s, html) = other.get_html(&format!("/kabinet/contracts/{a}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!html.contains("П-17/2026"));
    let r = other
        .post_with_token_from(
            "/kabinet/contracts",
            &format!("/kabinet/contracts/{a}/events"),
            &[("kind", "executed"), ("event_date", &iso(today))],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (s, page) = other.get_html("/kabinet/contracts").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!page.contains("П-17/2026") && page.contains("Договоров пока нет"));
}

async fn the_production_calendar_is_data_the_sro_keeps(app: TestApp) {
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = text(&admin, "/office/workdays?year=2026").await;
    assert!(
        page.contains("09.03.2026") && page.contains("Перенос с 08.03"),
        "{page}"
    );
    // A contract recorded before the change: due on 12.03 (09.03 is a holiday).
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let early = add_contract(&head, "П-0", "2026-03-06", "1 000 000", "44fz").await;
    let card = text(&head, &format!("/kabinet/contracts/{early}")).await;
    assert!(card.contains("12.03.2026"), "{card}");
    // Two more days off after 09.03 (test data), and a working Saturday.
    for (day, what) in [
        ("2026-03-10", "holiday"),
        ("2026-03-11", "holiday"),
        ("2026-03-14", "working"),
    ] {
        let r = admin
            .post_with_token_from(
                "/office/workdays",
                "/office/workdays",
                &[("day", day), ("what", what), ("note", "проверка")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let r = admin
        .post_with_token_from(
            "/office/workdays",
            "/office/workdays",
            &[
                ("day", "31.02.2026"),
                ("what", "working"),
                ("note", "Перенос с воскресенья"),
            ],
        )
        .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    // what was typed stays in the form
    assert!(html.contains(r#"value="Перенос с воскресенья""#), "{html}");
    assert!(html.contains(r#"value="working" selected"#), "{html}");
    let expert = member(&app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    let (s, _) = expert.get_html("/office/workdays").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // 06.03 (Fri) → 12, 13 (Thu, Fri), 14 (the working Saturday): due 14.03.2026, for a new
    // contract and for the one recorded before the change alike.
    let a = add_contract(&head, "П-1", "2026-03-06", "1 000 000", "44fz").await;
    for id in [a, early] {
        let card = text(&head, &format!("/kabinet/contracts/{id}")).await;
        assert!(
            card.contains("14.03.2026") && !card.contains("12.03.2026"),
            "{card}"
        );
    }
    let audit = text(&admin, "/office/audit").await;
    assert!(
        audit.contains("Производственный календарь изменен"),
        "{audit}"
    );
}

async fn contracts_load_from_a_spreadsheet_all_or_nothing(app: TestApp) {
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let page = "/kabinet/contracts/import";
    let send = |name: &'static str, bytes: Vec<u8>| {
        let head = &head;
        async move { upload(head, page, page, &[], vec![("file_1", name, bytes)]).await }
    };
    let header = "Номер договора;Дата заключения;Заказчик;ИНН заказчика;Предмет договора;Вид договора;Цена, руб.;Способ заключения;Реестровый номер закупки или ИКЗ";
    let bad = format!(
        "{header}\n1/А;10.03.2026;ГКУ;7701234560;Проект;проектирование;1 000 000;44-ФЗ;0373\n\
         2/Б;11.03.2026;ГКУ;7701234561;Проект;проектирование;2 000 000;223-ФЗ;0373\n\
         3/В;12.03.2026;ГКУ;7701234560;Проект;снос;3 000 000;44-ФЗ;\n"
    );
    let r = send("договоры.csv", bad.into_bytes()).await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    for m in [
        "Строка 3: «ИНН заказчика»",
        "Строка 4: «Вид договора» — Выберите вид договора",
        "Строка 4: «Реестровый номер закупки или ИКЗ»",
        "Ни один договор из файла не записан",
    ] {
        assert!(html.contains(m), "{m}: {html}");
    }
    assert!(
        text(&head, "/kabinet/contracts")
            .await
            .contains("Договоров пока нет")
    );
    // Fixed: all three, one of them direct (not counted).
    let good = format!(
        "{header}\n1/А;10.03.2026;ГКУ;7701234560;Проект;проектирование;1 000 000;44-ФЗ;0373\n\
         2/Б;11.03.2026;ГКУ;7701234560;Проект;проектирование;2 000 000;223-ФЗ;0373\n\
         3/В;12.03.2026;ГКУ;7701234560;Проект;проектирование;3 000 000;без конкурентных процедур;\n"
    );
    let r = send("договоры.csv", good.clone().into_bytes()).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let list = text(&head, "/kabinet/contracts?done=imported").await;
    assert!(list.contains("По каждому нужно уведомление"), "{list}");
    for n in ["1/А", "2/Б", "3/В"] {
        assert!(list.contains(&format!("№ {n} от")), "{n}: {list}");
    }
    assert!(list.contains("<strong>3 000 000 ₽</strong>"), "{list}");
    assert_eq!(
        list.matches("уведомление не отправлено").count(),
        3,
        "{list}"
    );
    // The same file again: every row already recorded, nothing doubled.
    let r = send("договоры.csv", good.clone().into_bytes()).await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        html.contains("Строка 2: договор № 1/А от 10.03.2026 уже записан"),
        "{html}"
    );
    // The template as downloaded is a valid file of one contract.
    let r = head.get("/kabinet/contracts/template.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let template = r.bytes().await.unwrap().to_vec();
    let r = send("шаблон.xlsx", template).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    assert!(
        text(&head, "/kabinet/contracts")
            .await
            .contains("№ 12/2026-П от 15.03.2026")
    );
}
