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

both_dbs!(every_route_answers_each_role_as_the_rules_say);

/// Who walks the routes, in the order of the expectation columns.
const PERSONAS: [&str; 9] = [
    "anonymous",
    "head",
    "accountant",
    "reporter",
    "other company",
    "expert",
    "registrar",
    "SRO accountant",
    "admin",
];

const REPORTER_EMAIL: &str = "otchet@romashka-stroy.example";
const REPORTER_PASSWORD: &str = "Romashka-Otchet-2026!";

/// Every page and action, as every role and as another company: the status each must get
/// («-»: allowed and changing data, left to the flow tests). One table, so a route added
/// without thinking about who may call it shows up here.
async fn every_route_answers_each_role_as_the_rules_say(app: TestApp) {
    use crate::exchange::{member, pdf, send_letter, upload};
    // Fixtures through the pages and services, as users make them.
    let romashka: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT id FROM members WHERE inn = $1").bind(MEMBER_INN).fetch_one(p).await.unwrap());
    let vektor: i64 = kabinet::on_db!(&app.db, p => sqlx::query_scalar("SELECT member_id FROM users WHERE email = $1").bind(OTHER_MEMBER_EMAIL).fetch_one(p).await.unwrap());
    let email = kabinet::requisites::Email::parse(REPORTER_EMAIL).unwrap();
    kabinet::auth::service::create_member_user(
        &app.db,
        &kabinet::auth::service::MemberUserForCreate {
            member_id: romashka,
            role: kabinet::auth::MemberRole::Reporter,
            email: &email,
            full_name: "Котова Елена Павловна",
            position: "Инженер",
            phone: "",
            password: REPORTER_PASSWORD,
        },
        &kabinet::audit::Actor::system("test"),
    )
    .await
    .unwrap();
    kabinet::demo::attach_templates(&app.state.core)
        .await
        .unwrap();
    let head = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let item = send_letter(&head, "Письмо для проверки доступа").await;
    let r = upload(
        &head,
        "/kabinet/letters/new",
        "/kabinet/letters",
        &[("subject", "Черновик"), ("action", "save")],
        vec![("file_1", "Черновик.pdf", pdf("черновик"))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let draft = crate::exchange::first_id(&location(&r), "/kabinet/items/");
    // A signed letter: its signature's checks, protocol and re-check (issue 16).
    let r = upload(
        &head,
        "/kabinet/letters/new",
        "/kabinet/letters",
        &[("subject", "Подписанное"), ("action", "send")],
        vec![
            (
                "file_1",
                "Письмо.pdf",
                crate::exchange::fixture("otchet.pdf"),
            ),
            (
                "sig_1",
                "Письмо.pdf.sig",
                crate::exchange::fixture("otchet.pdf.sig"),
            ),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let signed_item = crate::exchange::first_id(&location(&r), "/kabinet/items/");
    // A contract (issue 18).
    let r = head
        .post_with_token_from(
            "/kabinet/contracts/new",
            "/kabinet/contracts",
            &[
                ("number", "1/26"),
                ("signed_on", "2026-03-06"),
                ("customer_name", "ГКУ"),
                ("customer_inn", "7701234560"),
                ("subject", "Проект"),
                ("kind", "design"),
                ("price", "1000000"),
                ("method", "direct"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let contract = crate::exchange::first_id(&location(&r), "/kabinet/contracts/");
    let r = head
        .post_with_token_from("/kabinet", "/kabinet/extracts", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let extract = location(&r)
        .trim_start_matches("/kabinet/extracts/")
        .trim_end_matches("/pdf")
        .to_string();
    let invoice = kabinet::billing::papers::create_invoice(
        &app.state.core,
        &kabinet::audit::Actor::system("test"),
        romashka,
        None,
    )
    .await
    .unwrap();
    let q = |sql: &'static str, id: i64| {
        let db = app.db.clone();
        async move {
            kabinet::on_db!(&db, p => sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(p).await.unwrap())
        }
    };
    let head_id = q(
        "SELECT id FROM users WHERE member_id = $1 AND member_role = 'head'",
        romashka,
    )
    .await;
    let file = q("SELECT file_id FROM item_files WHERE item_id = $1", item).await;
    let contract_event = q(
        "SELECT MIN(id) FROM contract_events WHERE contract_id = $1",
        contract,
    )
    .await;
    let sig = q(
        "SELECT signature_file_id FROM item_files WHERE item_id = $1",
        signed_item,
    )
    .await;
    let template_file = q(
        "SELECT file_id FROM section_templates WHERE id >= $1 ORDER BY id LIMIT 1",
        0,
    )
    .await;
    let section = q(
        "SELECT section_id FROM section_templates WHERE file_id = $1",
        template_file,
    )
    .await;
    let campaign = q(
        "SELECT campaign_id FROM report_sections WHERE id = $1",
        section,
    )
    .await;

    // One browser per persona; the anonymous one has seen the login page (its CSRF cookie).
    let logins = [
        None,
        Some((MEMBER_EMAIL, MEMBER_PASSWORD)),
        Some((MEMBER_BUH_EMAIL, MEMBER_BUH_PASSWORD)),
        Some((REPORTER_EMAIL, REPORTER_PASSWORD)),
        Some((OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD)),
        Some((EXPERT_EMAIL, EXPERT_PASSWORD)),
        Some(("registrar@sro.example", "Registrar-2026!")),
        Some(("accountant@sro.example", "Accountant-2026!")),
        Some((ADMIN_EMAIL, ADMIN_PASSWORD)),
    ];
    let mut clients = Vec::new();
    for l in logins {
        let c = TestApp::client_for(&app);
        let token_page = match l {
            Some((login, password)) => {
                c.login_as(login, password).await;
                "/profile"
            }
            None => "/login",
        };
        let (s, html) = c.get_html(token_page).await;
        assert_eq!(s, StatusCode::OK);
        let token = csrf_in(&html).unwrap();
        clients.push((c, token));
    }

    let tariff = q("SELECT MIN(id) FROM charge_types WHERE id > $1", 0).await;
    let ok_all = "200 200 200 200 200 200 200 200 200";
    // money: the head and the accountant of a company; experts see debts, the accountant and
    // administrators keep the books
    let payments = "303 200 200 404 200 404 404 404 404";
    let billing = "303 404 404 404 404 200 403 200 200";
    let books = "303 404 404 404 404 403 403 200 200";
    let cabinet = "303 200 200 200 200 404 404 404 404";
    let reports = "303 200 403 200 200 404 404 404 404";
    let own_item = "303 200 403 200 404 404 404 404 404";
    let office = "303 404 404 404 404 200 200 200 200";
    let keepers = "303 404 404 404 404 200 403 403 200";
    let admins = "303 404 404 404 404 403 403 403 200";
    let rows: Vec<(&str, String, &str)> = vec![
        ("GET", "/".into(), "303 303 303 303 303 303 303 303 303"),
        (
            "GET",
            "/login".into(),
            "200 303 303 303 303 303 303 303 303",
        ),
        ("GET", "/user/request-password-reset".into(), ok_all),
        (
            "GET",
            "/profile".into(),
            "303 200 200 200 200 200 200 200 200",
        ),
        (
            "GET",
            "/no-such-page".into(),
            "404 404 404 404 404 404 404 404 404",
        ),
        // the member's cabinet
        ("GET", "/kabinet".into(), cabinet),
        ("GET", "/kabinet/company".into(), cabinet),
        (
            "GET",
            format!("/kabinet/users/{head_id}"),
            "303 200 200 200 404 404 404 404 404",
        ),
        (
            "GET",
            "/kabinet/company/users/new".into(),
            "303 200 403 403 200 404 404 404 404",
        ),
        ("GET", "/kabinet/reports".into(), reports),
        ("GET", "/kabinet/reports/current".into(), reports),
        ("GET", "/kabinet/reports/year/2026".into(), reports),
        (
            "GET",
            format!("/kabinet/reports/sections/{section}"),
            reports,
        ),
        ("GET", "/kabinet/letters/new".into(), reports),
        ("GET", "/kabinet/journal".into(), reports),
        ("GET", "/kabinet/journal.csv".into(), reports),
        ("GET", "/kabinet/notifications".into(), cabinet),
        ("GET", format!("/kabinet/items/{item}"), own_item),
        ("GET", format!("/kabinet/items/{draft}"), own_item),
        (
            "GET",
            format!("/kabinet/items/{item}/receipt.pdf"),
            own_item,
        ),
        (
            "GET",
            format!("/kabinet/items/{draft}/receipt.pdf"),
            "303 404 403 404 404 404 404 404 404",
        ),
        ("GET", "/kabinet/extracts".into(), cabinet),
        (
            "GET",
            format!("/kabinet/extracts/{extract}/pdf"),
            "303 200 200 200 404 404 404 404 404",
        ),
        (
            "GET",
            format!("/files/{file}"),
            "303 200 404 200 404 200 200 200 200",
        ),
        (
            "GET",
            format!("/files/{template_file}"),
            "303 200 200 200 200 200 200 200 200",
        ),
        ("GET", "/kabinet/payments".into(), payments),
        (
            "GET",
            "/kabinet/payments?year=2026&kind=membership".into(),
            payments,
        ),
        (
            "GET",
            "/kabinet/payments/act?from=2026-01-01&to=2026-12-31".into(),
            payments,
        ),
        (
            "GET",
            "/kabinet/payments/act?from=2026-01-01&to=2026-12-31&format=xlsx".into(),
            payments,
        ),
        (
            "GET",
            format!("/kabinet/payments/invoices/{invoice}"),
            "303 200 200 404 404 404 404 404 404",
        ),
        ("GET", "/kabinet/messages".into(), cabinet),
        (
            "GET",
            "/kabinet/messages/999999".into(),
            "303 404 404 404 404 404 404 404 404",
        ),
        ("GET", "/kabinet/calendar".into(), cabinet),
        ("GET", "/kabinet/calendar?month=2027-03".into(), cabinet),
        ("GET", "/profile/calendar".into(), cabinet),
        (
            "GET",
            "/calendar/not-a-feed.ics".into(),
            "404 404 404 404 404 404 404 404 404",
        ),
        ("GET", "/office/reminders".into(), billing),
        (
            "GET",
            "/kabinet/archive".into(),
            "303 200 404 404 200 404 404 404 404",
        ),
        (
            "GET",
            "/kabinet/archive/999999/download".into(),
            "303 404 404 404 404 404 404 404 404",
        ),
        ("GET", "/office/messages".into(), billing),
        ("GET", "/office/messages/new".into(), billing),
        (
            "GET",
            "/office/messages/999999".into(),
            "303 404 404 404 404 404 403 404 404",
        ),
        ("GET", "/office/billing".into(), billing),
        ("GET", "/office/billing/debtors".into(), billing),
        ("GET", "/office/billing/debtors.xlsx?days=1".into(), billing),
        (
            "GET",
            format!("/office/billing/members/{romashka}"),
            billing,
        ),
        (
            "GET",
            format!("/office/billing/members/{romashka}/act?format=xlsx"),
            billing,
        ),
        (
            "GET",
            "/office/billing/members/999999".into(),
            "303 404 404 404 404 404 403 404 404",
        ),
        ("GET", "/office/billing/tariffs".into(), books),
        ("GET", "/office/billing/tariffs/new".into(), books),
        ("GET", format!("/office/billing/tariffs/{tariff}"), books),
        ("GET", "/office/billing/runs".into(), books),
        ("GET", "/office/billing/runs?period=2026-Q4".into(), books),
        ("GET", "/office/billing/statements".into(), books),
        ("GET", "/office/billing/unmatched".into(), books),
        // the back office
        ("GET", "/office".into(), office),
        ("GET", "/office/members".into(), office),
        ("GET", format!("/office/members/{romashka}"), office),
        ("GET", "/office/inbox".into(), office),
        ("GET", format!("/office/items/{item}"), office),
        ("GET", format!("/office/items/{item}/zip"), office),
        ("GET", format!("/office/items/{item}/receipt.pdf"), office),
        (
            "GET",
            format!("/office/items/{draft}"),
            "303 404 404 404 404 404 404 404 404",
        ),
        ("GET", "/office/reports".into(), office),
        ("GET", format!("/office/reports/{campaign}"), office),
        ("GET", "/office/extracts".into(), office),
        ("GET", format!("/office/extracts/{extract}/pdf"), office),
        ("GET", "/office/mail".into(), office),
        ("GET", "/office/register/export.csv".into(), office),
        ("GET", "/office/register/export.xlsx".into(), office),
        ("GET", "/office/members/new".into(), keepers),
        ("GET", format!("/office/members/{romashka}/entry"), keepers),
        (
            "GET",
            format!("/office/members/{romashka}/users/{head_id}/email"),
            keepers,
        ),
        (
            "GET",
            format!("/office/members/{vektor}/users/{head_id}/email"),
            "303 404 404 404 404 404 403 403 404",
        ),
        ("GET", "/office/audit".into(), admins),
        ("GET", "/office/trust".into(), admins),
        (
            "GET",
            "/kabinet/contracts".into(),
            "303 200 404 200 200 404 404 404 404",
        ),
        (
            "GET",
            "/kabinet/contracts/new".into(),
            "303 200 404 200 200 404 404 404 404",
        ),
        (
            "GET",
            format!("/kabinet/contracts/{contract}"),
            "303 200 404 200 404 404 404 404 404",
        ),
        ("GET", "/office/contracts".into(), office),
        ("GET", "/office/contracts/odo".into(), office),
        ("GET", "/office/contracts.xlsx".into(), office),
        (
            "GET",
            "/kabinet/contracts/template.xlsx".into(),
            "303 200 404 200 200 404 404 404 404",
        ),
        (
            "GET",
            "/kabinet/contracts/import".into(),
            "303 200 404 200 200 404 404 404 404",
        ),
        ("GET", "/office/workdays".into(), admins),
        (
            "GET",
            format!("/files/{sig}/checks"),
            "303 200 404 200 404 200 200 200 200",
        ),
        (
            "GET",
            format!("/files/{sig}/protocol.pdf"),
            "303 200 404 200 404 200 200 200 200",
        ),
        ("GET", "/office/register/import".into(), admins),
        ("GET", format!("/office/members/{romashka}/invite"), keepers),
        (
            "GET",
            "/office/members/999999/invite".into(),
            "303 404 404 404 404 404 404 404 404",
        ),
        ("GET", "/office/staff".into(), admins),
        (
            "GET",
            "/kabinet/company/changes/new".into(),
            "303 200 403 403 200 404 404 404 404",
        ),
        ("GET", "/office/invitations".into(), admins),
        (
            "GET",
            "/office/invitations/999999".into(),
            "303 404 404 404 404 403 403 403 404",
        ),
        ("GET", "/office/staff/new".into(), admins),
        // a member's user is no employee
        (
            "GET",
            format!("/office/staff/{head_id}"),
            "303 404 404 404 404 403 403 403 404",
        ),
        // public
        ("GET", "/reestr".into(), ok_all),
        ("GET", format!("/reestr/{MEMBER_INN}"), ok_all),
        ("GET", "/v".into(), ok_all),
        ("GET", format!("/v/{extract}"), ok_all),
        ("GET", "/api/v1/register".into(), ok_all),
        ("GET", "/api/openapi.json".into(), ok_all),
        // a one-click unsubscribe address that was not signed is no address
        (
            "GET",
            "/mail/unsubscribe?u=1&t=forged".into(),
            "404 404 404 404 404 404 404 404 404",
        ),
        // actions refused to whoever may not take them (nothing changes)
        (
            "POST",
            "/kabinet/company/users/new".into(),
            "303 - 403 403 - 404 404 404 404",
        ),
        // appointing the head who is one already changes nothing
        (
            "POST",
            format!("/office/members/{romashka}/users/{head_id}/head"),
            "303 404 404 404 404 303 403 403 303",
        ),
        (
            "POST",
            format!("/office/members/{vektor}/users/{head_id}/head"),
            "303 404 404 404 404 404 403 403 404",
        ),
        (
            "POST",
            format!("/kabinet/users/{head_id}/role"),
            "303 422 403 403 404 404 404 404 404",
        ),
        // staff on a member's users: an accepted invitation is neither resent nor withdrawn
        (
            "POST",
            format!("/office/members/{romashka}/invite"),
            "303 404 404 404 404 422 403 403 422",
        ),
        (
            "POST",
            format!("/office/members/{romashka}/users/{head_id}/resend"),
            "303 404 404 404 404 422 403 403 422",
        ),
        (
            "POST",
            format!("/office/members/{romashka}/users/{head_id}/withdraw"),
            "303 404 404 404 404 422 403 403 422",
        ),
        (
            "POST",
            format!("/office/members/{vektor}/users/{head_id}/resend"),
            "303 404 404 404 404 404 403 403 404",
        ),
        (
            "POST",
            format!("/office/members/{vektor}/users/{head_id}/withdraw"),
            "303 404 404 404 404 404 403 403 404",
        ),
        (
            "POST",
            format!("/office/members/{vektor}/users/{head_id}/block"),
            "303 404 404 404 404 404 403 403 404",
        ),
        (
            "POST",
            format!("/office/members/{romashka}/users/{head_id}/block"),
            "303 404 404 404 404 - 403 403 -",
        ),
        (
            "POST",
            format!("/office/members/{romashka}/expert"),
            "303 404 404 404 404 - 403 403 -",
        ),
        (
            "POST",
            "/office/invitations".into(),
            "303 404 404 404 404 403 403 403 -",
        ),
        // «Сотрудники»: administrators only; a member's user is no employee
        (
            "POST",
            "/office/staff/new".into(),
            "303 404 404 404 404 403 403 403 422",
        ),
        (
            "POST",
            format!("/office/staff/{head_id}/role"),
            "303 404 404 404 404 403 403 403 404",
        ),
        (
            "POST",
            format!("/office/staff/{head_id}/block"),
            "303 404 404 404 404 403 403 403 404",
        ),
        (
            "POST",
            format!("/office/staff/{head_id}/resend"),
            "303 404 404 404 404 403 403 403 404",
        ),
        (
            "POST",
            format!("/office/staff/{head_id}/reassign"),
            "303 404 404 404 404 403 403 403 422",
        ),
        (
            "POST",
            format!("/kabinet/users/{head_id}/block"),
            "303 422 403 403 404 404 404 404 404",
        ),
        (
            "POST",
            format!("/kabinet/items/{draft}/delete"),
            "303 - 403 - 404 404 404 404 404",
        ),
        (
            "POST",
            format!("/kabinet/items/{item}/revise"),
            "303 409 403 409 404 404 404 404 404",
        ),
        (
            "POST",
            format!("/office/items/{item}/review"),
            "303 404 404 404 404 409 403 403 409",
        ),
        (
            "POST",
            format!("/office/items/{item}/register"),
            "303 404 404 404 404 403 - 403 -",
        ),
        (
            "POST",
            "/office/reports".into(),
            "303 404 404 404 404 422 403 403 422",
        ),
        (
            "POST",
            format!("/office/reports/{campaign}/sections"),
            "303 404 404 404 404 422 403 403 422",
        ),
        (
            "POST",
            "/office/members/new".into(),
            "303 404 404 404 404 422 403 403 422",
        ),
        (
            "POST",
            format!("/office/members/{romashka}/entry"),
            "303 404 404 404 404 422 403 403 422",
        ),
        (
            "POST",
            "/office/mail/999999/retry".into(),
            "303 404 404 404 404 403 403 403 303",
        ),
        // money: a form without its fields is refused at its fields; nobody else gets that far
        (
            "POST",
            "/kabinet/payments/invoices".into(),
            "303 - - 404 - 404 404 404 404",
        ),
        (
            "POST",
            format!("/office/billing/members/{romashka}/charges"),
            "303 404 404 404 404 403 403 422 422",
        ),
        (
            "POST",
            format!("/office/billing/members/{romashka}/payments"),
            "303 404 404 404 404 403 403 422 422",
        ),
        (
            "POST",
            format!("/office/billing/members/{romashka}/exemptions"),
            "303 404 404 404 404 403 403 422 422",
        ),
        (
            "POST",
            format!("/office/billing/members/{romashka}/charges/1/reverse"),
            "303 404 404 404 404 403 403 422 422",
        ),
        (
            "POST",
            format!("/office/billing/members/{romashka}/payments/1/reverse"),
            "303 404 404 404 404 403 403 422 422",
        ),
        (
            "POST",
            format!("/office/billing/members/{romashka}/payments/1/allocate"),
            "303 404 404 404 404 403 403 422 422",
        ),
        (
            "POST",
            "/office/billing/tariffs/new".into(),
            "303 404 404 404 404 403 403 422 422",
        ),
        (
            "POST",
            format!("/office/billing/tariffs/{tariff}"),
            "303 404 404 404 404 403 403 422 422",
        ),
        (
            "POST",
            "/office/billing/runs".into(),
            "303 404 404 404 404 403 403 422 422",
        ),
        (
            "POST",
            "/office/billing/unmatched/999999".into(),
            "303 404 404 404 404 403 403 422 422",
        ),
        (
            "POST",
            "/office/billing/statements".into(),
            "303 404 404 404 404 403 403 400 400",
        ),
        (
            "POST",
            "/kabinet/contracts".into(),
            "303 422 404 422 422 404 404 404 404",
        ),
        (
            "POST",
            format!("/kabinet/contracts/{contract}/events"),
            "303 422 404 422 404 404 404 404 404",
        ),
        (
            "POST",
            format!("/kabinet/contracts/{contract}/events/{contract_event}/notice"),
            "303 303 404 303 404 404 404 404 404",
        ),
        (
            "POST",
            "/kabinet/contracts/statement".into(),
            "303 303 404 303 303 404 404 404 404",
        ),
        (
            "POST",
            "/kabinet/contracts/import".into(),
            "303 400 404 400 400 404 404 404 404",
        ),
        (
            "POST",
            "/office/workdays".into(),
            "303 404 404 404 404 403 403 403 422",
        ),
        (
            "POST",
            "/office/trust".into(),
            "303 404 404 404 404 403 403 403 400",
        ),
        (
            "POST",
            format!("/files/{sig}/recheck"),
            "303 404 404 404 404 303 403 403 303",
        ),
        (
            "POST",
            "/office/messages/new".into(),
            "303 404 404 404 404 422 403 422 422",
        ),
        (
            "POST",
            "/office/messages/999999/send".into(),
            "303 404 404 404 404 404 403 404 404",
        ),
        (
            "POST",
            "/profile/calendar/revoke".into(),
            "303 303 303 303 303 404 404 404 404",
        ),
        (
            "POST",
            "/office/reminders".into(),
            "303 404 404 404 404 303 403 303 303",
        ),
        (
            "POST",
            "/kabinet/messages/999999/ack".into(),
            "303 404 404 404 404 404 404 404 404",
        ),
        // uploads take multipart forms only: who may not gets the same refusals first
        (
            "POST",
            "/kabinet/letters".into(),
            "303 400 403 400 400 404 404 404 404",
        ),
        (
            "POST",
            format!("/kabinet/reports/sections/{section}"),
            "303 400 403 400 400 404 404 404 404",
        ),
        (
            "POST",
            format!("/kabinet/items/{draft}"),
            "303 400 403 400 400 404 404 404 404",
        ),
        (
            "POST",
            format!("/office/sections/{section}/templates"),
            "303 404 404 404 404 400 403 403 400",
        ),
        (
            "POST",
            "/kabinet/company/changes".into(),
            "303 400 403 403 400 404 404 404 404",
        ),
        (
            "POST",
            "/office/register/import".into(),
            "303 404 404 404 404 403 403 403 400",
        ),
        (
            "POST",
            "/logout".into(),
            "303 303 303 303 303 303 303 303 303",
        ),
    ];
    let mut wrong = Vec::new();
    for (method, path, expected) in &rows {
        let expected: Vec<&str> = expected.split_whitespace().collect();
        assert_eq!(expected.len(), PERSONAS.len(), "{method} {path}");
        for (i, (c, token)) in clients.iter().enumerate() {
            if expected[i] == "-" {
                continue;
            }
            let r = if *method == "GET" {
                c.get(path).await
            } else {
                c.client
                    .post(app.url(path))
                    .header("Origin", &app.address)
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("decision", "accept"),
                        ("role", "reporter"),
                        ("blocked", "1"),
                        ("year", "2026"),
                        ("deadline", "2027-03-01"),
                    ])
                    .send()
                    .await
                    .unwrap()
            };
            let got = r.status().as_u16().to_string();
            if got != expected[i] {
                wrong.push(format!(
                    "{method} {path} as {}: {got}, expected {}",
                    PERSONAS[i], expected[i]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}\n", wrong.join("\n"));
}
