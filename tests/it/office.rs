//! The back office: members list, search, card.

use reqwest::StatusCode;

use crate::both_dbs;
use crate::helpers::*;

both_dbs!(
    staff_find_members_case_insensitively_in_cyrillic,
    member_card_shows_users_and_history
);

async fn staff_find_members_case_insensitively_in_cyrillic(app: TestApp) {
    app.login_as(EXPERT_EMAIL, EXPERT_PASSWORD).await;
    let (status, html) = app
        .get_html("/office/members?q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0")
        .await; // «ромашка»
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ООО «Ромашка-Строй»"));
    assert!(!html.contains("Вектор"));
    let html = app.page("/office/members?q=5000987").await;
    assert!(html.contains("Вектор") && !html.contains("Ромашка-Строй"));
    let html = app.page("/office/members?status=suspended").await;
    assert!(html.contains("ИП Петров") && !html.contains("Вектор"));
    // "only mine": the expert is assigned to two of the three
    let html = app.page("/office/members?mine=1").await;
    assert!(html.contains("Найдено: 2"), "{html}");
    // LIKE wildcards typed by a user are taken literally
    let html = app.page("/office/members?q=%25").await;
    assert!(html.contains("Найдено: 0"));
}

async fn member_card_shows_users_and_history(app: TestApp) {
    app.login_as(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let list = app.page("/office/members?q=7700123459").await;
    let href = list
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|h| {
            h.strip_prefix("/office/members/")
                .is_some_and(|id| id.starts_with(|c: char| c.is_ascii_digit()))
        })
        .unwrap()
        .to_string();
    let (status, html) = app.get_html(&href).await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "Общество с ограниченной ответственностью «Ромашка-Строй»",
        "Зайцева Ольга Михайловна",
        "Смирнова Анна Викторовна",
        // the register's history starts with the entry
        "внесена в реестр",
        "14.03.2019",
    ] {
        assert!(html.contains(expected), "card lacks {expected}");
    }
    assert_eq!(
        app.get("/office/members/999999").await.status(),
        StatusCode::NOT_FOUND
    );
}
