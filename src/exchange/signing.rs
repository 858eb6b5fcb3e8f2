//! Detached signatures in a draft: each signature is paired with the file it signs (a new
//! file of the same form row, or a file already in the draft), checked against that file's
//! digest per GOST R 34.10-2012, and stored beside it. A signature of another file is refused
//! with a message; the file itself is kept, marked «подпись не принята» with the reason, and
//! the draft is not sent while the mark stands.

use bytes::Bytes;
use chrono::NaiveDate;

use super::model::{ItemFile, SigVerdict};
use crate::core::Core;
use crate::files::Upload;
use crate::signatures::{self, Verdict};
use crate::validation::FieldErrors;

/// The field of the form where signature problems are shown (with the files').
pub const FILES: &str = "files";

/// Which file a signature from the form is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigTarget {
    /// The new file chosen in the same row of the form (`file_N` / `sig_N`).
    Row(String),
    /// A file already in the draft (its `item_files` id).
    Attached(i64),
}

/// A signature file as the form sent it (signatures are small: kept in memory).
#[derive(Debug, Clone)]
pub struct SignatureInput {
    pub target: SigTarget,
    pub name: String,
    pub bytes: Bytes,
}

/// A detached signature with what its check found, stored under a temporary key.
#[derive(Debug, Clone)]
pub struct SignatureUpload {
    pub upload: Upload,
    pub verdict: SigVerdict,
    pub signer: String,
    pub inn: String,
    pub valid_to: Option<NaiveDate>,
}

/// A new file of the form and what became of the signature sent with it.
#[derive(Debug)]
pub struct NewFile {
    pub upload: Upload,
    pub signature: Option<SignatureUpload>,
    /// Why the signature sent with it was refused (the file keeps this mark).
    pub refused: Option<String>,
}

/// New files with their signatures, and signatures for files already attached.
#[derive(Debug, Default)]
pub struct Paired {
    pub new_files: Vec<NewFile>,
    /// (item_files id, signature)
    pub add_signatures: Vec<(i64, SignatureUpload)>,
    /// (item_files id, why): signatures refused for files already attached.
    pub refused: Vec<(i64, String)>,
}

impl Paired {
    /// Every staged blob, to discard if the draft is not saved.
    pub fn staged(&self) -> Vec<crate::storage::Staged> {
        let mut v = Vec::new();
        for f in &self.new_files {
            v.push(f.upload.staged.clone());
            if let Some(s) = &f.signature {
                v.push(s.upload.staged.clone());
            }
        }
        for (_, s) in &self.add_signatures {
            v.push(s.upload.staged.clone());
        }
        v
    }
}

/// Where the signed file's bytes are and the digests already known.
struct Digests {
    key: String,
    sha256: String,
    streebog256: Option<String>,
}

/// Pair and check. `existing` are the draft's files, `removed` those the form detaches.
/// Problems (a signature of another file, one without a file) go to `problems`.
pub async fn pair(
    core: &Core,
    member_inn: &str,
    existing: &[ItemFile],
    removed: &[i64],
    files: Vec<(String, Upload)>,
    signatures: Vec<SignatureInput>,
    problems: &mut FieldErrors,
) -> anyhow::Result<Paired> {
    let mut out = Paired::default();
    let mut unused = Vec::new();
    for sig in signatures {
        let attached = match &sig.target {
            SigTarget::Attached(id) => existing
                .iter()
                .find(|f| f.id == *id && !removed.contains(&f.id)),
            SigTarget::Row(_) => None,
        };
        let Some(f) = attached else {
            unused.push(sig);
            continue;
        };
        let file = crate::files::get(&core.db, f.file_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("file {} of a draft has no row", f.file_id))?;
        let digests = Digests {
            key: file.storage_key,
            sha256: file.sha256,
            streebog256: file.streebog256,
        };
        match check(core, member_inn, &f.name, &digests, &sig).await? {
            Ok(s) => out.add_signatures.push((f.id, s)),
            Err(msg) => {
                problems.add(FILES, msg.clone());
                out.refused.push((f.id, msg));
            }
        }
    }
    for (row, mut upload) in files {
        let row = row.strip_prefix("file_").unwrap_or("").to_string();
        let mut refused = None;
        let sig = match unused
            .iter()
            .position(|s| s.target == SigTarget::Row(row.clone()))
        {
            Some(p) => {
                let s = unused.remove(p);
                let digests = Digests {
                    key: upload.staged.tmp_key.clone(),
                    sha256: upload.staged.sha256.clone(),
                    streebog256: upload.staged.streebog256.clone(),
                };
                match check(core, member_inn, &upload.name, &digests, &s).await? {
                    Ok(s) => Some(s),
                    Err(msg) => {
                        problems.add(FILES, msg.clone());
                        refused = Some(msg);
                        None
                    }
                }
            }
            None => None,
        };
        if sig.is_some() && upload.staged.streebog256.is_none() {
            // A signed file gets its GOST digest now: the check above needed it anyway.
            let d = core
                .storage
                .digest::<streebog::Streebog256>(&upload.staged.tmp_key)
                .await
                .map_err(|e| e.context("hashing a signed file"))?;
            upload.staged.streebog256 = Some(hex::encode(d));
        }
        out.new_files.push(NewFile {
            upload,
            signature: sig,
            refused,
        });
    }
    for s in unused {
        problems.add(
            FILES,
            format!(
                "Подпись «{}» не принята: выберите рядом с ней файл, который она подписывает",
                s.name
            ),
        );
    }
    Ok(out)
}

/// Check a detached signature against its file: Ok with the verdict to keep, or Err with the
/// message for the user when the signature is not one of this file.
async fn check(
    core: &Core,
    member_inn: &str,
    file_name: &str,
    file: &Digests,
    sig: &SignatureInput,
) -> anyhow::Result<Result<SignatureUpload, String>> {
    let parsed = match signatures::parse(&sig.bytes) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Err(format!(
                "Подпись к файлу «{file_name}» не принята: {e}"
            )));
        }
    };
    // A digest we cannot compute is empty: verify() says Unsupported and staff check by hand.
    let digest = signatures::stored::file_digest(
        &core.storage,
        &parsed.digest_alg(),
        &file.key,
        &file.sha256,
        file.streebog256.as_deref(),
    )
    .await?;
    let signer = parsed.signer();
    let checked = parsed.verify(&digest);
    if let Some(why) = signatures::stored::refusal(&checked, &sig.name, file_name) {
        return Ok(Err(why));
    }
    let verdict = match checked {
        Verdict::Valid if signer.belongs_to(member_inn) => SigVerdict::Valid,
        Verdict::Valid => SigVerdict::Foreign,
        _ => SigVerdict::Unchecked,
    };
    let staged = core
        .storage
        .put_small(sig.bytes.clone())
        .await
        .map_err(|e| e.context("storing a signature"))?;
    Ok(Ok(SignatureUpload {
        upload: Upload {
            staged,
            name: sig.name.clone(),
            media_type: "application/pkcs7-signature".into(),
            lease: None,
        },
        verdict,
        signer: if signer.self_signed {
            // Anyone can make such a certificate with any INN: say so to whoever relies on it.
            format!(
                "{} (самоподписанный сертификат, не выдан удостоверяющим центром)",
                signer.display_name()
            )
        } else {
            signer.display_name()
        },
        inn: signer
            .inn_le
            .clone()
            .or_else(|| signer.inn.clone())
            .unwrap_or_default(),
        valid_to: Some(signer.not_after.date_naive()),
    }))
}
