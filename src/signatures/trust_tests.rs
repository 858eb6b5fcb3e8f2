//! The verdicts of `check` on the test PKI of tests/fixtures/trust/make-fixtures.sh: every
//! reason and every remark, the chain, revocation, the signer's authority (ИНН ЮЛ, ОГРН, ИП,
//! МЧД), and the trust material's own parsers.

use chrono::{DateTime, TimeZone, Utc};

use super::check::{Decision, Input, Member, Policy, Report, Status, Trust, check};
use super::crl::Crl;
use super::poa::{self, PowerOfAttorney};
use super::trust;
use super::{DigestAlg, parse_all};

fn fixture(dir: &str, name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{dir}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn t(fx: &str) -> Vec<u8> {
    fixture("trust", fx)
}

/// An МЧД as its signature's check leaves it: signed by the principal.
fn signed_poa(fx: &str) -> PowerOfAttorney {
    let mut p = poa::parse(&t(fx)).expect("mchd");
    p.signed = true;
    p
}

fn company() -> Member {
    Member {
        inn: "7700123459".into(),
        ogrn: "1027700123450".into(),
    }
}

fn entrepreneur() -> Member {
    Member {
        inn: "770012345606".into(),
        ogrn: "304770012345674".into(),
    }
}

fn policy() -> Policy {
    Policy {
        foreign: Decision::Refuse,
        untrusted: Decision::Warn,
        crl_max_age_days: 36500,
    }
}

fn checked_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 10, 0, 0).unwrap()
}

/// The loaded list (root and the accredited CA) and the CA's fresh CRL.
fn full_trust() -> Trust {
    let list = trust::read(&t("trusted-list.xml")).expect("list");
    Trust {
        list: Some("версия 1234".into()),
        loaded: true,
        anchors: list.certs,
        crls: vec![Crl::parse(&t("test-ca.crl")).expect("crl")],
    }
}

struct Case {
    member: Member,
    policy: Policy,
    trust: Trust,
    powers: Vec<PowerOfAttorney>,
    document: Vec<u8>,
}

impl Case {
    fn new() -> Case {
        Case {
            member: company(),
            policy: policy(),
            trust: full_trust(),
            powers: Vec::new(),
            document: fixture("signatures", "otchet.pdf"),
        }
    }

    fn run(&self, dir: &str, sig: &str) -> Report {
        let cms = parse_all(&fixture(dir, sig)).unwrap_or_else(|e| panic!("{sig}: {e:?}"));
        let digests: Vec<(DigestAlg, Vec<u8>)> = cms
            .digest_algs()
            .into_iter()
            .map(|a| {
                let d = a.digest(&self.document);
                (a, d)
            })
            .collect();
        check(
            &cms.signatures,
            &cms.carried,
            &Input {
                member: &self.member,
                policy: &self.policy,
                trust: &self.trust,
                powers: &self.powers,
                uploaded_at: checked_at(),
                checked_at: checked_at(),
                file_name: "otchet.pdf",
                signature_name: sig,
                digests: &digests,
            },
        )
    }

    fn sig(&self, name: &str) -> Report {
        self.run("trust", name)
    }
}

fn has(r: &Report, text: &str) -> bool {
    r.findings().iter().any(|f| f.contains(text))
}

#[test]
fn the_members_certificate_from_an_accredited_ca_is_valid_with_its_chain_and_crl() {
    let r = Case::new().sig("director.sig");
    assert_eq!(r.status, Status::Valid, "{:?}", r.findings());
    assert!(r.findings().is_empty());
    let s = &r.signers[0];
    assert_eq!(s.person, "Иванов Иван Иванович");
    assert_eq!(s.title, "Генеральный директор");
    assert_eq!(s.inn_le, "7700123459");
    assert_eq!(s.inn, "770012345606");
    assert_eq!(s.ogrn, "ОГРН 1027700123450");
    assert_eq!(s.snils, "11223344595");
    assert_eq!(s.issuer, "Тестовый УЦ");
    assert_eq!(s.anchor.as_deref(), Some("Тестовый УЦ"));
    assert_eq!(s.chain.len(), 2);
    assert!(s.revocation.starts_with("не отозван (СОС от 01.11.2026)"));
    assert!(s.authority.contains("ИНН ЮЛ"), "{}", s.authority);
    assert!(s.time_source.contains("signingTime"));
    // Without the CA's certificate in the file, the list supplies it.
    assert_eq!(
        Case::new().sig("director-nochain.sig").status,
        Status::Valid
    );
}

#[test]
fn only_the_list_certificate_that_signed_it_ends_a_chain() {
    // The list with only the root: the chain goes director → CA (carried) → root (trusted).
    let mut c = Case::new();
    c.trust.anchors.retain(|a| a.self_issued());
    let r = c.sig("director.sig");
    assert_eq!(r.status, Status::Valid, "{:?}", r.findings());
    assert_eq!(r.signers[0].chain.len(), 3);
    assert_eq!(r.signers[0].anchor.as_deref(), Some("Тестовый головной УЦ"));
    // …and without the carried CA certificate the chain breaks: the issuer is unknown.
    let r = c.sig("director-nochain.sig");
    assert_eq!(r.status, Status::Remarks);
    assert!(has(&r, "Издатель не входит в перечень аккредитованных УЦ"));
}

#[test]
fn a_company_certificate_counts_by_its_ogrn_without_inn() {
    let r = Case::new().sig("ogrn-only.sig");
    assert_eq!(r.status, Status::Valid, "{:?}", r.findings());
    assert!(r.signers[0].authority.contains("ОГРН"));
}

#[test]
fn an_entrepreneur_signs_for_itself_but_not_with_a_company_certificate() {
    let mut c = Case::new();
    c.member = entrepreneur();
    let r = c.sig("ip.sig");
    assert_eq!(r.status, Status::Valid, "{:?}", r.findings());
    assert_eq!(r.signers[0].ogrn, "ОГРНИП 304770012345674");
    // The director's certificate carries the same personal ИНН, but it is the company's.
    let r = c.sig("director.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(has(
        &r,
        "Сертификат выдан не участнику: организации ООО «Ромашка-Строй»"
    ));
    // The entrepreneur's certificate is not the company's either.
    let r = Case::new().sig("ip.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(has(
        &r,
        "индивидуальному предпринимателю (ИНН 770012345606, ОГРНИП 304770012345674)"
    ));
}

#[test]
fn another_company_is_refused_or_warned_by_policy() {
    let r = Case::new().sig("other.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(has(
        &r,
        "Сертификат выдан не участнику: организации ООО «Вектор» (ИНН ЮЛ 5000987650, ОГРН 1025000987659)"
    ));
    let mut c = Case::new();
    c.policy.foreign = Decision::Warn;
    let r = c.sig("other.sig");
    assert_eq!(r.status, Status::Remarks);
    assert!(has(&r, "ООО «Вектор»"));
}

#[test]
fn a_person_outside_the_company_signs_under_a_power_of_attorney() {
    let mut c = Case::new();
    let r = c.sig("representative.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(has(
        &r,
        "физическому лицу (ИНН 500100732259): приложите машиночитаемую доверенность"
    ));

    // Not signed by the principal: it makes nobody a representative.
    c.powers = vec![poa::parse(&t("mchd.xml")).expect("mchd")];
    let r = c.sig("representative.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(has(&r, "не подписана доверителем"), "{:?}", r.findings());

    c.powers = vec![signed_poa("mchd.xml")];
    let r = c.sig("representative.sig");
    assert_eq!(r.status, Status::Valid, "{:?}", r.findings());
    assert!(
        r.signers[0]
            .authority
            .contains("по машиночитаемой доверенности № 7a3c1e52-0d1f-4b7e-9a51-2f6d8c4e1b01 от 15.01.2026, действует по 31.12.2027"),
        "{}",
        r.signers[0].authority
    );

    c.powers = vec![signed_poa("mchd-expired.xml")];
    let r = c.sig("representative.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(
        has(&r, "не действовала на дату подписания"),
        "{:?}",
        r.findings()
    );

    c.powers = vec![signed_poa("mchd-other.xml")];
    let r = c.sig("representative.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(has(
        &r,
        "выдана не участником, а ООО «Вектор» (ИНН 5000987650)"
    ));
}

#[test]
fn two_signers_are_both_checked_and_named() {
    let mut c = Case::new();
    let r = c.sig("two-signers.sig");
    assert_eq!(r.signers.len(), 2);
    assert_eq!(r.signers[0].status, Status::Valid);
    assert_eq!(r.signers[1].status, Status::Invalid);
    assert_eq!(r.status, Status::Invalid);
    assert!(has(
        &r,
        "Смирнова Анна Олеговна: Сертификат выдан не участнику"
    ));
    c.powers = vec![signed_poa("mchd.xml")];
    let r = c.sig("two-signers.sig");
    assert_eq!(r.status, Status::Valid, "{:?}", r.findings());
    assert_eq!(
        r.signers_line(),
        "Иванов Иван Иванович, Генеральный директор, ООО «Ромашка-Строй»; Смирнова Анна Олеговна"
    );
}

#[test]
fn a_certificate_out_of_its_dates_at_signing_is_invalid() {
    let r = Case::new().sig("expired.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(has(
        &r,
        "Срок действия сертификата истек 01.01.2021 — до подписания"
    ));
    let r = Case::new().sig("future.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(has(
        &r,
        "Сертификат начинает действовать 01.01.2040 — позже подписания"
    ));
}

#[test]
fn revocation_before_signing_is_invalid_and_a_stale_or_missing_crl_is_a_remark() {
    let r = Case::new().sig("revoked.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(has(
        &r,
        "Сертификат отозван 01.06.2026 (компрометация ключа) — до подписания"
    ));
    assert!(r.signers[0].revocation.starts_with("отозван 01.06.2026"));

    let mut c = Case::new();
    c.trust.crls = vec![Crl::parse(&t("test-ca-stale.crl")).expect("crl")];
    let r = c.sig("director.sig");
    assert_eq!(r.status, Status::Remarks);
    assert!(has(
        &r,
        "Список отзыва сертификатов от 01.01.2025 устарел (следующий ожидался 01.02.2025)"
    ));
    assert_eq!(c.sig("revoked.sig").status, Status::Invalid);

    // Fresh by its dates, but older than the policy allows.
    let mut c = Case::new();
    c.policy.crl_max_age_days = 30;
    assert!(has(&c.sig("director.sig"), "устарел"));

    let mut c = Case::new();
    c.trust.crls.clear();
    let r = c.sig("director.sig");
    assert_eq!(r.status, Status::Remarks);
    assert!(has(
        &r,
        "Список отзыва сертификатов издателя «Тестовый УЦ» не загружен"
    ));
}

#[test]
fn an_issuer_outside_the_list_is_a_remark_or_a_refusal() {
    let r = Case::new().sig("rogue.sig");
    assert_eq!(r.status, Status::Remarks);
    assert!(has(
        &r,
        "Издатель не входит в перечень аккредитованных УЦ (Неизвестный УЦ)"
    ));
    let mut c = Case::new();
    c.policy.untrusted = Decision::Refuse;
    assert_eq!(c.sig("rogue.sig").status, Status::Invalid);
}

#[test]
fn a_self_signed_certificate_is_never_valid() {
    let mut c = Case::new();
    let r = c.run("signatures", "otchet.pdf.sig");
    assert_eq!(r.status, Status::Remarks);
    assert!(has(&r, "Сертификат самоподписанный"));
    c.policy.untrusted = Decision::Refuse;
    assert_eq!(
        c.run("signatures", "otchet.pdf.sig").status,
        Status::Invalid
    );
    // Even with no list loaded, where other issuers only get a remark.
    c.trust = Trust::default();
    let r = c.run("signatures", "otchet.pdf.sig");
    assert_ne!(r.status, Status::Valid);
}

#[test]
fn without_a_list_the_issuer_is_not_judged_but_said_so() {
    let mut c = Case::new();
    c.trust = Trust::default();
    let r = c.sig("director.sig");
    assert_eq!(r.status, Status::Remarks);
    assert!(has(&r, "Перечень аккредитованных УЦ не загружен"));
    // `refuse` holds before any list is loaded: the configuration asked for it.
    c.policy.untrusted = Decision::Refuse;
    assert_eq!(c.sig("director.sig").status, Status::Invalid);
}

#[test]
fn a_persons_certificate_cannot_issue_one() {
    // The director's own certificate «issued» one with the member's requisites: the chain
    // reaches the accredited CA only through a certificate that is not a CA's.
    let r = Case::new().sig("forged.sig");
    assert_eq!(r.status, Status::Invalid, "{:?}", r.findings());
    assert!(
        has(&r, "выдан не удостоверяющим центром"),
        "{:?}",
        r.findings()
    );
}

#[test]
fn a_crl_from_the_future_is_not_believed() {
    // A stale CRL «dated» after the check would hide the revocation in the real one.
    let mut c = Case::new();
    let mut future = Crl::parse(&t("test-ca-stale.crl")).unwrap();
    future.this_update = checked_at() + chrono::Duration::days(30);
    future.revoked.clear();
    c.trust.crls.push(future);
    assert_eq!(c.sig("revoked.sig").status, Status::Invalid);
}

#[test]
fn another_file_or_a_broken_signature_is_invalid() {
    let mut c = Case::new();
    c.document = fixture("signatures", "tampered.pdf");
    let r = c.sig("director.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(has(&r, "Подпись не соответствует файлу"));
    let r = Case::new().run("signatures", "legacy-2001.txt.sig");
    assert_eq!(r.status, Status::Invalid);
    assert!(has(&r, "Подпись не может быть проверена"));
}

#[test]
fn the_trust_material_parses() {
    let list = trust::read(&t("trusted-list.xml")).unwrap();
    let info = list.list.unwrap();
    assert_eq!(info.version, "1234");
    assert_eq!(
        info.date.unwrap(),
        Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap()
    );
    assert_eq!(list.certs.len(), 2);
    let crl = trust::read(&t("test-ca.crl")).unwrap().crls.remove(0);
    assert_eq!(crl.issuer_name, "Тестовый УЦ");
    assert_eq!(crl.revoked.len(), 1);
    let ca = list.certs.iter().find(|c| !c.self_issued()).unwrap();
    let root = list.certs.iter().find(|c| c.self_issued()).unwrap();
    assert!(crl.verify_by(ca).is_ok());
    assert!(crl.verify_by(root).is_err());
    assert!(ca.verify_issued_by(root).is_ok());
    assert!(root.verify_issued_by(ca).is_err());
    let pem = trust::read(&fixture("trust", "keys/ca.crt")).unwrap();
    assert_eq!(pem.certs.len(), 1);
    assert!(pem.list.is_none());
    assert!(trust::read(b"<?xml version=\"1.0\"?><a/>").is_err());
    assert!(trust::read(b"hello").is_err());

    let p = poa::parse(&t("mchd.xml")).unwrap();
    assert_eq!(p.principal_inn, "7700123459");
    assert_eq!(p.principal_ogrn, "1027700123450");
    assert_eq!(p.representative_inn, "500100732259");
    assert_eq!(p.representative_snils, "12345678964");
    assert_eq!(p.representative_name, "Смирнова Анна Олеговна");
    assert!(poa::looks_like(&t("mchd.xml")));
    assert!(!poa::looks_like(&t("trusted-list.xml")));
    assert!(poa::parse(b"<Doc/>").is_err());
}
