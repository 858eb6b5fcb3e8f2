//! Several instances on one PostgreSQL database and one S3 store, behind haproxy (issue 12).
//!
//! Each instance is a real `kabinet serve` process, so nothing can pass between them through
//! memory, and killing one is SIGKILL: it gets no chance to clean up. The balancer is Debian's
//! haproxy (installed by scripts/test, path in KABINET_HAPROXY), round robin, one request at a
//! time per server connection so consecutive requests of one browser land on different
//! instances.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kabinet::clock::Clock;
use kabinet::db::Db;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::exchange::{first_id, pdf};
use crate::helpers::*;
use crate::s3::Moto;

pub const SECRET: &str = "cluster-secret-cluster-secret-0123456789";
pub const METRICS_TOKEN: &str = "metrics-token-0123456789";

/// One `kabinet serve` process; killed (SIGKILL) and reaped when dropped.
pub struct Instance {
    child: Child,
    pub addr: String,
    log: std::path::PathBuf,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Instance {
    /// Start `kabinet serve` with these settings (as `KABINET__*` variables) and wait until
    /// it answers `/readyz`.
    pub async fn start(env: &[(String, String)], log: std::path::PathBuf) -> Instance {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_kabinet"))
            .arg("--config")
            .arg(repo_path("config/sopo.toml"))
            .arg("serve")
            .envs(env.iter().map(|(k, v)| (format!("KABINET__{k}"), v)))
            .env("KABINET__SERVER__PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("kabinet serve starts");
        let mut instance = Instance {
            child,
            addr: format!("http://127.0.0.1:{port}"),
            log,
        };
        let http = crate::helpers::http();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", instance.addr)).send().await
                && r.status() == StatusCode::OK
            {
                return instance;
            }
            if let Ok(Some(status)) = instance.child.try_wait() {
                panic!(
                    "kabinet serve exited ({status}): {}",
                    std::fs::read_to_string(&instance.log).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "kabinet serve did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

struct Haproxy(Child);

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Cluster {
    /// The balancer's address: what users reach.
    pub lb: String,
    pub instances: Vec<Option<Instance>>,
    pub db: Db,
    pub smtp_port: u16,
    /// When the first instance was started.
    pub started: Instant,
    env: Vec<(String, String)>,
    _haproxy: Haproxy,
    _moto: Moto,
    dir: tempfile::TempDir,
    _pg: PgDatabase,
}

impl Cluster {
    /// Three instances with the test settings plus `extra` (`SECTION__KEY`, value); `None`
    /// where PostgreSQL, moto or haproxy are not available (never in CI).
    pub async fn start(extra: &[(&str, &str)]) -> Option<Cluster> {
        let Ok(haproxy) = std::env::var("KABINET_HAPROXY") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "KABINET_HAPROXY is not set in CI: scripts/test installs haproxy"
            );
            eprintln!("KABINET_HAPROXY is not set: skipping the several-instances test");
            return None;
        };
        let pg = PgDatabase::create().await?;
        let moto = Moto::start().await?;
        let bucket = "kabinet-cluster";
        let r = crate::helpers::http()
            .put(format!("{}/{bucket}", moto.endpoint))
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "creating the bucket: {}",
            r.status()
        );
        let dir = tempfile::tempdir().unwrap();
        let smtp_port = free_port();
        let lb_port = free_port();
        let lb = format!("http://127.0.0.1:{lb_port}");
        let mut env: Vec<(String, String)> = [
            ("DATABASE__URL", pg.url.as_str()),
            ("DATABASE__MAX_CONNECTIONS", "5"),
            ("SERVER__HOST", "127.0.0.1"),
            ("SERVER__BASE_URL", &lb),
            ("SERVER__TRUST_PROXY", "true"),
            ("SECURITY__SECRET_KEY", SECRET),
            ("STORAGE__BACKEND", "s3"),
            ("STORAGE__S3_BUCKET", bucket),
            ("STORAGE__S3_ENDPOINT", &moto.endpoint),
            ("STORAGE__S3_ALLOW_HTTP", "true"),
            ("STORAGE__S3_ACCESS_KEY_ID", "test"),
            ("STORAGE__S3_SECRET_ACCESS_KEY", "test"),
            ("MAIL__SMTP_PORT", &smtp_port.to_string()),
            ("MAIL__POLL_SECONDS", "1"),
            ("MAIL__RETRY_BASE_SECONDS", "1"),
            ("MAIL__RETRY_MAX_SECONDS", "1"),
            ("METRICS__TOKEN", METRICS_TOKEN),
            ("DEMO__ENABLED", "false"),
            // the demo data has deadlines: no reminder letters among the counted ones
            ("JOBS__REMINDERS", "false"),
            ("LOG__LEVEL", "warn"),
        ]
        .iter()
        .chain(extra.iter())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        env.dedup_by(|later, earlier| later.0 == earlier.0);
        // The database gets its tables and the demo companies once, before any instance runs.
        let out = Command::new(env!("CARGO_BIN_EXE_kabinet"))
            .arg("--config")
            .arg(repo_path("config/sopo.toml"))
            .arg("demo-data")
            .envs(env.iter().map(|(k, v)| (format!("KABINET__{k}"), v)))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "demo-data: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let started = Instant::now();
        let mut instances = vec![];
        for i in 0..3 {
            let log = dir.path().join(format!("instance-{i}.log"));
            instances.push(Some(Instance::start(&env, log).await));
        }
        let servers: String = instances
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    "    server k{i} {} check inter 200ms fall 2 rise 1\n",
                    s.addr.trim_start_matches("http://")
                )
            })
            .collect();
        let cfg = dir.path().join("haproxy.cfg");
        std::fs::write(
            &cfg,
            format!(
                "defaults\n    mode http\n    timeout connect 2s\n    timeout client 30s\n    \
                 timeout server 30s\n    option forwardfor\n    option http-server-close\n\
                 frontend kabinet\n    bind 127.0.0.1:{lb_port}\n    default_backend instances\n\
                 backend instances\n    balance roundrobin\n    option httpchk GET /readyz\n{servers}"
            ),
        )
        .unwrap();
        let child = Command::new(haproxy)
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("haproxy.log")).unwrap())
            .spawn()
            .expect("haproxy starts");
        let haproxy = Haproxy(child);
        let http = crate::helpers::http();
        let deadline = Instant::now() + Duration::from_secs(15);
        while !http
            .get(format!("{lb}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK)
        {
            assert!(Instant::now() < deadline, "haproxy did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Every server is up in haproxy's eyes (its first health checks passed).
        tokio::time::sleep(Duration::from_millis(500)).await;
        let db = Db::connect(&pg.url, 2, Clock::system()).await.unwrap();
        Some(Cluster {
            lb,
            instances,
            db,
            smtp_port,
            started,
            env,
            _haproxy: haproxy,
            _moto: moto,
            dir,
            _pg: pg,
        })
    }

    /// The addresses of the live instances.
    pub fn addrs(&self) -> Vec<String> {
        self.instances
            .iter()
            .flatten()
            .map(|i| i.addr.clone())
            .collect()
    }

    /// SIGKILL instance `i`.
    pub fn kill(&mut self, i: usize) {
        self.instances[i] = None;
    }

    /// One more instance on the same database and store (not behind the balancer).
    pub async fn add_instance(&mut self) -> String {
        let log = self
            .dir
            .path()
            .join(format!("instance-{}.log", self.instances.len()));
        let i = Instance::start(&self.env, log).await;
        let addr = i.addr.clone();
        self.instances.push(Some(i));
        addr
    }
}

/// A browser that keeps its cookies itself, so a test can copy them (an old session cookie
/// after logout) and send them to any instance: cookies of 127.0.0.1 go to every port alike.
pub struct Visitor {
    http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
    /// The address users reach (the balancer): forms carry it as their Origin.
    origin: String,
}

impl Visitor {
    pub fn new(origin: &str) -> Visitor {
        Visitor {
            http: crate::helpers::http_builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Mutex::new(BTreeMap::new()),
            origin: origin.to_string(),
        }
    }

    /// Another browser holding a copy of this one's cookies.
    pub fn copy(&self) -> Visitor {
        let v = Visitor::new(&self.origin);
        *v.cookies.lock().unwrap() = self.cookies.lock().unwrap().clone();
        v
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> reqwest::Response {
        let cookie: String = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let r = rb.header("Cookie", cookie).send().await.unwrap();
        let mut jar = self.cookies.lock().unwrap();
        for h in r.headers().get_all("set-cookie") {
            let h = h.to_str().unwrap();
            let pair = h.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || h.contains("Max-Age=0") {
                jar.remove(k);
            } else {
                jar.insert(k.to_string(), v.to_string());
            }
        }
        r
    }

    pub async fn get(&self, base: &str, path: &str) -> reqwest::Response {
        self.send(self.http.get(format!("{base}{path}"))).await
    }

    pub async fn page(&self, base: &str, path: &str) -> String {
        expect(self.get(base, path).await, StatusCode::OK).await
    }

    /// Submit the form at `action` with the CSRF token of the page at `page`.
    pub async fn post(
        &self,
        base: &str,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let html = self.page(base, page).await;
        let token = csrf_in(&html).unwrap_or_else(|| panic!("no CSRF token on {page}"));
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        self.send(
            self.http
                .post(format!("{base}{action}"))
                .header("Origin", &self.origin)
                .form(&all),
        )
        .await
    }

    pub async fn login(&self, base: &str, login: &str, password: &str) -> reqwest::Response {
        self.post(
            base,
            "/login",
            "/login",
            &[("login", login), ("password", password)],
        )
        .await
    }

    pub async fn login_ok(&self, base: &str, login: &str, password: &str) {
        let r = self.login(base, login, password).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login as {login}");
    }

    /// «Новое письмо» with one PDF, sent at once; the item's id.
    pub async fn send_letter(&self, base: &str, subject: &str) -> i64 {
        let html = self.page(base, "/kabinet/letters/new").await;
        let token = csrf_in(&html).unwrap();
        let form = Form::new()
            .text("subject", subject.to_string())
            .text("body", "Направляем документы")
            .text("action", "send")
            .part(
                "file_1",
                Part::bytes(pdf(subject)).file_name("Письмо.pdf".to_string()),
            );
        let r = self
            .send(
                self.http
                    .post(format!("{base}/kabinet/letters?csrf_token={token}"))
                    .header("Origin", &self.origin)
                    .multipart(form),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        first_id(&location(&r), "/kabinet/items/")
    }
}

/// `kabinet_http_requests_total` of one route and status on one instance.
async fn requests_seen(addr: &str, route: &str, status: u16) -> u64 {
    let body = crate::helpers::http()
        .get(format!("{addr}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    let body = expect(body, StatusCode::OK).await;
    let line = format!("kabinet_http_requests_total{{route=\"{route}\",status=\"{status}\"}} ");
    body.lines()
        .find_map(|l| l.strip_prefix(&line))
        .map_or(0, |n| n.parse().unwrap())
}

async fn user_id(db: &Db, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(db.pg_pool().unwrap())
        .await
        .unwrap()
}

/// Each instance answers this browser's `/kabinet` as expected.
async fn everywhere(v: &Visitor, addrs: &[String], status: StatusCode, what: &str) {
    for a in addrs {
        let r = v.get(a, "/kabinet").await;
        assert_eq!(r.status(), status, "{what} on {a}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_files_numbers_and_limits_hold_across_instances() {
    let Some(c) = Cluster::start(&[
        ("SECURITY__SESSION_CACHE_MS", "1000"),
        ("SECURITY__LOGIN_PER_ACCOUNT_PER_MINUTE", "3"),
        ("SECURITY__EXTRACT_CHECKS_PER_IP_PER_MINUTE", "3"),
        ("SECURITY__RESET_PER_ACCOUNT_PER_HOUR", "2"),
    ])
    .await
    else {
        return;
    };
    let addrs = c.addrs();
    let bound = Duration::from_millis(1000 + 150);

    // One address, every instance: the balancer spreads one browser's pages over all three,
    // and each answers the session that another one opened.
    let director = Visitor::new(&c.lb);
    director
        .login_ok(&c.lb, MEMBER_EMAIL, MEMBER_PASSWORD)
        .await;
    for _ in 0..6 {
        director.page(&c.lb, "/kabinet").await;
    }
    for a in &addrs {
        assert!(
            requests_seen(a, "/kabinet", 200).await >= 1,
            "the balancer sent nothing to {a}"
        );
    }
    everywhere(&director, &addrs, StatusCode::OK, "the session").await;
    let r = reqwest::get(format!("{}/metrics", addrs[0])).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "metrics need the token"
    );

    // A file uploaded through one instance downloads through the others (one S3 store).
    let item = director.send_letter(&addrs[0], "Письмо через первый").await;
    let card = director
        .page(&addrs[1], &format!("/kabinet/items/{item}"))
        .await;
    let file = first_id(&card, "/files/");
    for a in &addrs[1..] {
        let r = director.get(a, &format!("/files/{file}")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.bytes().await.unwrap().as_ref(),
            pdf("Письмо через первый")
        );
    }

    // Incoming numbers stay gap-free and unique with registrations arriving through
    // different instances at once.
    let mut items = vec![item];
    for i in 0..5 {
        let a = &addrs[i % 3];
        items.push(director.send_letter(a, &format!("Письмо {i}")).await);
    }
    let registrar = std::sync::Arc::new(Visitor::new(&c.lb));
    registrar.login_ok(&c.lb, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let token = csrf_in(&registrar.page(&c.lb, "/office").await).unwrap();
    let mut registrations = vec![];
    for (i, id) in items.iter().enumerate() {
        let (registrar, a, token, lb) = (
            registrar.clone(),
            addrs[i % 3].clone(),
            token.clone(),
            c.lb.clone(),
        );
        let id = *id;
        registrations.push(tokio::spawn(async move {
            registrar
                .send(
                    registrar
                        .http
                        .post(format!("{a}/office/items/{id}/register"))
                        .header("Origin", lb)
                        .form(&[("csrf_token", token)]),
                )
                .await
                .status()
        }));
    }
    for r in registrations {
        assert_eq!(r.await.unwrap(), StatusCode::SEE_OTHER);
    }
    let pg = c.db.pg_pool().unwrap();
    let seqs: Vec<i64> = sqlx::query_scalar(
        "SELECT incoming_seq FROM items WHERE incoming_seq IS NOT NULL ORDER BY incoming_year, incoming_seq",
    )
    .fetch_all(pg)
    .await
    .unwrap();
    let ours: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM items WHERE incoming_seq IS NOT NULL AND id = ANY($1)",
    )
    .bind(&items)
    .fetch_one(pg)
    .await
    .unwrap();
    assert_eq!(ours, 6, "every registration got a number");
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "numbers 1, 2, 3… without gaps or repeats"
    );

    // Rate limits are counted in the database: three wrong passwords through three
    // instances use up the account's three attempts everywhere.
    let stranger = Visitor::new(&c.lb);
    for a in &addrs {
        let r = stranger
            .login(a, OTHER_MEMBER_EMAIL, "wrong-password")
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = stranger
        .login(&c.lb, OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    for a in &addrs {
        let r = stranger.get(a, "/v/2026-0000-0001").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    let r = stranger.get(&c.lb, "/v/2026-0000-0001").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "extract checks");
    for a in &addrs[..2] {
        let r = stranger
            .post(
                a,
                "/user/request-password-reset",
                "/user/request-password-reset",
                &[("by", "email"), ("email", MEMBER_BUH_EMAIL)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = stranger
        .post(
            &addrs[2],
            "/user/request-password-reset",
            "/user/request-password-reset",
            &[("by", "email"), ("email", MEMBER_BUH_EMAIL)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "password resets");

    // A blocked user is out on every instance within the session cache's bound, although
    // each instance had the session cached.
    let buh = Visitor::new(&c.lb);
    buh.login_ok(&c.lb, MEMBER_BUH_EMAIL, MEMBER_BUH_PASSWORD)
        .await;
    everywhere(&buh, &addrs, StatusCode::OK, "before the block").await;
    let buh_id = user_id(&c.db, MEMBER_BUH_EMAIL).await;
    let r = director
        .post(
            &addrs[0],
            &format!("/kabinet/users/{buh_id}"),
            &format!("/kabinet/users/{buh_id}/block"),
            &[("blocked", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    tokio::time::sleep(bound).await;
    everywhere(&buh, &addrs, StatusCode::SEE_OTHER, "after the block").await;

    // «Выход» on one instance ends the session on all.
    let second = Visitor::new(&c.lb);
    second.login_ok(&c.lb, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    everywhere(&second, &addrs, StatusCode::OK, "before logout").await;
    let old = second.copy();
    let r = second.post(&addrs[1], "/kabinet", "/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    tokio::time::sleep(bound).await;
    everywhere(
        &old,
        &addrs,
        StatusCode::SEE_OTHER,
        "the old cookie after logout",
    )
    .await;

    // A password change ends the user's other sessions everywhere, and keeps this one.
    let other = Visitor::new(&c.lb);
    other.login_ok(&c.lb, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    everywhere(&other, &addrs, StatusCode::OK, "before the change").await;
    let r = director
        .post(
            &addrs[2],
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
    tokio::time::sleep(bound).await;
    everywhere(
        &other,
        &addrs,
        StatusCode::SEE_OTHER,
        "another session after the change",
    )
    .await;
    everywhere(
        &director,
        &addrs,
        StatusCode::OK,
        "the session that changed it",
    )
    .await;
}

/// (status, attempts) of every outbox row, by id.
async fn outbox(db: &Db) -> Vec<(i64, String, i32)> {
    sqlx::query_as("SELECT id, status, attempts FROM outbox ORDER BY id")
        .fetch_all(db.pg_pool().unwrap())
        .await
        .unwrap()
}

async fn enqueue(db: &Db, subjects: &[String]) {
    let settings = kabinet::config::Settings::load(&repo_path("config/sopo.toml")).unwrap();
    let mut tx = db.begin().await.unwrap();
    for (i, subject) in subjects.iter().enumerate() {
        let to = format!("reader{i}@romashka-stroy.example");
        let letter = kabinet::mail::Letter::new(&settings, "notice", &to, subject.clone());
        kabinet::mail::enqueue(&mut tx, &letter).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Wait (bounded) until the sink holds `n` messages.
async fn wait_received(sink: &MailServer, n: usize, within: Duration) -> Vec<Received> {
    let deadline = Instant::now() + within;
    loop {
        let got = sink.received();
        if got.len() >= n {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} messages within {within:?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_sends_each_message_once_and_outlives_a_worker_killed_mid_send() {
    let Some(mut c) =
        Cluster::start(&[("MAIL__TIMEOUT_SECONDS", "4"), ("MAIL__LEASE_SECONDS", "5")]).await
    else {
        return;
    };
    // Forty letters at once, three workers racing for them: each is sent once.
    let sink = MailServer::start(c.smtp_port).await;
    let subjects: Vec<String> = (0..40).map(|i| format!("Уведомление {i}")).collect();
    enqueue(&c.db, &subjects).await;
    let got = wait_received(&sink, 40, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got_after = sink.received();
    assert_eq!(got_after.len(), 40, "no message twice");
    let mut ids: Vec<&str> = got
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    let mut seen: Vec<&str> = got.iter().map(|m| m.subject.as_str()).collect();
    seen.sort();
    let mut want: Vec<&str> = subjects.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(seen, want);
    assert!(
        outbox(&c.db)
            .await
            .iter()
            .all(|(_, s, a)| s == "sent" && *a == 1),
        "{:?}",
        outbox(&c.db).await
    );
    drop(sink);

    // A server that accepts and never answers: the worker that takes the next message hangs
    // in the middle of sending it, and then every instance dies.
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", c.smtp_port))
        .await
        .unwrap();
    let count = accepted.clone();
    let stall = tokio::spawn(async move {
        let mut held = vec![];
        while let Ok((conn, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(conn);
        }
    });
    enqueue(&c.db, &["Письмо при падении".to_string()]).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while accepted.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "no worker took the message");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for i in 0..c.instances.len() {
        c.kill(i);
    }
    stall.abort();
    let _ = stall.await;
    let row = outbox(&c.db).await.pop().unwrap();
    assert_eq!(
        (row.1.as_str(), row.2),
        ("queued", 0),
        "mid-send: not sent, no attempt recorded"
    );

    // The message is not lost: a new instance sends it once its holder's lease has run out.
    let sink = MailServer::start(c.smtp_port).await;
    c.add_instance().await;
    let got = wait_received(&sink, 1, Duration::from_secs(20)).await;
    assert_eq!(got[0].subject, "Письмо при падении");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.received().len(), 1, "sent once");
    let row = outbox(&c.db).await.pop().unwrap();
    assert_eq!((row.1.as_str(), row.2), ("sent", 1));
}

/// (runs, holder) of a job.
async fn job(db: &Db, name: &str) -> (i64, String) {
    let j = kabinet::jobs::list(db).await.unwrap();
    let j = j
        .iter()
        .find(|j| j.name == name)
        .unwrap_or_else(|| panic!("no job {name}"));
    (j.runs, j.holder.clone())
}

fn pid_of(holder: &str) -> u32 {
    holder.split(':').nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn periodic_jobs_run_once_per_period_and_outlive_their_instance() {
    let Some(mut c) =
        Cluster::start(&[("JOBS__PERIOD_SECONDS", "1"), ("JOBS__LEASE_SECONDS", "2")]).await
    else {
        return;
    };
    // Three instances each ask ten times a second; every job still runs once a second.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let jobs = kabinet::jobs::list(&c.db).await.unwrap();
    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "abandoned_imports",
            "accruals",
            "archives",
            "crl_fetch",
            "file_digests",
            "orphan_files",
            "rate_counters",
            "reminders",
            "sessions"
        ]
    );
    let periods = c.started.elapsed().as_secs_f64().ceil() as i64;
    for j in &jobs {
        assert!(
            (3..=periods + 1).contains(&j.runs),
            "{} ran {} times in {periods} periods",
            j.name,
            j.runs
        );
        assert_eq!(j.failures, 0, "{}", j.name);
    }

    // The instance that holds the jobs dies: the others carry on.
    let (runs, holder) = job(&c.db, "sessions").await;
    let dead = pid_of(&holder);
    let i = c
        .instances
        .iter()
        .position(|i| i.as_ref().is_some_and(|i| i.pid() == dead))
        .expect("the holder is one of the instances");
    c.kill(i);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (after, holder) = job(&c.db, "sessions").await;
    assert!(after > runs, "nobody took the job over");
    assert_ne!(pid_of(&holder), dead);

    // An instance that died in the middle of a run holds its lease until it runs out; then
    // another runs the job, in the same period.
    let pg = c.db.pg_pool().unwrap();
    let now = c.db.now();
    sqlx::query("UPDATE jobs SET holder = 'gone:1:x', lease_until = $1, due_at = $2 WHERE name = 'sessions'")
        .bind(now + chrono::Duration::milliseconds(2000))
        .bind(now)
        .execute(pg)
        .await
        .unwrap();
    let (runs, _) = job(&c.db, "sessions").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        job(&c.db, "sessions").await,
        (runs, "gone:1:x".into()),
        "the lease is kept"
    );
    // Watched closely from then on: the first change is one run, by a live instance (later
    // periods add theirs, so the count is taken at the first change, not at a fixed time).
    let deadline = Instant::now() + Duration::from_secs(5);
    let (after, holder) = loop {
        let (n, holder) = job(&c.db, "sessions").await;
        if n != runs {
            break (n, holder);
        }
        assert!(
            Instant::now() < deadline,
            "nobody ran the job after the lease ran out"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(after, runs + 1, "run once when the lease ran out");
    assert_ne!(holder, "gone:1:x");
}

/// README «Production»: `scripts/backup` and `scripts/restore` bring the database and the
/// files back on a fresh database, and the portal works on them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_as_the_readme_says() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let c = crate::exchange::member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let item = crate::exchange::send_letter(&c, "Архивное письмо").await;
    let file = first_id(&c.page(&format!("/kabinet/items/{item}")).await, "/files/");
    let backup = tempfile::tempdir().unwrap();
    let files = app.state.settings.storage.path.clone();
    let out = Command::new(repo_path("scripts/backup"))
        .args([&app.db_url, &files])
        .arg(backup.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let fresh = PgDatabase::create().await.unwrap();
    let restored = tempfile::tempdir().unwrap();
    let restored_files = restored.path().join("files");
    let out = Command::new(repo_path("scripts/restore"))
        .arg(backup.path())
        .arg(&fresh.url)
        .arg(&restored_files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let env: Vec<(String, String)> = [
        ("DATABASE__URL", fresh.url.as_str()),
        ("STORAGE__PATH", &restored_files.display().to_string()),
        ("SECURITY__SECRET_KEY", SECRET),
        ("SERVER__HOST", "127.0.0.1"),
        ("DEMO__ENABLED", "false"),
        ("LOG__LEVEL", "warn"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let instance = Instance::start(&env, restored.path().join("serve.log")).await;
    let v = Visitor::new(&instance.addr);
    v.login_ok(&instance.addr, MEMBER_EMAIL, MEMBER_PASSWORD)
        .await;
    let card = v
        .page(&instance.addr, &format!("/kabinet/items/{item}"))
        .await;
    assert!(card.contains("Архивное письмо"));
    let r = v.get(&instance.addr, &format!("/files/{file}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf("Архивное письмо"));
    let out = Command::new(env!("CARGO_BIN_EXE_kabinet"))
        .arg("--config")
        .arg(repo_path("config/sopo.toml"))
        .args(["audit", "verify"])
        .env("KABINET__DATABASE__URL", &fresh.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the restored audit chain verifies: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `/metrics` does not exist unless configured (SQLite, one instance).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_off_unless_a_token_is_set() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
    let on = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            overrides: vec![("metrics.token", METRICS_TOKEN.into())],
            ..Options::default()
        },
    )
    .await
    .unwrap();
    on.page("/reestr").await;
    let r = on
        .client
        .get(on.url("/metrics"))
        .bearer_auth("not-the-token-at-all")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = on
        .client
        .get(on.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    let text = expect(r, StatusCode::OK).await;
    for line in [
        "kabinet_http_requests_total{route=\"/reestr\",status=\"200\"} 1",
        "kabinet_http_request_duration_seconds_count{route=\"/reestr\"} 1",
        "kabinet_outbox_messages{status=\"queued\"}",
        "kabinet_outbox_oldest_queued_age_seconds",
        "kabinet_db_pool_connections{state=\"in_use\"}",
        "# TYPE kabinet_job_runs_total counter",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
}
