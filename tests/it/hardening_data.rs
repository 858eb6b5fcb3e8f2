//! The review's findings about what users see of each other's work and about data integrity
//! (issue 11, findings 7–18), one regression test each.

use reqwest::StatusCode;

use crate::auth::Browserless;
use crate::both_dbs;
use crate::exchange::{member, send_letter};
use crate::helpers::*;

async fn user_id(app: &TestApp, email: &str) -> i64 {
    kabinet::on_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(p).await.unwrap())
}

async fn register_item(staff: &Browserless<'_>, item: i64) {
    let r = staff
        .post_with_token_from(
            &format!("/office/items/{item}"),
            &format!("/office/items/{item}/register"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

both_dbs!(notifications_are_per_user_and_per_role);

/// Finding 7: the company's accountant read the notes about reports (return reasons
/// included), and one user's reading marked them read for everybody. A note belongs to an
/// area (reports now); a user sees the areas their role may, and reads for themselves.
async fn notifications_are_per_user_and_per_role(app: TestApp) {
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let buh = member(&app, MEMBER_BUH_EMAIL, MEMBER_BUH_PASSWORD).await;
    let staff = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let item = send_letter(&head, "Письмо о реорганизации").await;
    register_item(&staff, item).await;

    // The accountant: no report notes on the home page or in the list.
    let dash = buh.page("/kabinet").await;
    assert!(dash.contains("Личный кабинет") && !dash.contains("Новых уведомлений от СРО:"));
    let notes = buh.page("/kabinet/notifications").await;
    assert!(
        notes.contains("Уведомления") && !notes.contains("входящий №"),
        "{notes}"
    );

    // The accountant becomes a reporter: now they see the note, unread for them.
    let buh_id = user_id(&app, MEMBER_BUH_EMAIL).await;
    let r = head
        .post_with_token_from(
            &format!("/kabinet/users/{buh_id}"),
            &format!("/kabinet/users/{buh_id}/role"),
            &[("role", "reporter")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The head reads the notes; the reporter's stay unread.
    assert!(
        head.page("/kabinet")
            .await
            .contains("Новых уведомлений от СРО: 1")
    );
    let notes = head.page("/kabinet/notifications").await;
    assert!(notes.contains("входящий №"), "{notes}");
    assert!(
        head.page("/kabinet")
            .await
            .contains("Новых уведомлений от СРО нет")
    );
    let dash = buh.page("/kabinet").await;
    assert!(dash.contains("Новых уведомлений от СРО: 1"), "{dash}");
    let notes = buh.page("/kabinet/notifications").await;
    assert!(
        notes.contains("note-unread") && notes.contains("входящий №"),
        "{notes}"
    );
    assert!(
        buh.page("/kabinet")
            .await
            .contains("Новых уведомлений от СРО нет")
    );
}
