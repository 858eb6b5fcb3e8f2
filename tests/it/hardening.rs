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
