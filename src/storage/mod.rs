//! File storage: a local directory by default, any S3-compatible service by config, both through
//! `object_store`.
//!
//! An upload is streamed to `tmp/<random>` while its SHA-256 and Streebog-256 are computed and
//! its first bytes sniffed; nothing is held in memory beyond one part. The caller records the
//! file in its database transaction and, before committing, [`Storage::promote`]s the blob to
//! `blobs/<random>`. The row is what makes a file visible: a blob no row points to (an upload cut
//! off, a transaction that failed after the promote) is an orphan, and [`Storage::sweep`]
//! removes it once it is older than `storage.orphan_grace_minutes`. A blob of an upload still
//! in flight is named `<lease>.<random>` after the request's lease (`files::lease`) and is
//! never swept while the lease lives; once it is dead, its temporary blobs go at once.

pub mod sniff;
pub mod zip;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

use crate::config::{Settings, StorageBackend};

const TMP: &str = "tmp";
const BLOBS: &str = "blobs";
/// Bytes kept from the start of a file to sniff its type.
const SNIFF_BYTES: usize = 16 * 1024;
/// Part size of a multipart write: the memory one upload holds at most (times the parts in
/// flight below).
const PART_BYTES: usize = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 2;

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    grace: Duration,
    /// The directory of the local backend: the sweeper also removes the half-written
    /// `tmp/<key>#<n>` files a crash leaves, which the store's listing does not show.
    local_dir: Option<std::path::PathBuf>,
}

/// A blob written under its temporary key, with what we learnt while writing it.
#[derive(Debug, Clone)]
pub struct Staged {
    pub tmp_key: String,
    /// The key it gets when promoted.
    pub key: String,
    pub size: u64,
    pub sha256: String,
    /// Computed while storing only for small files; large ones get it afterwards.
    pub streebog256: Option<String>,
    /// The first bytes, for type sniffing (up to 16 KiB).
    pub head: Vec<u8>,
}

/// Why an upload stream was not stored.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// The check on the first bytes refused the file (message for the user).
    #[error("{0}")]
    Refused(String),
    /// The client's body stream failed (connection cut, body limit).
    #[error("reading the upload: {0}")]
    Body(String),
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

/// What the sweeper removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub temporary: u64,
    pub orphans: u64,
}

impl Storage {
    pub fn new(settings: &Settings) -> anyhow::Result<Storage> {
        let s = &settings.storage;
        let mut local_dir = None;
        let store: Arc<dyn ObjectStore> = match s.backend {
            StorageBackend::Local => {
                let dir = if s.path.is_empty() {
                    settings.data_dir().join("files")
                } else {
                    std::path::PathBuf::from(&s.path)
                };
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating the file storage {}", dir.display()))?;
                local_dir = Some(dir.clone());
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(&dir)
                        .with_context(|| format!("opening the file storage {}", dir.display()))?
                        .with_automatic_cleanup(true),
                )
            }
            StorageBackend::S3 => {
                crate::tls::init();
                let mut b = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&s.s3_bucket)
                    .with_region(&s.s3_region)
                    .with_allow_http(s.s3_allow_http);
                if !s.s3_endpoint.is_empty() {
                    b = b.with_endpoint(&s.s3_endpoint);
                }
                if !s.s3_access_key_id.is_empty() {
                    b = b
                        .with_access_key_id(&s.s3_access_key_id)
                        .with_secret_access_key(&s.s3_secret_access_key);
                }
                Arc::new(b.build().context("configuring S3 storage")?)
            }
        };
        Ok(Storage {
            store,
            grace: Duration::from_secs(s.orphan_grace_minutes * 60),
            local_dir,
        })
    }

    /// The directory of the local backend (`None` on S3).
    pub fn local_dir(&self) -> Option<&std::path::Path> {
        self.local_dir.as_deref()
    }

    /// Stream `body` into a temporary blob named after the request's `lease`. More than
    /// `limit` bytes: the blob is removed and `TooLarge` returned. `check_head` sees the first
    /// bytes once (up to 16 KiB, or the whole file if shorter) and may refuse the file before
    /// the rest is stored.
    pub async fn put_temp<S, E, F>(
        &self,
        lease: &str,
        body: S,
        limit: u64,
        mut check_head: F,
    ) -> Result<Staged, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
        F: FnMut(&[u8]) -> Result<(), String>,
    {
        let name = format!("{lease}.{}", crate::tokens::random_token());
        let tmp_key = format!("{TMP}/{name}");
        let key = format!("{BLOBS}/{name}");
        let path = StorePath::from(tmp_key.as_str());
        let upload = self
            .store
            .put_multipart(&path)
            .await
            .context("starting an upload")?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        // Only SHA-256 here: Streebog runs at ~100 MiB/s and would set the pace of every
        // upload; it is computed right after the commit (`exchange::service::fill_digests`).
        let mut sha = Sha256::new();
        let mut head = Vec::new();
        let mut head_checked = false;
        let mut size: u64 = 0;
        let mut body = body;
        let result: Result<(), UploadError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| UploadError::Body(e.to_string()))?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(UploadError::TooLarge { limit });
                }
                if head.len() < SNIFF_BYTES {
                    let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                    head.extend_from_slice(&chunk[..take]);
                }
                if !head_checked && head.len() >= SNIFF_BYTES {
                    head_checked = true;
                    check_head(&head).map_err(UploadError::Refused)?;
                }
                sha.update(&chunk);
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .context("writing an upload")?;
                writer.put(chunk);
            }
            if !head_checked {
                check_head(&head).map_err(UploadError::Refused)?;
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                writer.finish().await.context("finishing an upload")?;
                Ok(Staged {
                    tmp_key,
                    key,
                    size,
                    sha256: hex::encode(sha.finalize()),
                    streebog256: None,
                    head,
                })
            }
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, "aborting a refused upload");
                }
                Err(e)
            }
        }
    }

    /// Give a staged blob its permanent key. Call inside the transaction that records it,
    /// before the commit.
    pub async fn promote(&self, staged: &Staged) -> anyhow::Result<()> {
        self.store
            .rename(
                &StorePath::from(staged.tmp_key.as_str()),
                &StorePath::from(staged.key.as_str()),
            )
            .await
            .with_context(|| format!("promoting {}", staged.tmp_key))
    }

    /// Remove a recorded blob whose row is gone (an expired archive). A blob already gone is
    /// fine.
    pub async fn remove(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(anyhow::Error::new(e).context(format!("removing {key}"))),
        }
    }

    /// Remove blobs of an upload that will not be recorded (best effort: the sweeper catches
    /// what this misses).
    pub async fn discard(&self, staged: &[Staged]) {
        for s in staged {
            for key in [&s.tmp_key, &s.key] {
                match self.store.delete(&StorePath::from(key.as_str())).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => tracing::warn!(error = %e, key, "removing a discarded upload"),
                }
            }
        }
    }

    /// The blob's bytes as a stream (downloads, ZIPs, re-hashing).
    pub async fn open(
        &self,
        key: &str,
    ) -> anyhow::Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static> {
        let got = self
            .store
            .get(&StorePath::from(key))
            .await
            .with_context(|| format!("opening {key}"))?;
        Ok(got.into_stream().map_err(std::io::Error::other))
    }

    /// The digest of a stored blob, read as a stream.
    pub async fn digest<D: sha2::Digest>(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        let mut stream = Box::pin(self.open(key).await?);
        let mut h = D::new();
        while let Some(chunk) = stream.next().await {
            h.update(&chunk.with_context(|| format!("reading {key}"))?);
        }
        Ok(h.finalize().to_vec())
    }

    /// The whole blob in memory: only for small files (signatures).
    pub async fn read_small(&self, key: &str) -> anyhow::Result<Bytes> {
        let got = self
            .store
            .get(&StorePath::from(key))
            .await
            .with_context(|| format!("opening {key}"))?;
        got.bytes().await.with_context(|| format!("reading {key}"))
    }

    /// Store small bytes directly under a permanent key (signature files, templates in tests).
    pub async fn put_small(&self, bytes: Bytes) -> anyhow::Result<Staged> {
        let name = crate::tokens::random_token();
        let tmp_key = format!("{TMP}/{name}");
        let staged = Staged {
            key: format!("{BLOBS}/{name}"),
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
            streebog256: Some(hex::encode(streebog::Streebog256::digest(&bytes))),
            head: bytes[..bytes.len().min(SNIFF_BYTES)].to_vec(),
            tmp_key,
        };
        self.store
            .put(&StorePath::from(staged.tmp_key.as_str()), bytes.into())
            .await
            .context("storing a small file")?;
        Ok(staged)
    }

    /// Every permanent key in storage (tests and the sweeper).
    pub async fn blob_keys(&self) -> anyhow::Result<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
        self.store
            .list(Some(&StorePath::from(BLOBS)))
            .map_ok(|m| (m.location.to_string(), m.last_modified))
            .try_collect()
            .await
            .context("listing stored files")
    }

    /// Finished temporary blobs (tests and the sweeper).
    pub async fn temp_keys(&self) -> anyhow::Result<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
        self.store
            .list(Some(&StorePath::from(TMP)))
            .map_ok(|m| (m.location.to_string(), m.last_modified))
            .try_collect()
            .await
            .context("listing temporary uploads")
    }

    /// Remove what no upload in flight holds and no row points to. `live_leases` is asked
    /// after the listing (a lease is recorded before its first blob, so every blob listed
    /// whose lease is not in the answer belongs to a finished or dead request):
    /// - a temporary blob of a dead lease goes at once; one without a lease (a small file
    ///   written and promoted in one step) when older than the grace period (or `older_than`);
    /// - a permanent blob no row points to (`is_known` answers for a batch of keys) when
    ///   older than the grace period and its lease, if any, is dead.
    pub async fn sweep<F, Fut, L, LFut>(
        &self,
        older_than: Option<Duration>,
        is_known: F,
        live_leases: L,
    ) -> anyhow::Result<SweepReport>
    where
        F: Fn(Vec<String>) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<std::collections::HashSet<String>>>,
        L: FnOnce() -> LFut,
        LFut: std::future::Future<Output = anyhow::Result<std::collections::HashSet<String>>>,
    {
        let grace = older_than.unwrap_or(self.grace);
        // Blobs carry the storage's own modification times: compare with the system time,
        // not the application's clock.
        let cutoff = chrono::Utc::now()
            - chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::zero());
        let mut report = SweepReport::default();
        let tmp = self.temp_keys().await?;
        let half_written = self.half_written();
        let blobs = self.blob_keys().await?;
        let live = live_leases().await?;
        let held = |key: &str| lease_of(key).is_some_and(|l| live.contains(l));
        let expired = |key: &str, at: chrono::DateTime<chrono::Utc>| match lease_of(key) {
            Some(l) => !live.contains(l),
            None => at <= cutoff,
        };
        for (key, at) in tmp {
            if expired(&key, at) {
                self.store.delete(&StorePath::from(key.as_str())).await.ok();
                report.temporary += 1;
            }
        }
        for (path, at) in half_written {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let base = name.split('#').next().unwrap_or(name);
            if expired(base, at) && std::fs::remove_file(&path).is_ok() {
                report.temporary += 1;
            }
        }
        let old: Vec<String> = blobs
            .into_iter()
            .filter(|(k, at)| *at <= cutoff && !held(k))
            .map(|(k, _)| k)
            .collect();
        for batch in old.chunks(500) {
            let known = is_known(batch.to_vec()).await?;
            for key in batch.iter().filter(|k| !known.contains(*k)) {
                self.store.delete(&StorePath::from(key.as_str())).await.ok();
                report.orphans += 1;
            }
        }
        if report != SweepReport::default() {
            tracing::info!(
                temporary = report.temporary,
                orphans = report.orphans,
                "removed unreferenced uploads"
            );
        }
        Ok(report)
    }

    /// The local backend's half-written files under `tmp/` (`<key>#<n>`), with their times.
    fn half_written(&self) -> Vec<(std::path::PathBuf, chrono::DateTime<chrono::Utc>)> {
        let Some(dir) = &self.local_dir else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(dir.join(TMP)) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains('#'))
            .filter_map(|e| {
                let at = e.metadata().ok()?.modified().ok()?;
                Some((e.path(), chrono::DateTime::<chrono::Utc>::from(at)))
            })
            .collect()
    }
}

/// The lease a blob was written under: its name's part before the first dot.
fn lease_of(key: &str) -> Option<&str> {
    let name = key.rsplit('/').next().unwrap_or(key);
    name.split_once('.').map(|(lease, _)| lease)
}

/// The longest file name kept, in characters.
const NAME_MAX: usize = 200;

/// The last path component of a browser-supplied file name, without control, bidi and
/// zero-width characters (they make a name read as something else in the staff's inbox).
/// Cyrillic and spaces are kept; a name over 200 characters is shortened before its
/// extension («Приложение…Прил….pdf»). Empty names become «файл».
pub fn clean_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last
        .chars()
        .filter(|c| !crate::validation::is_hidden(*c))
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_string();
    if cleaned.is_empty() {
        return "файл".to_string();
    }
    if cleaned.chars().count() <= NAME_MAX {
        return cleaned;
    }
    let (stem, ext) = match extension(&cleaned) {
        Some(_) => cleaned.rsplit_once('.').unwrap_or((&cleaned, "")),
        None => (cleaned.as_str(), ""),
    };
    let tail = if ext.is_empty() {
        String::new()
    } else {
        format!(".{ext}")
    };
    let keep = NAME_MAX - 1 - tail.chars().count();
    let stem: String = stem.chars().take(keep).collect();
    format!("{}…{tail}", stem.trim_end())
}

/// The lower-case extension of a cleaned name, if any.
pub fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    if stem.is_empty() || ext.is_empty() || ext.len() > 8 {
        return None;
    }
    Some(ext.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_but_keep_cyrillic() {
        assert_eq!(
            clean_file_name("C:\\Users\\Бухгалтер\\Отчет за 2026 год.docx"),
            "Отчет за 2026 год.docx"
        );
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\u{0}b\n.pdf"), "ab.pdf");
        assert_eq!(clean_file_name("..."), "файл");
        assert_eq!(clean_file_name(""), "файл");
        assert_eq!(clean_file_name(&"я".repeat(500)).chars().count(), 200);
        assert_eq!(clean_file_name("Счет\u{202E}fdp.pdf"), "Счетfdp.pdf");
        assert_eq!(
            clean_file_name("Ак\u{200B}т\u{2066}\u{FEFF}.pdf"),
            "Акт.pdf"
        );
        let long = clean_file_name(&format!("{}.docx", "Приложение ".repeat(30)));
        assert!(long.chars().count() <= 200);
        assert!(long.ends_with("….docx"), "{long}");
    }

    #[test]
    fn extensions() {
        assert_eq!(extension("Отчет.PDF").as_deref(), Some("pdf"));
        assert_eq!(extension("archive.tar.gz").as_deref(), Some("gz"));
        assert_eq!(extension("README"), None);
        assert_eq!(extension(".hidden"), None);
    }

    #[test]
    fn streebog_matches_the_published_vector() {
        let d = streebog::Streebog256::digest(b"The quick brown fox jumps over the lazy dog");
        assert_eq!(
            hex::encode(d),
            "3e7dea7f2384b6c5a3d0e24aaa29c05e89ddd762145030ec22c71a6db8b2c1f4"
        );
    }
}
