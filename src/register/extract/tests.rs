use super::*;

#[test]
fn an_extract_renders_with_its_qr_code_and_every_section() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/poso.toml");
    let settings = Settings::load(&path).expect("config");
    let snapshot = Snapshot {
        entry: crate::register::model::tests_support::sample(),
        policies: vec![],
        inspections: vec![],
        measures: vec![],
    };
    let at = chrono::Utc::now();
    let doc = document(&settings, &snapshot, "2026-ABCD-EFGH", at, "АО «Заказчик»");
    assert_eq!(doc.sections.len(), 3);
    assert_eq!(
        doc.sections[2].rows[4].value.split(':').next(),
        Some("Первый уровень ответственности")
    );
    assert!(doc.verify_url.ends_with("/v/2026-ABCD-EFGH"));
    let pdf = render(&Documents::new().unwrap(), &doc, at).expect("renders");
    assert!(pdf.starts_with(b"%PDF"));
    assert!(qr_svg(&doc.verify_url).unwrap().starts_with("<?xml"));
}

/// Finding 16: an `issued_to` of 70 KB without a space made the PDF library panic. A
/// render never panics: it renders (long words wrap) or returns an error.
#[test]
fn a_huge_word_in_any_field_never_panics() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/sopo.toml");
    let settings = Settings::load(&path).expect("config");
    let mut entry = crate::register::model::tests_support::sample();
    entry.full_name = "Ж".repeat(5_000);
    let snapshot = Snapshot::of(entry);
    let at = chrono::Utc::now();
    let doc = document(
        &settings,
        &snapshot,
        "2026-ABCD-EFGH",
        at,
        &"Ж".repeat(70_000),
    );
    let documents = Documents::new().unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        render(&documents, &doc, at)
    }));
    assert!(result.is_ok(), "render panicked");
}

#[test]
fn the_title_names_the_unified_register_of_the_sros_kind() {
    use crate::config::SroKind;
    assert!(
        super::title_tail(SroKind::Builders).contains("сноса объектов капитального строительства")
    );
    for kind in [SroKind::Designers, SroKind::Surveyors] {
        let t = super::title_tail(kind);
        assert!(
            t.contains("архитектурно-строительного проектирования"),
            "{t}"
        );
        assert!(!t.contains("сноса"), "{t}");
    }
}
