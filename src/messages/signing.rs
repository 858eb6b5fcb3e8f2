//! A detached signature of a file the SRO sends, checked like the members' ones (GOST R
//! 34.10-2012 over the file's Streebog digest): a signature of another file or a broken one is
//! refused with the reason; a valid one is kept with its signer and whether the certificate is
//! the SRO's (by its INN or OGRN in config).

use crate::core::Core;
use crate::files::Upload;
use crate::signatures::{self, Verdict};

/// A signature that holds, ready to be recorded with its file.
pub struct Checked {
    pub upload: Upload,
    pub signer: String,
    /// `valid` (the SRO's certificate), `foreign` (holds, another holder), `unchecked` (an
    /// algorithm this build does not verify).
    pub verdict: &'static str,
}

/// Check `bytes` (a signature named `name`) against the staged file; `Err` with the message
/// for the form when it is not a signature of this file.
pub async fn check(
    core: &Core,
    file: &Upload,
    name: &str,
    bytes: bytes::Bytes,
) -> anyhow::Result<Result<Checked, String>> {
    let parsed = match signatures::parse(&bytes) {
        Ok(p) => p,
        Err(e) => return Ok(Err(format!("Подпись «{name}» не принята: {e}"))),
    };
    let digest = signatures::stored::file_digest(
        &core.storage,
        &parsed.digest_alg(),
        &file.staged.tmp_key,
        &file.staged.sha256,
        None,
    )
    .await?;
    let signer = parsed.signer();
    let sro = &core.settings.sro;
    let checked = parsed.verify(&digest);
    if let Some(why) = signatures::stored::refusal(&checked, name, &file.name) {
        return Ok(Err(why));
    }
    let verdict = match checked {
        Verdict::Valid
            if (!sro.inn.is_empty() && signer.belongs_to(&sro.inn))
                || (!sro.ogrn.is_empty() && signer.ogrn.as_deref() == Some(sro.ogrn.as_str())) =>
        {
            "valid"
        }
        Verdict::Valid => "foreign",
        _ => "unchecked",
    };
    let staged = core.storage.put_small(bytes).await?;
    Ok(Ok(Checked {
        upload: Upload {
            staged,
            name: name.to_string(),
            media_type: "application/pkcs7-signature".into(),
            lease: None,
        },
        signer: signer.display_name(),
        verdict,
    }))
}

/// How a verdict reads next to the file.
pub fn verdict_label(code: &str) -> &'static str {
    match code {
        "valid" => "подпись СРО верна",
        "foreign" => "подпись верна, сертификат выдан не СРО",
        _ => "подпись не проверена: алгоритм не поддерживается",
    }
}
