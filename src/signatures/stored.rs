//! A signature checked against a file in storage: the digest its algorithm needs (streamed
//! from storage, or the one recorded at upload). One copy for every stored signature
//! (`trust::service::verify`).

use super::DigestAlg;
use crate::storage::Storage;

/// The digest of the blob at `key` by `alg`. `sha256_hex` and `streebog256_hex` are the ones
/// recorded at upload (Streebog is computed after the upload's commit, so it may be missing);
/// an algorithm this module does not verify gets an empty digest (the verdict says so).
pub async fn file_digest(
    storage: &Storage,
    alg: &DigestAlg,
    key: &str,
    sha256_hex: &str,
    streebog256_hex: Option<&str>,
) -> anyhow::Result<Vec<u8>> {
    Ok(match alg {
        DigestAlg::Streebog256 => match streebog256_hex {
            Some(h) if !h.is_empty() => hex::decode(h).unwrap_or_default(),
            _ => storage
                .digest::<streebog::Streebog256>(key)
                .await
                .map_err(|e| e.context("hashing a signed file"))?,
        },
        DigestAlg::Sha256 => hex::decode(sha256_hex).unwrap_or_default(),
        DigestAlg::Streebog512 => storage
            .digest::<streebog::Streebog512>(key)
            .await
            .map_err(|e| e.context("re-reading a file for its signature"))?,
        DigestAlg::Other(_) => Vec::new(),
    })
}
