//! Finding 19 of the review: outgoing mail carries a `Message-ID` (large providers refuse mail
//! without one) and `Auto-Submitted: auto-generated`; only optional mail (notes about sent
//! documents) carries `List-Unsubscribe`, and its one-click link really stops it. Subjects
//! are grammatical Russian.

use reqwest::StatusCode;

use crate::both_dbs;
use crate::exchange::{member, send_letter};
use crate::helpers::*;

async fn register_item(staff: &crate::auth::Browserless<'_>, item: i64) {
    let r = staff
        .post_with_token_from(
            &format!("/office/items/{item}"),
            &format!("/office/items/{item}/register"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

both_dbs!(mail_is_well_formed_and_optional_mail_can_be_stopped);

async fn mail_is_well_formed_and_optional_mail_can_be_stopped(app: TestApp) {
    app.start_mail_server().await;
    let visitor = TestApp::client_for(&app);
    let r = visitor
        .post(
            "/user/request-password-reset",
            &[("by", "email"), ("email", MEMBER_EMAIL)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let reset = app.wait_for_mail(MEMBER_EMAIL).await;
    assert_eq!(
        reset.subject,
        "Восстановление пароля в личном кабинете СРО АП СОПО"
    );
    let id = reset.header("Message-ID").expect("a Message-ID");
    assert!(
        id.starts_with('<') && id.ends_with('>') && id.contains('@') && !id.contains("@localhost"),
        "{id}"
    );
    assert_eq!(reset.header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(
        reset.header("List-Unsubscribe"),
        None,
        "a reset is not optional"
    );

    // A note about a registered letter is optional: it can be stopped in one click.
    let c = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let staff = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let item = send_letter(&c, "Письмо с уведомлением").await;
    register_item(&staff, item).await;
    let note = app.wait_for_mail_n(MEMBER_EMAIL, 2).await;
    assert!(
        note.subject.contains("зарегистрировано"),
        "{}",
        note.subject
    );
    assert_ne!(
        note.header("Message-ID"),
        Some(id),
        "each message its own id"
    );
    assert_eq!(note.header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(
        note.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let link = note.header("List-Unsubscribe").expect("List-Unsubscribe");
    let url = link.trim_matches(['<', '>']);
    assert!(url.starts_with(&app.address), "{url}");
    // What a mail client does for «отписаться»: a POST with no cookie and no form token.
    let r = app
        .new_client()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A forged link does nothing.
    let forged = url.replace("t=", "t=0");
    let r = app
        .new_client()
        .post(&forged)
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The next note stays in the cabinet only.
    let before = app.outbox().await.len();
    let item = send_letter(&c, "Второе письмо").await;
    register_item(&staff, item).await;
    assert_eq!(
        app.outbox().await.len(),
        before,
        "no mail after unsubscribing"
    );
    assert!(
        c.page("/kabinet")
            .await
            .contains("Новых уведомлений от СРО: 2")
    );
    // The profile shows the choice and turns it back on.
    let profile = c.page("/profile").await;
    assert!(
        profile.contains("name=\"mail_notices\"") && !profile.contains("checked"),
        "{profile}"
    );
    let r = c
        .post_with_token_from("/profile", "/profile/mail", &[("mail_notices", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let item = send_letter(&c, "Третье письмо").await;
    register_item(&staff, item).await;
    app.wait_for_mail_n(MEMBER_EMAIL, 3).await;
}
