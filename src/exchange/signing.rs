//! Detached signatures in a draft: each signature is paired with the file it signs (a new
//! file of the same form row, or a file already in the draft) and checked against that file
//! with the SRO's trust material and policy (`trust::service::verify`: the maths, the
//! certificate's dates, the chain, revocation, the signer's authority — an МЧД among the
//! draft's files counts). A signature found «Недействительна» is refused with its reasons; the
//! file itself is kept, marked «подпись не принята», and the draft is not sent while the mark
//! stands. An accepted one is stored beside its file with the check's report.

use bytes::Bytes;
use chrono::NaiveDate;

use super::model::{ItemFile, SigVerdict};
use crate::core::Core;
use crate::files::Upload;
use crate::signatures::check::{Member, Report, Status};
use crate::signatures::poa::PowerOfAttorney;
use crate::trust::service::{self as trust, SignedFile};
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
    /// The check's remarks, one per line (kept with the file for lists and pages).
    pub findings: String,
    /// The whole check, kept in `signature_checks` when the signature is stored.
    pub report: Report,
    /// The signed file's `files` id when it is already stored (a file of the draft).
    pub signed_file_id: Option<i64>,
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
    member: &Member,
    existing: &[ItemFile],
    removed: &[i64],
    files: Vec<(String, Upload)>,
    signatures: Vec<SignatureInput>,
    problems: &mut FieldErrors,
) -> anyhow::Result<Paired> {
    let mut out = Paired::default();
    let mut unused = Vec::new();
    let powers = if signatures.is_empty() {
        Vec::new()
    } else {
        powers_of(core, member, existing, removed, &files, &signatures).await?
    };
    let ctx = Ctx {
        core,
        member,
        powers: &powers,
    };
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
        match check(&ctx, &f.name, &digests, &sig).await? {
            Ok(mut s) => {
                s.signed_file_id = Some(f.file_id);
                out.add_signatures.push((f.id, s))
            }
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
                match check(&ctx, &upload.name, &digests, &s).await? {
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

/// What every check of one form shares.
struct Ctx<'a> {
    core: &'a Core,
    member: &'a Member,
    powers: &'a [PowerOfAttorney],
}

/// The МЧД among the draft's files and the new ones (XML files that parse as one), each with
/// the signature sent for it now or kept with it: only a signed one counts.
async fn powers_of(
    core: &Core,
    member: &Member,
    existing: &[ItemFile],
    removed: &[i64],
    new: &[(String, Upload)],
    signatures: &[SignatureInput],
) -> anyhow::Result<Vec<PowerOfAttorney>> {
    let mut files = Vec::new();
    for f in existing.iter().filter(|f| !removed.contains(&f.id)) {
        if !f.name.to_lowercase().ends_with(".xml") {
            continue;
        }
        let Some(row) = crate::files::get(&core.db, f.file_id).await? else {
            continue;
        };
        let sent = signatures
            .iter()
            .find(|s| s.target == SigTarget::Attached(f.id))
            .map(|s| s.bytes.clone());
        let kept = match (sent.is_none(), f.signature_file_id) {
            (true, Some(sid)) => match crate::files::get(&core.db, sid).await? {
                Some(s) => Some(core.storage.read_small(&s.storage_key).await?),
                None => None,
            },
            _ => None,
        };
        files.push(trust::PoaFile {
            name: f.name.clone(),
            key: row.storage_key,
            sha256: row.sha256,
            streebog256: row.streebog256,
            signature: sent.or(kept),
        });
    }
    for (field, u) in new {
        let row = field.strip_prefix("file_").unwrap_or("").to_string();
        files.push(trust::PoaFile {
            name: u.name.clone(),
            key: u.staged.tmp_key.clone(),
            sha256: u.staged.sha256.clone(),
            streebog256: u.staged.streebog256.clone(),
            signature: signatures
                .iter()
                .find(|s| s.target == SigTarget::Row(row.clone()))
                .map(|s| s.bytes.clone()),
        });
    }
    trust::powers_in(core, member, &files)
        .await
        .map_err(anyhow::Error::new)
}

/// Check a detached signature against its file: Ok with the verdict to keep, or Err with the
/// message for the user when the signature is not accepted.
async fn check(
    ctx: &Ctx<'_>,
    file_name: &str,
    file: &Digests,
    sig: &SignatureInput,
) -> anyhow::Result<Result<SignatureUpload, String>> {
    let core = ctx.core;
    let verified = trust::verify(
        core,
        &trust::policy(core),
        &sig.bytes,
        &sig.name,
        ctx.member,
        &SignedFile {
            name: file_name,
            key: &file.key,
            sha256: &file.sha256,
            streebog256: file.streebog256.as_deref(),
        },
        ctx.powers,
        core.now(),
    )
    .await
    .map_err(anyhow::Error::new)?;
    let report = match verified {
        Ok(r) => r,
        Err(e) => {
            return Ok(Err(format!(
                "Подпись к файлу «{file_name}» не принята: {e}"
            )));
        }
    };
    if report.status == Status::Invalid {
        return Ok(Err(format!(
            "Подпись «{}» к файлу «{file_name}» недействительна: {}",
            sig.name,
            report.reasons().join("; ")
        )));
    }
    let staged = core
        .storage
        .put_small(sig.bytes.clone())
        .await
        .map_err(|e| e.context("storing a signature"))?;
    let first = report.signers.first();
    Ok(Ok(SignatureUpload {
        upload: Upload {
            staged,
            name: sig.name.clone(),
            media_type: "application/pkcs7-signature".into(),
            lease: None,
        },
        verdict: if report.status == Status::Valid {
            SigVerdict::Valid
        } else {
            SigVerdict::Remarks
        },
        signer: report.signers_line(),
        inn: first
            .map(|s| {
                if s.inn_le.is_empty() {
                    s.inn.clone()
                } else {
                    s.inn_le.clone()
                }
            })
            .unwrap_or_default(),
        valid_to: first.map(|s| s.not_after.date_naive()),
        findings: report.findings().join("\n"),
        report,
        signed_file_id: None,
    }))
}
