//! Issue 13: every admitted member gets into the cabinet, staff manage staff. Admission →
//! «Пригласить в личный кабинет» → the letter → a password → the new member's dashboard;
//! resend, expiry, withdrawal, blocking by staff; «Сотрудники» with its invariants; experts.

use reqwest::StatusCode;

use crate::both_dbs;
use crate::exchange::{first_id, member};
use crate::helpers::*;
use crate::recovery::{path_of, set_password};
use crate::register::new_member;

both_dbs!(
    an_admitted_member_is_invited_and_its_head_gets_in,
    invitations_expire_are_resent_withdrawn_and_users_blocked_by_staff,
    administrators_manage_staff_and_one_administrator_always_remains,
    experts_are_assigned_and_hand_their_members_over,
    every_member_without_access_is_invited_once,
    a_members_application_changes_the_register_when_accepted
);

async fn user_id(app: &TestApp, email: &str) -> i64 {
    kabinet::on_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1")
        .bind(email).fetch_one(p).await.unwrap())
}

async fn admit(app: &TestApp) -> i64 {
    let admin = member(app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r = admin.post("/office/members/new", &new_member(&[])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    first_id(&location(&r), "/office/members/")
}

async fn an_admitted_member_is_invited_and_its_head_gets_in(app: TestApp) {
    app.start_mail_server().await;
    let id = admit(&app).await;
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let card = admin.page(&format!("/office/members/{id}")).await;
    assert!(card.contains("У организации пока нет пользователей"));
    // HTML that validates (issue 17): a <time> says its moment in machine form too.
    assert!(card.contains("<time datetime=\"") && !card.contains("<time>"));
    assert!(card.contains("Пригласить в личный кабинет"));

    // The form starts from the register entry: its e-mail, its head and position.
    let form = admin.page(&format!("/office/members/{id}/invite")).await;
    for v in [
        "value=\"office@new-project.example\"",
        "value=\"Новиков Николай Николаевич\"",
        "value=\"Генеральный директор\"",
        "<option value=\"head\" selected>",
    ] {
        assert!(form.contains(v), "{v} in\n{form}");
    }
    // An address another account uses is refused at the field, nothing is sent.
    let r = admin
        .post(
            &format!("/office/members/{id}/invite"),
            &[
                ("full_name", "Новиков Николай Николаевич"),
                ("email", MEMBER_EMAIL),
                ("role", "head"),
            ],
        )
        .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(html.contains("уже используется для входа другим пользователем"));
    let r = admin
        .post(
            &format!("/office/members/{id}/invite"),
            &[
                ("full_name", "Новиков Николай Николаевич"),
                ("position", "Генеральный директор"),
                ("email", "office@new-project.example"),
                ("role", "head"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/office/members/{id}?done=invited"));
    let letter = app.wait_for_mail("office@new-project.example").await;
    assert!(letter.subject.contains("Приглашение в личный кабинет"));
    assert!(letter.text.contains("ООО «Новый Проект»") && letter.text.contains("Руководитель"));
    // Once the mail server took it, the card says so.
    let mut card = String::new();
    for _ in 0..50 {
        card = admin.page(&format!("/office/members/{id}")).await;
        if card.contains("доставлено") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(card.contains("доставлено; ссылка действует до"), "{card}");

    // The head sets a password through the link and lands in the new company's cabinet.
    let head = TestApp::client_for(&app);
    let r = set_password(
        &head,
        &path_of(&letter.link(), &app),
        "Новый-Проект-2026",
        "Новый-Проект-2026",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        "/kabinet?done=welcome",
        "an invited head lands in the cabinet"
    );
    let home = head.page("/kabinet?done=welcome").await;
    assert!(home.contains("Добро пожаловать"));
    assert!(home.contains("ООО «Новый Проект»"), "{home}");
    let company = head.page("/kabinet/company").await;
    assert!(
        company.contains("Пригласить пользователя"),
        "the head manages users"
    );
    let card = admin.page(&format!("/office/members/{id}")).await;
    assert!(
        !card.contains("доставлено; ссылка"),
        "an accepted invitation says nothing more"
    );
    assert!(card.contains("Руководитель"));
    let audit = admin.page("/office/audit").await;
    assert!(audit.contains("Приглашен пользователь"));
}

async fn invite(admin: &crate::auth::Browserless<'_>, id: i64, email: &str) {
    let r = admin
        .post(
            &format!("/office/members/{id}/invite"),
            &[
                ("full_name", "Петрова Анна Сергеевна"),
                ("email", email),
                ("role", "accountant"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn invitations_expire_are_resent_withdrawn_and_users_blocked_by_staff(app: TestApp) {
    app.start_mail_server().await;
    let id = admit(&app).await;
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    invite(&admin, id, "buh@new-project.example").await;
    let first = app.wait_for_mail("buh@new-project.example").await;
    // Nobody followed the link in time (the staff session has expired too: log in again).
    app.clock.advance(chrono::Duration::hours(73));
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let card = admin.page(&format!("/office/members/{id}")).await;
    assert!(card.contains("Срок приглашения истек"), "{card}");
    let uid = user_id(&app, "buh@new-project.example").await;
    let r = admin
        .post_with_token_from(
            &format!("/office/members/{id}"),
            &format!("/office/members/{id}/users/{uid}/resend"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let second = app.wait_for_mail_n("buh@new-project.example", 2).await;
    let buh = TestApp::client_for(&app);
    let r = set_password(
        &buh,
        &path_of(&first.link(), &app),
        "Бухгалтер-2026",
        "Бухгалтер-2026",
    )
    .await;
    assert!(
        expect(r, StatusCode::GONE)
            .await
            .contains("Ссылка недействительна"),
        "the old link is dead"
    );
    let r = set_password(
        &buh,
        &path_of(&second.link(), &app),
        "Бухгалтер-2026",
        "Бухгалтер-2026",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    buh.page("/kabinet").await;

    // Staff block the user: out at once; unblocked, they log in again.
    let r = admin
        .post_with_token_from(
            &format!("/office/members/{id}"),
            &format!("/office/members/{id}/users/{uid}/block"),
            &[("blocked", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(buh.get("/kabinet").await.status(), StatusCode::SEE_OTHER);
    let card = admin.page(&format!("/office/members/{id}")).await;
    assert!(card.contains("заблокирован") && card.contains("Разблокировать"));
    let r = admin
        .post_with_token_from(
            &format!("/office/members/{id}"),
            &format!("/office/members/{id}/users/{uid}/block"),
            &[("blocked", "0")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let again = TestApp::client_for(&app);
    again
        .login_as("buh@new-project.example", "Бухгалтер-2026")
        .await;

    // An invitation nobody accepted is withdrawn: the user is gone, the link dead.
    invite(&admin, id, "late@new-project.example").await;
    let letter = app.wait_for_mail("late@new-project.example").await;
    let late = user_id(&app, "late@new-project.example").await;
    let r = admin
        .post_with_token_from(
            &format!("/office/members/{id}"),
            &format!("/office/members/{id}/users/{late}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = set_password(
        &TestApp::client_for(&app),
        &path_of(&letter.link(), &app),
        "Поздно-2026!",
        "Поздно-2026!",
    )
    .await;
    assert_eq!(r.status(), StatusCode::GONE);
    // An accepted invitation cannot be withdrawn (only blocked).
    let r = admin
        .post_with_token_from(
            &format!("/office/members/{id}"),
            &format!("/office/members/{id}/users/{uid}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // An expert who does not curate this member may not touch its users; a member never.
    let expert = member(&app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    let r = expert.get(&format!("/office/members/{id}/invite")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    assert_eq!(
        head.get(&format!("/office/members/{id}/invite"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn administrators_manage_staff_and_one_administrator_always_remains(app: TestApp) {
    app.start_mail_server().await;
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let list = admin.page("/office/staff").await;
    assert!(list.contains("Добавить сотрудника") && list.contains(EXPERT_EMAIL));
    let expert = member(&app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    assert_eq!(
        expert.get("/office/staff").await.status(),
        StatusCode::FORBIDDEN
    );

    // A new administrator, by invitation: nobody types a password for them.
    let r = admin
        .post(
            "/office/staff/new",
            &[
                ("full_name", "Орлова Мария Игоревна"),
                ("email", "bad"),
                ("role", "admin"),
            ],
        )
        .await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("Приглашение не отправлено")
    );
    let r = admin
        .post(
            "/office/staff/new",
            &[
                ("full_name", "Орлова Мария Игоревна"),
                ("position", "Заместитель директора"),
                ("email", "orlova@sro.example"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let second_id = first_id(&location(&r), "/office/staff/");
    let letter = app.wait_for_mail("orlova@sro.example").await;
    assert!(letter.subject.contains("рабочий кабинет сотрудника"));
    let second = TestApp::client_for(&app);
    let r = set_password(
        &second,
        &path_of(&letter.link(), &app),
        "Орлова-Админ-2026",
        "Орлова-Админ-2026",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/office?done=welcome");
    second.page("/office/staff").await;

    // Nobody changes themselves.
    let first_id_ = user_id(&app, ADMIN_EMAIL).await;
    let r = admin
        .post_with_token_from(
            "/office/staff",
            &format!("/office/staff/{first_id_}/block"),
            &[("blocked", "1")],
        )
        .await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("самого себя")
    );

    // Two administrators demote each other at the same moment: one wins, one remains.
    let (t1, t2) = (
        csrf_in(&admin.page("/office/staff").await).unwrap(),
        csrf_in(&second.page("/office/staff").await).unwrap(),
    );
    let demote = |c: &crate::auth::Browserless<'_>, who: i64, token: String| {
        c.client
            .post(app.url(&format!("/office/staff/{who}/role")))
            .header("Origin", &app.address)
            .form(&[("role", "registrar".to_string()), ("csrf_token", token)])
            .send()
    };
    let (a, b) = tokio::join!(
        demote(&admin, second_id, t1),
        demote(&second, first_id_, t2)
    );
    let mut statuses = [a.unwrap().status(), b.unwrap().status()];
    statuses.sort();
    assert_eq!(statuses[0], StatusCode::SEE_OTHER, "{statuses:?}");
    assert_ne!(statuses[1], StatusCode::SEE_OTHER, "{statuses:?}");
    let admins: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE kind = 'staff' AND staff_role = 'admin' AND is_blocked = FALSE")
        .fetch_one(p).await.unwrap());
    assert_eq!(admins, 1);
    // The one left cannot be demoted by anyone (only they remain, and not by themselves).
    let left = if statuses[0] == StatusCode::SEE_OTHER && admins == 1 {
        kabinet::on_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM users WHERE kind = 'staff' AND staff_role = 'admin'").fetch_one(p).await.unwrap())
    } else {
        unreachable!()
    };
    let (winner, loser_id) = if left == first_id_ {
        (&admin, second_id)
    } else {
        (&second, first_id_)
    };
    // The demoted one is a registrar now: «Сотрудники» is closed to them.
    let loser = if loser_id == first_id_ {
        &admin
    } else {
        &second
    };
    assert_eq!(
        loser.get("/office/staff").await.status(),
        StatusCode::FORBIDDEN
    );
    // Block and unblock; blocking ends the sessions.
    let r = winner
        .post_with_token_from(
            "/office/staff",
            &format!("/office/staff/{loser_id}/block"),
            &[("blocked", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(loser.get("/office").await.status(), StatusCode::SEE_OTHER);
    let card = winner.page(&format!("/office/staff/{loser_id}")).await;
    assert!(card.contains("Разблокировать") && card.contains("Последние входы"));
    let audit = winner.page("/office/audit").await;
    assert!(
        audit.contains("Приглашен сотрудник СРО")
            && audit.contains("Изменены роль или доступ сотрудника СРО")
    );
}

async fn experts_are_assigned_and_hand_their_members_over(app: TestApp) {
    let id = admit(&app).await;
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let expert_id = user_id(&app, EXPERT_EMAIL).await;
    let r = admin
        .post_with_token_from(
            &format!("/office/members/{id}"),
            &format!("/office/members/{id}/expert"),
            &[("expert_id", &expert_id.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let expert = member(&app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    let mine = expert.page("/office/members?mine=1").await;
    assert!(mine.contains("ООО «Новый Проект»"));
    // Not an expert: refused at the select.
    let admin_id = user_id(&app, ADMIN_EMAIL).await;
    let r = admin
        .post_with_token_from(
            &format!("/office/members/{id}"),
            &format!("/office/members/{id}/expert"),
            &[("expert_id", &admin_id.to_string())],
        )
        .await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("Выберите действующего эксперта")
    );

    // A second expert takes over all of the first one's members in one step.
    let email = kabinet::requisites::Email::parse("second.expert@sro.example").unwrap();
    kabinet::auth::service::create_staff(
        &app.db,
        kabinet::auth::StaffRole::Expert,
        &email,
        "Смирнов Олег Петрович",
        "Второй-Эксперт-2026",
        &kabinet::audit::Actor::system("test"),
    )
    .await
    .unwrap();
    let second = user_id(&app, "second.expert@sro.example").await;
    let before: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM members WHERE expert_id = $1").bind(expert_id).fetch_one(p).await.unwrap());
    assert!(before >= 2, "the demo expert's members and the new one");
    let card = admin.page(&format!("/office/staff/{expert_id}")).await;
    assert!(
        card.contains("Передать организации другому эксперту")
            && card.contains("Смирнов Олег Петрович")
    );
    let r = admin
        .post_with_token_from(
            &format!("/office/staff/{expert_id}"),
            &format!("/office/staff/{expert_id}/reassign"),
            &[("to", &second.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let moved: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM members WHERE expert_id = $1").bind(second).fetch_one(p).await.unwrap());
    assert_eq!(moved, before);
    let mine = expert.page("/office/members?mine=1").await;
    assert!(!mine.contains("ООО «Новый Проект»"));
    let list = admin
        .page(&format!("/office/members?expert={second}"))
        .await;
    assert!(list.contains("ООО «Новый Проект»"));
    // Only administrators hand members over.
    let r = expert
        .post_with_token_from(
            "/office",
            &format!("/office/staff/{second}/reassign"),
            &[("to", &expert_id.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// «Пригласить всех без доступа» over 1,000 imported members, one with a bad address.
async fn every_member_without_access_is_invited_once(app: TestApp) {
    kabinet::demo::generate_members(&app.state.core, 1000)
        .await
        .unwrap();
    // As after an import: the companies are in the register, nobody can log in for them.
    kabinet::on_db!(&app.db, p => sqlx::query("DELETE FROM users WHERE email LIKE '%@bench.example'")
        .execute(p).await.unwrap().rows_affected());
    kabinet::on_db!(&app.db, p => sqlx::query("UPDATE member_rows SET email = 'нет адреса' WHERE email = 'member7@bench.example'")
        .execute(p).await.unwrap().rows_affected());
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let preview = admin.page("/office/invitations").await;
    assert!(preview.contains("Пригласить нельзя: 1"), "{preview}");
    assert!(
        preview.contains("ООО «Тестовая компания 7»")
            && preview.contains("адрес электронной почты в реестре неверен")
    );
    let count = |html: &str, label: &str| -> usize {
        let at = html
            .find(label)
            .unwrap_or_else(|| panic!("{label} in {html}"))
            + label.len();
        html[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    let ready = count(&preview, "Будут приглашены: ");
    assert!(
        ready >= 949,
        "950 members of the 1,000 are in the register (every 20th excluded), one without an address: {ready}"
    );
    let expert = member(&app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    assert_eq!(
        expert.get("/office/invitations").await.status(),
        StatusCode::FORBIDDEN
    );

    let r = admin.post("/office/invitations", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let report_path = location(&r);
    // A second worker, as another instance would run, races the app's own for the items.
    let core = app.state.core.clone();
    let racer =
        tokio::spawn(
            async move { while kabinet::auth::bulk::work(&core, 50).await.unwrap() > 0 {} },
        );
    let mut report = String::new();
    for _ in 0..600 {
        report = admin.page(&report_path).await;
        if report.contains("Готово") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    racer.await.unwrap();
    assert!(
        report.contains(&format!("Готово: {} из {}", ready + 1, ready + 1)),
        "{report}"
    );
    assert!(
        report.contains(&format!("Приглашено: {ready}")) && report.contains("не приглашено: 1")
    );
    assert!(report.contains("ООО «Тестовая компания 7»"));
    let letters: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'invitation' AND to_address LIKE '%@bench.example'")
        .fetch_one(p).await.unwrap());
    assert_eq!(letters as usize, ready, "one letter per member, none twice");
    let heads: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE email LIKE '%@bench.example' AND member_role = 'head' AND password_hash IS NULL")
        .fetch_one(p).await.unwrap());
    assert_eq!(heads as usize, ready);

    // A second run finds nobody: everyone invited is on the way in.
    let again = admin.page("/office/invitations").await;
    assert!(again.contains("Будут приглашены: 0"), "{again}");
    let r = admin.post("/office/invitations", &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// «Заявление об изменении сведений»: the head asks, the SRO registers and accepts, and the
/// register gets a new version with the application as its basis.
async fn a_members_application_changes_the_register_when_accepted(app: TestApp) {
    use crate::exchange::{pdf, upload};
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let company = head.page("/kabinet/company").await;
    assert!(company.contains("Заявление об изменении сведений"));
    let buh = member(&app, MEMBER_BUH_EMAIL, MEMBER_BUH_PASSWORD).await;
    assert_eq!(
        buh.get("/kabinet/company/changes/new").await.status(),
        StatusCode::FORBIDDEN
    );
    let form = head.page("/kabinet/company/changes/new").await;
    assert!(form.contains("Руководитель (ФИО)") && form.contains("Отправить заявление"));

    // Nothing attached, a bad address: refused at the fields, what was typed is kept.
    let r = upload(
        &head,
        "/kabinet/company/changes/new",
        "/kabinet/company/changes",
        &[
            ("head_name", "Сидоров Петр Петрович"),
            ("email", "не адрес"),
        ],
        vec![],
    )
    .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(html.contains("Приложите документ-основание"), "{html}");
    assert!(html.contains("value=\"Сидоров Петр Петрович\""));
    assert!(html.contains("id=\"e-email\""));
    // Nothing changed at all.
    let r = upload(
        &head,
        "/kabinet/company/changes/new",
        "/kabinet/company/changes",
        &[],
        vec![("file_1", "Протокол.pdf", pdf("протокол"))],
    )
    .await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("Ни одно сведение не изменено")
    );
    let r = upload(
        &head,
        "/kabinet/company/changes/new",
        "/kabinet/company/changes",
        &[
            ("head_name", "Сидоров Петр Петрович"),
            ("phone", "+7 (495) 111-22-33"),
            ("comment", "Протокол общего собрания прилагаем"),
        ],
        vec![("file_1", "Протокол.pdf", pdf("протокол"))],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let item = first_id(&location(&r), "/kabinet/items/");
    let sent = head.page(&format!("/kabinet/items/{item}")).await;
    assert!(
        sent.contains("Заявление об изменении сведений") && sent.contains("Сидоров Петр Петрович")
    );

    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let office = format!("/office/items/{item}");
    let page = admin.page(&office).await;
    assert!(page.contains("При принятии они будут внесены в реестр"));
    let r = admin
        .post_with_token_from(&office, &format!("{office}/register"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The member's expert sees it waiting on «Рабочий стол».
    let expert_id = user_id(&app, EXPERT_EMAIL).await;
    kabinet::on_db!(&app.db, p => sqlx::query("UPDATE member_rows SET expert_id = $1 WHERE inn = $2")
        .bind(expert_id).bind(MEMBER_INN).execute(p).await.unwrap().rows_affected());
    let waiting: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM items i JOIN members m ON m.id = i.member_id WHERE i.status = 'registered' AND m.expert_id = $1")
        .bind(expert_id).fetch_one(p).await.unwrap());
    assert!(waiting >= 1);
    let expert = member(&app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    let desk = expert.page("/office").await;
    assert!(
        desk.contains(&format!(
            "<span class=\"stat-num\">{waiting}</span> <span class=\"stat-label\">Ждут рассмотрения</span>"
        )),
        "{desk}"
    );
    let r = admin
        .post_with_token_from(
            &office,
            &format!("{office}/review"),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let member_id: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT id FROM members WHERE inn = $1")
        .bind(MEMBER_INN).fetch_one(p).await.unwrap());
    let card = admin.page(&format!("/office/members/{member_id}")).await;
    assert!(
        card.contains("Основание: Заявление об изменении сведений вх. №"),
        "{card}"
    );
    assert!(card.contains("Сидоров Петр Петрович") && card.contains("+7 (495) 111-22-33"));
    let company = head.page("/kabinet/company").await;
    assert!(company.contains("Сидоров Петр Петрович"));
    let page = admin.page(&office).await;
    assert!(page.contains("Заявление принято: сведения внесены в реестр"));
    // On a phone every cell of the journal and the inbox says what it is (issue 17).
    for html in [
        head.page("/kabinet/journal").await,
        admin.page("/office/inbox").await,
    ] {
        assert!(html.matches("<td").count() > 0);
        assert_eq!(
            html.matches("<td").count(),
            html.matches("<td data-label=\"").count()
        );
    }
    let notes = head.page("/kabinet/notifications").await;
    assert!(
        notes.contains("сведения в реестре членов СРО изменены"),
        "{notes}"
    );
}
