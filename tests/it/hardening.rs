//! The findings of the pre-launch security and data review, one regression test each (issue 11).

use reqwest::StatusCode;

use crate::both_dbs;
use crate::helpers::*;

both_dbs!(login_sends_only_to_paths_of_this_site);

/// Finding 1: `next` after login is a path of this site by a strict rule; anything else (a
/// tab or newline that browsers drop, a backslash, two slashes, another scheme) goes home, and
/// nothing in it can break the response.
async fn login_sends_only_to_paths_of_this_site(app: TestApp) {
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: x=1",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example",
        " /kabinet",
        "kabinet",
    ] {
        // through the login page's hidden field, as a link would bring it
        let c = TestApp::client_for(&app);
        let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let html = c.page(&format!("/login?next={encoded}")).await;
        let r = c
            .post_with_page_token(
                &html,
                "/login",
                &[
                    ("login", MEMBER_EMAIL),
                    ("password", MEMBER_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&r), "/kabinet", "{next:?} must not leave the site");
    }
    let c = TestApp::client_for(&app);
    let html = c
        .page("/login?next=%2Fkabinet%2Fjournal%3Fyear%3D2026")
        .await;
    let r = c
        .post_with_page_token(
            &html,
            "/login",
            &[
                ("login", MEMBER_EMAIL),
                ("password", MEMBER_PASSWORD),
                ("next", "/kabinet/journal?year=2026"),
            ],
        )
        .await;
    assert_eq!(
        location(&r),
        "/kabinet/journal?year=2026",
        "a path of this site is kept"
    );
}

fn tight_limits() -> Options {
    Options {
        overrides: vec![("security.extract_checks_per_ip_per_minute", 3.into())],
        ..Options::default()
    }
}

crate::both_dbs_with!(tight_limits => one_limit_covers_the_extract_check_and_its_pdf);

/// Finding 6: `/v/{n}` answered 429 after the limit, `/v/{n}/pdf` never did. One limit counts
/// both, so numbers cannot be guessed through the PDF.
async fn one_limit_covers_the_extract_check_and_its_pdf(app: TestApp) {
    let visitor = TestApp::client_for(&app);
    for i in 0..3 {
        let r = visitor.get(&format!("/v/2026-0000-000{i}/pdf")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    let r = visitor.get("/v/2026-0000-0009/pdf").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let r = visitor.get("/v/2026-0000-0009").await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the page shares the count"
    );
}

fn few_invitations() -> Options {
    Options {
        overrides: vec![("security.invitations_per_user_per_hour", 2.into())],
        ..Options::default()
    }
}

crate::both_dbs_with!(few_invitations => invitations_are_limited_and_names_carry_no_links);

async fn invite(c: &crate::auth::Browserless<'_>, name: &str, email: &str) -> reqwest::Response {
    c.post_with_token_from(
        "/kabinet/company/users/new",
        "/kabinet/company/users/new",
        &[("full_name", name), ("email", email), ("role", "reporter")],
    )
    .await
}

/// Finding 3: the SRO was a mail relay. Names with links or control characters and overlong
/// names are refused at the field; invitations are limited per user (and company); a head can
/// withdraw an invitation nobody accepted.
async fn invitations_are_limited_and_names_carry_no_links(app: TestApp) {
    app.start_mail_server().await;
    let head = crate::exchange::member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    for bad in [
        "Иван http://evil.example",
        "Выиграйте приз на www.evil.example",
        "Иван\u{202e}вонавИ",
        "Иван\nПетров",
        &"Я".repeat(201),
    ] {
        let r = invite(&head, bad, "new1@romashka-stroy.example").await;
        let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(
            html.contains("id=\"e-full_name\""),
            "{bad:?}: at the name field"
        );
    }
    assert!(app.outbox().await.is_empty(), "nothing was sent");
    // two invitations an hour for this user, then 429 with Retry-After and no mail
    for n in 1..=2 {
        let r = invite(
            &head,
            "Новиков Илья",
            &format!("new{n}@romashka-stroy.example"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let r = invite(&head, "Новиков Илья", "new3@romashka-stroy.example").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(app.outbox().await.len(), 2);
    // the head withdraws an invitation nobody accepted: its link stops working
    let mail = app.wait_for_mail("new1@romashka-stroy.example").await;
    let link = mail.link().replace(&app.address, "");
    let company = head.page("/kabinet/company").await;
    assert!(company.contains("приглашение не принято"), "{company}");
    let uid: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT id FROM users WHERE email = 'new1@romashka-stroy.example'").fetch_one(p).await.unwrap());
    let r = head
        .post_with_token_from(
            "/kabinet/company",
            &format!("/kabinet/users/{uid}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(head.get(&link).await.status(), StatusCode::GONE);
    let company = head.page("/kabinet/company").await;
    assert!(!company.contains("new1@romashka-stroy.example"));
}

both_dbs!(an_invitation_to_a_taken_address_tells_the_inviter_nothing);

/// Finding 5: «address already taken» told a member which addresses have accounts. The
/// inviter now gets the same answer as for a new address; the address's owner gets a notice.
async fn an_invitation_to_a_taken_address_tells_the_inviter_nothing(app: TestApp) {
    app.start_mail_server().await;
    let head = crate::exchange::member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let r = invite(&head, "Эксперт", EXPERT_EMAIL).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the same answer as for a new address"
    );
    assert_eq!(location(&r), "/kabinet/company?done=invited");
    let mail = app.wait_for_mail(EXPERT_EMAIL).await;
    assert!(mail.text.contains("уже"), "{}", mail.text);
    assert!(
        !mail.text.contains("reset-password"),
        "a notice, not a link: {}",
        mail.text
    );
    let users: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1").bind(EXPERT_EMAIL).fetch_one(p).await.unwrap());
    assert_eq!(users, 1, "no second account");
}

both_dbs!(guessing_a_password_makes_the_account_wait);

/// Finding 4: ten guesses a minute per account with no lockout, counted apart for the e-mail
/// and the INN of the same account. Failures now count per account whatever the form; after
/// five in a row the account waits (a minute, doubling), the wait is audited, and a login no
/// account has waits the same way, so the wait says nothing about which accounts exist.
async fn guessing_a_password_makes_the_account_wait(app: TestApp) {
    const VEKTOR_INN: &str = "5000987650";
    let guesser = TestApp::client_for(&app);
    for (i, login) in [
        OTHER_MEMBER_EMAIL,
        VEKTOR_INN,
        OTHER_MEMBER_EMAIL,
        VEKTOR_INN,
        OTHER_MEMBER_EMAIL,
    ]
    .iter()
    .enumerate()
    {
        let r = guesser.login(login, &format!("guess-{i}-password")).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    // the right password now waits too, with the time to wait
    let owner = TestApp::client_for(&app);
    let r = owner.login(OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("мин") || html.contains("сек"),
        "the page says how long: {html}"
    );
    let audited: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_locked'").fetch_one(p).await.unwrap());
    assert_eq!(audited, 1);
    // a minute later the owner gets in, and the count starts again
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        owner
            .login_as(OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD)
            .await,
        "/kabinet"
    );
    // an address no account has waits just the same
    let nobody = "nobody@nowhere.example";
    for _ in 0..5 {
        assert_eq!(
            guesser.login(nobody, "whatever-password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        guesser.login(nobody, "whatever-password").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

both_dbs!(an_inn_of_several_users_never_confirms_a_guessed_password);

/// Finding 4/5: by INN, «several users share this password» confirmed a guess. For a company
/// of several users a wrong password and a shared one now get the same answer, with the hint
/// to log in by e-mail.
async fn an_inn_of_several_users_never_confirms_a_guessed_password(app: TestApp) {
    let romashka: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT id FROM members WHERE inn = $1").bind(MEMBER_INN).fetch_one(p).await.unwrap());
    let email = kabinet::requisites::Email::parse("twin@romashka-stroy.example").unwrap();
    kabinet::auth::service::create_member_user(
        &app.db,
        &kabinet::auth::service::MemberUserForCreate {
            member_id: romashka,
            role: kabinet::auth::MemberRole::Reporter,
            email: &email,
            full_name: "Двойников Пётр",
            position: "",
            phone: "",
            password: MEMBER_PASSWORD,
        },
        &kabinet::audit::Actor::system("test"),
    )
    .await
    .unwrap();
    let c = TestApp::client_for(&app);
    let shared = expect(
        c.login(MEMBER_INN, MEMBER_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let wrong = expect(
        c.login(MEMBER_INN, "wrong-password-1").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let message = |html: &str| {
        html[html.find("id=\"login-error\"").unwrap()..]
            .split("</p>")
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(message(&shared), message(&wrong), "one answer");
    assert!(message(&wrong).contains("Неверный логин или пароль"));
    assert!(message(&wrong).contains("по своему адресу электронной почты"));
}
