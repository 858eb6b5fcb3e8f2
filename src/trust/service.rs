//! Importing the trust material, checking a signature against a stored file with it, and
//! keeping every check.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};

use super::store::{self, CheckRow, NewCert, NewCrl};
use crate::audit::{self, Actor, Event};
use crate::core::Core;
use crate::db::DbError;
use crate::signatures::check::{self, Member, Policy, Report, Trust};
use crate::signatures::crl::Crl;
use crate::signatures::poa::PowerOfAttorney;
use crate::signatures::x509::Cert;
use crate::signatures::{self, Cms, SignatureError, trust};

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The file is not trust material; the message is for the person who loaded it.
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for TrustError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => TrustError::NotFound,
            other => TrustError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// The policy of this installation (`[signatures]` in the config).
pub fn policy(core: &Core) -> Policy {
    let s = &core.settings.signatures;
    Policy {
        foreign: s.foreign,
        untrusted: s.untrusted,
        crl_max_age_days: s.crl_max_age_days,
    }
}

/// What one import brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub list: Option<String>,
    pub certs: usize,
    pub crls: usize,
}

impl Imported {
    /// «перечень УЦ версии 1234 от 25.11.2026: сертификатов 2, списков отзыва 0».
    pub fn summary(&self) -> String {
        let mut s = match &self.list {
            Some(l) => format!("перечень аккредитованных УЦ {l}: "),
            None => String::new(),
        };
        s.push_str(&format!(
            "новых сертификатов УЦ — {}, новых списков отзыва — {}",
            self.certs, self.crls
        ));
        s
    }
}

fn list_label(version: &str, date: Option<DateTime<Utc>>) -> String {
    let mut s = format!("версия {version}");
    if let Some(d) = date {
        s.push_str(&format!(
            " от {}",
            crate::fmt::date(&crate::clock::moscow_date(d))
        ));
    }
    s
}

/// Loads one file of trust material (the ministry's list, CA certificates or a CRL) in one
/// transaction, audited. A new list replaces the previous list's certificates.
pub async fn import(
    core: &Core,
    bytes: &[u8],
    file_name: &str,
    actor: &Actor,
) -> Result<Imported, TrustError> {
    let bundle = trust::read(bytes).map_err(TrustError::Invalid)?;
    let now = core.now();
    let mut out = Imported {
        list: bundle.list.as_ref().map(|l| list_label(&l.version, l.date)),
        ..Imported::default()
    };
    let source = if bundle.list.is_some() {
        "list"
    } else {
        "file"
    };
    let mut tx = core.db.begin().await?;
    if bundle.list.is_some() {
        store::delete_list_certs(&mut tx).await?;
    }
    for c in &bundle.certs {
        let b64 = B64.encode(&c.der);
        let sha = hex::encode(Sha256::digest(&c.der));
        let added = store::insert_cert(
            &mut tx,
            &NewCert {
                subject_hex: &hex::encode(&c.subject_der),
                name: &c.name(),
                serial: &c.info.serial_hex,
                not_before: c.info.not_before,
                not_after: c.info.not_after,
                der_b64: &b64,
                sha256: &sha,
                source,
            },
            now,
        )
        .await?;
        out.certs += usize::from(added);
    }
    for c in &bundle.crls {
        out.crls += usize::from(save_crl(&mut tx, c, "file", now).await?);
    }
    store::insert_import(
        &mut tx,
        file_name,
        bundle.list.as_ref().map(|l| l.version.as_str()),
        bundle.list.as_ref().and_then(|l| l.date),
        out.certs as i64,
        out.crls as i64,
        &actor.label,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new(
            "trust.import",
            "trust",
            file_name,
            serde_json::json!({"list": out.list, "certs": out.certs, "crls": out.crls}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

pub(super) async fn save_crl(
    tx: &mut crate::db::Tx,
    c: &Crl,
    source: &str,
    now: DateTime<Utc>,
) -> Result<bool, TrustError> {
    let b64 = B64.encode(&c.der);
    let sha = hex::encode(Sha256::digest(&c.der));
    Ok(store::insert_crl(
        tx,
        &NewCrl {
            issuer_hex: &hex::encode(&c.issuer_der),
            issuer_name: &c.issuer_name,
            this_update: c.this_update,
            next_update: c.next_update,
            revoked: c.revoked.len() as i64,
            der_b64: &b64,
            sha256: &sha,
            source,
        },
        now,
    )
    .await?)
}

/// Imports a file, or every file of a directory (the `signatures.trust_path` of the config, or
/// `kabinet trust import PATH`). Files that are not trust material are reported, not fatal.
pub async fn import_path(
    core: &Core,
    path: &Path,
    actor: &Actor,
) -> anyhow::Result<Vec<(String, Result<Imported, String>)>> {
    let mut files = Vec::new();
    if path.is_dir() {
        let mut rd = tokio::fs::read_dir(path).await?;
        while let Some(e) = rd.next_entry().await? {
            if e.file_type().await?.is_file() {
                files.push(e.path());
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut out = Vec::new();
    for f in files {
        let bytes = tokio::fs::read(&f).await?;
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let r = match import(core, &bytes, &name, actor).await {
            Ok(i) => Ok(i),
            Err(TrustError::Invalid(m)) => Err(m),
            Err(e) => return Err(anyhow::Error::new(e)),
        };
        out.push((name, r));
    }
    Ok(out)
}

/// The trust material relevant to one signature: the trusted certificates named as issuers
/// along its possible chains, and those issuers' CRLs.
pub async fn load(core: &Core, cms: &Cms) -> Result<Trust, TrustError> {
    let mut certs: Vec<Cert> = cms.carried.clone();
    for s in &cms.signatures {
        if let Ok(c) = Cert::from_der(s.cert_der()) {
            certs.push(c);
        }
    }
    let mut wanted: Vec<String> = certs.iter().map(|c| hex::encode(&c.issuer_der)).collect();
    let mut anchors: Vec<Cert> = Vec::new();
    let mut asked: Vec<String> = Vec::new();
    // Up the chain a few levels: each round asks for the issuers of what the last one found.
    for _ in 0..4 {
        wanted.retain(|w| !asked.contains(w));
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        let found = store::anchors_named(&core.db, &wanted).await?;
        asked.append(&mut wanted);
        for b64 in found {
            let Ok(der) = B64.decode(b64.as_bytes()) else {
                continue;
            };
            if let Ok(c) = Cert::from_der(&der)
                && !anchors.iter().any(|a| a.der == c.der)
            {
                if !c.self_issued() {
                    wanted.push(hex::encode(&c.issuer_der));
                }
                anchors.push(c);
            }
        }
    }
    let mut issuers: Vec<String> = certs
        .iter()
        .chain(&anchors)
        .map(|c| hex::encode(&c.issuer_der))
        .collect();
    issuers.sort();
    issuers.dedup();
    let crls = store::crls_of(&core.db, &issuers)
        .await?
        .into_iter()
        .filter_map(|b| B64.decode(b.as_bytes()).ok())
        .filter_map(|d| Crl::parse(&d).ok())
        .collect();
    let list = store::latest_list(&core.db)
        .await?
        .and_then(|l| l.list_version.map(|v| list_label(&v, l.list_date)));
    Ok(Trust {
        list,
        loaded: store::cert_count(&core.db).await? > 0,
        anchors,
        crls,
    })
}

/// A signed file as stored: where its bytes are and the digests known from its upload.
pub struct SignedFile<'a> {
    pub name: &'a str,
    pub key: &'a str,
    pub sha256: &'a str,
    pub streebog256: Option<&'a str>,
}

/// The signature's report against `file`, or why the bytes are no signature at all.
#[allow(clippy::too_many_arguments)]
pub async fn verify(
    core: &Core,
    policy: &Policy,
    signature: &[u8],
    signature_name: &str,
    member: &Member,
    file: &SignedFile<'_>,
    powers: &[PowerOfAttorney],
    uploaded_at: DateTime<Utc>,
) -> Result<Result<Report, SignatureError>, TrustError> {
    let cms = match signatures::parse_all(signature) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let mut digests = Vec::new();
    for alg in cms.digest_algs() {
        let d = signatures::stored::file_digest(
            &core.storage,
            &alg,
            file.key,
            file.sha256,
            file.streebog256,
        )
        .await?;
        digests.push((alg, d));
    }
    let trust = load(core, &cms).await?;
    // The GOST arithmetic of every signer and chain link is CPU work: off the async workers.
    let report = {
        let (cms, member, policy, powers) =
            (cms.clone(), member.clone(), policy.clone(), powers.to_vec());
        let (checked_at, file_name, signature_name) =
            (core.now(), file.name.to_owned(), signature_name.to_owned());
        tokio::task::spawn_blocking(move || {
            check::check(
                &cms.signatures,
                &cms.carried,
                &check::Input {
                    member: &member,
                    policy: &policy,
                    trust: &trust,
                    powers: &powers,
                    uploaded_at,
                    checked_at,
                    file_name: &file_name,
                    signature_name: &signature_name,
                    digests: &digests,
                },
            )
        })
        .await
        .map_err(anyhow::Error::new)?
    };
    // Where the signers' issuers publish their CRLs: the fetch job's list — only from
    // certificates whose chain reached a trusted CA (anyone can write any address into a
    // certificate of their own).
    for (s, r) in cms.signatures.iter().zip(&report.signers) {
        if r.anchor.is_none() {
            continue;
        }
        if let Ok(c) = Cert::from_der(s.cert_der()) {
            for url in &c.crl_urls {
                store::add_crl_source(&core.db, url, &hex::encode(&c.issuer_der)).await?;
            }
        }
    }
    Ok(Ok(report))
}

/// Keeps a check (in the transaction that stores the signature, or on its own for a re-check).
pub async fn record(
    tx: &mut crate::db::Tx,
    signature_file_id: i64,
    signed_file_id: Option<i64>,
    report: &Report,
    by: &str,
) -> Result<i64, TrustError> {
    let json = serde_json::to_string(report).map_err(anyhow::Error::new)?;
    Ok(store::record_check(
        tx,
        signature_file_id,
        signed_file_id,
        report.status.code(),
        &json,
        by,
        report.checked_at,
    )
    .await?)
}

/// A kept check with its report.
#[derive(Debug, Clone)]
pub struct Checked {
    pub id: i64,
    pub signature_file_id: i64,
    pub signed_file_id: Option<i64>,
    pub checked_by: String,
    pub report: Report,
}

fn decode(row: CheckRow) -> Option<Checked> {
    let report = serde_json::from_str(&row.report).ok()?;
    Some(Checked {
        id: row.id,
        signature_file_id: row.signature_file_id,
        signed_file_id: row.signed_file_id,
        checked_by: row.checked_by,
        report,
    })
}

/// Every check of a signature, newest first.
pub async fn checks(core: &Core, signature_file_id: i64) -> Result<Vec<Checked>, TrustError> {
    Ok(store::checks(&core.db, signature_file_id)
        .await?
        .into_iter()
        .filter_map(decode)
        .collect())
}

/// The latest check of each signature.
pub async fn latest(core: &Core, signature_file_ids: &[i64]) -> Result<Vec<Checked>, TrustError> {
    Ok(store::latest_checks(&core.db, signature_file_ids)
        .await?
        .into_iter()
        .filter_map(decode)
        .collect())
}

/// A stored XML file that may be an МЧД, with the signature sent for it (if any).
pub struct PoaFile {
    pub name: String,
    pub key: String,
    pub sha256: String,
    pub streebog256: Option<String>,
    pub signature: Option<bytes::Bytes>,
}

/// The МЧД among these files (XML files that parse as one). An МЧД counts as signed only when
/// its own signature holds and is the member's: by its ИНН ЮЛ/ОГРН (or an entrepreneur's
/// own), never through another МЧД.
pub async fn powers_in(
    core: &Core,
    member: &Member,
    files: &[PoaFile],
) -> Result<Vec<PowerOfAttorney>, TrustError> {
    let mut out = Vec::new();
    for f in files {
        if !f.name.to_lowercase().ends_with(".xml") {
            continue;
        }
        let bytes = core.storage.read_small(&f.key).await?;
        if !signatures::poa::looks_like(&bytes) {
            continue;
        }
        let Ok(mut p) = signatures::poa::parse(&bytes) else {
            continue;
        };
        if let Some(sig) = &f.signature {
            let policy = Policy {
                foreign: check::Decision::Refuse,
                ..policy(core)
            };
            let report = verify(
                core,
                &policy,
                sig,
                &f.name,
                member,
                &SignedFile {
                    name: &f.name,
                    key: &f.key,
                    sha256: &f.sha256,
                    streebog256: f.streebog256.as_deref(),
                },
                &[],
                core.now(),
            )
            .await?;
            p.signed = matches!(report, Ok(r) if r.status != check::Status::Invalid);
        }
        out.push(p);
    }
    Ok(out)
}
