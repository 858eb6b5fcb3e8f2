//! The register of members: admission and versioned changes by staff, import, the public
//! register and its API (checked against its own OpenAPI document), and the extract with its
//! QR code and public check.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::auth::Browserless;
use crate::both_dbs;
use crate::cli::kabinet;
use crate::exchange::{first_id, member};
use crate::helpers::*;

both_dbs!(
    admission_checks_the_rules_and_changes_make_versions,
    import_writes_nothing_unless_the_whole_file_is_valid,
    public_register_and_api_follow_the_openapi_document,
    a_member_gets_an_extract_and_anyone_checks_it_by_the_qr_code,
);

const ADMIN: (&str, &str) = ("admin@sro.example", "Admin-2026!");

/// A valid new member as the admission form sends it (the SRO of the tests is a designers' one).
pub fn new_member<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        (
            "full_name",
            "Общество с ограниченной ответственностью «Новый Проект»",
        ),
        ("short_name", "ООО «Новый Проект»"),
        ("inn", "7707083893"),
        ("ogrn", "1027700132195"),
        ("kpp", "770701001"),
        ("legal_address", "г. Москва, ул. Новая, д. 1"),
        ("head_name", "Новиков Николай Николаевич"),
        ("head_position", "Генеральный директор"),
        ("email", "office@new-project.example"),
        ("status", "member"),
        ("admitted_on", "20.11.2026"),
        ("admission_decision_number", "41"),
        ("admission_decision_date", "18.11.2026"),
        ("admission_effective_on", "20.11.2026"),
        ("right_ordinary_from", "20.11.2026"),
        ("vv_level", "1"),
        ("vv_contribution", "50 000"),
        ("reason", "Решение Совета № 41 от 18.11.2026"),
    ];
    for (k, v) in overrides {
        f.retain(|(name, _)| name != k);
        f.push((k, v));
    }
    f
}

async fn api_json(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let r = app.get(path).await;
    let s = r.status();
    (s, r.json().await.unwrap())
}

/// A JSON answer that must be 200.
pub async fn api_ok(app: &TestApp, path: &str) -> Value {
    let (s, v) = api_json(app, path).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v
}

async fn admission_checks_the_rules_and_changes_make_versions(app: TestApp) {
    let admin = member(&app, ADMIN.0, ADMIN.1).await;
    // Wrong data: a bad INN check digit, a level the designers' SRO has not, an end before the start
    let r = admin
        .post(
            "/office/members/new",
            &new_member(&[
                ("inn", "7707083890"),
                ("vv_level", "5"),
                ("status", "excluded"),
                ("terminated_on", "01.01.2020"),
            ]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for message in [
        "ИНН: не сходится контрольная цифра",
        "Уровня ответственности 5 нет у СРО в области архитектурно-строительного проектирования",
        "Дата прекращения членства (01.01.2020) раньше начала (20.11.2026)",
        "Укажите основание прекращения членства",
    ] {
        assert!(html.contains(message), "{message} not on the form");
    }
    assert!(
        html.contains("value=\"ООО «Новый Проект»\""),
        "typed values are kept"
    );
    let found = api_ok(&app, "/api/v1/register?q=новый").await;
    assert_eq!(found["total"], 0, "nothing written");

    // A contribution below the level's minimum
    let r = admin
        .post(
            "/office/members/new",
            &new_member(&[("vv_contribution", "10 000")]),
        )
        .await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("не менее 50\u{a0}000\u{a0}₽")
    );

    // Admitted: the register number comes from the pattern of config/sopo.toml («П-{seq:4}»)
    let r = admin.post("/office/members/new", &new_member(&[])).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let id = first_id(&location(&r), "/office/members/");
    let card = admin.page(&format!("/office/members/{id}")).await;
    assert!(card.contains("П-0001"), "register number assigned");
    assert!(card.contains("Версия 1"));
    assert!(card.contains("Решение Совета № 41 от 18.11.2026"));

    // A change: level 2 with its contribution, and the reason; the history shows what changed
    let edit = format!("/office/members/{id}/entry");
    let form = admin.page(&edit).await;
    assert!(form.contains("name=\"version\" value=\"1\""));
    let changed = new_member(&[
        ("short_name", "ООО «Новый Проект Плюс»"),
        ("vv_level", "2"),
        ("vv_contribution", "150 000"),
        ("register_number", "П-0001"),
        ("version", "1"),
        ("reason", "Заявление о повышении уровня от 21.11.2026"),
    ]);
    let r = admin.post_with_page_token(&form, &edit, &changed).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let card = admin.page(&format!("/office/members/{id}")).await;
    assert!(card.contains("Версия 2"));
    assert!(card.contains("Заявление о повышении уровня от 21.11.2026"));
    assert!(
        card.contains("Орлов Дмитрий Андреевич"),
        "who made the change"
    );
    let row = card
        .split("История записи реестра")
        .nth(1)
        .unwrap()
        .split("<tr>")
        .find(|r| r.contains("Уровень ответственности КФ ВВ"))
        .expect("the changed field is listed");
    assert!(row.contains(">1<") && row.contains(">2<"), "{row}");

    // The same (stale) form again: 409, nothing changes
    let r = admin.post_with_page_token(&form, &edit, &changed).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // No reason: refused with the message at the field
    let form = admin.page(&edit).await;
    let r = admin
        .post_with_page_token(
            &form,
            &edit,
            &new_member(&[
                ("version", "2"),
                ("reason", ""),
                ("phone", "+7 900 000-00-00"),
                ("register_number", "П-0001"),
                ("vv_level", "2"),
                ("vv_contribution", "150000"),
            ]),
        )
        .await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("Укажите основание изменения")
    );

    // A list item: an insurance policy is a version too; a policy ending before it starts is refused
    let lists = format!("/office/members/{id}/lists/policies");
    let policy = |to: &'static str| {
        vec![
            ("insurer", "АО «Страховщик»"),
            ("contract", "П-77"),
            ("sum_insured", "5 000 000"),
            ("valid_from", "01.12.2026"),
            ("valid_to", to),
            ("version", "2"),
            ("reason", "Договор страхования представлен"),
        ]
    };
    let r = admin
        .post_with_token_from(&edit, &lists, &policy("01.01.2026"))
        .await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("Окончание действия договора раньше его начала")
    );
    let r = admin
        .post_with_token_from(&edit, &lists, &policy("30.11.2027"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let card = admin.page(&format!("/office/members/{id}")).await;
    assert!(card.contains("Версия 3"));
    assert!(card.contains("АО «Страховщик», договор П-77"));
    let public = api_ok(&app, "/api/v1/register/inn/7707083893").await;
    assert_eq!(public["insurance"][0]["contract"], "П-77");
    assert_eq!(public["vv"]["level"], 2);

    // The search index follows the entry: found by its name, and by a 2-letter part too
    let found = api_ok(
        &app,
        "/api/v1/register?q=%D0%BD%D0%BE%D0%B2%D1%8B%D0%B9+%D0%BF%D1%80%D0%BE%D0%B5%D0%BA%D1%82",
    )
    .await;
    assert_eq!(found["total"], 1, "«новый проект»");
    assert_eq!(found["total_exact"], true);
    let found = api_ok(&app, "/api/v1/register?q=%D0%BF-").await;
    assert_eq!(
        found["total"], 1,
        "«п-»: shorter than a trigram, still found"
    );
    let found = api_ok(&app, "/api/v1/register?q=%D0%BF%D0%BB%D1%8E%D1%81").await;
    assert_eq!(
        found["items"][0]["short_name"], "ООО «Новый Проект Плюс»",
        "renamed: found by the new name"
    );

    // The registrar reads the register but does not keep it
    let registrar = member(&app, "registrar@sro.example", "Registrar-2026!").await;
    let r = registrar.get("/office/members/new").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A member company's user gets nothing of the back office
    let m = member(&app, "director@romashka-stroy.example", "Romashka-2026!").await;
    let r = m.get(&edit).await;
    assert!(matches!(
        r.status(),
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));
}

const HEADER: &str = "ИНН;ОГРН/ОГРНИП;Полное наименование;Сокращенное наименование;Дата регистрации в реестре;Статус;Уровень ответственности КФ ВВ;Взнос в КФ ВВ, ₽;Примечание\n";

async fn import_upload(
    c: &Browserless<'_>,
    name: &str,
    bytes: Vec<u8>,
    dry_run: bool,
) -> (StatusCode, String) {
    let mut texts = vec![];
    if dry_run {
        texts.push(("dry_run", "1"));
    }
    let r = crate::exchange::upload(
        c,
        "/office/register/import",
        "/office/register/import",
        &texts,
        vec![("file", name, bytes)],
    )
    .await;
    let s = r.status();
    (s, r.text().await.unwrap())
}

async fn import_writes_nothing_unless_the_whole_file_is_valid(app: TestApp) {
    let admin = member(&app, ADMIN.0, ADMIN.1).await;
    let before = api_ok(&app, "/api/v1/register").await;
    let before = before["total"].as_i64().unwrap();
    // Three rows: one good, one with a bad INN, one repeating the first's OGRN
    let bad = format!(
        "{HEADER}7707083893;1027700132195;ООО «Первая»;Первая;01.02.2026;член СРО;1;50000;\n\
         7707083890;1047702026701;ООО «Вторая»;Вторая;01.02.2026;член СРО;1;50000;\n\
         7710474375;1027700132195;ООО «Третья»;Третья;32.02.2026;член СРО;7;50000;\n"
    );
    let (status, html) = import_upload(&admin, "reestr.csv", bad.clone().into_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for expected in [
        "<td data-label=\"Строка\">3</td><td data-label=\"Ошибка\">ИНН: ИНН: не сходится контрольная цифра",
        "«32.02.2026»: дата указывается как ДД.ММ.ГГГГ",
        "Примечание",
        "Файл не внесен",
    ] {
        assert!(html.contains(expected), "{expected} not in the report");
    }
    let after = api_ok(&app, "/api/v1/register").await;
    assert_eq!(after["total"].as_i64().unwrap(), before, "nothing written");

    // The command line: the same file, every bad row with its line; exit code 1
    let dir = tempfile::tempdir().unwrap();
    let bad_path = dir.path().join("reestr.csv");
    std::fs::write(&bad_path, &bad).unwrap();
    let out = kabinet(&app)
        .args(["import", "members"])
        .arg(&bad_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("reestr.csv:3: ИНН"), "{stdout}");
    assert!(stdout.contains("reestr.csv:4: "), "{stdout}");

    // A valid file (Windows-1251, as Excel saves it): the dry run writes nothing, the import all
    let good = format!(
        "{HEADER}7707083893;1027700132195;ООО «Первая»;Первая;01.02.2026;член СРО;1;50000;\n\
         7710474375;1047702026701;ООО «Вторая»;Вторая;01.02.2026;член СРО;2;150 000;\n"
    );
    // Windows-1251 has no «₽»: Excel writes the header without it
    let good = good.replace(", ₽", "");
    let (cp1251, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&good);
    assert!(!unmappable);
    let good_path = dir.path().join("good.csv");
    std::fs::write(&good_path, &cp1251).unwrap();
    let out = kabinet(&app)
        .args(["import", "members", "--dry-run"])
        .arg(&good_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let after = api_ok(&app, "/api/v1/register").await;
    assert_eq!(
        after["total"].as_i64().unwrap(),
        before,
        "a dry run writes nothing"
    );
    let out = kabinet(&app)
        .args(["import", "members"])
        .arg(&good_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Внесено в реестр: 2."));
    let after = api_ok(&app, "/api/v1/register").await;
    assert_eq!(after["total"].as_i64().unwrap(), before + 2);
    let second = api_ok(&app, "/api/v1/register/inn/7710474375").await;
    assert_eq!(second["vv"]["level"], 2);
    assert!(
        second["register_number"]
            .as_str()
            .unwrap()
            .starts_with("П-")
    );

    // The same rows again: already in the register, nothing written
    let (status, html) = import_upload(&admin, "good.csv", cp1251.to_vec(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("организация с ИНН 7707083893 уже есть в реестре"));

    // The export reads back: XLSX of the whole register, as a dry run it is all "already there"
    let r = admin.get("/office/register/export.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let xlsx = r.bytes().await.unwrap().to_vec();
    assert!(xlsx.starts_with(b"PK"));
    let (status, html) = import_upload(&admin, "export.xlsx", xlsx, true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(&format!("Строк с данными: {}", before + 2)),
        "every row read back"
    );
    // Only admins import
    let expert = member(&app, "expert@sro.example", "Expert-2026!").await;
    assert_eq!(
        expert.get("/office/register/import").await.status(),
        StatusCode::FORBIDDEN
    );
}

/// A small JSON Schema check of the subset utoipa writes: $ref, type (with null), properties,
/// required, items, oneOf/anyOf/allOf. Undocumented properties are an error too.
fn conforms(doc: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        return conforms(doc, &doc["components"]["schemas"][name], v, at);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            if options.iter().any(|o| conforms(doc, o, v, at).is_ok()) {
                return Ok(());
            }
            return Err(format!("{at}: matches none of {key}"));
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            conforms(doc, s, v, at)?;
        }
        return Ok(());
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let actual = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let allowed = types.is_empty()
        || types.contains(&actual)
        || (actual == "integer" && types.contains(&"number"));
    if !allowed {
        return Err(format!("{at}: {actual}, the document says {types:?}"));
    }
    if let (Value::Object(o), Some(props)) =
        (v, schema.get("properties").and_then(Value::as_object))
    {
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let req = req.as_str().unwrap();
            if !o.contains_key(req) {
                return Err(format!("{at}.{req}: required but missing"));
            }
        }
        for (k, val) in o {
            let s = props
                .get(k)
                .ok_or_else(|| format!("{at}.{k}: not in the document"))?;
            conforms(doc, s, val, &format!("{at}.{k}"))?;
        }
    }
    if let (Value::Array(items), Some(s)) = (v, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            conforms(doc, s, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// Checks a response against what the OpenAPI document says for that path and status.
async fn check_against(app: &TestApp, doc: &Value, template: &str, path: &str) -> Value {
    let r = app.get(path).await;
    let status = r.status().as_u16().to_string();
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    let response = &doc["paths"][template]["get"]["responses"][&status];
    assert!(
        response.is_object(),
        "{path}: status {status} is not documented"
    );
    let (media, content) = response["content"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    assert_eq!(&ct, media, "{path}: content type");
    conforms(doc, &content["schema"], &body, path).unwrap_or_else(|e| panic!("{e}\n{body:#}"));
    body
}

async fn public_register_and_api_follow_the_openapi_document(app: TestApp) {
    // No login: the public register finds by part of the name in any case, by INN, by number
    let visitor = TestApp::client_for(&app);
    let (s, html) = visitor
        .get_html("/reestr?q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88%D0%BA")
        .await; // «ромашк»
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("ООО «Ромашка-Строй»"));
    assert!(!html.contains("Вектор"));
    assert!(html.contains("Данные обновлены"));
    let html = visitor.page("/reestr?q=РОМАШКА").await;
    assert!(
        html.contains("ООО «Ромашка-Строй»"),
        "case-insensitive Cyrillic"
    );
    let html = visitor.page("/reestr?q=500098").await;
    assert!(html.contains("ООО «Вектор Проект»"), "partial INN");
    let html = visitor.page("/reestr?status=suspended").await;
    assert!(html.contains("ИП Петров С. И.") && !html.contains("Ромашка"));
    let (s, html) = visitor.get_html("/reestr?status=nonsense").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Неизвестный статус"));
    // The card: what the law publishes, not the staff's contacts
    let (s, card) = visitor.get_html("/reestr/7700123459").await;
    assert_eq!(s, StatusCode::OK);
    for expected in [
        "Сведения о членстве",
        "Уровень ответственности по КФ возмещения вреда",
        "АО «Страховая компания «Пример»",
        "плановая выездная",
        "Дата обновления сведений",
    ] {
        assert!(card.contains(expected), "{expected}");
    }
    assert!(
        !card.contains("office@romashka-stroy.example"),
        "e-mail is not published"
    );
    assert_eq!(
        visitor.get("/reestr/7700000000").await.status(),
        StatusCode::NOT_FOUND
    );

    // The API, checked against its own OpenAPI document
    let (s, doc) = api_json(&app, "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let page = check_against(
        &app,
        &doc,
        "/api/v1/register",
        "/api/v1/register?q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0",
    )
    .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["inn"], "7700123459");
    let page = check_against(
        &app,
        &doc,
        "/api/v1/register",
        "/api/v1/register?per_page=2&page=2",
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["pages"], 2);
    let m = check_against(
        &app,
        &doc,
        "/api/v1/register/inn/{inn}",
        "/api/v1/register/inn/7700123459",
    )
    .await;
    assert_eq!(m["register_number"], "1");
    assert_eq!(m["odo"]["level"], 1);
    let by_number = check_against(
        &app,
        &doc,
        "/api/v1/register/number/{number}",
        "/api/v1/register/number/1",
    )
    .await;
    assert_eq!(by_number["inn"], "7700123459");
    let missing = check_against(
        &app,
        &doc,
        "/api/v1/register/inn/{inn}",
        "/api/v1/register/inn/7700000000",
    )
    .await;
    assert_eq!(missing["status"], 404);
    let bad = check_against(&app, &doc, "/api/v1/register", "/api/v1/register?status=x").await;
    assert_eq!(bad["status"], 400);
    let ip = check_against(
        &app,
        &doc,
        "/api/v1/register/inn/{inn}",
        "/api/v1/register/inn/770012345606",
    )
    .await;
    assert_eq!(
        ip["address"], "г. Москва, ул. Тестовая, д. 15",
        "an entrepreneur: the place of activity"
    );
    let all = check_against(
        &app,
        &doc,
        "/api/v1/register/export.json",
        "/api/v1/register/export.json",
    )
    .await;
    assert_eq!(all.as_array().unwrap().len(), 3);

    // Open data as CSV for Excel
    let r = visitor.get("/reestr/export.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.contains("Общество с ограниченной ответственностью «Ромашка-Строй»"));
    assert!(!csv.contains("office@romashka-stroy.example"));
    // an ОГРН stays text in Excel (not «1,0277E+12»), without a visible apostrophe
    assert!(csv.contains("\"=\"\"1027700123450\"\"\""), "{csv}");
}

/// The value of the first `name="…"` attribute in `html`.
fn attr<'a>(html: &'a str, name: &str) -> &'a str {
    html.split(&format!("{name}=\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no {name}= in {html}"))
        .split('"')
        .next()
        .unwrap()
}

/// The PDF in a temporary file (the tools read files).
fn temp_pdf(pdf: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    (dir, path)
}

pub fn pdftotext(pdf: &[u8]) -> String {
    let (_dir, path) = temp_pdf(pdf);
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "the PDF parses");
    // Poppler names malformed entries on stderr («Syntax Error», «Syntax Warning»): the PDFs
    // carry none that a reader would complain about (issue 17).
    assert!(
        out.stderr.is_empty(),
        "PDF readers complain: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).replace('\u{a0}', " ")
}

/// The QR code of the PDF's first page, read the way a phone would: rendered, then scanned.
pub fn qr_of(pdf: &[u8]) -> String {
    let (dir, path) = temp_pdf(pdf);
    let png = dir.path().join("page");
    let ok = Command::new("pdftoppm")
        .args(["-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile"])
        .arg(&path)
        .arg(&png)
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(ok.success());
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(dir.path().join("page.png"))
        .output()
        .expect("zbarimg (zbar-tools)");
    assert!(
        out.status.success(),
        "a QR code is found: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

async fn a_member_gets_an_extract_and_anyone_checks_it_by_the_qr_code(app: TestApp) {
    let m = member(&app, "director@romashka-stroy.example", "Romashka-2026!").await;
    let dash = m.page("/kabinet").await;
    assert!(dash.contains("Получить выписку"));
    // One click: the extract is made and opens as a PDF
    let r = m
        .post_with_page_token(&dash, "/kabinet/extracts", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let pdf_url = location(&r);
    assert!(
        pdf_url.starts_with("/kabinet/extracts/") && pdf_url.ends_with("/pdf"),
        "{pdf_url}"
    );
    let number = pdf_url
        .trim_start_matches("/kabinet/extracts/")
        .trim_end_matches("/pdf")
        .to_string();
    let r = m.get(&pdf_url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap().to_vec();
    let text = pdftotext(&pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "ВЫПИСКА ИЗ РЕЕСТРА ЧЛЕНОВ САМОРЕГУЛИРУЕМОЙ ОРГАНИЗАЦИИ",
        "в составе единого реестра сведений о членах саморегулируемых организаций",
        // СОПО is a designers' SRO: НОПРИЗ's unified register, not the builders'
        "инженерных изысканий и архитектурно-строительного проектирования и их обязательствах",
        &number,
        "7700123459",
        "1027700123450",
        "Общество с ограниченной ответственностью «Ромашка-Строй»",
        "Сведения о членстве в саморегулируемой организации",
        "№ 12 от 05.03.2019",
        "Первый уровень ответственности",
        "Саморегулируемая организация Ассоциация проектировщиков «СОПО»",
        "Генеральный директор",
    ] {
        assert!(
            flat.contains(expected),
            "«{expected}» not in the extract:\n{flat}"
        );
    }
    assert!(
        !flat.contains("сноса объектов капитального строительства"),
        "the builders' wording on a designers' extract"
    );
    let register_row = flat
        .find("Регистрационный номер члена в реестре")
        .expect("section 2");
    assert!(
        flat[register_row..]
            .trim_start_matches(
                "Регистрационный номер члена в реестре членов саморегулируемой организации"
            )
            .trim_start()
            .starts_with('1')
    );

    // The QR code leads to the public check, which shows the same data
    let url = qr_of(&pdf);
    assert_eq!(url, format!("{}/v/{number}", app.address));
    let visitor = TestApp::client_for(&app);
    let (s, check) = visitor.get_html(url.trim_start_matches(&app.address)).await;
    assert_eq!(s, StatusCode::OK);
    for expected in [
        "Выписка подлинная и актуальна",
        &number,
        "7700123459",
        "1027700123450",
        "№ 12 от 05.03.2019",
        "Саморегулируемая организация Ассоциация проектировщиков «СОПО»",
    ] {
        assert!(check.contains(expected), "{expected} not on the check page");
    }
    // typed in lower case it is found too
    let r = visitor
        .get(&format!("/v?number={}", number.to_lowercase()))
        .await;
    assert_eq!(location(&r), format!("/v/{number}"));
    // Unknown or malformed numbers: a clear 404
    let (s, html) = visitor.get_html("/v/2026-0000-0000").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("Выписки с таким номером нет"));
    let (s, _) = visitor.get_html("/v/%27%20or%201=1").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The journal: the member sees theirs; another company gets 404 on it
    let journal = m.page("/kabinet/extracts").await;
    assert!(journal.contains(&number));
    let other = member(&app, "info@vektor-proekt.example", "Vektor-2026!").await;
    assert_eq!(other.get(&pdf_url).await.status(), StatusCode::NOT_FOUND);
    let theirs = other.page("/kabinet/extracts").await;
    assert!(!theirs.contains(&number));

    // Staff issue one for any member, saying to whom; «выдана» is required
    let admin = member(&app, ADMIN.0, ADMIN.1).await;
    let list = admin.page("/office/members?q=7700123459").await;
    let id = first_id(&list, "<a href=\"/office/members/");
    let card = format!("/office/members/{id}");
    let r = admin
        .post_with_token_from(&card, &format!("{card}/extracts"), &[("issued_to", " ")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post_with_token_from(
            &card,
            &format!("{card}/extracts"),
            &[("issued_to", "АО «Заказчик»")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let staff_pdf = admin.get(&location(&r)).await.bytes().await.unwrap();
    assert!(pdftotext(&staff_pdf).contains("АО «Заказчик»"));
    let journal = admin.page("/office/extracts").await;
    assert!(journal.contains(&number) && journal.contains("АО «Заказчик»"));

    // The entry changes: the old extract is still genuine but says the data changed
    let edit = format!("/office/members/{id}/entry");
    let form = admin.page(&edit).await;
    let version = form
        .split("name=\"version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let mut fields: Vec<(String, String)> = vec![];
    for part in form.split("<input id=\"f-").skip(1) {
        let value = attr(part, "value")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        fields.push((attr(part, "name").to_string(), value));
    }
    for part in form.split("<select id=\"f-").skip(1) {
        // the selected option's value, or empty when none is selected
        let value = match part.split("\" selected").next() {
            Some(before) if part.contains(" selected") => before.rsplit("value=\"").next().unwrap(),
            _ => "",
        };
        fields.push((attr(part, "name").to_string(), value.to_string()));
    }
    fields.retain(|(k, _)| k != "phone" && k != "reason");
    fields.push(("phone".into(), "+7 (495) 111-22-33".into()));
    fields.push((
        "reason".into(),
        "Смена телефона по письму от 22.11.2026".into(),
    ));
    fields.push(("version".into(), version));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = admin.post_with_page_token(&form, &edit, &refs).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let check = visitor.page(&format!("/v/{number}")).await;
    assert!(
        check.contains("Сведения изменились"),
        "the check says the entry changed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_checks_and_issues_are_rate_limited() {
    let opts = Options {
        overrides: vec![
            ("security.extract_checks_per_ip_per_minute", 3.into()),
            ("security.extracts_per_member_per_hour", 2.into()),
        ],
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await.unwrap();
    // a member issues two extracts; the third within the hour waits, with Retry-After
    let m = member(&app, "director@romashka-stroy.example", "Romashka-2026!").await;
    for _ in 0..2 {
        let r = m
            .post_with_token_from("/kabinet", "/kabinet/extracts", &[])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let r = m
        .post_with_token_from("/kabinet", "/kabinet/extracts", &[])
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let journal = m.page("/kabinet/extracts").await;
    assert!(
        journal.contains("Выдано выписок: 2"),
        "the refused one was not made"
    );
    // a visitor guessing numbers: three look-ups, then 429 with a Russian page
    let visitor = TestApp::client_for(&app);
    for _ in 0..3 {
        assert_eq!(
            visitor.get("/v/2026-0000-0000").await.status(),
            StatusCode::NOT_FOUND
        );
    }
    let (s, html) = visitor.get_html("/v/2026-0000-0001").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Слишком много попыток"));
}
