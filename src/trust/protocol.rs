//! «Протокол проверки ЭП»: one check of one signature, as a PDF the SRO can file
//! (`documents/signature_protocol.typ`). Every value is display-ready Russian text.

use serde::Serialize;

use super::service::{Checked, TrustError};
use crate::core::Core;
use crate::documents::Template;
use crate::fmt;
use crate::signatures::check::{Report, SignerReport};

#[derive(Debug, Clone, Serialize)]
pub struct ProtocolDoc {
    pub sro_name: String,
    pub sro_full_name: String,
    pub number: String,
    pub checked_at: String,
    /// (label, value) rows of the head: the file, the signature, who checked, the list.
    pub head: Vec<(String, String)>,
    pub digests: Vec<(String, String)>,
    pub status: String,
    pub findings: Vec<String>,
    pub signers: Vec<SignerDoc>,
    pub note: String,
    #[serde(rename = "pdf_date")]
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignerDoc {
    pub status: String,
    pub rows: Vec<(String, String)>,
    pub chain: Vec<String>,
    pub reasons: Vec<String>,
    pub remarks: Vec<String>,
}

fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
    format!("{} (МСК)", fmt::datetime_seconds(t))
}

fn signer_doc(s: &SignerReport) -> SignerDoc {
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: &str| {
        if !v.is_empty() {
            rows.push((k.to_owned(), v.to_owned()));
        }
    };
    push("ФИО", &s.person);
    push("Должность", &s.title);
    push("Организация", &s.organization);
    push("ИНН ЮЛ", &s.inn_le);
    push("ИНН ФЛ", &s.inn);
    push("ОГРН / ОГРНИП", &s.ogrn);
    push("СНИЛС", &s.snils);
    push("Полномочия", &s.authority);
    push("Серийный номер сертификата", &s.serial);
    push("Издатель", &s.issuer);
    push(
        "Срок действия сертификата",
        &format!("с {} по {}", when(&s.not_before), when(&s.not_after)),
    );
    push(
        "Момент проверки сертификата",
        &format!("{} — {}", when(&s.time), s.time_source),
    );
    push("Хэш-функция", &s.digest_alg);
    push(
        "Доверенный УЦ",
        s.anchor
            .as_deref()
            .unwrap_or("не найден в перечне аккредитованных УЦ"),
    );
    push("Статус отзыва", &s.revocation);
    SignerDoc {
        status: s.status.label().to_owned(),
        rows,
        chain: s
            .chain
            .iter()
            .map(|l| {
                format!(
                    "{} (серийный № {}, выдан: {}, действует с {} по {})",
                    l.subject,
                    l.serial,
                    l.issuer,
                    fmt::date(&l.not_before.date_naive()),
                    fmt::date(&l.not_after.date_naive())
                )
            })
            .collect(),
        reasons: s.reasons.clone(),
        remarks: s.remarks.clone(),
    }
}

/// The protocol's data for one kept check.
pub fn doc(core: &Core, checked: &Checked) -> ProtocolDoc {
    let r: &Report = &checked.report;
    let mut head = vec![
        ("Подписанный файл".to_owned(), r.file_name.clone()),
        ("Файл подписи".to_owned(), r.signature_name.clone()),
        ("Подписантов".to_owned(), r.signers.len().to_string()),
        (
            "Перечень аккредитованных УЦ".to_owned(),
            r.trust_list
                .clone()
                .unwrap_or_else(|| "не загружен".to_owned()),
        ),
        (
            "Проверку выполнил".to_owned(),
            if checked.checked_by.is_empty() {
                "Кабинет при загрузке файла".to_owned()
            } else {
                checked.checked_by.clone()
            },
        ),
    ];
    head.push(("Время проверки".to_owned(), when(&r.checked_at)));
    ProtocolDoc {
        sro_name: core.settings.sro.short_name.clone(),
        sro_full_name: core.settings.sro.name.clone(),
        number: checked.id.to_string(),
        checked_at: when(&r.checked_at),
        head,
        digests: r.digests.clone(),
        status: r.status.label().to_owned(),
        findings: r.findings(),
        signers: r.signers.iter().map(signer_doc).collect(),
        note: "Проверка выполнена по ГОСТ Р 34.10-2012 и ГОСТ Р 34.11-2012: соответствие подписи \
               файлу, срок действия сертификата на момент подписания, цепочка сертификатов до \
               аккредитованного удостоверяющего центра, отзыв сертификата по списку отзыва, \
               полномочия подписанта (ИНН, ОГРН, машиночитаемая доверенность)."
            .to_owned(),
        created_at: r.checked_at.to_rfc3339(),
    }
}

/// The PDF and its file name.
pub async fn render(core: &Core, checked: &Checked) -> Result<(Vec<u8>, String), TrustError> {
    let data = doc(core, checked);
    let docs = core.documents.clone();
    let pdf = tokio::task::spawn_blocking(move || docs.render(Template::SignatureProtocol, &data))
        .await
        .map_err(anyhow::Error::new)?
        .map_err(|e| anyhow::Error::new(e).context("rendering a signature protocol"))?;
    Ok((pdf, protocol_name(checked)))
}

/// «Протокол проверки ЭП — Отчет.pdf.pdf»: named after the signed file, one per check.
pub fn protocol_name(checked: &Checked) -> String {
    format!(
        "Протокол проверки ЭП {} — {}.pdf",
        checked.id, checked.report.file_name
    )
}
