//! «Инструкция по восстановлению пароля» from both manuals, through a real SMTP server, and
//! the expert's e-mail change, invitations, roles and the profile.

use reqwest::StatusCode;

use crate::auth::Browserless;
use crate::both_dbs;
use crate::helpers::*;

both_dbs!(
    reset_by_email_as_in_the_manual,
    reset_by_inn_reaches_every_user_of_the_company,
    unknown_email_and_inn_get_the_same_page_and_send_nothing,
    links_are_single_use_expire_and_are_superseded,
    mail_waits_while_smtp_is_down,
    expert_changes_the_email_and_the_member_gets_back_in,
    only_the_assigned_expert_or_an_admin_changes_emails,
    head_invites_a_colleague_and_manages_roles,
    profile_changes_password_and_lists_logins,
);

pub fn path_of(link: &str, app: &TestApp) -> String {
    assert!(
        link.starts_with(&app.address),
        "{link} should point to {}",
        app.address
    );
    link[app.address.len()..].to_string()
}

async fn request_reset(client: &Browserless<'_>, fields: &[(&str, &str)]) -> reqwest::Response {
    client.post("/user/request-password-reset", fields).await
}

/// Follow a set-password link and submit a new password twice; returns the response.
pub async fn set_password(
    client: &Browserless<'_>,
    link_path: &str,
    password: &str,
    again: &str,
) -> reqwest::Response {
    // The CSRF token belongs to the browser, not to the page: take it from a page that always
    // has a form, so dead links can be submitted too.
    let html = client.page("/user/request-password-reset").await;
    let token = link_path.split("token=").nth(1).unwrap().to_string();
    client
        .post_with_page_token(
            &html,
            "/user/reset-password",
            &[
                ("token", &token),
                ("password", password),
                ("password2", again),
            ],
        )
        .await
}

async fn reset_by_email_as_in_the_manual(app: TestApp) {
    app.start_mail_server().await;
    // Another browser is logged in: a reset must end that session.
    let other = TestApp::client_for(&app);
    other.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;

    let me = TestApp::client_for(&app);
    let login = me.page("/login").await;
    assert!(login.contains("Напомнить пароль"));
    let (status, form) = me.get_html("/user/request-password-reset").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Сброс пароля пользователя",
        "Пожалуйста, введите свой адрес электронной почты. Ссылка на сброс пароля будет отправлена на этот адрес электронной почты.",
        "Восстановить пароль по ИНН",
        "Адрес электронной почты",
        "Отправить",
    ] {
        assert!(form.contains(text), "reset page lacks «{text}»");
    }
    let r = request_reset(
        &me,
        &[
            ("by", "email"),
            ("email", "Director@Romashka-Stroy.example"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let result = r.text().await.unwrap();
    assert!(result.contains("Результат действия"));
    assert!(
        result.contains("✓ Проверьте свою электронную почту для получения дальнейших инструкций")
    );
    assert!(
        !result.contains("***@"),
        "the page is the same whether or not the account exists (no masked address)"
    );

    let mail = app.wait_for_mail(MEMBER_EMAIL).await;
    assert!(
        mail.subject
            .contains("Восстановление пароля в личном кабинете"),
        "{}",
        mail.subject
    );
    assert!(mail.subject.contains("СРО АП СОПО"));
    assert!(mail.from.contains("lk@np-sopo.ru"), "{}", mail.from);
    assert!(mail.text.contains("Здравствуйте,"));
    assert!(
        mail.text
            .contains("Перейдите по этой ссылке для сброса пароля:")
    );
    assert!(
        mail.html
            .contains("Перейдите по этой ссылке для сброса пароля:")
            && mail.html.contains("<a href=\"")
    );
    let link = mail.link();
    assert!(link.contains("/user/reset-password?token="));
    let token = link.split("token=").nth(1).unwrap();
    assert_eq!(token.len(), 43, "256-bit token");
    let stored: Vec<String> = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT token_hash FROM user_tokens").fetch_all(p).await.unwrap());
    assert!(
        !stored.iter().any(|h| h == token),
        "only the hash is stored"
    );
    let outbox: Vec<String> = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT text_body FROM outbox").fetch_all(p).await.unwrap());
    assert!(
        !outbox.iter().any(|b| b.contains(token)),
        "nor is the token in the outbox"
    );

    let path = path_of(&link, &app);
    let (status, page) = me.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(MEMBER_EMAIL));
    let r = set_password(&me, &path, "Новый-пароль-2026", "Другой-пароль-2026").await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("Пароли не совпадают")
    );
    let r = set_password(&me, &path, "qwerty123", "qwerty123").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = set_password(
        &me,
        &path,
        "Director@Romashka-Stroy.example!",
        "Director@Romashka-Stroy.example!",
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not the e-mail"
    );
    let r = set_password(&me, &path, "Новый-пароль-2026", "Новый-пароль-2026").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/profile?done=password");
    let (status, profile) = me.get_html("/profile?done=password").await;
    assert_eq!(status, StatusCode::OK, "logged in right away");
    assert!(profile.contains("Пароль сохранен"));

    assert_eq!(
        other.get("/kabinet").await.status(),
        StatusCode::SEE_OTHER,
        "every other session ended"
    );
    let fresh = TestApp::client_for(&app);
    assert_eq!(
        fresh.login(MEMBER_EMAIL, MEMBER_PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh.login_as(MEMBER_EMAIL, "Новый-пароль-2026").await,
        "/kabinet"
    );
    // the link is used up
    let (status, page) = fresh.get_html(&path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("Ссылка недействительна"));
}

async fn reset_by_inn_reaches_every_user_of_the_company(app: TestApp) {
    app.start_mail_server().await;
    let me = TestApp::client_for(&app);
    let form = me.page("/user/request-password-reset?by=inn").await;
    assert!(form.contains("Пожалуйста, введите ИНН. Ссылка на сброс пароля будет отправлена на соответствующий адрес электронной почты."));
    assert!(form.contains("Восстановить пароль по email") && form.contains("ИНН"));

    let r = request_reset(&me, &[("by", "inn"), ("inn", "7700123450")]).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a bad check digit is a form error"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("контрольная цифра") && html.contains("value=\"7700123450\""));
    assert!(app.outbox().await.is_empty(), "and no lookup, no mail");

    let r = request_reset(&me, &[("by", "inn"), ("inn", MEMBER_INN)]).await;
    let html = expect(r, StatusCode::OK).await;
    assert!(!html.contains("***@"), "{html}");
    let mail = app.wait_for_mail(MEMBER_BUH_EMAIL).await;
    app.wait_for_mail(MEMBER_EMAIL).await;
    let r = set_password(
        &me,
        &path_of(&mail.link(), &app),
        "Бухгалтерия-2026",
        "Бухгалтерия-2026",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let profile = me.page("/profile").await;
    assert!(
        profile.contains(MEMBER_BUH_EMAIL),
        "the accountant set her own password"
    );
    // The head's password is untouched.
    assert_eq!(
        TestApp::client_for(&app)
            .login_as(MEMBER_EMAIL, MEMBER_PASSWORD)
            .await,
        "/kabinet"
    );
}

async fn unknown_email_and_inn_get_the_same_page_and_send_nothing(app: TestApp) {
    let me = TestApp::client_for(&app);
    let unknown_inn = kabinet::requisites::Inn::complete("631234567");
    let mut pages = Vec::new();
    for fields in [
        [("by", "email"), ("email", "nobody@nowhere.example")],
        [("by", "inn"), ("inn", unknown_inn.as_str())],
    ] {
        let r = request_reset(&me, &fields).await;
        let html = expect(r, StatusCode::OK).await;
        assert!(
            html.contains("✓ Проверьте свою электронную почту для получения дальнейших инструкций")
        );
        assert!(!html.contains("***@"));
        assert!(!html.contains("не найден"));
        pages.push(html);
    }
    assert!(app.outbox().await.is_empty());
    // Finding 5: the answer for existing accounts is the very same page.
    for fields in [
        [("by", "email"), ("email", MEMBER_EMAIL)],
        [("by", "inn"), ("inn", MEMBER_INN)],
    ] {
        let html = expect(request_reset(&me, &fields).await, StatusCode::OK).await;
        assert_eq!(html, pages[0], "the page tells nothing about the account");
    }
    let tokens: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM user_tokens u JOIN users x ON x.id = u.user_id WHERE x.email = 'nobody@nowhere.example'").fetch_one(p).await.unwrap());
    assert_eq!(tokens, 0);
}

async fn links_are_single_use_expire_and_are_superseded(app: TestApp) {
    app.start_mail_server().await;
    let me = TestApp::client_for(&app);
    request_reset(&me, &[("by", "email"), ("email", MEMBER_EMAIL)]).await;
    let first = path_of(&app.wait_for_mail(MEMBER_EMAIL).await.link(), &app);
    request_reset(&me, &[("by", "email"), ("email", MEMBER_EMAIL)]).await;
    let second = path_of(&app.wait_for_mail_n(MEMBER_EMAIL, 2).await.link(), &app);
    assert_ne!(first, second);
    assert_eq!(
        me.get(&first).await.status(),
        StatusCode::GONE,
        "a newer request voids the older link"
    );
    let r = set_password(&me, &first, "Новый-пароль-2026", "Новый-пароль-2026").await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(me.get(&second).await.status(), StatusCode::OK);
    // expired: move the clock past `reset_token_minutes`
    let ttl = app.state.settings.security.reset_token_minutes;
    app.clock
        .advance(chrono::Duration::minutes(i64::from(ttl)) + chrono::Duration::seconds(1));
    assert_eq!(me.get(&second).await.status(), StatusCode::GONE);
    let r = set_password(&me, &second, "Новый-пароль-2026", "Новый-пароль-2026").await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(
        me.get("/user/reset-password?token=garbage").await.status(),
        StatusCode::GONE
    );
    assert_eq!(
        TestApp::client_for(&app)
            .login_as(MEMBER_EMAIL, MEMBER_PASSWORD)
            .await,
        "/kabinet",
        "password unchanged"
    );
}

async fn mail_waits_while_smtp_is_down(app: TestApp) {
    let me = TestApp::client_for(&app);
    request_reset(&me, &[("by", "email"), ("email", MEMBER_EMAIL)]).await;
    // The worker tries, fails (connection refused) and keeps the message queued with the error.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let ob = app.outbox().await;
        if ob.len() == 1 && ob[0].2 >= 1 {
            assert_eq!(ob[0].1, "queued");
            assert!(!ob[0].3.is_empty(), "the SMTP error is recorded");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no failed attempt recorded: {ob:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Staff see it in the delivery log.
    let staff = TestApp::client_for(&app);
    staff.login_as(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let log = staff.page("/office/mail").await;
    assert!(
        log.contains(MEMBER_EMAIL)
            && log.contains("в очереди")
            && log.contains("следующая попытка"),
        "{log}"
    );

    app.start_mail_server().await;
    let mail = app.wait_for_mail(MEMBER_EMAIL).await;
    assert!(mail.text.contains("/user/reset-password?token="));
    // The SMTP server has the message before the worker records it as sent: wait for the record.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let ob = app.outbox().await;
        if ob[0].1 == "sent" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never marked sent: {ob:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let log = staff.page("/office/mail?status=sent").await;
    assert!(log.contains("отправлено"));
}

async fn member_user_id(app: &TestApp, email: &str) -> (i64, i64) {
    kabinet::on_db!(&app.db, p => sqlx::query_as::<_, (i64, i64)>("SELECT id, member_id FROM users WHERE email = $1").bind(email).fetch_one(p).await.unwrap())
}

async fn expert_changes_the_email_and_the_member_gets_back_in(app: TestApp) {
    app.start_mail_server().await;
    let (uid, mid) = member_user_id(&app, MEMBER_EMAIL).await;
    let expert = TestApp::client_for(&app);
    expert.login_as(EXPERT_EMAIL, EXPERT_PASSWORD).await;
    let card = expert.page(&format!("/office/members/{mid}")).await;
    let edit = format!("/office/members/{mid}/users/{uid}/email");
    assert!(card.contains(&edit) && card.contains("Изменить email"));
    let (status, form) = expert.get_html(&edit).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Редактирование email : «Лебедев Андрей Николаевич»",
        "Электронная почта (ЛК)",
        "Сохранить",
        "Отменить",
    ] {
        assert!(form.contains(text), "form lacks «{text}»");
    }
    let r = expert.post(&edit, &[("email", "не-адрес")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = expert.post(&edit, &[("email", MEMBER_BUH_EMAIL)]).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "taken by a colleague"
    );
    assert!(r.text().await.unwrap().contains("уже есть"));
    let r = expert
        .post(&edit, &[("email", "lebedev@new-mail.example")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let old = app.wait_for_mail(MEMBER_EMAIL).await;
    assert!(
        old.text.contains("изменен") && !old.text.contains("token="),
        "the old address is told, without a link"
    );
    let new = app.wait_for_mail("lebedev@new-mail.example").await;
    let r = set_password(
        &TestApp::client_for(&app),
        &path_of(&new.link(), &app),
        "Новая-почта-2026",
        "Новая-почта-2026",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        TestApp::client_for(&app)
            .login_as("lebedev@new-mail.example", "Новая-почта-2026")
            .await,
        "/kabinet"
    );
    assert_eq!(
        TestApp::client_for(&app)
            .login(MEMBER_EMAIL, MEMBER_PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let audit = kabinet::audit::recent(&app.db, 50).await.unwrap();
    let entry = audit
        .iter()
        .find(|a| a.action == "member_user.email_changed")
        .expect("audited");
    assert!(
        entry.details.contains(MEMBER_EMAIL) && entry.details.contains("lebedev@new-mail.example")
    );
    assert_eq!(entry.actor, EXPERT_EMAIL);
}

async fn only_the_assigned_expert_or_an_admin_changes_emails(app: TestApp) {
    let (uid, mid) = member_user_id(&app, MEMBER_EMAIL).await;
    kabinet::auth::service::create_staff(
        &app.db,
        kabinet::auth::StaffRole::Expert,
        &kabinet::requisites::Email::parse("other.expert@sro.example").unwrap(),
        "Другой Эксперт",
        "Other-Expert-2026",
        &kabinet::audit::Actor::system("test"),
    )
    .await
    .unwrap();
    let stranger = TestApp::client_for(&app);
    stranger
        .login_as("other.expert@sro.example", "Other-Expert-2026")
        .await;
    let edit = format!("/office/members/{mid}/users/{uid}/email");
    let card = stranger.page(&format!("/office/members/{mid}")).await;
    assert!(!card.contains(&edit));
    assert_eq!(stranger.get(&edit).await.status(), StatusCode::FORBIDDEN);
    let r = stranger
        .post_with_token_from("/office", &edit, &[("email", "hijack@evil.example")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let registrar = TestApp::client_for(&app);
    kabinet::auth::service::create_staff(
        &app.db,
        kabinet::auth::StaffRole::Registrar,
        &kabinet::requisites::Email::parse("reg2@sro.example").unwrap(),
        "Регистратор",
        "Registrar2-2026",
        &kabinet::audit::Actor::system("test"),
    )
    .await
    .unwrap();
    registrar
        .login_as("reg2@sro.example", "Registrar2-2026")
        .await;
    assert_eq!(registrar.get(&edit).await.status(), StatusCode::FORBIDDEN);
    // A member never reaches the back office at all.
    let member = TestApp::client_for(&app);
    member.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    assert_eq!(member.get(&edit).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        member_user_id(&app, MEMBER_EMAIL).await.0,
        uid,
        "nothing changed"
    );
    // The administrator may, for any member.
    let admin = TestApp::client_for(&app);
    admin.login_as(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(admin.get(&edit).await.status(), StatusCode::OK);
}

async fn head_invites_a_colleague_and_manages_roles(app: TestApp) {
    app.start_mail_server().await;
    let head = TestApp::client_for(&app);
    head.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let company = head.page("/kabinet/company").await;
    assert!(company.contains("Пригласить пользователя"));
    let r = head
        .post(
            "/kabinet/company/users/new",
            &[
                ("full_name", "Новиков Илья"),
                ("position", "Инженер ПТО"),
                ("email", "novikov@romashka-stroy.example"),
                ("role", "reporter"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let invite = app.wait_for_mail("novikov@romashka-stroy.example").await;
    assert!(invite.subject.contains("Приглашение"));
    assert!(invite.text.contains("Ответственный за отчетность"));
    let colleague = TestApp::client_for(&app);
    let r = set_password(
        &colleague,
        &path_of(&invite.link(), &app),
        "Инженер-ПТО-2026",
        "Инженер-ПТО-2026",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = colleague.page("/kabinet/company").await;
    assert!(
        page.contains("Новиков Илья") && !page.contains("Пригласить пользователя"),
        "only the head invites"
    );
    let r = colleague
        .post_with_token_from(
            "/kabinet",
            "/kabinet/company/users/new",
            &[
                ("full_name", "X"),
                ("email", "x@x.example"),
                ("role", "head"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The accountant («Бухгалтер») cannot manage users either.
    let buh = TestApp::client_for(&app);
    buh.login_as(MEMBER_BUH_EMAIL, MEMBER_BUH_PASSWORD).await;
    assert_eq!(
        buh.get("/kabinet/company/users/new").await.status(),
        StatusCode::FORBIDDEN
    );

    // The head changes a role and blocks a user; the blocked user is out at once.
    let (buh_id, _) = member_user_id(&app, MEMBER_BUH_EMAIL).await;
    let r = head
        .post_with_token_from(
            &format!("/kabinet/users/{buh_id}"),
            &format!("/kabinet/users/{buh_id}/role"),
            &[("role", "reporter")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = head
        .post_with_token_from(
            &format!("/kabinet/users/{buh_id}"),
            &format!("/kabinet/users/{buh_id}/block"),
            &[("blocked", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(buh.get("/kabinet").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        TestApp::client_for(&app)
            .login(MEMBER_BUH_EMAIL, MEMBER_BUH_PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let card = head.page(&format!("/kabinet/users/{buh_id}")).await;
    assert!(card.contains("заблокирован") && card.contains("Ответственный за отчетность"));

    // Nobody blocks themselves, and the last head stays.
    let (head_id, _) = member_user_id(&app, MEMBER_EMAIL).await;
    let own = head.page(&format!("/kabinet/users/{head_id}")).await;
    assert!(!own.contains("Заблокировать"));
    let r = head
        .post_with_token_from(
            "/kabinet",
            &format!("/kabinet/users/{head_id}/block"),
            &[("blocked", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (novikov, _) = member_user_id(&app, "novikov@romashka-stroy.example").await;
    head.post_with_token_from(
        &format!("/kabinet/users/{novikov}"),
        &format!("/kabinet/users/{novikov}/role"),
        &[("role", "head")],
    )
    .await;
    let novikov_head = TestApp::client_for(&app);
    novikov_head
        .login_as("novikov@romashka-stroy.example", "Инженер-ПТО-2026")
        .await;
    // now two heads: Novikov may demote Lebedev; then Lebedev cannot demote the last head
    let r = novikov_head
        .post_with_token_from(
            &format!("/kabinet/users/{head_id}"),
            &format!("/kabinet/users/{head_id}/role"),
            &[("role", "accountant")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // the other company's users are invisible to this head
    let (vektor, _) = member_user_id(&app, OTHER_MEMBER_EMAIL).await;
    let r = novikov_head
        .post_with_token_from(
            "/kabinet",
            &format!("/kabinet/users/{vektor}/block"),
            &[("blocked", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        TestApp::client_for(&app)
            .login_as(OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD)
            .await,
        "/kabinet"
    );
}

async fn profile_changes_password_and_lists_logins(app: TestApp) {
    let other = TestApp::client_for(&app);
    other.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let me = TestApp::client_for(&app);
    me.login(MEMBER_EMAIL, "wrong-password-1").await;
    me.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let profile = me.page("/profile").await;
    assert!(
        profile.contains("Последние входы")
            && profile.contains("127.0.0.1")
            && profile.contains("Chrome, Windows"),
        "{profile}"
    );
    assert!(
        profile.contains("неверный пароль"),
        "failed attempts are shown too"
    );
    let r = me
        .post_with_token_from(
            "/profile",
            "/profile/password",
            &[
                ("current", "not-it"),
                ("password", "Сменённый-2026"),
                ("password2", "Сменённый-2026"),
            ],
        )
        .await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("Текущий пароль указан неверно")
    );
    let r = me
        .post_with_token_from(
            "/profile",
            "/profile/password",
            &[
                ("current", MEMBER_PASSWORD),
                ("password", "Сменённый-2026"),
                ("password2", "Сменённый-2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        me.get("/kabinet").await.status(),
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        other.get("/kabinet").await.status(),
        StatusCode::SEE_OTHER,
        "the others end"
    );
    assert_eq!(
        TestApp::client_for(&app)
            .login_as(MEMBER_EMAIL, "Сменённый-2026")
            .await,
        "/kabinet"
    );
    // staff have a profile too
    let staff = TestApp::client_for(&app);
    staff.login_as(EXPERT_EMAIL, EXPERT_PASSWORD).await;
    assert_eq!(staff.get("/profile").await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_requests_are_rate_limited() {
    let opts = Options {
        overrides: vec![("security.reset_per_account_per_hour", 2.into())],
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await.unwrap();
    let me = TestApp::client_for(&app);
    for _ in 0..2 {
        assert_eq!(
            request_reset(&me, &[("by", "email"), ("email", MEMBER_EMAIL)])
                .await
                .status(),
            StatusCode::OK
        );
    }
    let r = request_reset(&me, &[("by", "email"), ("email", MEMBER_EMAIL)]).await;
    assert!(
        expect(r, StatusCode::TOO_MANY_REQUESTS)
            .await
            .contains("Слишком много попыток")
    );
    assert_eq!(app.outbox().await.len(), 2, "no mail storm");
}
