//! What every page shares: branding from config, security headers, cookies, CSRF, error pages,
//! health checks.

use reqwest::StatusCode;

use crate::both_dbs;
use crate::helpers::*;

both_dbs!(
    health_and_readiness,
    security_headers_and_cookies,
    csrf_is_required_on_every_form,
    error_pages_are_russian
);

async fn health_and_readiness(app: TestApp) {
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ok");
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), StatusCode::OK);
    app.db.close().await;
    assert_eq!(
        app.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "a closed pool is not ready"
    );
}

async fn security_headers_and_cookies(app: TestApp) {
    let r = app.get("/login").await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers();
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert!(h.get("referrer-policy").is_some());
    let pre = h.get("set-cookie").unwrap().to_str().unwrap();
    assert!(pre.contains("HttpOnly") && pre.contains("SameSite=Lax") && !pre.contains("Secure"));
    let html = r.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline scripts or styles"
    );

    let token = csrf_in(&html).unwrap();
    let r = app
        .client
        .post(app.url("/login"))
        .header("Origin", &app.address)
        .form(&[
            ("login", MEMBER_EMAIL),
            ("password", MEMBER_PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    let session = r.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(session.starts_with("kabinet_session="));
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));

    // static assets are long-cached; pages are not cached at all
    let css = html
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|u| u.contains("kabinet.css"))
        .unwrap();
    let r = app.get(css).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(
        app.get("/kabinet")
            .await
            .headers()
            .get("cache-control")
            .unwrap(),
        "no-store"
    );
}

async fn csrf_is_required_on_every_form(app: TestApp) {
    assert_eq!(app.get("/login").await.status(), StatusCode::OK); // the pre-session cookie
    let no_token = app
        .client
        .post(app.url("/login"))
        .header("Origin", &app.address)
        .form(&[("login", MEMBER_EMAIL), ("password", MEMBER_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        expect(no_token, StatusCode::FORBIDDEN)
            .await
            .contains("Обновите страницу")
    );

    let token = app.csrf_of("/login").await;
    let foreign = app
        .client
        .post(app.url("/login"))
        .header("Origin", "https://evil.example")
        .form(&[
            ("login", MEMBER_EMAIL),
            ("password", MEMBER_PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        foreign.status(),
        StatusCode::FORBIDDEN,
        "a foreign Origin is refused even with a token"
    );
    let cross = app
        .client
        .post(app.url("/login"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[
            ("login", MEMBER_EMAIL),
            ("password", MEMBER_PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    // a token of another browser does not fit this one
    let other = app.new_client();
    let other_html = other
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let other_token = csrf_in(&other_html).unwrap();
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("login", MEMBER_EMAIL),
            ("password", MEMBER_PASSWORD),
            ("csrf_token", other_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Logged in, the logout form needs the session's token too (the pre-session one is void).
    app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let r = app
        .client
        .post(app.url("/logout"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/kabinet").await.status(),
        StatusCode::OK,
        "still logged in"
    );
}

async fn error_pages_are_russian(app: TestApp) {
    let (status, html) = app.get_html("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Страница не найдена") && html.contains("СРО АП СОПО"));
    // a wrong method and a malformed id are answered in Russian too, never with internal text
    let r = app.get("/logout").await;
    assert!(
        expect(r, StatusCode::METHOD_NOT_ALLOWED)
            .await
            .contains("Действие недоступно")
    );
    app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let (status, html) = app.get_html("/kabinet/users/abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("Неверный запрос") && !html.contains("Invalid URL"),
        "{html}"
    );
    // too large a form: 413 with a Russian page
    let token = app.csrf_of("/kabinet").await;
    let big = "x".repeat(2 * 1024 * 1024);
    let r = app
        .client
        .post(app.url("/logout"))
        .header("Origin", &app.address)
        .form(&[("csrf_token", token.as_str()), ("junk", big.as_str())])
        .send()
        .await
        .unwrap();
    assert!(
        expect(r, StatusCode::PAYLOAD_TOO_LARGE)
            .await
            .contains("Слишком большой объем данных")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_binary_serves_poso_from_its_config() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            config: "config/poso.toml",
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let html = app.page("/login").await;
    assert!(html.contains("СРО АСО ПОСО"));
    assert!(html.contains("info@np-poso.ru"));
    assert!(!html.contains("СОПО"));
    // colours come from the config through theme.css
    let theme = html
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|u| u.contains("theme.css"))
        .unwrap();
    let r = app.get(theme).await;
    assert_eq!(r.status(), StatusCode::OK);
    let css = r.text().await.unwrap();
    assert!(css.contains("#24553a"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_secure_behind_https() {
    let opts = Options {
        overrides: vec![("server.base_url", "https://lk.sro.example".into())],
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await.unwrap();
    let r = app.get("/login").await;
    assert!(
        r.headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
    assert!(r.headers().get("strict-transport-security").is_some());
}
