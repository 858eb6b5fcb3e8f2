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
    let html = c.page("/login?next=%2Fkabinet%2Fjournal%3Fyear%3D2026").await;
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
    assert_eq!(location(&r), "/kabinet/journal?year=2026", "a path of this site is kept");
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
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the page shares the count");
}
