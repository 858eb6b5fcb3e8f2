//! The chain from a signer's certificate up to a trusted CA, each link verified by its
//! issuer's key, and the revocation of the signer's certificate by its issuer's CRL.

use chrono::{DateTime, Duration, Utc};

use super::check::{Input, date};
use super::x509::Cert;

pub(super) struct Built {
    /// From the signer's certificate up; the anchor last when reached.
    pub certs: Vec<Cert>,
    pub anchor: Option<Cert>,
    pub reasons: Vec<String>,
    pub reasons_empty: bool,
}

/// Walks from `leaf` to a trusted CA, each link verified by its issuer's key.
pub(super) fn build_chain(
    leaf: &Cert,
    carried: &[Cert],
    anchors: &[Cert],
    time: DateTime<Utc>,
) -> Built {
    let mut certs = vec![leaf.clone()];
    let mut reasons = Vec::new();
    let mut anchor = None;
    for _ in 0..8 {
        let current = certs.last().expect("the leaf is there").clone();
        if anchors.iter().any(|a| a.der == current.der) {
            anchor = Some(current);
            break;
        }
        if current.self_issued() {
            break;
        }
        // Candidates by name and key identifier: the trusted ones first.
        let issuer = anchors
            .iter()
            .chain(carried)
            .filter(|c| current.named_issuer(c))
            .find(|c| current.verify_issued_by(c).is_ok())
            .cloned();
        let Some(issuer) = issuer else {
            if let Some(c) = anchors
                .iter()
                .chain(carried)
                .find(|c| current.named_issuer(c))
            {
                reasons.push(format!(
                    "Подпись удостоверяющего центра «{}» на сертификате «{}» неверна",
                    c.name(),
                    current.name()
                ));
            }
            break;
        };
        // Only a CA may issue: a person's own certificate signing another one is a forged chain
        // (basicConstraints cA and, when stated, keyUsage keyCertSign).
        if !issuer.may_issue() {
            reasons.push(format!(
                "Сертификат «{}» выдан не удостоверяющим центром: его издатель «{}» не имеет права выдавать сертификаты",
                current.name(),
                issuer.name()
            ));
            break;
        }
        if !issuer.valid_at(time) {
            reasons.push(format!(
                "Сертификат удостоверяющего центра «{}» не действовал на момент подписания (действует с {} по {})",
                issuer.name(),
                date(issuer.info.not_before),
                date(issuer.info.not_after)
            ));
        }
        if certs.iter().any(|c| c.der == issuer.der) {
            break;
        }
        certs.push(issuer);
    }
    Built {
        reasons_empty: reasons.is_empty(),
        certs,
        anchor,
        reasons,
    }
}

/// (status line, reason, remark) for `cert` issued by `issuer`.
pub(super) fn revocation_of(
    cert: &Cert,
    issuer: &Cert,
    input: &Input<'_>,
    time: DateTime<Utc>,
) -> (String, Option<String>, Option<String>) {
    let crl = input
        .trust
        .crls
        .iter()
        .filter(|c| c.verify_by(issuer).is_ok())
        // a CRL «issued» in the future is not believed: it would hide the ones before it
        .filter(|c| c.this_update <= input.checked_at + Duration::days(1))
        .max_by_key(|c| c.this_update);
    let Some(crl) = crl else {
        return (
            "не проверен: список отзыва издателя не загружен".to_owned(),
            None,
            Some(format!(
                "Список отзыва сертификатов издателя «{}» не загружен: отзыв сертификата не проверен",
                issuer.name()
            )),
        );
    };
    let stale = crl.next_update.is_some_and(|n| n < input.checked_at)
        || crl.this_update + Duration::days(input.policy.crl_max_age_days) < input.checked_at;
    let stale_remark = stale.then(|| {
        format!(
            "Список отзыва сертификатов от {} устарел{}: отзыв проверен по нему",
            date(crl.this_update),
            crl.next_update
                .map(|n| format!(" (следующий ожидался {})", date(n)))
                .unwrap_or_default()
        )
    });
    match crl.find(&cert.info.serial_hex) {
        Some(r) if r.date <= time => (
            format!(
                "отозван {} (СОС от {})",
                date(r.date),
                date(crl.this_update)
            ),
            Some(format!(
                "Сертификат отозван {}{} — до подписания",
                date(r.date),
                r.reason
                    .as_ref()
                    .map(|x| format!(" ({x})"))
                    .unwrap_or_default()
            )),
            stale_remark,
        ),
        Some(r) => (
            format!(
                "отозван {} после подписания (СОС от {})",
                date(r.date),
                date(crl.this_update)
            ),
            None,
            Some(format!(
                "Сертификат отозван {}, после подписания: подпись сделана, когда он действовал",
                date(r.date)
            ))
            .into_iter()
            .chain(stale_remark)
            .reduce(|a, b| format!("{a}. {b}")),
        ),
        None => (
            format!("не отозван (СОС от {})", date(crl.this_update)),
            None,
            stale_remark,
        ),
    }
}
