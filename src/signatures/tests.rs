//! Tests against real signatures made by OpenSSL's GOST engine
//! (tests/fixtures/signatures/make-fixtures.sh).

use super::*;
use base64::Engine as _;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/signatures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parsed(name: &str) -> Signature {
    parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// Parses `sig`, checks it verifies against `doc`, and that it stops verifying once one byte of
/// the signature value changes (so `Valid` is not vacuous).
fn assert_verifies(sig: &str, doc: &str) -> Signature {
    let s = parsed(sig);
    let content = fixture(doc);
    assert_eq!(s.verify_content(&content), Verdict::Valid, "{sig}");
    let mut broken = s.clone();
    broken.signature[5] ^= 0x01;
    assert_eq!(
        broken.verify_content(&content),
        Verdict::BadSignature,
        "{sig}"
    );
    s
}

#[test]
fn streebog_test_vector() {
    // domain.md §5
    assert_eq!(
        hex::encode(DigestAlg::Streebog256.digest(b"The quick brown fox jumps over the lazy dog")),
        "3e7dea7f2384b6c5a3d0e24aaa29c05e89ddd762145030ec22c71a6db8b2c1f4"
    );
}

#[test]
fn der_pem_and_base64_give_the_same_valid_signature() {
    let der = assert_verifies("otchet.pdf.sig", "otchet.pdf");
    assert_eq!(der.digest_alg(), DigestAlg::Streebog256);
    assert!(der.signed_attrs.is_some());
    let pem = assert_verifies("otchet.pdf.p7s", "otchet.pdf");
    let b64 = assert_verifies("otchet.pdf.b64.sig", "otchet.pdf");
    assert_eq!(pem.signer(), der.signer());
    assert_eq!(b64.signer(), der.signer());

    // Base64 on one line, with CRLF, with a trailing NUL; PEM under other labels.
    let raw = fixture("otchet.pdf.sig");
    let one_line = base64::engine::general_purpose::STANDARD.encode(&raw);
    let crlf: String = one_line
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", String::from_utf8_lossy(c)))
        .collect();
    let mut variants = vec![
        one_line.clone().into_bytes(),
        crlf.clone().into_bytes(),
        format!("{one_line}\n\0").into_bytes(),
    ];
    for label in ["PKCS7", "SIGNED DATA"] {
        variants.push(
            format!("-----BEGIN {label}-----\r\n{crlf}-----END {label}-----\r\n").into_bytes(),
        );
    }
    let mut der_nul = raw.clone();
    der_nul.extend_from_slice(b"\0");
    variants.push(der_nul);
    let mut der_nl = raw;
    der_nl.extend_from_slice(b"\r\n");
    variants.push(der_nl);
    let content = fixture("otchet.pdf");
    for v in variants {
        let s = parse(&v).expect("variant parses");
        assert_eq!(s.signer(), der.signer());
        assert_eq!(s.verify_content(&content), Verdict::Valid);
    }
}

#[test]
fn verify_takes_the_raw_digest() {
    let s = parsed("otchet.pdf.sig");
    let digest = s.digest_alg().digest(&fixture("otchet.pdf"));
    assert_eq!(digest.len(), 32);
    assert_eq!(s.verify(&digest), Verdict::Valid);
    assert_eq!(s.verify(&digest[..31]), Verdict::DigestMismatch);
    assert_eq!(s.verify(&[]), Verdict::DigestMismatch);
}

#[test]
fn signature_512() {
    let s = assert_verifies("otchet-512.pdf.sig", "otchet.pdf");
    assert_eq!(s.digest_alg(), DigestAlg::Streebog512);
    assert_eq!(s.signer().inn_le.as_deref(), Some("7700123459"));
    assert_eq!(
        s.verify_content(&fixture("tampered.pdf")),
        Verdict::DigestMismatch
    );
}

#[test]
fn signature_without_signed_attributes() {
    let s = assert_verifies("otchet-noattr.pdf.sig", "otchet.pdf");
    assert!(s.signed_attrs.is_none());
    assert_eq!(s.signer().signing_time, None);
    // Nothing binds the document except the signature itself.
    assert_eq!(
        s.verify_content(&fixture("tampered.pdf")),
        Verdict::BadSignature
    );
}

#[test]
fn signer_named_by_subject_key_identifier() {
    let s = assert_verifies("otchet-keyid.pdf.sig", "otchet.pdf");
    assert_eq!(s.signer().inn_le.as_deref(), Some("7700123459"));
}

#[test]
fn ber_with_indefinite_lengths() {
    let raw = fixture("otchet-ber.pdf.sig");
    assert_eq!(&raw[..2], &[0x30, 0x80], "fixture should be BER");
    assert_verifies("otchet-ber.pdf.sig", "otchet.pdf");
}

#[test]
fn every_parameter_set_verifies() {
    // otchet.pdf.sig covers CryptoPro-A, otchet-512.pdf.sig tc26-512-A.
    for name in [
        "cryptopro-b",
        "cryptopro-c",
        "cryptopro-xcha",
        "cryptopro-xchb",
        "tc26-256-a",
        "tc26-256-b",
        "tc26-256-c",
        "tc26-256-d",
        "tc26-512-b",
        "tc26-512-c",
    ] {
        let s = assert_verifies(
            &format!("curve-{name}.txt.sig"),
            &format!("curve-{name}.txt"),
        );
        let expected = if name.contains("512") {
            DigestAlg::Streebog512
        } else {
            DigestAlg::Streebog256
        };
        assert_eq!(s.digest_alg(), expected, "{name}");
    }
}

#[test]
fn tampered_document_is_a_digest_mismatch() {
    let s = parsed("otchet.pdf.sig");
    assert_eq!(
        s.verify_content(&fixture("tampered.pdf")),
        Verdict::DigestMismatch
    );
}

#[test]
fn changed_signature_byte_in_the_file_is_bad() {
    let raw = fixture("otchet.pdf.sig");
    let s = parsed("otchet.pdf.sig");
    let at = raw
        .windows(s.signature.len())
        .position(|w| w == s.signature.as_slice())
        .expect("signature value in the file");
    let mut changed = raw.clone();
    changed[at + 10] ^= 0x80;
    let s = parse(&changed).expect("still parses");
    assert_eq!(
        s.verify_content(&fixture("otchet.pdf")),
        Verdict::BadSignature
    );
}

#[test]
fn changed_signed_attribute_is_bad() {
    // The signing time sits inside the signed attributes: changing it must break the signature
    // (while the document digest still matches).
    let raw = fixture("otchet.pdf.sig");
    let time_oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05,
    ];
    let at = raw
        .windows(time_oid.len())
        .position(|w| w == time_oid)
        .expect("signingTime attribute");
    let mut changed = raw.clone();
    // SET { UTCTime "YYMMDDhhmmssZ" }: bump the last seconds digit.
    let digit = at + time_oid.len() + 2 + 2 + 11;
    changed[digit] = if changed[digit] == b'0' { b'1' } else { b'0' };
    let s = parse(&changed).expect("still parses");
    assert_eq!(
        s.verify_content(&fixture("otchet.pdf")),
        Verdict::BadSignature
    );
}

#[test]
fn attached_signature_is_refused() {
    assert_eq!(
        parse(&fixture("attached.pdf.p7s")).err(),
        Some(SignatureError::Attached)
    );
}

#[test]
fn signature_without_certificate_is_refused() {
    assert_eq!(
        parse(&fixture("otchet-nocert.pdf.sig")).err(),
        Some(SignatureError::NoCertificate)
    );
}

#[test]
fn garbage_is_refused_with_a_readable_message() {
    assert_eq!(parse(b"").err(), Some(SignatureError::Empty));
    assert_eq!(parse(b" \r\n\0").err(), Some(SignatureError::Empty));
    assert_eq!(
        parse(b"%PDF-1.4 not a signature").err(),
        Some(SignatureError::NotRecognized)
    );
    assert_eq!(
        parse(&fixture("otchet.pdf")).err(),
        Some(SignatureError::NotRecognized)
    );
    assert_eq!(
        parse(b"-----BEGIN CMS-----\n!!!!\n-----END CMS-----\n").err(),
        Some(SignatureError::NotRecognized)
    );
    assert!(matches!(
        parse(&[0x30, 0x03, 0x02, 0x01, 0x05]),
        Err(SignatureError::Malformed { .. })
    ));
    assert_eq!(
        parse(&fixture("keys/main-256.crt")).err(),
        Some(SignatureError::CertificateNotSignature)
    );
    let msg = SignatureError::NotRecognized.to_string();
    assert!(msg.starts_with("Файл подписи не распознан"), "{msg}");
}

#[test]
fn legacy_gost_2001_is_unsupported() {
    let s = parsed("legacy-2001.txt.sig");
    assert_eq!(s.digest_alg(), DigestAlg::Other("ГОСТ Р 34.11-94".into()));
    assert!(s.digest_alg().digest(b"x").is_empty());
    assert_eq!(
        s.verify(&[0u8; 32]),
        Verdict::Unsupported("ГОСТ Р 34.11-94".into())
    );
    assert_eq!(
        s.verify_content(b"anything").to_string(),
        "Проверка подписи не поддерживается: ГОСТ Р 34.11-94"
    );
}

#[test]
fn signer_fields_are_read() {
    let s = parsed("otchet.pdf.sig");
    let signer = s.signer();
    assert_eq!(signer.common_name.as_deref(), Some("Иванов Иван Иванович"));
    assert_eq!(signer.surname.as_deref(), Some("Иванов"));
    assert_eq!(signer.given_name.as_deref(), Some("Иван Иванович"));
    assert_eq!(signer.title.as_deref(), Some("Генеральный директор"));
    assert_eq!(signer.organization.as_deref(), Some("ООО «Ромашка-Строй»"));
    assert_eq!(signer.inn_le.as_deref(), Some("7700123459"));
    assert_eq!(signer.inn.as_deref(), Some("770012345606"));
    assert_eq!(signer.ogrn.as_deref(), Some("1027700123450"));
    assert_eq!(signer.snils.as_deref(), Some("11223344595"));
    assert_eq!(signer.ogrnip, None);
    assert_eq!(signer.issuer.as_deref(), Some("Иванов Иван Иванович"));
    assert!(signer.self_signed);
    assert!(!signer.serial_hex.is_empty());
    assert!(signer.serial_hex.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(signer.not_before < signer.not_after);
    let signed_at = signer.signing_time.expect("OpenSSL adds signingTime");
    assert!(signed_at >= signer.not_before && signed_at <= signer.not_after);
    assert_eq!(
        signer.display_name(),
        "Иванов Иван Иванович, Генеральный директор, ООО «Ромашка-Строй»"
    );
}

#[test]
fn certificate_issued_by_a_ca_is_found_among_several() {
    let s = assert_verifies("other-inn.pdf.sig", "otchet.pdf");
    let signer = s.signer();
    assert_eq!(signer.common_name.as_deref(), Some("Петров Пётр Петрович"));
    assert_eq!(signer.organization.as_deref(), Some("ООО «Вектор»"));
    assert_eq!(signer.inn_le.as_deref(), Some("5000987650"));
    assert_eq!(signer.issuer.as_deref(), Some("Тестовый УЦ"));
    assert!(!signer.self_signed);
}

#[test]
fn belongs_to_compares_inn() {
    let ours = parsed("otchet.pdf.sig");
    let theirs = parsed("other-inn.pdf.sig");
    assert!(ours.signer().belongs_to("7700123459"));
    assert!(ours.signer().belongs_to(" 7700123459 "));
    assert!(!ours.signer().belongs_to("5000987650"));
    assert!(theirs.signer().belongs_to("5000987650"));
    assert!(!theirs.signer().belongs_to("7700123459"));
    // The employee's personal ИНН does not make the company's signature an ИП's one.
    assert!(!ours.signer().belongs_to("770012345606"));
    assert!(!ours.signer().belongs_to(""));
    assert!(!ours.signer().belongs_to("77001234590"));

    // An ИП's certificate: personal ИНН and ОГРНИП, no ИНН ЮЛ.
    let ip = Signer {
        common_name: Some("Сидоров Сидор Сидорович".into()),
        surname: Some("Сидоров".into()),
        given_name: Some("Сидор Сидорович".into()),
        inn_le: None,
        inn: Some("770012345606".into()),
        ogrnip: Some("304770012345674".into()),
        organization: None,
        title: None,
        ..ours.signer().clone()
    };
    assert!(ip.belongs_to("770012345606"));
    assert!(!ip.belongs_to("7700123459"));
    assert_eq!(ip.display_name(), "Сидоров Сидор Сидорович");

    // Older certificates of a legal entity: "00" + ИНН in the ИНН attribute.
    let legacy = Signer {
        inn_le: None,
        inn: Some("007700123459".into()),
        ..ours.signer().clone()
    };
    assert!(legacy.belongs_to("7700123459"));
}

#[test]
fn display_name_when_cn_is_the_organisation() {
    let base = parsed("otchet.pdf.sig").signer().clone();
    let org_cn = Signer {
        common_name: Some("ООО «Ромашка-Строй»".into()),
        surname: None,
        given_name: None,
        title: None,
        ..base.clone()
    };
    assert_eq!(org_cn.display_name(), "ООО «Ромашка-Строй»");
    let nothing = Signer {
        common_name: None,
        surname: None,
        given_name: None,
        title: None,
        organization: None,
        ..base
    };
    assert!(nothing.display_name().starts_with("Сертификат № "));
}

#[test]
fn verdict_messages_are_russian() {
    assert_eq!(Verdict::Valid.to_string(), "Подпись верна");
    assert!(
        Verdict::DigestMismatch
            .to_string()
            .contains("не относится к этому файлу")
    );
    assert_eq!(Verdict::BadSignature.to_string(), "Подпись недействительна");
}

/// Truncated and garbled copies of real signatures must never panic, in parse or in verify.
///
/// Parsing is cheap and runs on a few hundred variants per file; the curve maths is slow in debug
/// builds, so only a handful of the variants that still parse are verified, mostly ones changed
/// near the end of the file, where the signature value sits.
#[test]
fn truncated_or_garbled_input_never_panics() {
    let content = fixture("otchet.pdf");
    for name in [
        "otchet.pdf.sig",
        "otchet-512.pdf.sig",
        "otchet-ber.pdf.sig",
        "otchet.pdf.p7s",
    ] {
        let raw = fixture(name);
        let n = raw.len();
        let step = (n / 300).max(1);
        let mut verify_budget = 8;
        let mut try_variant = |bytes: &[u8], near_end: bool| {
            if let Ok(s) = parse(bytes) {
                if verify_budget > 0 && near_end {
                    verify_budget -= 1;
                    s.verify_content(&content);
                }
                // The cheap paths always run.
                s.verify(&[0u8; 3]);
                s.signer().display_name();
            }
        };
        for i in (0..n).step_by(step) {
            let near_end = i + 160 > n && i % 3 == 0;
            try_variant(&raw[..i], near_end);
            let mut flipped = raw.clone();
            flipped[i] ^= [0x01u8, 0x80, 0xff][i % 3];
            try_variant(&flipped, near_end);
            let mut spliced = raw[..i].to_vec();
            spliced.extend_from_slice(&raw[i + 1..]);
            try_variant(&spliced, near_end);
        }
        assert!(
            verify_budget < 8,
            "{name}: no garbled copy near the end even parsed"
        );
    }
}
