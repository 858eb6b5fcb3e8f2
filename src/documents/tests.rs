use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use chrono::TimeZone;

use super::*;

const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const GOST: &str = "3f539a213e97c802cc229d474c6aa32a825a360b2a933a949fd925208d9ce1bb";

fn sample() -> Receipt {
    let file = |name: &str, size: &str, signed: bool| ReceiptFile {
        name: name.to_owned(),
        size: size.to_owned(),
        sha256: SHA.to_owned(),
        streebog256: GOST.to_owned(),
        signature: signed.then(|| ReceiptSignature {
            name: format!("{name}.sig"),
            size: "3,4 КБ (3 482 байта)".to_owned(),
            signer: "Иванов Иван Иванович, генеральный директор, ООО «Ромашка»".to_owned(),
            verdict: "Подпись верна, сертификат действителен".to_owned(),
        }),
    };
    Receipt {
        sro_name: "СРО АП СОПО".to_owned(),
        sro_full_name: "Саморегулируемая организация Ассоциация проектировщиков «Союз \
                        организаций проектировщиков области»"
            .to_owned(),
        number: "ИСХ-000123".to_owned(),
        company: "ООО «Ромашка-Проект»".to_owned(),
        inn: "7707083893".to_owned(),
        sender: "Петрова Мария Сергеевна, m.petrova@romashka.example".to_owned(),
        sent_at: "23.11.2026 14:05:33 (МСК)".to_owned(),
        kind: "Раздел отчета за 2026 год".to_owned(),
        subject: "Сведения о квалификации специалистов".to_owned(),
        document_date: Some("20.11.2026".to_owned()),
        text: Some(
            "Направляем сведения о специалистах за 2026 год.\n\
             Приложения: 3 файла.\n\n\
             Просим подтвердить получение. "
                .repeat(3),
        ),
        files: vec![
            file("Устав.pdf", "1,2 МБ (1 234 567 байт)", true),
            file(
                "Сведения_о_квалификации_специалистов_и_членов_коллегиального_органа_управления_2026.xlsx",
                "84 КБ (86 016 байт)",
                true,
            ),
            file("Письмо-сопроводительное.docx", "12 КБ (12 288 байт)", false),
        ],
        generated_at: "23.11.2026 14:05:35 (МСК)".to_owned(),
        verify_hint: "Контрольные суммы можно проверить командами sha256sum и gostsum \
                      (или openssl dgst -md_gost12_256): они должны совпасть с указанными."
            .to_owned(),
        created_at: Some(Utc.with_ymd_and_hms(2026, 11, 23, 11, 5, 35).unwrap()),
    }
}

/// Writes the PDF to a fresh temporary file for the poppler tools; with
/// `DOCUMENTS_OUT=dir` also keeps a copy there to look at.
fn temp_pdf(pdf: &[u8], tag: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("DOCUMENTS_OUT") {
        let _ = std::fs::write(PathBuf::from(dir).join(format!("{tag}.pdf")), pdf);
    }
    let path = std::env::temp_dir().join(format!(
        "kabinet-documents-{tag}-{}.pdf",
        std::process::id()
    ));
    std::fs::write(&path, pdf).expect("write temp pdf");
    path
}

/// Runs a poppler tool, or returns `None` (with a note) when it is missing.
fn poppler(tool: &str, args: &[&str], pdf: &PathBuf) -> Option<String> {
    match Command::new(tool).args(args).arg(pdf).arg("-").output() {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => panic!("{tool} failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => {
            println!("note: {tool} not available ({e}); text checks skipped");
            None
        }
    }
}

#[test]
fn receipt_renders_with_searchable_text() {
    let docs = Documents::new().expect("engine");
    let pdf = docs.render(Template::Receipt, &sample()).expect("render");
    assert!(pdf.starts_with(b"%PDF"));

    let path = temp_pdf(&pdf, "text");
    let text = poppler("pdftotext", &["-enc", "UTF-8"], &path);
    let _ = std::fs::remove_file(&path);
    let Some(text) = text else { return };
    // Viewers join a wrapped word back; so does the search below.
    let joined = text.replace(['\n', '\u{200b}'], "");
    for needle in [
        "Квитанция об отправке документов",
        "ООО «Ромашка-Проект»",
        "7707083893",
        SHA,
        GOST,
        "Устав.pdf",
        "Письмо-сопроводительное.docx",
        "ИСХ-000123",
    ] {
        assert!(joined.contains(needle), "{needle:?} not found in:\n{text}");
    }
}

#[test]
fn the_engine_is_shared_and_output_is_deterministic() {
    let docs = Documents::new().expect("engine");
    let clone = docs.clone();
    assert!(
        Arc::ptr_eq(&docs.inner, &clone.inner),
        "clones share fonts and templates"
    );

    let first = docs
        .render(Template::Receipt, &sample())
        .expect("first render");
    let second = clone
        .render(Template::Receipt, &sample())
        .expect("second render");
    assert_eq!(first, second, "same data gives the same bytes");

    let mut other = sample();
    other.company = "АО «Василёк»".to_owned();
    let third = docs
        .render(Template::Receipt, &other)
        .expect("third render");
    assert_ne!(first, third, "the data reaches the document");
}

#[test]
fn pdf_creation_date_comes_from_the_data_only() {
    let docs = Documents::new().expect("engine");
    let dated = docs.render(Template::Receipt, &sample()).expect("render");
    assert!(
        contains(&dated, b"D:20261123110535"),
        "creation date written"
    );

    let undated = Receipt {
        created_at: None,
        ..sample()
    };
    let undated = docs.render(Template::Receipt, &undated).expect("render");
    assert!(
        !contains(&undated, b"/CreationDate"),
        "no date when none is given"
    );
}

#[test]
fn bad_data_is_an_error_not_a_panic() {
    let docs = Documents::new().expect("engine");
    let err = docs
        .render(Template::Receipt, &serde_json::json!({ "number": 1 }))
        .expect_err("template must fail on missing fields");
    let message = err.to_string();
    assert!(matches!(err, DocumentError::Compile { .. }), "{message}");
    assert!(message.contains("/receipt.typ:"), "located: {message}");

    let err = docs
        .render(
            Template::Receipt,
            &serde_json::json!({ PDF_DATE_KEY: "вчера" }),
        )
        .expect_err("bad date");
    assert!(matches!(err, DocumentError::Date(_)), "{err}");
}

#[test]
fn a_letter_without_files_text_or_dates_renders() {
    let letter = Receipt {
        kind: "Письмо".to_owned(),
        document_date: None,
        text: None,
        files: Vec::new(),
        created_at: None,
        ..sample()
    };
    let docs = Documents::new().expect("engine");
    let pdf = docs.render(Template::Receipt, &letter).expect("render");
    assert!(pdf.starts_with(b"%PDF"));
}

#[test]
fn a_template_syntax_error_is_reported_with_its_position() {
    let err = parse("/broken.typ", "= Title\n#let x = (1, 2\n").expect_err("unclosed");
    let message = err.to_string();
    assert!(matches!(err, DocumentError::Syntax { .. }), "{message}");
    assert!(
        message.contains("/broken.typ") && message.contains("2:"),
        "{message}"
    );
}

#[test]
fn long_names_and_text_stay_inside_the_page() {
    let mut receipt = sample();
    receipt.files[1].name = format!("{}.pdf", "ОченьДлинноеИмяФайлаБезПробелов".repeat(8));
    receipt.subject = "Тема_без_пробелов_".repeat(12);
    receipt.text = Some(format!(
        "{}\nhttps://example.org/{}\n\n{}",
        "Длинный сопроводительный текст письма, который занимает много строк. ".repeat(40),
        "a".repeat(150),
        "Второй абзац.".repeat(30),
    ));
    let docs = Documents::new().expect("engine");
    let pdf = docs.render(Template::Receipt, &receipt).expect("render");

    let path = temp_pdf(&pdf, "bbox");
    let html = poppler("pdftotext", &["-bbox"], &path);
    let _ = std::fs::remove_file(&path);
    let Some(html) = html else { return };
    // A4 is 595.3 pt wide; the right margin is 15 mm (42.5 pt). typst lets
    // hyphens and punctuation hang into the margin a little (overhang), on
    // purpose: allow for that, not for a whole word.
    let limit = 595.3 - 42.5 + 4.0;
    let mut words = 0;
    for line in html.lines().filter(|l| l.contains("<word ")) {
        words += 1;
        let x_max: f64 = line
            .split("xMax=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|v| v.parse().ok())
            .expect("xMax attribute");
        assert!(
            x_max <= limit,
            "word runs past the margin ({x_max}): {line}"
        );
    }
    assert!(words > 100, "expected the text layer, got {words} words");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Median render time; run with
/// `cargo test --release documents -- --ignored --nocapture`.
/// `DOCUMENTS_RENDERS=500` renders more, to watch memory stay flat.
#[test]
#[ignore = "measurement, not a check"]
fn measure_render_time() {
    let renders: usize = std::env::var("DOCUMENTS_RENDERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let started = Instant::now();
    let docs = Documents::new().expect("engine");
    println!("engine built in {:?}", started.elapsed());

    let mut times = Vec::new();
    for i in 0..=renders {
        // A different number each time, as in production, so typst cannot
        // reuse the whole previous document.
        let mut receipt = sample();
        receipt.number = format!("ИСХ-{:06}", 1000 + i);
        let started = Instant::now();
        let pdf = docs.render(Template::Receipt, &receipt).expect("render");
        let elapsed = started.elapsed();
        if i == 0 {
            println!("first render {elapsed:?}, {} bytes", pdf.len());
        } else {
            times.push(elapsed);
        }
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        let rss = status.lines().find(|l| l.starts_with("VmRSS:"));
        println!(
            "after {} renders: {}",
            times.len() + 1,
            rss.unwrap_or("VmRSS unknown")
        );
    }
    times.sort();
    println!(
        "median of {} renders: {:?} (min {:?}, max {:?})",
        times.len(),
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
}

/// Finding 16: a cover letter of 20,000 characters without a space made every render of its
/// receipt fail, for ever. Long words wrap; the receipt renders with all of the text.
#[test]
fn a_long_word_wraps_and_the_receipt_renders() {
    let mut r = sample();
    r.text = Some("Ж".repeat(20_000));
    r.subject = "Тема".repeat(500);
    let pdf = Documents::new()
        .expect("engine")
        .render(Template::Receipt, &r)
        .expect("the receipt renders");
    assert!(pdf.starts_with(b"%PDF"));
}

/// A field far over any sane length (a 70 KB `issued_to`) made the PDF library panic: a
/// render never panics out of `render`; it renders or says why.
#[test]
fn a_huge_field_never_panics() {
    let mut r = sample();
    r.company = "Ромашка ".repeat(10_000);
    let result = std::panic::catch_unwind(|| {
        Documents::new()
            .expect("engine")
            .render(Template::Receipt, &r)
    });
    assert!(result.is_ok(), "render panicked");
}
