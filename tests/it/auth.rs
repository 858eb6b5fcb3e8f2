//! Login page «Вход в личный кабинет»: by e-mail or INN, neutral errors, limits, sessions.

use reqwest::StatusCode;

use crate::both_dbs;
use crate::helpers::*;

both_dbs!(
    member_logs_in_by_email_and_sees_the_company,
    member_logs_in_by_inn,
    inn_picks_the_user_by_password_or_asks_for_email,
    wrong_password_and_unknown_accounts_get_one_neutral_message,
    inn_with_a_bad_check_digit_is_a_form_error,
    staff_land_on_the_back_office,
    logout_ends_the_session,
    session_id_changes_at_login,
    blocked_and_expired_sessions_do_not_open_pages,
    a_form_sent_after_the_session_ended_is_kept,
);

async fn member_logs_in_by_email_and_sees_the_company(app: TestApp) {
    let (status, html) = app.get_html("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Вход в личный кабинет"));
    assert!(html.contains("СРО АП СОПО"));
    assert!(html.contains("+7 (495) 902-74-82"));
    assert!(html.contains("info@np-sopo.ru"));

    let to = app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    assert_eq!(to, "/kabinet");
    let (status, html) = app.get_html("/kabinet").await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "ООО «Ромашка-Строй»",
        "7700123459",
        "Член СРО",
        "Лебедев Андрей Николаевич",
        "Выход",
        "Смирнова Анна Викторовна",
    ] {
        assert!(html.contains(expected), "dashboard lacks {expected}");
    }
    // the menu shows only pages that exist
    assert!(html.contains("href=\"/kabinet/company\""));
    let (status, company) = app.get_html("/kabinet/company").await;
    assert_eq!(status, StatusCode::OK);
    // the requisites are on «Организация», the home page opens on what to do (issue 17)
    assert!(company.contains("1027700123450"));
    assert!(!html.contains("1027700123450"));
    assert!(
        company.contains("Зайцева Ольга Михайловна"),
        "colleagues are listed"
    );
}

async fn member_logs_in_by_inn(app: TestApp) {
    let to = app.login_as(MEMBER_INN, MEMBER_PASSWORD).await;
    assert_eq!(to, "/kabinet");
    let html = app.page("/kabinet").await;
    assert!(
        html.contains("Лебедев Андрей Николаевич"),
        "logged in as the head, whose password it is"
    );
    // 12-digit INN of an individual entrepreneur
    let ip = app.new_client();
    let r = ip.get(app.url("/login")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let token = csrf_in(&r.text().await.unwrap()).unwrap();
    let r = ip
        .post(app.url("/login"))
        .header("Origin", &app.address)
        .form(&[
            ("login", "770012345606"),
            ("password", "Petrov-2026!"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn inn_picks_the_user_by_password_or_asks_for_email(app: TestApp) {
    // The accountant of the same company logs in with the company's INN and her own password.
    app.login_as(MEMBER_INN, MEMBER_BUH_PASSWORD).await;
    let html = app.page("/kabinet").await;
    assert!(html.contains("Зайцева Ольга Михайловна"));

    // A third user with the same password as the head: the INN no longer says who it is.
    let email = kabinet::requisites::Email::parse("twin@romashka-stroy.example").unwrap();
    let (list, _, _) =
        kabinet::register::service::list_members(&app.db, &Default::default(), 10, 0)
            .await
            .unwrap();
    let romashka = list.iter().find(|m| m.entry.inn == MEMBER_INN).unwrap();
    kabinet::auth::service::create_member_user(
        &app.db,
        &kabinet::auth::service::MemberUserForCreate {
            member_id: romashka.id,
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
    let other = TestApp::client_for(&app);
    let r = other.login(MEMBER_INN, MEMBER_PASSWORD).await;
    assert!(
        expect(r, StatusCode::UNAUTHORIZED)
            .await
            .contains("войдите по своему адресу электронной почты")
    );
    // ... and by e-mail it works
    assert_eq!(
        other.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await,
        "/kabinet"
    );
}

async fn wrong_password_and_unknown_accounts_get_one_neutral_message(app: TestApp) {
    let wrong = app.login(MEMBER_EMAIL, "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong = wrong.text().await.unwrap();
    let unknown_email = app
        .login("nobody@nowhere.example", "not-the-password")
        .await;
    assert_eq!(unknown_email.status(), StatusCode::UNAUTHORIZED);
    let unknown_email = unknown_email.text().await.unwrap();
    // 5000987650's neighbour with a valid check digit that no member has
    let unknown_inn = kabinet::requisites::Inn::complete("631234567");
    let r = app.login(unknown_inn.as_str(), "not-the-password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let unknown_inn = r.text().await.unwrap();
    let message = "Неверный логин или пароль";
    for html in [&wrong, &unknown_email, &unknown_inn] {
        assert!(html.contains(message));
        assert!(
            !html.contains("не найден"),
            "must not say the account does not exist"
        );
    }
    // The typed login is kept, the password is not.
    assert!(wrong.contains(&format!("value=\"{MEMBER_EMAIL}\"")));
    assert!(!wrong.contains("not-the-password"));
    assert_eq!(
        app.get("/kabinet").await.status(),
        StatusCode::SEE_OTHER,
        "still not logged in"
    );
}

async fn inn_with_a_bad_check_digit_is_a_form_error(app: TestApp) {
    let r = app.login("7700123450", MEMBER_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("не сходится контрольная цифра"), "{html}");
    let r = app.login("77001", MEMBER_PASSWORD).await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("10 цифр")
    );
    let r = app.login(MEMBER_EMAIL, "").await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("Введите пароль")
    );
}

async fn staff_land_on_the_back_office(app: TestApp) {
    assert_eq!(app.login_as(EXPERT_EMAIL, EXPERT_PASSWORD).await, "/office");
    let (status, html) = app.get_html("/office").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Рабочий стол"));
    assert!(html.contains("Мои члены СРО"));
    assert!(
        !html.contains("/office/audit"),
        "the audit log is the administrator's"
    );
    assert_eq!(
        app.get("/office/audit").await.status(),
        StatusCode::FORBIDDEN
    );
    // an old link to the root goes to the right home
    let r = app.get("/").await;
    assert_eq!(location(&r), "/office");
}

async fn logout_ends_the_session(app: TestApp) {
    app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let session = app.cookie("kabinet_session").expect("session cookie set");
    let r = app.logout("/kabinet").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?vyhod=1");
    let html = app.page("/login?vyhod=1").await;
    assert!(html.contains("Вы вышли из личного кабинета"));
    let r = app.get("/kabinet").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?next=%2Fkabinet");
    // The old cookie value is dead on the server, not only forgotten by the browser.
    let replay = app
        .new_client()
        .get(app.url("/kabinet"))
        .header("Cookie", format!("kabinet_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
}

async fn session_id_changes_at_login(app: TestApp) {
    app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let first = app.cookie("kabinet_session").unwrap();
    // Logging in again from the same browser (e.g. as a colleague, the form still open in
    // another tab) replaces the session.
    let token = app.csrf_of("/kabinet").await;
    let r = app
        .client
        .post(app.url("/login"))
        .header("Origin", &app.address)
        .form(&[
            ("login", MEMBER_BUH_EMAIL),
            ("password", MEMBER_BUH_PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let second = app.cookie("kabinet_session").unwrap();
    assert_ne!(first, second);
    let replay = app
        .new_client()
        .get(app.url("/kabinet"))
        .header("Cookie", format!("kabinet_session={first}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.status(),
        StatusCode::SEE_OTHER,
        "the old session was ended"
    );
    // the login redirect remembers where the user wanted to go
    let r = app
        .new_client()
        .get(app.url("/kabinet/company"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/login?next=%2Fkabinet%2Fcompany");
}

async fn blocked_and_expired_sessions_do_not_open_pages(app: TestApp) {
    // Changed in the database behind this instance's back (as another instance would): the
    // session must not have been resolved within the last `session_cache_ms`, so nothing is
    // read between the login and the change.
    app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    // An idle session expires: move the clock past `session_idle_hours`.
    let idle = app.state.settings.security.session_idle_hours;
    app.clock
        .advance(chrono::Duration::hours(i64::from(idle)) + chrono::Duration::minutes(1));
    assert_eq!(app.get("/kabinet").await.status(), StatusCode::SEE_OTHER);
    app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    kabinet::on_db!(&app.db, p => sqlx::query("UPDATE users SET is_blocked = TRUE WHERE email = $1").bind(MEMBER_EMAIL).execute(p).await.unwrap().rows_affected());
    assert_eq!(
        app.get("/kabinet").await.status(),
        StatusCode::SEE_OTHER,
        "a blocked user is out"
    );
    let r = app.login(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "and cannot log in again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_rate_limit_per_account_and_per_ip() {
    let opts = Options {
        overrides: vec![
            ("security.login_per_account_per_minute", 3.into()),
            ("security.login_per_ip_per_minute", 6.into()),
        ],
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await.unwrap();
    for _ in 0..3 {
        assert_eq!(
            app.login(MEMBER_EMAIL, "wrong-password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.login(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(r.headers().get("retry-after").is_some());
    let html = r.text().await.unwrap();
    assert!(html.contains("Слишком много попыток"), "{html}");
    assert!(html.contains("lang=\"ru\""));
    // other accounts from the same address: the per-IP limit (6) ends it after 2 more
    assert_eq!(
        app.login("someone@else.example", "x-wrong-password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("another@else.example", "x-wrong-password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("third@else.example", "x-wrong-password")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

impl TestApp {
    /// A second browser on the same app, with the same helpers.
    pub fn client_for(app: &TestApp) -> Browserless<'_> {
        Browserless {
            app,
            client: app.new_client(),
        }
    }
}

/// Helpers of [`TestApp`] on another cookie jar.
pub struct Browserless<'a> {
    pub app: &'a TestApp,
    pub client: reqwest::Client,
}

impl Browserless<'_> {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.app.url(path)).send().await.unwrap()
    }

    pub async fn get_html(&self, path: &str) -> (StatusCode, String) {
        status_and_text(self.get(path).await).await
    }

    /// A page that must answer 200: its HTML.
    pub async fn page(&self, path: &str) -> String {
        expect(self.get(path).await, StatusCode::OK).await
    }

    /// Submit the form on the page at `path` with that page's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.post_with_token_from(path, path, fields).await
    }

    /// Post to `path` with the CSRF token of the page at `page` (forms that live elsewhere).
    pub async fn post_with_token_from(
        &self,
        page: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let html = self.page(page).await;
        self.post_with_page_token(&html, path, fields).await
    }

    pub async fn post_with_page_token(
        &self,
        html: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = csrf_in(html).unwrap_or_else(|| panic!("no CSRF token for {path}: {html}"));
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        self.client
            .post(self.app.url(path))
            .header("Origin", &self.app.address)
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, login: &str, password: &str) -> reqwest::Response {
        let html = self
            .client
            .get(self.app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = csrf_in(&html).unwrap();
        self.client
            .post(self.app.url("/login"))
            .header("Origin", &self.app.address)
            .form(&[
                ("login", login),
                ("password", password),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn login_as(&self, login: &str, password: &str) -> String {
        let r = self.login(login, password).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        location(&r)
    }
}

/// Issue 17: «never lose the user's work». A form sent after the session ended is kept; the
/// user logs in again and sends it with one click. A form with a password is never kept.
async fn a_form_sent_after_the_session_ended_is_kept(app: TestApp) {
    let c = TestApp::client_for(&app);
    c.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let form = c.page("/kabinet/contracts/new").await;
    let password_form = c.page("/profile").await;
    let fields = [
        ("number", "П-9/2026"),
        ("signed_on", "2026-03-06"),
        ("customer_name", "ГКУ «Заказчик»"),
        ("customer_inn", "7701234560"),
        ("subject", "Проект, набранный до конца сеанса"),
        ("kind", "design"),
        ("price", "1 000 000"),
        ("method", "direct"),
    ];
    // The working day ends: the session expires while the form is open.
    app.clock.advance(chrono::Duration::hours(9));
    let r = c.get("/kabinet").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the session has ended");
    let r = c
        .post_with_page_token(&form, "/kabinet/contracts", &fields)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.starts_with("/login?next=%2Freplay%2F"), "{to}");
    let next: String = url::form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let login = c.page(&to).await;
    assert!(login.contains("Сеанс завершился"), "{login}");
    let r = c
        .client
        .post(app.url("/login"))
        .header("Origin", &app.address)
        .form(&[
            ("csrf_token", csrf_in(&login).unwrap().as_str()),
            ("login", MEMBER_EMAIL),
            ("password", MEMBER_PASSWORD),
            ("next", next.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), next);
    let replay = c.page(&next).await;
    assert!(replay.contains("Отправить еще раз"), "{replay}");
    assert!(
        replay.contains(r#"name="subject" value="Проект, набранный до конца сеанса""#),
        "{replay}"
    );
    assert!(!replay.contains(r#"name="csrf_token" value="" "#));
    // Another browser, even the same user's, does not have the form's cookie: 404.
    let other = TestApp::client_for(&app);
    other.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let (s, _) = other.get_html(&next).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let r = c
        .post_with_page_token(&replay, "/kabinet/contracts", &fields)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).contains("done=added"), "{}", location(&r));
    // Another user cannot see it without its key; a wrong key is 404.
    let (s, _) = c.get_html("/replay/not-a-key").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A stale password form is refused, never kept.
    let before: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM form_replays").fetch_one(p).await.unwrap());
    let r = c
        .post_with_page_token(
            &password_form,
            "/profile/password",
            &[
                ("current_password", MEMBER_PASSWORD),
                ("password", "Another-Pass-2026!"),
                ("password2", "Another-Pass-2026!"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let after: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM form_replays").fetch_one(p).await.unwrap());
    assert_eq!(before, after);
    // With the session gone, a form with nothing to keep leads to the login page, not a 403.
    let ack_page = c.page("/profile").await;
    app.clock.advance(chrono::Duration::hours(9));
    let r = c
        .post_with_page_token(&ack_page, "/profile/password", &[("password", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?istek=1");
    assert!(c.page("/login?istek=1").await.contains("Сеанс завершился"));
    // Kept forms go after an hour (the sessions' sweep).
    app.clock.advance(chrono::Duration::minutes(61));
    kabinet::auth::service::sweep_sessions(&app.db)
        .await
        .unwrap();
    let left: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM form_replays").fetch_one(p).await.unwrap());
    assert_eq!(left, 0);
}
