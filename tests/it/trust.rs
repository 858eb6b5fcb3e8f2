//! Signatures the SRO can rely on (issue 16), through the app: the administrator loads the
//! ministry's list of accredited CAs and a CRL, members' signatures are judged with them
//! (refused with the reason, or accepted with their remarks), every check is kept with its
//! «Протокол проверки ЭП», staff re-check, the receipt and the ZIP carry the protocol, an
//! МЧД sent with the file lets a person outside the company sign, and the material also loads
//! from the config and the command line. The verdicts one by one are unit tests
//! (src/signatures/trust_tests.rs); the fixtures come from tests/fixtures/trust/make-fixtures.sh.

use reqwest::StatusCode;

use crate::auth::Browserless;
use crate::exchange::{Attach, first_id, member, upload};
use crate::helpers::*;
use crate::{both_dbs, both_dbs_with};

fn tf(name: &str) -> Vec<u8> {
    std::fs::read(repo_path(&format!("tests/fixtures/trust/{name}"))).unwrap()
}

fn otchet() -> Vec<u8> {
    crate::exchange::fixture("otchet.pdf")
}

/// The administrator uploads one file at «Доверенные УЦ».
async fn load(admin: &Browserless<'_>, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    upload(
        admin,
        "/office/trust",
        "/office/trust",
        &[],
        vec![("file_1", name, bytes)],
    )
    .await
}

/// A letter with `files`, sent at once.
async fn send(c: &Browserless<'_>, files: Vec<Attach<'_>>) -> reqwest::Response {
    upload(
        c,
        "/kabinet/letters/new",
        "/kabinet/letters",
        &[
            ("subject", "Уведомление о договоре"),
            ("body", "Направляем уведомление"),
            ("action", "send"),
        ],
        files,
    )
    .await
}

pub fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/test");
    String::from_utf8_lossy(&out.stdout).replace('\u{a0}', " ")
}

/// The signature's file id on an item page.
fn signature_id(html: &str) -> i64 {
    first_id(html, "Подпись: <a href=\"/files/")
}

both_dbs!(
    signatures_are_judged_with_the_loaded_trust_and_kept_with_protocols,
    a_representative_signs_under_a_power_of_attorney
);

async fn signatures_are_judged_with_the_loaded_trust_and_kept_with_protocols(app: TestApp) {
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (s, html) = admin.get_html("/office/trust").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Перечень аккредитованных УЦ не загружен"),
        "{html}"
    );
    // Not trust material: 422 with the reason, nothing loaded.
    let r = load(&admin, "notes.xml", b"<?xml version=\"1.0\"?><a/>".to_vec()).await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        html.contains("Файл «notes.xml» не загружен: XML-файл не является перечнем"),
        "{html}"
    );
    let r = load(&admin, "trusted-list.xml", tf("trusted-list.xml")).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let html = admin.page("/office/trust?done=loaded").await;
    assert!(html.contains("версия 1234 от 25.11.2026"), "{html}");
    assert!(html.contains("Тестовый головной УЦ") && html.contains("Тестовый УЦ"));

    // Before the CRL: accepted, with the remark that revocation was not checked.
    let c = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let r = send(
        &c,
        vec![
            ("file_1", "Уведомление.pdf", otchet()),
            ("sig_1", "Уведомление.pdf.sig", tf("director.sig")),
        ],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let item = first_id(&location(&r), "/kabinet/items/");
    let page = format!("/kabinet/items/{item}");
    let html = c.page(&page).await;
    assert!(
        html.contains("Подпись действительна с замечаниями"),
        "{html}"
    );
    assert!(html.contains("Список отзыва сертификатов издателя «Тестовый УЦ» не загружен"));
    let sig = signature_id(&html);

    // Refused with the reason: another company, out of dates; the draft keeps the file.
    for (fx, why) in [
        (
            "other.sig",
            "Сертификат выдан не участнику: организации ООО «Вектор» (ИНН ЮЛ 5000987650, ОГРН 1025000987659)",
        ),
        (
            "expired.sig",
            "Срок действия сертификата истек 01.01.2021 — до подписания",
        ),
        (
            "future.sig",
            "Сертификат начинает действовать 01.01.2040 — позже подписания",
        ),
    ] {
        let r = send(
            &c,
            vec![("file_1", "Договор.pdf", otchet()), ("sig_1", fx, tf(fx))],
        )
        .await;
        let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(
            html.contains(&format!(
                "Подпись «{fx}» к файлу «Договор.pdf» недействительна: {why}"
            )),
            "{fx}: {html}"
        );
        assert!(html.contains("Документ не отправлен"));
    }
    // An issuer outside the list is a remark by default.
    let r = send(
        &c,
        vec![
            ("file_1", "Акт.pdf", otchet()),
            ("sig_1", "Акт.pdf.sig", tf("rogue.sig")),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = c.page(&location(&r)).await;
    assert!(
        html.contains("Издатель не входит в перечень аккредитованных УЦ (Неизвестный УЦ)"),
        "{html}"
    );

    // The CRL: the revoked certificate is refused from now on.
    let r = load(&admin, "test-ca.crl", tf("test-ca.crl")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = admin.page("/office/trust").await;
    assert!(html.contains("Списки отзыва сертификатов"), "{html}");
    let r = send(
        &c,
        vec![
            ("file_1", "Договор.pdf", otchet()),
            ("sig_1", "revoked.sig", tf("revoked.sig")),
        ],
    )
    .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        html.contains("Сертификат отозван 01.06.2026 (компрометация ключа) — до подписания"),
        "{html}"
    );

    // The member may not re-check; another company sees nothing of it.
    let checks = format!("/files/{sig}/checks");
    let (s, html) = c.get_html(&checks).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!html.contains("Проверить заново"));
    let r = c
        .post_with_token_from(&checks, &format!("/files/{sig}/recheck"), &[])
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let other = member(&app, OTHER_MEMBER_EMAIL, OTHER_MEMBER_PASSWORD).await;
    for path in [checks.clone(), format!("/files/{sig}/protocol.pdf")] {
        let r = other.get(&path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }

    // The expert re-checks after the CRL: now «Действительна», both checks kept, newest first.
    let expert = member(&app, EXPERT_EMAIL, EXPERT_PASSWORD).await;
    let r = expert
        .post_with_token_from(&checks, &format!("/files/{sig}/recheck"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = expert.page(&format!("{checks}?done=rechecked")).await;
    assert!(html.contains("Подпись проверена заново"), "{html}");
    assert_eq!(html.matches("protocol.pdf?check=").count(), 2);
    // Each signer's certificate, as the protocol has it.
    for fact in [
        "ИНН ЮЛ",
        "7700123459",
        "ОГРН 1027700123450",
        "СНИЛС",
        "Тестовый УЦ",
        "не отозван",
    ] {
        assert!(html.contains(fact), "{fact}: {html}");
    }
    let newest = html.find(">Действительна<").expect("the new check");
    let older = html
        .find(">Действительна с замечаниями<")
        .expect("the first check");
    assert!(newest < older, "{html}");
    let first_check = {
        let at = html.rfind("protocol.pdf?check=").unwrap() + "protocol.pdf?check=".len();
        html[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
    };
    let html = c.page(&page).await;
    assert!(html.contains("Подпись действительна;"), "{html}");
    assert!(!html.contains("не загружен"));

    // The protocol of the latest check, and of the first one as it was.
    let r = c.get(&format!("/files/{sig}/protocol.pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let text = pdf_text(&r.bytes().await.unwrap());
    let streebog = {
        use sha2::Digest;
        hex::encode(streebog::Streebog256::digest(otchet()))
    };
    for expected in [
        "Протокол проверки электронной подписи",
        "Уведомление.pdf",
        "Результат: Действительна",
        "Иванов Иван Иванович",
        "7700123459",
        "1027700123450",
        "11223344595",
        "Тестовый УЦ",
        "не отозван (СОС от 01.11.2026)",
        "версия 1234",
        "expert@sro.example",
        &streebog[..32],
    ] {
        assert!(
            text.contains(expected),
            "the protocol lacks {expected}:\n{text}"
        );
    }
    let r = c
        .get(&format!("/files/{sig}/protocol.pdf?check={first_check}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(
        text.contains("Результат: Действительна с замечаниями"),
        "{text}"
    );
    assert!(text.contains("не загружен"));

    // The receipt names the protocol; the staff's ZIP carries it.
    let r = c.get(&format!("/kabinet/items/{item}/receipt.pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(text.contains("протокол проверки ЭП №"), "{text}");
    let r = expert.get(&format!("/office/items/{item}/zip")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let entries = crate::calendar::unzip(&r.bytes().await.unwrap());
    let protocol = entries
        .iter()
        .find(|(n, _)| n.starts_with("Протоколы проверки ЭП/"))
        .expect("a protocol in the ZIP");
    assert!(pdf_text(&protocol.1).contains("Результат: Действительна"));
    assert!(entries.iter().any(|(n, _)| n == "Уведомление.pdf.sig"));

    // Every load and re-check is in the audit log.
    let html = admin.page("/office/audit").await;
    assert!(
        html.contains("Загружены доверенные УЦ или списки отзыва"),
        "{html}"
    );
    assert!(html.contains("Подпись проверена заново"));
}

async fn a_representative_signs_under_a_power_of_attorney(app: TestApp) {
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for f in ["trusted-list.xml", "test-ca.crl"] {
        assert_eq!(load(&admin, f, tf(f)).await.status(), StatusCode::SEE_OTHER);
    }
    let c = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let r = send(
        &c,
        vec![
            ("file_1", "Отчет.pdf", otchet()),
            ("sig_1", "Отчет.pdf.sig", tf("representative.sig")),
        ],
    )
    .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        html.contains("физическому лицу (ИНН 500100732259): приложите машиночитаемую доверенность"),
        "{html}"
    );
    // The МЧД of another company does not help, and says why.
    let r = send(
        &c,
        vec![
            ("file_1", "Отчет.pdf", otchet()),
            ("sig_1", "Отчет.pdf.sig", tf("representative.sig")),
            ("file_2", "Доверенность.xml", tf("mchd-other.xml")),
            ("sig_2", "Доверенность.xml.sig", tf("mchd-other.xml.sig")),
        ],
    )
    .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        html.contains("выдана не участником, а ООО «Вектор»"),
        "{html}"
    );
    // The member's МЧД without its principal's signature makes nobody a representative.
    let r = send(
        &c,
        vec![
            ("file_1", "Отчет.pdf", otchet()),
            ("sig_1", "Отчет.pdf.sig", tf("representative.sig")),
            ("file_2", "Доверенность.xml", tf("mchd.xml")),
        ],
    )
    .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(html.contains("не подписана доверителем"), "{html}");
    // With the member's МЧД in the same letter, both signers of a two-signer file are fine.
    let r = send(
        &c,
        vec![
            ("file_1", "Отчет.pdf", otchet()),
            ("sig_1", "Отчет.pdf.sig", tf("two-signers.sig")),
            ("file_2", "Доверенность.xml", tf("mchd.xml")),
            ("sig_2", "Доверенность.xml.sig", tf("mchd.xml.sig")),
        ],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let html = c.page(&location(&r)).await;
    assert!(
        html.contains(
            "Подпись действительна; Иванов Иван Иванович, Генеральный директор, ООО «Ромашка-Строй»; Смирнова Анна Олеговна"
        ),
        "{html}"
    );
    let sig = signature_id(&html);
    let r = c.get(&format!("/files/{sig}/protocol.pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(text.contains("Подписант 2: Действительна"), "{text}");
    // (the number wraps onto the next line of the PDF's text)
    assert!(text.contains("по машиночитаемой доверенности №"), "{text}");
    assert!(text.contains("7a3c1e52"), "{text}");
}

fn from_config() -> Options {
    Options {
        overrides: vec![(
            "signatures.trust_path",
            repo_path("tests/fixtures/trust/trusted-list.xml")
                .display()
                .to_string()
                .into(),
        )],
        ..Options::default()
    }
}

both_dbs_with!(from_config => the_trust_material_loads_from_the_config_and_the_command_line);

async fn the_trust_material_loads_from_the_config_and_the_command_line(app: TestApp) {
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let html = admin.page("/office/trust").await;
    assert!(html.contains("версия 1234 от 25.11.2026"), "{html}");
    assert!(!html.contains("Списки отзыва сертификатов"));
    // `kabinet trust import` with a directory: the CRLs load, the other files are reported.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("test-ca.crl"), tf("test-ca.crl")).unwrap();
    std::fs::write(dir.path().join("readme.txt"), b"not trust material").unwrap();
    let out = crate::cli::kabinet(&app)
        .args(["trust", "import"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("test-ca.crl: новых сертификатов УЦ — 0, новых списков отзыва — 1"),
        "{stdout}"
    );
    assert!(stderr.contains("readme.txt: Файл не распознан"), "{stderr}");
    let html = admin.page("/office/trust").await;
    assert!(html.contains("Списки отзыва сертификатов"), "{html}");
    // A member signs; the chain ends at the list loaded from the config.
    let c = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let r = send(
        &c,
        vec![
            ("file_1", "Отчет.pdf", otchet()),
            ("sig_1", "Отчет.pdf.sig", tf("director-nochain.sig")),
        ],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let html = c.page(&location(&r)).await;
    assert!(html.contains("Подпись действительна;"), "{html}");
}

both_dbs!(the_fetch_job_keeps_crls_from_the_addresses_in_certificates);

/// `signatures.crl_fetch`: the job downloads each CRL address a signer's certificate named
/// (here a one-shot HTTP server on loopback; the fixtures name a closed port, which the job
/// records as an error and survives).
async fn the_fetch_job_keeps_crls_from_the_addresses_in_certificates(app: TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let admin = member(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        load(&admin, "trusted-list.xml", tf("trusted-list.xml"))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let c = member(&app, MEMBER_EMAIL, MEMBER_PASSWORD).await;
    let r = send(
        &c,
        vec![
            ("file_1", "Отчет.pdf", otchet()),
            ("sig_1", "Отчет.pdf.sig", tf("director.sig")),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let core = &app.state.core;
    // The certificate's own address: nothing listens there.
    assert_eq!(kabinet::trust::fetch::run(core).await.unwrap(), 0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/test-ca.crl", listener.local_addr().unwrap());
    let crl = tf("test-ca.crl");
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await.unwrap();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            crl.len()
        );
        sock.write_all(head.as_bytes()).await.unwrap();
        sock.write_all(&crl).await.unwrap();
    });
    let sql = "UPDATE crl_sources SET url = $1";
    let n = kabinet::on_db!(&app.db, p => sqlx::query(sql).bind(&url).execute(p).await.unwrap().rows_affected());
    assert_eq!(n, 1, "one address: the one in the certificate");
    assert_eq!(kabinet::trust::fetch::run(core).await.unwrap(), 1);
    let html = admin.page("/office/trust").await;
    assert!(html.contains("из сети"), "{html}");
    // Signatures are judged with it from now on.
    let r = send(
        &c,
        vec![
            ("file_1", "Договор.pdf", otchet()),
            ("sig_1", "revoked.sig", tf("revoked.sig")),
        ],
    )
    .await;
    let html = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(html.contains("Сертификат отозван 01.06.2026"), "{html}");
}
