//! Issue 17, the walkthrough's findings that HTTP can see: outgoing numbers without holes,
//! corrections linked both ways, an INN typed as people copy it.

use reqwest::StatusCode;

use crate::both_dbs;
use crate::exchange::{first_id, member, pdf, send_letter, upload};
use crate::helpers::*;

both_dbs!(
    outgoing_numbers_are_given_at_sending_without_holes,
    a_corrected_document_links_both_ways_and_is_not_corrected_twice,
    an_inn_with_spaces_or_dashes_logs_in,
    each_role_sees_its_work_queue
);

async fn outgoing_numbers_are_given_at_sending_without_holes(app: TestApp) {
    let c = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    // A draft first, and another company's letter: neither takes a number of this journal.
    let r = upload(
        &c,
        "/kabinet/letters/new",
        "/kabinet/letters",
        &[("subject", "Черновик"), ("action", "save")],
        vec![("file_1", "Черновик.pdf", pdf("черновик"))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let draft = first_id(&location(&r), "/kabinet/items/");
    let draft_page = c.page(&format!("/kabinet/items/{draft}")).await;
    assert!(
        !draft_page.contains("ИСХ-"),
        "a draft has no outgoing number"
    );
    let other = member(&app, OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD).await;
    let theirs = send_letter(&other, "Письмо другой организации").await;
    assert!(
        other
            .page(&format!("/kabinet/items/{theirs}"))
            .await
            .contains("ИСХ-0001/26")
    );

    let first = send_letter(&c, "Первое письмо").await;
    let second = send_letter(&c, "Второе письмо").await;
    assert!(
        c.page(&format!("/kabinet/items/{first}"))
            .await
            .contains("ИСХ-0001/26")
    );
    assert!(
        c.page(&format!("/kabinet/items/{second}"))
            .await
            .contains("ИСХ-0002/26")
    );
    let journal = c.page("/kabinet/journal").await;
    assert!(journal.contains("ИСХ-0001/26") && journal.contains("ИСХ-0002/26"));
    let r = c.get(&format!("/kabinet/items/{second}/receipt.pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("%D0%98%D0%A1%D0%A5-0002%2F26") || disposition.contains("0002"),
        "{disposition}"
    );
}

async fn a_corrected_document_links_both_ways_and_is_not_corrected_twice(app: TestApp) {
    let c = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let item = send_letter(&c, "Письмо на доработку").await;
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let office = format!("/office/items/{item}");
    let r = admin
        .post_with_token_from(&office, &format!("{office}/register"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = admin
        .post_with_token_from(
            &office,
            &format!("{office}/review"),
            &[("decision", "return"), ("comment", "Нет подписи")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = format!("/kabinet/items/{item}");
    assert!(
        c.page(&page)
            .await
            .contains("Исправить и отправить повторно")
    );
    let r = c
        .post_with_token_from(&page, &format!("{page}/revise"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let draft = first_id(&location(&r), "/kabinet/items/");
    assert_ne!(draft, item);
    // The old one links to the correction and offers no second one; pressing again (an old
    // tab) leads to the same correction.
    let old = c.page(&page).await;
    assert!(
        old.contains("Этот документ исправлен") && old.contains(&format!("/kabinet/items/{draft}"))
    );
    assert!(!old.contains("Исправить и отправить повторно"));
    let r = c
        .post_with_token_from("/kabinet", &format!("{page}/revise"), &[])
        .await;
    assert_eq!(first_id(&location(&r), "/kabinet/items/"), draft);
    let new = c.page(&format!("/kabinet/items/{draft}")).await;
    assert!(
        new.contains("Исправленная версия документа")
            && new.contains(&format!("/kabinet/items/{item}"))
    );
}

async fn an_inn_with_spaces_or_dashes_logs_in(app: TestApp) {
    for typed in ["7700 123 459", "7700-123-459"] {
        let c = TestApp::client_for(&app);
        let r = c.login(typed, MEMBER_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{typed}");
        assert_eq!(location(&r), "/kabinet");
    }
    let login = app.page("/login").await;
    assert!(
        !login.contains("inputmode=\"email\""),
        "phones get the usual keyboard: an INN is digits"
    );
}

/// The password hint says what the check checks, on both forms that set a password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_hint_is_the_rule() {
    use kabinet::auth::model::{PASSWORD_RULE, password_problem};
    // each clause of the rule is a refusal of the check
    assert!(password_problem("Short-1", &[]).is_some()); // «от 10»
    assert!(password_problem(&"Ab1-".repeat(70), &[]).is_some()); // «до 256»
    assert!(password_problem("Director@Firm.ru-2026", &["director@firm.ru"]).is_some());
    assert!(password_problem("x7700123459x", &["7700123459"]).is_some());
    assert!(password_problem("qwertyuiop", &[]).is_some());
    assert!(password_problem("aaaaaaaaaaaa", &[]).is_some());
    assert!(password_problem("Надёжный-пароль-2026", &[]).is_none());
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    assert!(app.page("/profile").await.contains(PASSWORD_RULE));
    let template = std::fs::read_to_string(repo_path("templates/auth/new_password.html")).unwrap();
    assert!(template.contains(PASSWORD_RULE));
}

pub fn task(html: &str, label: &str) -> i64 {
    let marker = format!("</span> <span class=\"stat-label\">{label}</span>");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{label} in {html}"));
    let num = &html[..at];
    num[num.rfind('>').unwrap() + 1..].parse().unwrap()
}

/// «Рабочий стол» shows each role its queue, with counts that follow the documents.
async fn each_role_sees_its_work_queue(app: TestApp) {
    let c = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let item = send_letter(&c, "Письмо в очередь").await;
    let count = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            kabinet::on_db!(&db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await.unwrap())
        }
    };
    let registrar = member(&app, "registrar@sro.example", "Registrar-2026!").await;
    let desk = registrar.page("/office").await;
    let sent = count("SELECT COUNT(*) FROM items WHERE status = 'sent'").await;
    assert!(sent >= 1);
    assert_eq!(task(&desk, "Ждут регистрации"), sent);
    assert!(
        !desk.contains("Ждут рассмотрения"),
        "a registrar does not review"
    );
    let office = format!("/office/items/{item}");
    let r = registrar
        .post_with_token_from(&office, &format!("{office}/register"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        task(&registrar.page("/office").await, "Ждут регистрации"),
        sent - 1
    );

    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let desk = admin.page("/office").await;
    let registered = count("SELECT COUNT(*) FROM items WHERE status = 'registered'").await;
    assert_eq!(task(&desk, "Ждут рассмотрения"), registered);
    assert_eq!(task(&desk, "Рассмотрение просрочено (больше 10 дней)"), 0);
    // Eleven days later nobody has reviewed it: late (the sessions have expired meanwhile).
    app.clock.advance(chrono::Duration::days(11));
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let desk = admin.page("/office").await;
    assert_eq!(
        task(&desk, "Рассмотрение просрочено (больше 10 дней)"),
        registered
    );
}

/// The newcomer (issue 17): in demo mode, with no SMTP server answering, a reset letter lands in
/// the local mailbox that «Демо-почта» shows, and its link works. Without demo mode: no page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_demo_mode_letters_wait_in_the_local_mailbox() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            overrides: vec![("demo.enabled", true.into())],
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let visitor = TestApp::client_for(&app);
    let r = visitor
        .post(
            "/user/request-password-reset",
            &[("by", "email"), ("email", MEMBER_EMAIL)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(admin.page("/office").await.contains("/office/demo-mail"));
    let mut page = String::new();
    for _ in 0..100 {
        page = admin.page("/office/demo-mail").await;
        if page.contains(MEMBER_EMAIL) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(page.contains(MEMBER_EMAIL), "{page}");
    let at = page
        .find("/user/reset-password?token=")
        .expect("the link in the letter");
    let link: String = page[at..]
        .chars()
        .take_while(|c| *c != '"' && *c != '<' && !c.is_whitespace())
        .collect();
    let form = visitor.page(&link.replace("&amp;", "&")).await;
    assert!(form.contains("name=\"password2\""), "{form}");
    let log = admin.page("/office/mail").await;
    assert!(
        log.contains("демо-режим"),
        "the mail log says where it went"
    );

    let plain = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = member(&plain, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        admin.get("/office/demo-mail").await.status(),
        StatusCode::NOT_FOUND
    );
}
