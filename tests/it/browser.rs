//! Headless Chromium through chromedriver (W3C WebDriver over HTTP, a few calls wrapped
//! here), on the same `TestApp`. Each flow also runs axe-core on the pages it visits: no
//! serious or critical accessibility violations.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (scripts/test installs them) and
//! axe-core (`KABINET_AXE_JS`). Without them the tests are skipped, unless
//! `KABINET_TEST_BROWSER=1` (set by scripts/test and CI), where that is a failure.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn required() -> bool {
    std::env::var("KABINET_TEST_BROWSER").is_ok_and(|v| v == "1")
}

impl Browser {
    async fn start() -> Option<Browser> {
        let driver_path = std::env::var("KABINET_CHROMEDRIVER")
            .unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium =
            std::env::var("KABINET_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        if !std::path::Path::new(&driver_path).exists() || !std::path::Path::new(&chromium).exists()
        {
            assert!(
                !required(),
                "chromium/chromedriver missing but KABINET_TEST_BROWSER=1"
            );
            eprintln!("chromium or chromedriver not installed: skipping the browser test");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = crate::helpers::http();
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && r.status().is_success()
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not answer");
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--disable-quic", "--window-size=1280,900", "--lang=ru-RU",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        let b = Browser {
            driver,
            base,
            session,
            http,
            _profile: profile,
        };
        b.cmd(
            "POST",
            "timeouts",
            json!({"script": 30000, "pageLoad": 30000, "implicit": 2000}),
        )
        .await;
        Some(b)
    }

    async fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}/{}", self.base, self.session, path);
        let req = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url).json(&body),
        };
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.cmd("POST", "url", json!({"url": url})).await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                "POST",
                "element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    /// The element whose visible text is exactly `text` (buttons and links by their label).
    async fn by_text(&self, tag: &str, text: &str) -> String {
        let xpath = format!("//{tag}[normalize-space(.)='{text}']");
        let v = self
            .cmd("POST", "element", json!({"using": "xpath", "value": xpath}))
            .await;
        v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no {tag} «{text}»"))
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.cmd("POST", &format!("element/{el}/clear"), json!({}))
            .await;
        self.cmd(
            "POST",
            &format!("element/{el}/value"),
            json!({"text": text}),
        )
        .await;
    }

    /// Put a file into a file input, as the «Выбрать файл ...» dialog would.
    async fn attach(&self, css: &str, path: &std::path::Path) {
        let el = self.find(css).await;
        self.cmd(
            "POST",
            &format!("element/{el}/value"),
            json!({"text": path.display().to_string()}),
        )
        .await;
    }

    async fn run(&self, script: &str) {
        self.cmd(
            "POST",
            "execute/sync",
            json!({"script": script, "args": []}),
        )
        .await;
    }

    /// Wait until the page's address contains `part` (a form posted by script navigates when
    /// the upload is done, so the click returns before the next page).
    async fn wait_for_url(&self, part: &str) {
        for _ in 0..300 {
            if self.url().await.contains(part) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "the page never reached {part}: at {}\n{}",
            self.url().await,
            self.text().await
        );
    }

    /// Waits until the page's text has `part` (a URL check alone passes on the page the form
    /// was sent from when its address already contains the part).
    async fn wait_for_text(&self, part: &str) {
        for _ in 0..300 {
            if self.text().await.contains(part) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the page never showed {part}:\n{}", self.text().await);
    }

    async fn click(&self, el: &str) {
        self.cmd("POST", &format!("element/{el}/click"), json!({}))
            .await;
    }

    async fn url(&self) -> String {
        self.cmd("GET", "url", Value::Null)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn text(&self) -> String {
        self.cmd(
            "POST",
            "execute/sync",
            json!({"script": "return document.body.innerText", "args": []}),
        )
        .await
        .as_str()
        .unwrap()
        .to_string()
    }

    /// Run axe-core on the current page; fail on any violation, minor ones included (issue 17:
    /// target sizes, heading order).
    async fn assert_accessible(&self, what: &str) {
        let path = std::env::var("KABINET_AXE_JS").unwrap_or_else(|_| {
            repo_path(".cache/node/node_modules/axe-core/axe.min.js")
                .display()
                .to_string()
        });
        let Ok(axe) = std::fs::read_to_string(&path) else {
            assert!(!required(), "axe-core not found at {path}");
            eprintln!("axe-core not installed: accessibility check of {what} skipped");
            return;
        };
        self.cmd("POST", "execute/sync", json!({"script": axe, "args": []}))
            .await;
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ['violations'], rules: {'target-size': {enabled: true}}})
              .then(r => done(r.violations
                  .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
              .catch(e => done(['axe failed: ' + e]));";
        let v = self
            .cmd(
                "POST",
                "execute/async",
                json!({"script": script, "args": []}),
            )
            .await;
        let violations: Vec<String> = serde_json::from_value(v).unwrap();
        assert!(
            violations.is_empty(),
            "accessibility violations on {what}:\n{}",
            violations.join("\n")
        );
    }

    /// Saves the page as `target/screenshots/{name}.png` (to look at before finishing, issue
    /// 17), and checks that nothing runs off the side: the page is no wider than the window.
    async fn screenshot(&self, name: &str) {
        use base64::Engine as _;
        let png = self.cmd("GET", "screenshot", Value::Null).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        let dir = repo_path("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
        let wide = self
            .cmd(
                "POST",
                "execute/sync",
                json!({"script": "return document.documentElement.scrollWidth - window.innerWidth", "args": []}),
            )
            .await;
        assert!(
            wide.as_i64().unwrap() <= 0,
            "{name}: the page is {wide} px wider than the window"
        );
    }

    async fn set_window(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "window/rect",
            json!({"width": width, "height": height}),
        )
        .await;
    }

    async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        self.session.clear(); // Drop stops chromedriver
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that failed before `quit`: end the WebDriver session first (chromedriver then
        // closes Chromium), or Chromium outlives the test, orphaned. Drop cannot await, so a
        // plain blocking request.
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://").to_string();
        if self.session.is_empty() {
            // ended by `quit`
        } else if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(10)));
            let req = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n",
                self.session
            );
            if s.write_all(req.as_bytes()).is_ok() {
                let _ = s.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

async fn log_in(b: &Browser, app: &TestApp, login: &str, password: &str) {
    b.goto(&app.url("/login")).await;
    b.type_into("#login", login).await;
    b.type_into("#password", password).await;
    let button = b.by_text("button", "Войти").await;
    b.click(&button).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_logs_in_sees_the_dashboard_and_logs_out() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();

    b.goto(&app.url("/login")).await;
    assert!(b.text().await.contains("Вход в личный кабинет"));
    b.assert_accessible("the login page").await;

    // wrong password first: one neutral message, on the same page
    log_in(&b, &app, MEMBER_EMAIL, "wrong-password").await;
    b.wait_for_text("Неверный логин или пароль").await;
    b.assert_accessible("the login page with an error").await;

    log_in(&b, &app, MEMBER_INN, MEMBER_PASSWORD).await;
    assert!(b.url().await.ends_with("/kabinet"), "{}", b.url().await);
    let text = b.text().await;
    assert!(
        text.contains("ООО «Ромашка-Строй»")
            && text.contains("7700123459")
            && text.contains("Член СРО")
    );
    b.assert_accessible("the member dashboard").await;

    let company = b.by_text("a", "Организация").await;
    b.click(&company).await;
    b.wait_for_url("/kabinet/company").await;
    assert!(b.text().await.contains("Пользователи личного кабинета"));
    b.assert_accessible("the company page").await;

    // on a phone: the menu waits behind one button (issue 17)
    b.set_window(390, 844).await;
    let shown = |id: &str| {
        format!("var e = document.querySelector('{id}'); return !!e && e.offsetParent !== null;")
    };
    let visible = |v: Value| v.as_bool().unwrap();
    let list = shown("#mainnav-list");
    let toggle = shown(".nav-toggle");
    assert!(!visible(
        b.cmd("POST", "execute/sync", json!({"script": list, "args": []}))
            .await
    ));
    assert!(visible(
        b.cmd(
            "POST",
            "execute/sync",
            json!({"script": toggle, "args": []})
        )
        .await
    ));
    b.assert_accessible("the company page on a phone").await;
    let menu = b.by_text("button", "Меню").await;
    b.click(&menu).await;
    assert!(visible(
        b.cmd("POST", "execute/sync", json!({"script": list, "args": []}))
            .await
    ));
    b.assert_accessible("the phone menu, open").await;
    b.set_window(1280, 900).await;
    assert!(!visible(
        b.cmd(
            "POST",
            "execute/sync",
            json!({"script": toggle, "args": []})
        )
        .await
    ));
    assert!(visible(
        b.cmd("POST", "execute/sync", json!({"script": list, "args": []}))
            .await
    ));

    let logout = b.by_text("button", "Выход").await;
    b.click(&logout).await;
    // the click returns before the next page has loaded (CI saw the old page's text)
    b.wait_for_url("/login").await;
    let text = b.text().await;
    assert!(
        text.contains("Вы вышли из личного кабинета"),
        "{}: {text}",
        b.url().await
    );
    b.goto(&app.url("/kabinet")).await;
    assert!(
        b.url().await.contains("/login"),
        "the dashboard is closed after logout"
    );
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_log_in_to_the_back_office() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    log_in(&b, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(b.url().await.ends_with("/office"));
    assert!(b.text().await.contains("Рабочий стол"));
    b.assert_accessible("the back-office dashboard").await;

    b.type_into("#q", "ромашка").await;
    let find = b.by_text("button", "Найти").await;
    b.click(&find).await;
    // a click returns before the next page has loaded: wait for it (flaked under load)
    b.wait_for_url("/office/members?").await;
    let text = b.text().await;
    assert!(
        text.contains("ООО «Ромашка-Строй»"),
        "{} {text}",
        b.url().await
    );
    b.assert_accessible("the members list").await;
    let card = b.by_text("a", "ООО «Ромашка-Строй»").await;
    b.click(&card).await;
    b.wait_for_url("/office/members/1").await;
    assert!(b.text().await.contains("История изменений"));
    b.assert_accessible("the member card").await;
    // Issue 17: the card was 3,700 px tall on a desktop; its long parts open on demand now.
    let height = b
        .cmd(
            "POST",
            "execute/sync",
            json!({"script": "return document.documentElement.scrollHeight", "args": []}),
        )
        .await
        .as_f64()
        .unwrap();
    assert!(height < 2600.0, "the member card is {height} px tall");

    // «Журнал аудита» is in the «Администрирование» submenu, shown on keyboard focus.
    b.run("document.querySelector('#mainnav-list a[href=\"/office/staff\"]').focus()")
        .await;
    let audit = b.by_text("a", "Журнал аудита").await;
    b.click(&audit).await;
    b.wait_for_url("/office/audit").await;
    assert!(b.text().await.contains("Цепочка записей цела"));
    b.assert_accessible("the audit log").await;

    b.goto(&app.url("/no-such-page")).await;
    assert!(b.text().await.contains("Страница не найдена"));
    b.assert_accessible("the 404 page").await;

    let logout = b.by_text("button", "Выход").await;
    b.click(&logout).await;
    b.wait_for_url("/login").await;
    b.quit().await;
}

/// The manual's «Инструкция по восстановлению пароля», steps 1–2, by clicking the same labels.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_recovers_the_password_by_inn_as_the_manual_says() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.start_mail_server().await;

    b.goto(&app.url("/login")).await;
    let remind = b.by_text("a", "Напомнить пароль").await;
    b.click(&remind).await;
    assert!(b.text().await.contains("Сброс пароля пользователя"));
    b.assert_accessible("the reset page").await;
    let by_inn = b.by_text("a", "Восстановить пароль по ИНН").await;
    b.click(&by_inn).await;
    assert!(b.text().await.contains("Пожалуйста, введите ИНН."));
    b.type_into("#inn", MEMBER_INN).await;
    let send = b.by_text("button", "Отправить").await;
    b.click(&send).await;
    let text = b.text().await;
    assert!(text.contains("Результат действия"));
    assert!(
        text.contains("✓ Проверьте свою электронную почту для получения дальнейших инструкций")
    );
    b.assert_accessible("the result page").await;

    let mail = app.wait_for_mail(MEMBER_EMAIL).await;
    b.goto(&mail.link()).await;
    b.type_into("#password", "Браузерный-пароль-2026").await;
    b.type_into("#password2", "Браузерный-пароль-2026").await;
    b.assert_accessible("the new password page").await;
    let save = b.by_text("button", "Сохранить пароль и войти").await;
    b.click(&save).await;
    b.wait_for_url("/profile").await;
    assert!(b.text().await.contains("Пароль сохранен"));
    b.assert_accessible("the profile").await;
    b.quit().await;
}

/// The manual's steps 2–9 and «Завершающие шаги»: «Отчеты» → «Отчет за текущий год», the section
/// card with its template, a real file with a real GOST detached signature to its right,
/// «Добавить еще один документ», «Дата документа», «Текст обращения», «Сохранить», then
/// «Сохранить и отправить»; the journal shows the status and, once the SRO registers it, the
/// incoming number and date.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_sends_the_annual_report_as_the_manual_says() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // Step 3: the SRO attached a template to the section.
    let admin = crate::exchange::member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let html = admin.page("/office/reports").await;
    let campaign = crate::exchange::first_id(&html, "/office/reports/");
    let page = format!("/office/reports/{campaign}");
    let html = admin.page(&page).await;
    let section = crate::exchange::first_id(&html, "/office/sections/");
    crate::exchange::upload(
        &admin,
        &page,
        &format!("/office/sections/{section}/templates"),
        &[],
        vec![(
            "template",
            "Шаблон информационного листа.pdf",
            crate::exchange::pdf("Шаблон"),
        )],
    )
    .await;

    log_in(&b, &app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let reports = b.by_text("nav//a", "Отчеты").await;
    b.click(&reports).await;
    let current = b.by_text("main//a", "Отчет за текущий год").await;
    b.click(&current).await;
    b.wait_for_url("/kabinet/reports/current").await;
    let text = b.text().await;
    assert!(text.contains("Отчет за 2026 год"), "{text}");
    assert!(text.contains("Шаблон информационного листа.pdf"));
    b.assert_accessible("the report's section cards").await;
    let open = b.by_text("main//a", "Открыть раздел").await;
    b.click(&open).await;
    b.wait_for_url("/kabinet/reports/sections/").await;
    let text = b.text().await;
    assert!(text.contains("Шаблон для заполнения"));
    assert!(
        text.contains("Перетащите файлы сюда ..."),
        "the drop zone shows with scripts on"
    );
    b.assert_accessible("the section card").await;

    let fixtures = repo_path("tests/fixtures/signatures");
    b.attach("#file_1", &fixtures.join("otchet.pdf")).await;
    b.attach("#sig_1", &fixtures.join("otchet.pdf.sig")).await;
    let more = b.by_text("button", "Добавить еще один документ +").await;
    b.click(&more).await;
    b.attach("#file_2", &fixtures.join("curve-tc26-256-a.txt"))
        .await;
    b.attach("#sig_2", &fixtures.join("curve-tc26-256-a.txt.sig"))
        .await;
    b.run("document.getElementById('document_date').value = '2026-11-20'")
        .await;
    b.type_into("#body", "Направляем информационный лист за 2026 год")
        .await;
    let save = b.by_text("button", "Сохранить").await;
    b.click(&save).await;
    b.wait_for_url("done=saved").await;
    let text = b.text().await;
    assert!(text.contains("Черновик сохранен"), "{text}");
    assert!(text.contains("otchet.pdf"));
    assert!(text.contains("curve-tc26-256-a.txt"));
    assert_eq!(
        text.matches("Подпись действительна с замечаниями").count(),
        2,
        "{text}"
    );
    let send = b.by_text("button", "Сохранить и отправить").await;
    b.click(&send).await;
    b.wait_for_url("done=sent").await;
    let text = b.text().await;
    assert!(text.contains("Документ отправлен в СРО"), "{text}");
    assert!(text.contains("Направляем информационный лист за 2026 год"));

    // «Завершающие шаги»: the journal, then the incoming number and date.
    let journal = b.by_text("nav//a", "Журнал исходящих").await;
    b.click(&journal).await;
    b.wait_for_url("/kabinet/journal").await;
    let text = b.text().await;
    assert!(text.contains("Журнал исходящих сообщений"));
    assert!(text.contains("Отправлено"));
    assert!(text.contains("ожидает регистрации"));
    b.assert_accessible("the outgoing journal").await;
    let inbox = admin.page("/office/inbox").await;
    let item = crate::exchange::first_id(&inbox, "/office/items/");
    admin
        .post_with_token_from(
            &format!("/office/items/{item}"),
            &format!("/office/items/{item}/register"),
            &[],
        )
        .await;
    b.goto(&app.url("/kabinet/journal")).await;
    let text = b.text().await;
    let year = chrono::Utc::now().format("%y").to_string();
    assert!(text.contains(&format!("Входящий № 1/{year} от")), "{text}");
    assert!(text.contains("Зарегистрировано"));
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_gets_an_extract_and_a_visitor_finds_the_company_in_the_register() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();

    // The member: «Получить выписку» on the dashboard makes the PDF at once
    log_in(&b, &app, MEMBER_INN, MEMBER_PASSWORD).await;
    b.wait_for_url("/kabinet").await;
    let get = b.by_text("button", "Получить выписку").await;
    b.click(&get).await;
    b.wait_for_url("/pdf").await;
    let url = b.url().await;
    let number = url
        .split("/kabinet/extracts/")
        .nth(1)
        .unwrap()
        .trim_end_matches("/pdf")
        .to_string();
    // the extracts journal lists it, from the menu
    b.goto(&app.url("/kabinet")).await;
    let menu = b.by_text("a", "Выписка из реестра").await;
    b.click(&menu).await;
    b.wait_for_url("/kabinet/extracts").await;
    let text = b.text().await;
    assert!(
        text.contains(&number) && text.contains("сведения не менялись"),
        "{text}"
    );
    b.assert_accessible("the member's extracts").await;
    let logout = b.by_text("button", "Выход").await;
    b.click(&logout).await;
    b.wait_for_url("vyhod").await;

    // A visitor, no login: the public register, a search in Russian, the card
    b.goto(&app.url("/reestr")).await;
    b.assert_accessible("the public register").await;
    b.type_into("#q", "ромашка").await;
    let find = b.by_text("button", "Найти").await;
    b.click(&find).await;
    b.wait_for_url("q=").await;
    let text = b.text().await;
    assert!(
        text.contains("Найдено: 1") && text.contains("ООО «Ромашка-Строй»"),
        "{text}"
    );
    let link = b.by_text("a", "ООО «Ромашка-Строй»").await;
    b.click(&link).await;
    b.wait_for_url("/reestr/7700123459").await;
    let text = b.text().await;
    assert!(text.contains("Сведения о членстве") && text.contains("Уровень ответственности"));
    b.assert_accessible("a member's public card").await;
    // … and checks the extract the company gave them, by its number
    let check = b.by_text("a", "Проверка выписки").await;
    b.click(&check).await;
    b.wait_for_url("/v").await;
    b.type_into("#number", &number.to_lowercase()).await;
    let button = b.by_text("button", "Проверить").await;
    b.click(&button).await;
    b.wait_for_url(&number).await;
    let text = b.text().await;
    assert!(text.contains("Выписка подлинная и актуальна"), "{text}");
    assert!(text.contains("7700123459"));
    b.assert_accessible("the check of an extract").await;
    b.quit().await;
}

/// Issue 13: admission → «Пригласить в личный кабинет» → the letter → a password → the new
/// member's dashboard, all in the browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_member_is_admitted_invited_and_reaches_its_cabinet() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.start_mail_server().await;
    log_in(&b, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.wait_for_url("/office").await;
    b.goto(&app.url("/office/members/new")).await;
    // The entry form is long: its fields are filled by name, as the register test fills them.
    let fields: Vec<(&str, &str)> = crate::register::new_member(&[]);
    let script: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "document.querySelector('[name={k}]').value = {};",
                serde_json::to_string(v).unwrap()
            )
        })
        .collect();
    b.run(&script).await;
    let admit = b.by_text("button", "Внести в реестр").await;
    b.click(&admit).await;
    b.wait_for_url("?done=admitted").await;
    let text = b.text().await;
    assert!(
        text.contains("У организации пока нет пользователей"),
        "{text}"
    );
    let invite = b.by_text("a", "Пригласить в личный кабинет").await;
    b.click(&invite).await;
    b.wait_for_url("/invite").await;
    b.assert_accessible("the invitation form").await;
    let send = b.by_text("button", "Отправить приглашение").await;
    b.click(&send).await;
    b.wait_for_url("?done=invited").await;
    assert!(b.text().await.contains("Приглашение отправлено"));
    b.assert_accessible("the member card with an invitation")
        .await;
    let logout = b.by_text("button", "Выход").await;
    b.click(&logout).await;
    b.wait_for_url("/login").await;

    let letter = app.wait_for_mail("office@new-project.example").await;
    b.goto(&letter.link()).await;
    b.type_into("#password", "Новый-Проект-2026").await;
    b.type_into("#password2", "Новый-Проект-2026").await;
    let save = b.by_text("button", "Сохранить пароль и войти").await;
    b.click(&save).await;
    // An invited user lands in the cabinet, welcomed.
    b.wait_for_url("/kabinet?done=welcome").await;
    let home = b.text().await;
    assert!(home.contains("Добро пожаловать"), "{home}");
    assert!(
        home.contains("ООО «Новый Проект»") && home.contains("7707083893"),
        "{home}"
    );
    b.assert_accessible("the new member's dashboard").await;
    b.quit().await;
}

/// Issue 17: the size check says what is wrong, in numbers that differ.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_size_check_says_what_is_wrong() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let opts = Options {
        overrides: vec![("uploads.max_file_mb", 1.into())],
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.pdf");
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(1024 * 1024 + 200 * 1024, b'x');
    std::fs::write(&big, &bytes).unwrap();
    log_in(&b, &app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    b.wait_for_url("/kabinet").await;
    b.goto(&app.url("/kabinet/letters/new")).await;
    b.attach("#file_1", &big).await;
    let mut text = String::new();
    for _ in 0..50 {
        text = b.text().await;
        if text.contains("больше допустимых") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        text.contains("Файл «big.pdf» — 1,2 МБ, больше допустимых 1 МБ."),
        "{text}"
    );
    b.quit().await;
}

/// Issue 17: a document and its signature dropped together land in one row, each row shows
/// one button and the chosen file's name, and no empty progress bar shows before sending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_and_its_signature_dropped_together_share_a_row() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    log_in(&b, &app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    b.wait_for_url("/kabinet").await;
    b.goto(&app.url("/kabinet/letters/new")).await;
    b.run(
        "var dt = new DataTransfer();\
         dt.items.add(new File(['%PDF-1.4 a'], 'Протокол.pdf', {type: 'application/pdf'}));\
         dt.items.add(new File(['sig-a'], 'Акт.p7s'));\
         dt.items.add(new File(['sig-b'], 'Протокол.pdf.sig'));\
         dt.items.add(new File(['%PDF-1.4 b'], 'Акт.pdf', {type: 'application/pdf'}));\
         document.querySelector('[data-dropzone]').dispatchEvent(\
           new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));",
    )
    .await;
    let got = b
        .cmd(
            "POST",
            "execute/sync",
            json!({"script": "var n = function (id) { var e = document.getElementById(id); \
                return e && e.files.length ? e.files[0].name : ''; };\
                var bars = document.querySelectorAll('progress'), shown = 0;\
                for (var i = 0; i < bars.length; i++) { if (bars[i].offsetParent !== null) { shown++; } }\
                return [n('file_1'), n('sig_1'), n('file_2'), n('sig_2'), String(shown),\
                  document.querySelector('[data-file-name]').textContent];", "args": []}),
        )
        .await;
    let got: Vec<String> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        &got[..5],
        [
            "Протокол.pdf",
            "Протокол.pdf.sig",
            "Акт.pdf",
            "Акт.p7s",
            "0"
        ],
        "{got:?}"
    );
    assert!(got[5].starts_with("Протокол.pdf ("), "{got:?}");
    assert!(got[5].contains("с подписью «Протокол.pdf.sig»"), "{got:?}");
    b.assert_accessible("the letter form with dropped files")
        .await;
    // The cross takes a file out again: the signature first (its document says so), then the
    // document itself.
    let after = b
        .cmd(
            "POST",
            "execute/sync",
            json!({"script": "var line = function (id) { return document.getElementById(id).parentNode.querySelector('[data-file-name]'); };\
                line('sig_1').querySelector('.file-remove').click();\
                var doc = line('file_1').textContent;\
                line('file_1').querySelector('.file-remove').click();\
                return [doc, String(document.getElementById('file_1').files.length),\
                  String(document.getElementById('sig_1').files.length), line('file_1').textContent];", "args": []}),
        )
        .await;
    assert!(
        after[0].as_str().unwrap().contains("без подписи"),
        "{after}"
    );
    assert_eq!(after[1], "0", "{after}");
    assert_eq!(after[2], "0", "{after}");
    assert_eq!(after[3], "", "{after}");
    b.quit().await;
}

/// Issue 17: the session ends while a letter with a file is being written; «Сохранить и
/// отправить» offers to log in on the same page, a wrong password says so there, and after
/// logging in the same letter goes with its file and subject, nothing chosen again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_survives_the_end_of_the_session() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("Справка.pdf");
    std::fs::write(&doc, b"%PDF-1.4\n% after the session\n%%EOF\n").unwrap();
    log_in(&b, &app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    b.wait_for_url("/kabinet").await;
    b.goto(&app.url("/kabinet/letters/new")).await;
    b.type_into("#subject", "Письмо после конца сеанса").await;
    b.attach("#file_1", &doc).await;
    app.clock.advance(chrono::Duration::hours(9));
    let send = b.by_text("button", "Сохранить и отправить").await;
    b.click(&send).await;
    b.wait_for_text("Войдите снова здесь же").await;
    assert!(b.url().await.ends_with("/kabinet/letters/new"));
    b.assert_accessible("the upload form asking to log in again")
        .await;
    b.type_into("#relogin-login", MEMBER_EMAIL).await;
    b.type_into("#relogin-password", "not-the-password").await;
    let go = b.by_text("button", "Войти и отправить").await;
    b.click(&go).await;
    b.wait_for_text("Неверн").await;
    b.type_into("#relogin-password", MEMBER_PASSWORD).await;
    b.click(&go).await;
    b.wait_for_url("/kabinet/items/").await;
    b.wait_for_text("Письмо после конца сеанса").await;
    let text = b.text().await;
    assert!(text.contains("Справка.pdf"), "{text}");
    let sent: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM items WHERE subject = 'Письмо после конца сеанса'")
        .fetch_one(p).await.unwrap());
    assert_eq!(sent, 1, "one letter, sent once");
    b.quit().await;
}

/// Issue 14: the SRO's accountant uploads the bank statement; the member's accountant sees the
/// payment and takes an invoice for what is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accountant_uploads_a_statement_and_the_member_sees_its_payment() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kl_to_1c.txt");
    let docs = [crate::billing::doc(
        "3131",
        (2026, 11, 26),
        5_000_00,
        MEMBER_INN,
        "Членский взнос за IV кв. 2026 г.",
    )];
    std::fs::write(
        &file,
        crate::billing::statement(&app, kabinet::billing::statement::Encoding::Windows, &docs),
    )
    .unwrap();
    log_in(&b, &app, "accountant@sro.example", "Accountant-2026!").await;
    b.wait_for_url("/office").await;
    let money = b.by_text("nav//a", "Взносы").await;
    b.click(&money).await;
    b.wait_for_url("/office/billing").await;
    b.assert_accessible("the accountant's overview").await;
    let load = b.by_text("a", "Загрузить выписку банка").await;
    b.click(&load).await;
    b.wait_for_url("/office/billing/statements").await;
    b.attach("#file", &file).await;
    let go = b.by_text("button", "Загрузить").await;
    b.click(&go).await;
    b.wait_for_url("?done=loaded").await;
    let text = b.text().await;
    assert!(text.contains("Разнесено по членам СРО: 1"), "{text}");
    b.assert_accessible("the statement's report").await;
    let logout = b.by_text("button", "Выход").await;
    b.click(&logout).await;
    b.wait_for_url("/login").await;

    log_in(&b, &app, MEMBER_BUH_EMAIL, MEMBER_BUH_PASSWORD).await;
    b.wait_for_url("/kabinet").await;
    assert!(b.text().await.contains("Задолженность: 10\u{a0}000\u{a0}₽"));
    let payments = b.by_text("nav//a", "Платежи").await;
    b.click(&payments).await;
    b.wait_for_url("/kabinet/payments").await;
    let text = b.text().await;
    assert!(text.contains("п/п № 3131"), "{text}");
    assert!(
        text.contains("Членский взнос за IV квартал 2026 г.: 5\u{a0}000\u{a0}₽"),
        "{text}"
    );
    b.assert_accessible("the member's payments").await;
    let invoice = b
        .by_text("button", "Счет на оплату всей задолженности")
        .await;
    b.click(&invoice).await;
    b.wait_for_url("/kabinet/payments/invoices/").await;
    b.quit().await;
}

/// Issue 15: staff send a message that requires acknowledgement; the member reads it and
/// presses «Ознакомлен»; staff see who and when.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_send_a_message_and_see_the_acknowledgement() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    log_in(&b, &app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    b.wait_for_url("/office").await;
    let menu = b.by_text("nav//a", "Документы членам").await;
    b.click(&menu).await;
    b.wait_for_url("/office/messages").await;
    let new = b.by_text("a", "Новое сообщение членам").await;
    b.click(&new).await;
    b.wait_for_url("/office/messages/new").await;
    b.assert_accessible("the new message form").await;
    b.type_into("#subject", "Уведомление о плановой проверке")
        .await;
    b.type_into("#body", "Проверка пройдет в декабре.").await;
    b.run("document.getElementById('category').value = 'inspection'; document.getElementById('to').value = 'list'; document.getElementById('requires_ack').checked = true;")
        .await;
    b.type_into("#list", MEMBER_INN).await;
    let next = b.by_text("button", "Далее: файлы и отправка").await;
    b.click(&next).await;
    b.wait_for_text("Получат — организаций: 1, писем: 1").await;
    b.assert_accessible("the draft with its reach").await;
    let send = b.by_text("button", "Отправить").await;
    b.click(&send).await;
    b.wait_for_url("?done=sent").await;
    let logout = b.by_text("button", "Выход").await;
    b.click(&logout).await;
    b.wait_for_url("/login").await;

    log_in(&b, &app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    b.wait_for_url("/kabinet").await;
    // the menu item carries the count of documents nobody in the company has opened
    let docs = b.find("nav a[href='/kabinet/messages']").await;
    let page = b.text().await;
    let at = page.find("Документы от СРО").expect("the menu item");
    let item: String = page[at..].chars().take(40).collect();
    let item = item.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(item.starts_with("Документы от СРО новых: 1 "), "{item:?}");
    b.click(&docs).await;
    b.wait_for_url("/kabinet/messages").await;
    assert!(b.text().await.contains("Новых документов: 1"));
    b.assert_accessible("the member's documents from the SRO")
        .await;
    let open = b
        .by_text("main//a", "Уведомление о плановой проверке")
        .await;
    b.click(&open).await;
    b.wait_for_url("/kabinet/messages/").await;
    let ack = b.by_text("button", "Ознакомлен").await;
    b.click(&ack).await;
    let mut text = String::new();
    for _ in 0..50 {
        text = b.text().await;
        if text.contains("Ознакомлен: Лебедев Андрей Николаевич") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        text.contains("Ознакомлен: Лебедев Андрей Николаевич"),
        "{text}"
    );
    b.assert_accessible("the acknowledged message").await;
    let logout = b.by_text("button", "Выход").await;
    b.click(&logout).await;
    b.wait_for_url("/login").await;

    log_in(&b, &app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    b.wait_for_url("/office").await;
    b.goto(&app.url("/office/messages")).await;
    let msg = b
        .by_text("main//a", "Уведомление о плановой проверке")
        .await;
    b.click(&msg).await;
    b.wait_for_url("/office/messages/").await;
    let text = b.text().await;
    assert!(
        text.contains("Доставлено 1 из 1") && text.contains("Лебедев Андрей Николаевич"),
        "{text}"
    );
    b.assert_accessible("the receipts").await;
    b.quit().await;
}

/// Issue 18: the member adds a contract that crosses the warning threshold, sends its notice
/// with a signed file and sees the next level's advice; the expert finds the member among those
/// over the threshold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_notifies_a_contract_and_the_expert_sees_the_position() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    log_in(&b, &app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    b.wait_for_url("/kabinet").await;
    let menu = b.by_text("nav//a", "Договоры").await;
    b.click(&menu).await;
    b.wait_for_url("/kabinet/contracts").await;
    b.assert_accessible("the contracts page").await;
    let add = b.by_text("main//a", "Добавить договор").await;
    b.click(&add).await;
    b.wait_for_url("/kabinet/contracts/new").await;
    b.assert_accessible("the contract form").await;
    let today = app.clock.today().format("%Y-%m-%d").to_string();
    b.type_into("#number", "ПД-5/2026").await;
    b.run(&format!(
        "document.getElementById('signed_on').value = '{today}'; document.getElementById('method').value = '44fz';"
    ))
    .await;
    b.type_into(
        "#customer_name",
        "ГКУ «Дирекция капитального строительства»",
    )
    .await;
    b.type_into("#customer_inn", "7701234560").await;
    b.type_into("#subject", "Проектная документация поликлиники")
        .await;
    b.type_into("#price", "21 000 000").await;
    b.type_into("#procurement_id", "0373200001226000099").await;
    let save = b.by_text("button", "Сохранить").await;
    b.click(&save).await;
    b.wait_for_url("done=added").await;
    let text = b.text().await;
    assert!(text.contains("Договор № ПД-5/2026"), "{text}");
    b.assert_accessible("the contract card").await;
    let prepare = b.by_text("button", "Подготовить уведомление").await;
    b.click(&prepare).await;
    b.wait_for_url("/kabinet/items/").await;
    b.wait_for_text("Уведомление о заключении договора № ПД-5/2026")
        .await;
    let fixtures = repo_path("tests/fixtures/signatures");
    b.attach("#file_1", &fixtures.join("otchet.pdf")).await;
    b.attach("#sig_1", &fixtures.join("otchet.pdf.sig")).await;
    let send = b.by_text("button", "Сохранить и отправить").await;
    b.click(&send).await;
    b.wait_for_url("done=sent").await;
    let menu = b.by_text("nav//a", "Договоры").await;
    b.click(&menu).await;
    b.wait_for_url("/kabinet/contracts").await;
    let text = b.text().await.replace('\u{a0}', " ");
    assert!(text.contains("Использовано 84 %"), "{text}");
    assert!(
        text.contains("потребуется второй уровень ответственности по КФ ОДО")
            && text.contains("дополнительный взнос — 200 000 ₽"),
        "{text}"
    );
    b.goto(&app.url("/kabinet/contracts")).await;
    let text = b.text().await;
    assert!(
        !text.contains("Ждут уведомления"),
        "the notice was sent: {text}"
    );
    let logout = b.by_text("button", "Выход").await;
    b.click(&logout).await;
    b.wait_for_url("/login").await;

    log_in(&b, &app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    b.wait_for_url("/office").await;
    let menu = b.by_text("nav//a", "Договоры").await;
    b.click(&menu).await;
    b.wait_for_url("/office/contracts").await;
    let text = b.text().await;
    assert!(
        text.contains("ПД-5/2026") && text.contains("уведомление отправлено в срок"),
        "{text}"
    );
    b.assert_accessible("the journal of notices").await;
    b.goto(&app.url("/office/contracts/odo")).await;
    b.run("document.getElementById('filter').value = 'threshold'; document.getElementById('filter').form.submit();")
        .await;
    b.wait_for_url("filter=threshold").await;
    let text = b.text().await;
    assert!(
        text.contains("Ромашка") && text.contains("близко к лимиту"),
        "{text}"
    );
    b.assert_accessible("the КФ ОДО list").await;
    b.quit().await;
}

/// Issue 17: every main page at a desktop width (1366) and a phone's (390), saved as screenshots
/// under target/screenshots and checked not to run off the side; axe on each at the phone width.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_pages_fit_a_desktop_and_a_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    kabinet::demo::attach_templates(&app.state.core)
        .await
        .unwrap();
    // Each page with the menu item that must be highlighted on it.
    let member_pages = [
        ("member-home", "/kabinet", "Главная"),
        ("member-report", "/kabinet/reports/current", "Отчеты"),
        ("member-letter", "/kabinet/letters/new", "Отчеты"),
        ("member-journal", "/kabinet/journal", "Журнал исходящих"),
        ("member-contracts", "/kabinet/contracts", "Договоры"),
        ("member-contract-new", "/kabinet/contracts/new", "Договоры"),
        ("member-payments", "/kabinet/payments", "Платежи"),
        ("member-messages", "/kabinet/messages", "Документы от СРО"),
        ("member-calendar", "/kabinet/calendar", "Календарь"),
        ("member-company", "/kabinet/company", "Организация"),
    ];
    let staff_pages = [
        ("staff-home", "/office", "Рабочий стол"),
        ("staff-inbox", "/office/inbox", "Входящие"),
        ("staff-members", "/office/members", "Члены СРО"),
        ("staff-reports", "/office/reports", "Отчеты"),
        ("staff-contracts", "/office/contracts", "Договоры"),
        ("staff-odo", "/office/contracts/odo", "Договоры"),
        ("staff-trust", "/office/trust", "Администрирование"),
        ("staff-billing", "/office/billing", "Взносы"),
    ];
    for (who, password, pages) in [
        (MEMBER_EMAIL, MEMBER_PASSWORD, &member_pages[..]),
        (ADMIN_EMAIL, ADMIN_PASSWORD, &staff_pages[..]),
    ] {
        b.set_window(1366, 900).await;
        log_in(&b, &app, who, password).await;
        b.wait_for_url(if who == ADMIN_EMAIL {
            "/office"
        } else {
            "/kabinet"
        })
        .await;
        for (width, suffix) in [(1366, "desktop"), (390, "phone")] {
            b.set_window(width, 900).await;
            for (name, path, section) in pages {
                b.goto(&app.url(path)).await;
                b.wait_for_url(path).await;
                b.screenshot(&format!("{name}-{suffix}")).await;
                if width == 390 {
                    b.assert_accessible(&format!("{name} on a phone")).await;
                    continue;
                }
                // At 1366 px the whole menu is one row, and it marks the page's section.
                let got = b
                    .cmd(
                        "POST",
                        "execute/sync",
                        json!({"script": "var ul = document.getElementById('mainnav-list');\
                            var a = document.querySelector('#mainnav-list > li > a.active');\
                            return [ul.offsetHeight, ul.querySelector('li').offsetHeight,\
                              a ? a.firstChild.textContent.trim() : ''];", "args": []}),
                    )
                    .await;
                let (menu, item) = (got[0].as_f64().unwrap(), got[1].as_f64().unwrap());
                assert!(
                    menu < item * 1.5,
                    "{name}: the menu takes {menu} px, one item {item} px: more than one row"
                );
                assert_eq!(
                    got[2].as_str().unwrap(),
                    *section,
                    "{name}: the highlighted item"
                );
            }
        }
        b.set_window(1366, 900).await;
        let logout = b.by_text("button", "Выход").await;
        b.click(&logout).await;
        b.wait_for_url("/login").await;
    }
    b.quit().await;
}
