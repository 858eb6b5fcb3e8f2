//! The checks of a member's signature after upload: every check kept (newest first), the
//! «Протокол проверки ЭП» of any of them, a staff re-check (after a new CRL or list), and the
//! protocols that go into the item's ZIP. Who may see a signature is who may download it.

use super::journal;
use super::service::ExchangeError;
use crate::audit::{self, Actor, Event};
use crate::auth::Principal;
use crate::core::Core;
use crate::signatures::check::{Member, Report, Status};
use crate::trust::service::{self as trust, Checked, SignedFile};
use crate::{on_db, on_tx};

fn unexpected(e: crate::trust::TrustError) -> ExchangeError {
    match e {
        crate::trust::TrustError::NotFound => ExchangeError::NotFound,
        other => ExchangeError::Unexpected(anyhow::Error::new(other)),
    }
}

/// A signature's file row and what it signs: (item id, member id, signed file id).
async fn signed_by(core: &Core, sig_file_id: i64) -> Result<(i64, i64, i64), ExchangeError> {
    // A correction's draft copies the row: the signature is judged where it was sent.
    let sql = "SELECT x.item_id, i.member_id, x.file_id FROM item_files x JOIN items i ON i.id = x.item_id \
               WHERE x.signature_file_id = $1 ORDER BY CASE WHEN i.status = 'draft' THEN 1 ELSE 0 END, x.id \
               LIMIT 1";
    let row: Option<(i64, i64, i64)> = on_db!(&core.db, p => sqlx::query_as(sql).bind(sig_file_id).fetch_optional(p).await.map_err(crate::db::DbError::from)?);
    row.ok_or(ExchangeError::NotFound)
}

/// Every check of a signature the user may download, newest first (404 otherwise).
pub async fn checks(
    core: &Core,
    who: Principal,
    sig_file_id: i64,
) -> Result<Vec<Checked>, ExchangeError> {
    journal::downloadable_file(core, who, sig_file_id).await?;
    signed_by(core, sig_file_id).await?;
    trust::checks(core, sig_file_id).await.map_err(unexpected)
}

/// One check (the latest when `check_id` is None) as its protocol PDF and file name.
pub async fn protocol(
    core: &Core,
    who: Principal,
    sig_file_id: i64,
    check_id: Option<i64>,
) -> Result<(Vec<u8>, String), ExchangeError> {
    let all = checks(core, who, sig_file_id).await?;
    let one = match check_id {
        Some(id) => all.into_iter().find(|c| c.id == id),
        None => all.into_iter().next(),
    }
    .ok_or(ExchangeError::NotFound)?;
    crate::trust::protocol::render(core, &one)
        .await
        .map_err(unexpected)
}

/// Checks a stored signature again with today's trust material, keeps the check and updates
/// the verdict shown with the file, in one transaction. Staff only (the caller's extractor).
pub async fn recheck(
    core: &Core,
    actor: &Actor,
    sig_file_id: i64,
) -> Result<Report, ExchangeError> {
    let (item_id, member_id, signed_id) = signed_by(core, sig_file_id).await?;
    // Staff only ever see what was sent: a draft's signature is nobody's business yet.
    super::store::sent_item(&core.db, item_id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    let member = crate::register::service::member(&core.db, member_id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    let sig = crate::files::get(&core.db, sig_file_id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    let signed = crate::files::get(&core.db, signed_id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    let bytes = core
        .storage
        .read_small(&sig.storage_key)
        .await
        .map_err(ExchangeError::Unexpected)?;
    let who = Member {
        inn: member.entry.inn.clone(),
        ogrn: member.entry.ogrn.clone(),
    };
    let mut xml = Vec::new();
    for f in super::store::item_files(&core.db, item_id).await? {
        if !f.name.to_lowercase().ends_with(".xml") {
            continue;
        }
        let Some(row) = crate::files::get(&core.db, f.file_id).await? else {
            continue;
        };
        let signature = match f.signature_file_id {
            Some(sid) => match crate::files::get(&core.db, sid).await? {
                Some(s) => Some(
                    core.storage
                        .read_small(&s.storage_key)
                        .await
                        .map_err(ExchangeError::Unexpected)?,
                ),
                None => None,
            },
            None => None,
        };
        xml.push(trust::PoaFile {
            name: f.name,
            key: row.storage_key,
            sha256: row.sha256,
            streebog256: row.streebog256,
            signature,
        });
    }
    let powers = trust::powers_in(core, &who, &xml)
        .await
        .map_err(unexpected)?;
    let report = trust::verify(
        core,
        &trust::policy(core),
        &bytes,
        &sig.original_name,
        &Member {
            inn: member.entry.inn.clone(),
            ogrn: member.entry.ogrn.clone(),
        },
        &SignedFile {
            name: &signed.original_name,
            key: &signed.storage_key,
            sha256: &signed.sha256,
            streebog256: signed.streebog256.as_deref(),
        },
        &powers,
        sig.created_at,
    )
    .await
    .map_err(unexpected)?
    .map_err(|e| {
        ExchangeError::Unexpected(anyhow::anyhow!(
            "a stored signature no longer parses: {e:?}"
        ))
    })?;
    let code = match report.status {
        Status::Valid => "valid",
        Status::Remarks => "remarks",
        Status::Invalid => "invalid",
    };
    let mut tx = core.db.begin().await?;
    let id = trust::record(&mut tx, sig_file_id, Some(signed_id), &report, &actor.label)
        .await
        .map_err(unexpected)?;
    let sql = "UPDATE item_files SET sig_verdict = $1, sig_signer = $2, sig_findings = $3 \
               WHERE signature_file_id = $4 AND item_id IN (SELECT id FROM items WHERE status <> 'draft')";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(code)
        .bind(report.signers_line())
        .bind(report.findings().join("\n"))
        .bind(sig_file_id)
        .execute(c)
        .await
        .map_err(crate::db::DbError::from)?
        .rows_affected());
    audit::record(
        &mut tx,
        actor,
        Event::new(
            "signature.recheck",
            "item",
            item_id,
            serde_json::json!({"signature_file_id": sig_file_id, "check": id, "status": code}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// The latest protocol of each signature of an item, for its ZIP: (name, PDF).
pub async fn protocols(
    core: &Core,
    sig_file_ids: &[i64],
) -> Result<Vec<(String, Vec<u8>)>, ExchangeError> {
    let mut out = Vec::new();
    for c in trust::latest(core, sig_file_ids)
        .await
        .map_err(unexpected)?
    {
        let (pdf, name) = crate::trust::protocol::render(core, &c)
            .await
            .map_err(unexpected)?;
        out.push((name, pdf));
    }
    Ok(out)
}
