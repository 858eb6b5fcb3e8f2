//! The audit log: written by every state change, chained by hashes, verified.

use kabinet::audit::{self, Verification};
use reqwest::StatusCode;

use crate::both_dbs;
use crate::helpers::*;

both_dbs!(
    logins_and_changes_are_audited,
    editing_a_row_breaks_the_chain,
    deleting_a_row_breaks_the_chain
);

async fn logins_and_changes_are_audited(app: TestApp) {
    app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    app.logout("/kabinet").await;
    let recent = audit::recent(&app.db, 5).await.unwrap();
    assert_eq!(recent[0].action, "auth.logout");
    assert_eq!(recent[1].action, "auth.login");
    assert_eq!(recent[1].actor, MEMBER_EMAIL);
    assert_eq!(recent[1].ip, "127.0.0.1");
    assert!(
        matches!(audit::verify(&app.db).await.unwrap(), Verification::Intact { entries } if entries > 10)
    );

    // The administrator sees the log and that it is intact.
    app.login_as(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (status, html) = app.get_html("/office/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Цепочка записей цела"));
    assert!(html.contains("Вход в кабинет"));
}

async fn editing_a_row_breaks_the_chain(app: TestApp) {
    app.login_as(MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let target: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT MIN(id) FROM audit_log WHERE action = 'auth.login'").fetch_one(p).await.unwrap());
    kabinet::on_db!(&app.db, p => sqlx::query("UPDATE audit_log SET ip = '10.6.6.6' WHERE id = $1").bind(target).execute(p).await.unwrap().rows_affected());
    match audit::verify(&app.db).await.unwrap() {
        Verification::Broken { id, reason } => {
            assert_eq!(id, target);
            assert!(reason.contains("изменено"), "{reason}");
        }
        other => panic!("tampering not detected: {other:?}"),
    }
    // the next writes still chain on, and the break stays visible
    app.logout("/kabinet").await;
    assert!(
        matches!(audit::verify(&app.db).await.unwrap(), Verification::Broken { id, .. } if id == target)
    );
    app.login_as(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let html = app.page("/office/audit").await;
    assert!(html.contains(&format!("запись № {target}")), "{html}");
}

async fn deleting_a_row_breaks_the_chain(app: TestApp) {
    kabinet::on_db!(&app.db, p => sqlx::query("DELETE FROM audit_log WHERE id = 3").execute(p).await.unwrap().rows_affected());
    match audit::verify(&app.db).await.unwrap() {
        Verification::Broken { id, reason } => {
            assert_eq!(id, 4);
            assert!(reason.contains("запись 3"), "{reason}");
        }
        other => panic!("deletion not detected: {other:?}"),
    }
}

/// Many concurrent writers still form one unbroken chain (the write lock / advisory lock).
async fn concurrent_logins_keep_one_chain(app: TestApp) {
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = app.new_client();
        let base = app.address.clone();
        tasks.push(tokio::spawn(async move {
            let html = client
                .get(format!("{base}/login"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let token = csrf_in(&html).unwrap();
            let r = client
                .post(format!("{base}/login"))
                .header("Origin", &base)
                .form(&[
                    ("login", EXPERT_EMAIL),
                    ("password", EXPERT_PASSWORD),
                    ("csrf_token", token.as_str()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert!(matches!(
        audit::verify(&app.db).await.unwrap(),
        Verification::Intact { .. }
    ));
}
both_dbs!(concurrent_logins_keep_one_chain);

/// Issue 17: the audit log speaks Russian. Every action the code records (the first string
/// of each `Event::new(`, and both of an `if … { "a" } else { "b" }` there) and every kind of
/// object has a label.
#[test]
fn every_recorded_action_has_a_russian_label() {
    let mut missing = Vec::new();
    let mut stack = vec![repo_path("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices("Event::new(") {
                let call: String = text[at..].chars().take(160).collect();
                let strings: Vec<&str> = call.split('"').skip(1).step_by(2).collect();
                // action(s) first, then the object type
                let first = call["Event::new(".len()..].trim_start();
                let (actions, object) = if first.starts_with("if ") {
                    (strings.get(..2).unwrap_or(&[]).to_vec(), strings.get(2))
                } else if first.starts_with('"') {
                    (strings.get(..1).unwrap_or(&[]).to_vec(), strings.get(1))
                } else {
                    // the action is a variable: its values are checked where they are written
                    (vec![], strings.first())
                };
                for a in actions {
                    if kabinet::audit::action_label(a) == a {
                        missing.push(format!("{}: action {a}", path.display()));
                    }
                }
                if let Some(o) = object
                    && kabinet::audit::object_label(o) == *o
                {
                    missing.push(format!("{}: object {o}", path.display()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "\n{}\n", missing.join("\n"));
}
