//! Who may see what: one member never sees another's pages; members never see the back office.

use reqwest::StatusCode;

use crate::both_dbs;
use crate::helpers::*;

both_dbs!(
    member_cannot_open_another_members_pages,
    members_get_404_in_the_back_office,
    staff_get_404_on_member_pages
);

async fn user_id_of(app: &TestApp, email: &str) -> i64 {
    kabinet::on_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(p).await.unwrap())
}

async fn member_cannot_open_another_members_pages(app: TestApp) {
    let colleague = user_id_of(&app, MEMBER_BUH_EMAIL).await;
    let stranger = user_id_of(&app, OTHER_MEMBER_EMAIL).await;
    app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let (status, html) = app.get_html(&format!("/kabinet/users/{colleague}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Зайцева Ольга Михайловна"));
    // Another company's user: 404, the same page as for an id that does not exist.
    let (status, html) = app.get_html(&format!("/kabinet/users/{stranger}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        !html.contains("Соколова"),
        "nothing of the other company leaks"
    );
    let (missing_status, missing) = app.get_html("/kabinet/users/999999").await;
    assert_eq!(missing_status, StatusCode::NOT_FOUND);
    assert!(missing.contains("Страница не найдена") && html.contains("Страница не найдена"));
    // and the other company's own view shows only its own data
    let other = TestApp::client_for(&app);
    other
        .login_as(OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD)
        .await;
}

async fn members_get_404_in_the_back_office(app: TestApp) {
    app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    for path in [
        "/office",
        "/office/members",
        "/office/members/1",
        "/office/audit",
    ] {
        let (status, html) = app.get_html(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("Страница не найдена"));
    }
}

async fn staff_get_404_on_member_pages(app: TestApp) {
    app.login_as(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for path in ["/kabinet", "/kabinet/company", "/kabinet/users/1"] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}
