//! Issue 12: PostgreSQL as the production engine, several instances behind one address.

use crate::both_dbs;
use crate::hardening_data::register_csv;
use crate::helpers::*;
use crate::register::api_ok;

/// The register's totals as the API gives them match a count of the live rows, for each filter.
async fn assert_totals(app: &TestApp, when: &str) {
    for (query, sql) in [
        ("", "SELECT COUNT(*) FROM members"),
        (
            "?status=member",
            "SELECT COUNT(*) FROM members WHERE status = 'member'",
        ),
        (
            "?status=excluded",
            "SELECT COUNT(*) FROM members WHERE status = 'excluded'",
        ),
        (
            "?level=1",
            "SELECT COUNT(*) FROM members WHERE vv_level = 1",
        ),
        (
            "?status=member&level=1",
            "SELECT COUNT(*) FROM members WHERE status = 'member' AND vv_level = 1",
        ),
    ] {
        let counted: i64 =
            kabinet::on_db!(&app.db, p => sqlx::query_scalar(sql).fetch_one(p).await.unwrap());
        let api = api_ok(app, &format!("/api/v1/register{query}")).await;
        assert_eq!(api["total"].as_i64().unwrap(), counted, "{when}: {query}");
    }
}

both_dbs!(register_totals_follow_every_write);

/// Issue 12: the totals are kept (`member_counts`, by triggers) instead of counted; they stay
/// right through admissions, changes, staged and abandoned imports.
async fn register_totals_follow_every_write(app: TestApp) {
    let core = &app.state.core;
    let actor = kabinet::audit::Actor::system("test");
    assert_totals(&app, "demo").await;
    let sheet = kabinet::register::table::read("r.csv", register_csv(300, 3).as_bytes()).unwrap();
    let checked =
        kabinet::register::table::check(&sheet, core.settings.sro.kind, core.today(), &mut |_| {});
    let entries: Vec<_> = checked.entries.into_iter().map(|(_, s)| s).collect();
    let mut batch = kabinet::register::staging::Batch::new();
    batch.stage(core, entries, "Импорт", &actor).await.unwrap();
    assert_totals(&app, "staged").await;
    let ids = batch.switch(core, "Импорт", &actor).await.unwrap();
    assert_totals(&app, "switched").await;
    kabinet::register::service::change(core, ids[0], 1, "Исключение", &actor, |s| {
        s.entry.status = kabinet::register::model::MembershipStatus::Excluded;
        s.entry.terminated_on = chrono::NaiveDate::from_ymd_opt(2026, 11, 1);
        s.entry.termination_reason = "Решение Совета № 9".into();
        Ok(())
    })
    .await
    .unwrap();
    assert_totals(&app, "excluded").await;
    kabinet::register::service::change(core, ids[1], 1, "Уровень", &actor, |s| {
        s.entry.vv_level = Some(2);
        s.entry.vv_contribution = 500_000 * 100;
        Ok(())
    })
    .await
    .unwrap();
    assert_totals(&app, "level").await;
    let sheet = kabinet::register::table::read("r.csv", register_csv(400, 2).as_bytes()).unwrap();
    let checked =
        kabinet::register::table::check(&sheet, core.settings.sro.kind, core.today(), &mut |_| {});
    let mut dead = kabinet::register::staging::Batch::new();
    dead.stage(
        core,
        checked.entries.into_iter().map(|(_, s)| s).collect(),
        "Импорт",
        &actor,
    )
    .await
    .unwrap();
    dead.abandon(&app.db).await;
    assert_totals(&app, "abandoned").await;
}

/// The ids of one page of the API's search.
async fn page_ids(app: &TestApp, q: &str, page: i64) -> (Vec<i64>, serde_json::Value) {
    let v = api_ok(
        app,
        &format!("/api/v1/register?q={q}&per_page=25&page={page}"),
    )
    .await;
    let ids = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["register_number"]
                .as_str()
                .unwrap()
                .trim_start_matches("Т-")
                .parse()
                .unwrap()
        })
        .collect();
    (ids, v)
}

both_dbs!(a_search_pages_through_its_matches_in_register_order);

/// A text search takes its matches in one index scan when there are at most 1,000 of them
/// (exact total, pages cut from them) and walks the register order when there are more
/// («более 1000»): both page the same way, in register order, without gaps or repeats.
async fn a_search_pages_through_its_matches_in_register_order(app: TestApp) {
    kabinet::demo::generate_members(&app.state.core, 1_100)
        .await
        .unwrap();
    // «компания 10»: 10, 100–109, 1000–1099
    let q = "%D0%BA%D0%BE%D0%BC%D0%BF%D0%B0%D0%BD%D0%B8%D1%8F+10";
    let (first, v) = page_ids(&app, q, 1).await;
    assert_eq!(v["total"], 111);
    assert_eq!(v["total_exact"], true);
    let mut all = first;
    for page in 2..=5 {
        all.extend(page_ids(&app, q, page).await.0);
    }
    assert_eq!(all.len(), 111);
    assert!(
        all.windows(2).all(|w| w[0] < w[1]),
        "register order, no repeats: {all:?}"
    );
    assert!(page_ids(&app, q, 6).await.0.is_empty());
    // «тестовая»: every generated member, more than the exact count goes
    let q = "%D1%82%D0%B5%D1%81%D1%82%D0%BE%D0%B2%D0%B0%D1%8F";
    let (p1, v) = page_ids(&app, q, 1).await;
    assert_eq!(
        (v["total"].as_i64(), v["total_exact"].as_bool()),
        (Some(1000), Some(false))
    );
    let (p2, _) = page_ids(&app, q, 2).await;
    // the generated members are numbered after the three demo companies
    assert_eq!(p1, (4..=28).collect::<Vec<i64>>());
    assert_eq!(p2, (29..=53).collect::<Vec<i64>>());
    // The back office searches through the same indexes, in name order.
    let staff = crate::exchange::member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let html = staff.page(&format!("/office/members?q={q}")).await;
    assert!(html.contains("Найдено: более 1000"), "{html}");
    let html = staff
        .page("/office/members?q=%D0%BA%D0%BE%D0%BC%D0%BF%D0%B0%D0%BD%D0%B8%D1%8F+10")
        .await;
    assert!(html.contains("Найдено: 111"));
    // (in name order: the database's collation decides where «10»» goes among «1000»)
    assert_eq!(
        html.matches("Тестовая компания 1").count(),
        50,
        "one page of 50"
    );
}

/// «Найдено: N» on a list page.
fn found(html: &str) -> i64 {
    let at = html.find("Найдено: ").expect("a total") + "Найдено: ".len();
    html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

both_dbs!(journal_and_inbox_totals_follow_every_write);

/// Issue 12: the journal's and the inbox's totals are kept (`item_counts`) instead of counted
/// on every page; they match the items through sending, registration, review and drafts.
async fn journal_and_inbox_totals_follow_every_write(app: TestApp) {
    use crate::exchange::{member, send_letter};
    let c = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let staff = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let year = chrono::Utc::now().format("%Y").to_string();
    let check = |when: &'static str| {
        let (c, staff, app, year) = (&c, &staff, &app, &year);
        async move {
            for (query, cond) in [
                ("", "status <> 'draft'"),
                ("?status=registered", "status = 'registered'"),
                ("?kind=letter", "status <> 'draft' AND kind = 'letter'"),
                (
                    "?year=YEAR",
                    "status <> 'draft' AND sent_at >= 'YEAR-01-01'",
                ),
                ("?year=1999", "status <> 'draft' AND sent_at < '2000-01-01'"),
            ] {
                let cond = cond.replace("YEAR", year);
                let q = query.replace("YEAR", year);
                let sql = format!(
                    "SELECT COUNT(*) FROM items WHERE {cond} AND member_id = (SELECT member_id FROM users WHERE email = $1)"
                );
                let counted: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(&sql).bind(MEMBER_EMAIL).fetch_one(p).await.unwrap());
                let html = c.page(&format!("/kabinet/journal{q}")).await;
                assert_eq!(found(&html), counted, "{when}: journal{q}");
                if q.contains("year") {
                    continue; // the inbox has no year filter
                }
                let all: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar(&format!("SELECT COUNT(*) FROM items WHERE {cond}")).fetch_one(p).await.unwrap());
                let html = staff.page(&format!("/office/inbox{q}")).await;
                assert_eq!(found(&html), all, "{when}: inbox{q}");
            }
        }
    };
    check("demo").await;
    let a = send_letter(&c, "Первое").await;
    let _b = send_letter(&c, "Второе").await;
    check("sent").await;
    let r = staff
        .post_with_token_from(
            &format!("/office/items/{a}"),
            &format!("/office/items/{a}/register"),
            &[],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    check("registered").await;
}

/// A transaction that reads before it writes is not undone by a write beside it (a periodic
/// job's lease, a session touch, another process): on SQLite it failed with «database is
/// locked» (SQLITE_BUSY_SNAPSHOT) when the other write committed between its read and its
/// write — CI saw it in `export_then_import_gives_the_same_register`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_that_reads_first_survives_a_write_beside_it() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let db = app.db.clone();
    let mut tx = db.begin().await.unwrap();
    let before: i64 = kabinet::on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM member_rows")
        .fetch_one(c).await.unwrap());
    assert!(before > 0);
    let other = db.clone();
    let beside = tokio::spawn(async move {
        kabinet::jobs::claim(&other, "beside", "test", std::time::Duration::from_secs(5)).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    kabinet::on_tx!(tx, c => sqlx::query("UPDATE member_rows SET phone = phone || '' WHERE id = (SELECT MIN(id) FROM member_rows)")
        .execute(c).await.unwrap().rows_affected());
    tx.commit().await.unwrap();
    assert!(
        beside.await.unwrap().unwrap(),
        "the write beside waited, then went in"
    );
}
