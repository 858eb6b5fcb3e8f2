//! «Квитанция об отправке»: what was sent, when, by whom, with sizes and digests — the
//! member's proof of what was filed. Made on request from the item as it is stored.

use super::model::{Item, ItemKind, SigVerdict};
use super::service::ExchangeError;
use super::store;
use crate::core::Core;
use crate::documents::{Receipt, ReceiptFile, ReceiptSignature, Template};
use crate::fmt;

/// The receipt of a sent item: its PDF and its file name.
pub async fn render(core: &Core, item: &Item) -> Result<(Vec<u8>, String), ExchangeError> {
    let sent_at = item.sent_at.ok_or(ExchangeError::NotFound)?;
    let member = crate::register::service::member(&core.db, item.member_id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    let sender = match item.sent_by {
        Some(id) => crate::auth::service::user(&core.db, id)
            .await?
            .map(|u| format!("{} ({})", u.full_name, u.email))
            .unwrap_or_default(),
        None => String::new(),
    };
    let kind = match (item.kind(), item.section_id) {
        (ItemKind::Report, Some(sid)) => {
            match crate::reports::service::year_of_section(&core.db, sid).await {
                Ok(Some(y)) => format!("Раздел отчета за {y} год"),
                _ => "Раздел отчета".into(),
            }
        }
        _ => "Письмо".into(),
    };
    // A receipt right after a large upload: finish its digests first.
    crate::files::fill_digests(&core.db, &core.storage).await;
    let rows = store::item_files(&core.db, item.id).await?;
    let sig_ids: Vec<i64> = rows.iter().filter_map(|f| f.signature_file_id).collect();
    // Each signature's latest check, named on the receipt so the protocol can be found.
    let checks = crate::trust::service::latest(core, &sig_ids)
        .await
        .map_err(anyhow::Error::new)?;
    let files = rows
        .into_iter()
        .map(|f| ReceiptFile {
            size: fmt::exact_size(f.size_bytes),
            sha256: f.sha256.clone(),
            streebog256: f.streebog256.clone().unwrap_or_default(),
            signature: f.sig_name.clone().map(|name| ReceiptSignature {
                name,
                size: fmt::exact_size(f.sig_size.unwrap_or(0)),
                signer: f.sig_signer.clone(),
                verdict: {
                    let label = f
                        .sig_verdict
                        .as_deref()
                        .and_then(SigVerdict::from_code)
                        .unwrap_or(SigVerdict::Unchecked)
                        .label();
                    match checks
                        .iter()
                        .find(|c| Some(c.signature_file_id) == f.signature_file_id)
                    {
                        Some(c) => format!(
                            "{label}; протокол проверки ЭП № {} от {}",
                            c.id,
                            fmt::datetime(&c.report.checked_at)
                        ),
                        None => label.to_string(),
                    }
                },
            }),
            name: f.name,
        })
        .collect();
    let now = core.now();
    let receipt = Receipt {
        sro_name: core.settings.sro.short_name.clone(),
        sro_full_name: core.settings.sro.name.clone(),
        number: item.outgoing_number(),
        company: member.entry.full_name.clone(),
        inn: member.entry.inn.clone(),
        sender,
        sent_at: format!("{} (МСК)", fmt::datetime_seconds(&sent_at)),
        kind,
        subject: item.subject.clone(),
        document_date: item.document_date.as_ref().map(fmt::date),
        text: (!item.body.trim().is_empty()).then(|| item.body.clone()),
        files,
        generated_at: format!("{} (МСК)", fmt::datetime_seconds(&now)),
        verify_hint: "Контрольные суммы позволяют убедиться, что файл не изменился: посчитайте \
            ГОСТ Р 34.11-2012 (256 бит) или SHA-256 своего экземпляра файла и сравните с указанными."
            .into(),
        created_at: Some(now),
    };
    let docs = core.documents.clone();
    let pdf = tokio::task::spawn_blocking(move || docs.render(Template::Receipt, &receipt))
        .await
        .map_err(anyhow::Error::new)?
        .map_err(|e| anyhow::Error::new(e).context("rendering a receipt"))?;
    Ok((pdf, format!("Квитанция {}.pdf", item.outgoing_number())))
}
