//! `TestApp`: the real application on a random port, on a fresh database (SQLite file in a
//! temp dir, or a `kabinet_test_<random>` PostgreSQL database dropped at the end), with demo
//! fixtures loaded through the services; and a cookie-keeping client with helpers named after
//! what a user does.

use std::path::{Path, PathBuf};

use kabinet::clock::Clock;
use kabinet::config::Settings;
use kabinet::db::Db;
use kabinet::startup::Application;
use reqwest::StatusCode;

pub const MEMBER_EMAIL: &str = "director@romashka-stroy.example";
pub const MEMBER_PASSWORD: &str = "Romashka-2026!";
pub const MEMBER_INN: &str = "7700123459";
pub const MEMBER_BUH_EMAIL: &str = "buh@romashka-stroy.example";
pub const MEMBER_BUH_PASSWORD: &str = "Romashka-Buh-2026!";
pub const OTHER_MEMBER_EMAIL: &str = "info@vektor-proekt.example";
pub const OTHER_MEMBER_PASSWORD: &str = "Vektor-2026!";
pub const EXPERT_EMAIL: &str = "expert@sro.example";
pub const EXPERT_PASSWORD: &str = "Expert-2026!";
pub const ADMIN_EMAIL: &str = "admin@sro.example";
pub const ADMIN_PASSWORD: &str = "Admin-2026!";

const USER_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0) kabinet-tests Chrome/120.0";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Every HTTP client of the tests: the process's TLS provider goes in first (reqwest has none of
/// its own here, see `kabinet::tls`).
pub fn http_builder() -> reqwest::ClientBuilder {
    kabinet::tls::init();
    reqwest::Client::builder()
}

pub fn http() -> reqwest::Client {
    http_builder().build().expect("an HTTP client")
}

pub fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber_init();
    }
}

fn tracing_subscriber_init() -> Result<(), ()> {
    kabinet::telemetry::init(&kabinet::config::LogSettings {
        format: kabinet::config::LogFormat::Text,
        level: "debug".into(),
    });
    Ok(())
}

/// The PostgreSQL server for tests, or `None` (then PostgreSQL variants are skipped, except in
/// CI, where a missing server is a failure: a skipped suite must not pass for a green one).
pub fn postgres_url() -> Option<String> {
    match std::env::var("KABINET_TEST_POSTGRES") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must set KABINET_TEST_POSTGRES"
            );
            eprintln!("KABINET_TEST_POSTGRES is not set: skipping the PostgreSQL variant");
            None
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub db_url: String,
    pub client: reqwest::Client,
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
    /// The port the app sends mail to; nothing listens there until `start_mail_server`.
    pub smtp_port: u16,
    /// The running app's state: storage and settings for checks a browser cannot make.
    pub state: kabinet::state::AppState,
    /// The app's clock: tests move it forward to see sessions, links and deadlines expire.
    pub clock: Clock,
    smtp: std::sync::Mutex<Option<MailServer>>,
    /// The SMTP port, held (bound, not listening) until `start_mail_server`.
    smtp_reserved: std::sync::Mutex<Option<tokio::net::TcpSocket>>,
    _dir: tempfile::TempDir,
    /// Dropped last: the database goes when the test ends.
    _pg: Option<PgDatabase>,
}

pub struct Options {
    pub config: &'static str,
    pub overrides: Vec<(&'static str, serde_json::Value)>,
    pub demo: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config: "config/sopo.toml",
            overrides: vec![],
            demo: true,
        }
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, Options::default()).await
    }

    pub async fn spawn_with(backend: Backend, opts: Options) -> Option<TestApp> {
        init_logs();
        let dir = tempfile::tempdir().expect("temp dir");
        let (db_url, pg) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}/kabinet.db", dir.path().display()),
                None,
            ),
            Backend::Postgres => {
                let pg = PgDatabase::create().await?;
                (pg.url.clone(), Some(pg))
            }
        };
        let mut settings = Settings::load(&repo_path(opts.config)).expect("config loads");
        // The SMTP port stays ours until the test starts its server: a socket bound but not
        // listening refuses connections (as «nothing listens there» should) and keeps the port
        // from another test's process (a full run once saw the port taken in between).
        let smtp_reserved = tokio::net::TcpSocket::new_v4().expect("a socket");
        smtp_reserved
            .bind("127.0.0.1:0".parse().unwrap())
            .expect("a free port");
        let smtp_port = smtp_reserved.local_addr().unwrap().port();
        let mut overrides: Vec<(&str, serde_json::Value)> = vec![
            ("mail.smtp_port", smtp_port.into()),
            ("mail.retry_base_seconds", 1.into()),
            ("mail.retry_max_seconds", 1.into()),
            ("mail.poll_seconds", 1.into()),
            ("database.url", db_url.clone().into()),
            ("database.max_connections", 5.into()),
            ("server.host", "127.0.0.1".into()),
            ("server.port", 0.into()),
            ("demo.enabled", false.into()),
            // the demo data has deadlines: the tests that want reminders run them by hand
            ("jobs.reminders", false.into()),
            // the fixture CRLs are dated 01.11.2026: no remark for their age as time goes by
            ("signatures.crl_max_age_days", 36500.into()),
            (
                "storage.path",
                dir.path().join("files").display().to_string().into(),
            ),
            (
                "security.secret_key",
                "test-secret-test-secret-test-secret-0123".into(),
            ),
        ];
        overrides.extend(opts.overrides);
        for (k, v) in overrides {
            settings = settings.with(k, v).expect("override applies");
        }
        let clock = Clock::system();
        let app = Application::build_with_clock(settings.clone(), clock.clone())
            .await
            .expect("application builds");
        let port = app.port();
        let db = app.state().db.clone();
        let state = app.state().clone();
        if opts.demo {
            kabinet::demo::load_if_empty(&state.core)
                .await
                .expect("fixtures load");
        }
        tokio::spawn(app.run_until_stopped());
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = http_builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .user_agent(USER_AGENT)
            .build()
            .unwrap();
        Some(TestApp {
            address: format!("http://127.0.0.1:{port}"),
            db,
            db_url,
            client,
            jar,
            smtp_port,
            state,
            clock,
            smtp: std::sync::Mutex::new(None),
            smtp_reserved: std::sync::Mutex::new(Some(smtp_reserved)),
            _dir: dir,
            _pg: pg,
        })
    }

    /// A second browser: its own cookies, same server.
    pub fn new_client(&self) -> reqwest::Client {
        http_builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .user_agent(USER_AGENT)
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, path: &str) -> (StatusCode, String) {
        status_and_text(self.get(path).await).await
    }

    /// A page that must answer 200: its HTML (the status is checked, so a check that a text
    /// is absent never passes on an error page).
    pub async fn page(&self, path: &str) -> String {
        expect(self.get(path).await, StatusCode::OK).await
    }

    /// The CSRF token of the forms on a page.
    pub async fn csrf_of(&self, path: &str) -> String {
        let html = self.page(path).await;
        csrf_in(&html).unwrap_or_else(|| panic!("no csrf_token on {path}: {html}"))
    }

    /// Submit the form of the page at `path` the way a browser does: its token, same Origin.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_of(path).await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.client
            .post(self.url(path))
            .header("Origin", &self.address)
            .form(&all)
            .send()
            .await
            .expect("POST")
    }

    pub async fn login(&self, login: &str, password: &str) -> reqwest::Response {
        self.post_form("/login", &[("login", login), ("password", password)])
            .await
    }

    /// Log in and check it worked; returns where the portal sent the user.
    pub async fn login_as(&self, login: &str, password: &str) -> String {
        let r = self.login(login, password).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "login as {login} failed: {}",
            r.text().await.unwrap_or_default()
        );
        location(&r)
    }

    /// «Выход»: the button is a form in the header of every page.
    pub async fn logout(&self, from_page: &str) -> reqwest::Response {
        let token = self.csrf_of(from_page).await;
        self.client
            .post(self.url("/logout"))
            .header("Origin", &self.address)
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap()
    }

    /// The value of a cookie the browser holds for the portal.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let h = self.jar.cookies(&self.address.parse().unwrap())?;
        let prefix = format!("{name}=");
        h.to_str()
            .ok()?
            .split("; ")
            .find_map(|kv| kv.strip_prefix(&prefix).map(str::to_string))
    }
}

pub async fn status_and_text(r: reqwest::Response) -> (StatusCode, String) {
    let s = r.status();
    (s, r.text().await.unwrap())
}

/// The body of a response that must have `status` (the body is in the failure message).
pub async fn expect(r: reqwest::Response, status: StatusCode) -> String {
    let got = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// A fresh `kabinet_test_<random>` database on the test server, dropped with the guard.
pub struct PgDatabase {
    pub url: String,
    admin: String,
    name: String,
}

impl PgDatabase {
    /// `None` when no test server is configured (outside CI).
    pub async fn create() -> Option<PgDatabase> {
        let admin = postgres_url()?;
        let name = format!(
            "kabinet_test_{}",
            &kabinet::tokens::token_hash(&kabinet::tokens::random_token())[..16]
        );
        let admin_db = Db::connect(&admin, 1, Clock::system())
            .await
            .expect("connecting to the test PostgreSQL");
        if let Some(pool) = admin_db.pg_pool() {
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(pool)
                .await
                .expect("create test database");
        }
        admin_db.close().await;
        let mut url = url::Url::parse(&admin).expect("KABINET_TEST_POSTGRES is a URL");
        url.set_path(&name);
        Some(PgDatabase {
            url: url.to_string(),
            admin,
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop is synchronous: a short-lived runtime on its own thread removes the database.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(db) = Db::connect(&admin, 1, Clock::system()).await
                    && let Some(pool) = db.pg_pool()
                {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(pool)
                            .await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

/// Run one async test body on SQLite and on PostgreSQL: `both_dbs!(name)` for `async fn name(app: TestApp)`.
#[macro_export]
macro_rules! both_dbs {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await.unwrap();
                super::$name(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

/// The same with options: `both_dbs_with!(options_fn => name, …)`, `options_fn() -> Options`.
#[macro_export]
macro_rules! both_dbs_with {
    ($opts:ident => $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Sqlite, super::$opts()).await.unwrap();
                super::$name(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Postgres, super::$opts()).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real SMTP server on loopback (Debian's aiosmtpd) writing what it receives to a Maildir.
pub struct MailServer {
    child: std::process::Child,
    pub dir: tempfile::TempDir,
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl MailServer {
    /// aiosmtpd on `port`, writing every message to a maildir; returns once it accepts.
    pub async fn start(port: u16) -> MailServer {
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("/usr/bin/python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(dir.path().join("maildir"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd (Debian python3-aiosmtpd; scripts/test installs it)");
        // Owned at once, so the process is killed on every path.
        let server = MailServer { child, dir };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "aiosmtpd did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        server
    }

    /// Every message received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        let new = self.dir.path().join("maildir").join("new");
        let mut files: Vec<_> = std::fs::read_dir(&new)
            .map(|d| d.filter_map(|e| e.ok()).collect())
            .unwrap_or_default();
        files.sort_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
        files
            .iter()
            .map(|f| {
                let raw = std::fs::read(f.path()).unwrap();
                let m = mailparse::parse_mail(&raw).unwrap();
                let h = |k: &str| {
                    m.headers
                        .iter()
                        .find(|x| x.get_key().eq_ignore_ascii_case(k))
                        .map(|x| x.get_value())
                        .unwrap_or_default()
                };
                let part = |ct: &str| {
                    m.subparts
                        .iter()
                        .find(|p| p.ctype.mimetype == ct)
                        .map(|p| p.get_body().unwrap())
                        .unwrap_or_default()
                };
                Received {
                    from: h("From"),
                    to: h("To"),
                    subject: h("Subject"),
                    text: part("text/plain"),
                    html: part("text/html"),
                    headers: m
                        .headers
                        .iter()
                        .map(|x| (x.get_key(), x.get_value()))
                        .collect(),
                }
            })
            .collect()
    }
}

/// A received message, decoded.
#[derive(Debug)]
pub struct Received {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Every header, as (name, decoded value).
    pub headers: Vec<(String, String)>,
}

impl Received {
    /// A header's value, if the message has it (the name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first link to this portal in the text part.
    pub fn link(&self) -> String {
        let start = self.text.find("http").expect("a link in the mail");
        self.text[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }
}

impl TestApp {
    /// Start the SMTP server on the port the app sends to, and wait until it accepts.
    pub async fn start_mail_server(&self) {
        drop(self.smtp_reserved.lock().unwrap().take());
        let server = MailServer::start(self.smtp_port).await;
        *self.smtp.lock().unwrap() = Some(server);
    }

    /// Every message received so far.
    pub fn mailbox(&self) -> Vec<Received> {
        let guard = self.smtp.lock().unwrap();
        guard.as_ref().map(MailServer::received).unwrap_or_default()
    }

    /// Wait (bounded) until `n` messages for `to` arrived; returns the newest.
    pub async fn wait_for_mail_n(&self, to: &str, n: usize) -> Received {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let mut got: Vec<Received> = self
                .mailbox()
                .into_iter()
                .filter(|m| m.to.contains(to))
                .collect();
            if got.len() >= n {
                return got.pop().unwrap();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no mail for {to} within 30 s; outbox: {:?}",
                self.outbox().await
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_for_mail(&self, to: &str) -> Received {
        self.wait_for_mail_n(to, 1).await
    }

    /// (to, status, attempts, last_error) of every outbox row.
    pub async fn outbox(&self) -> Vec<(String, String, i32, String)> {
        kabinet::on_db!(&self.db, p => sqlx::query_as::<_, (String, String, i32, String)>(
            "SELECT to_address, status, attempts, last_error FROM outbox ORDER BY id").fetch_all(p).await.unwrap())
    }
}
