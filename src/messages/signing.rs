//! A detached signature of a file the SRO sends, checked like the members' ones
//! (`trust::service::verify`: the maths, the certificate's dates, the chain to an accredited
//! CA, revocation) with the SRO itself as the one the signer should belong to (its ИНН or
//! ОГРН in config). A signature found «Недействительна» is refused with its reasons; an accepted
//! one is kept with its signers, verdict and the check's report.

use crate::core::Core;
use crate::files::Upload;
use crate::signatures::check::{Decision, Member, Policy, Report, Status};
use crate::trust::service::{self as trust, SignedFile};

/// A signature that holds, ready to be recorded with its file.
pub struct Checked {
    pub upload: Upload,
    pub signer: String,
    /// `valid` or `remarks` (`foreign`, `unchecked` in checks made before issue 16).
    pub verdict: &'static str,
    pub report: Report,
}

/// Check `bytes` (a signature named `name`) against the staged file; `Err` with the message
/// for the form when it is not accepted.
pub async fn check(
    core: &Core,
    file: &Upload,
    name: &str,
    bytes: bytes::Bytes,
) -> anyhow::Result<Result<Checked, String>> {
    let sro = &core.settings.sro;
    // The SRO also forwards documents others signed (a regulator's decision): a signer who is
    // not the SRO is a remark here, never a refusal.
    let policy = Policy {
        foreign: Decision::Warn,
        ..trust::policy(core)
    };
    let verified = trust::verify(
        core,
        &policy,
        &bytes,
        name,
        &Member {
            inn: sro.inn.clone(),
            ogrn: sro.ogrn.clone(),
        },
        &SignedFile {
            name: &file.name,
            key: &file.staged.tmp_key,
            sha256: &file.staged.sha256,
            streebog256: None,
        },
        &[],
        core.now(),
    )
    .await
    .map_err(anyhow::Error::new)?;
    let report = match verified {
        Ok(r) => r,
        Err(e) => return Ok(Err(format!("Подпись «{name}» не принята: {e}"))),
    };
    if report.status == Status::Invalid {
        return Ok(Err(format!(
            "Подпись «{name}» к файлу «{}» недействительна: {}",
            file.name,
            report.reasons().join("; ")
        )));
    }
    let staged = core.storage.put_small(bytes).await?;
    Ok(Ok(Checked {
        upload: Upload {
            staged,
            name: name.to_string(),
            media_type: "application/pkcs7-signature".into(),
            lease: None,
        },
        signer: report.signers_line(),
        verdict: if report.status == Status::Valid {
            "valid"
        } else {
            "remarks"
        },
        report,
    }))
}

/// How a verdict reads next to the file.
pub fn verdict_label(code: &str) -> &'static str {
    match code {
        "valid" => "подпись СРО действительна",
        "remarks" => "подпись действительна с замечаниями",
        "foreign" => "подпись верна, сертификат выдан не СРО",
        _ => "подпись не проверена: алгоритм не поддерживается",
    }
}
