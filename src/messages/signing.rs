//! A detached signature of a file the SRO sends, checked like the members' ones (GOST R
//! 34.10-2012 over the file's Streebog digest): a signature of another file or a broken one is
//! refused with the reason; a valid one is kept with its signer and whether the certificate is
//! the SRO's (by its INN or OGRN in config).

use crate::core::Core;
use crate::files::Upload;
use crate::signatures::{self, DigestAlg, Verdict};

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
    let key = &file.staged.tmp_key;
    let digest = match parsed.digest_alg() {
        DigestAlg::Streebog256 => core.storage.digest::<streebog::Streebog256>(key).await?,
        DigestAlg::Streebog512 => core.storage.digest::<streebog::Streebog512>(key).await?,
        DigestAlg::Sha256 => hex::decode(&file.staged.sha256).unwrap_or_default(),
        DigestAlg::Other(_) => Vec::new(),
    };
    let signer = parsed.signer();
    let sro = &core.settings.sro;
    let verdict = match parsed.verify(&digest) {
        Verdict::Valid
            if (!sro.inn.is_empty() && signer.belongs_to(&sro.inn))
                || (!sro.ogrn.is_empty() && signer.ogrn.as_deref() == Some(sro.ogrn.as_str())) =>
        {
            "valid"
        }
        Verdict::Valid => "foreign",
        Verdict::Unsupported(_) => "unchecked",
        Verdict::DigestMismatch => {
            return Ok(Err(format!(
                "Подпись «{name}» не соответствует файлу «{}»: подписан другой файл, или файл изменен после подписания",
                file.name
            )));
        }
        Verdict::BadSignature => {
            return Ok(Err(format!(
                "Подпись «{name}» к файлу «{}» недействительна: проверка по ГОСТ Р 34.10-2012 не пройдена",
                file.name
            )));
        }
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
