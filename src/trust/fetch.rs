//! The CRL fetch job: where the installation reaches the internet (`signatures.crl_fetch`),
//! downloads each CRL whose address a signer's certificate named and keeps the new ones. A
//! CRL that no loaded CA signed is kept too: the check verifies it against the issuer in the
//! chain and ignores it if it does not verify.

use std::time::Duration;

use super::service::TrustError;
use super::store;
use crate::core::Core;
use crate::signatures::crl::Crl;

/// The largest CRL taken (a large CA's full CRL is tens of MB).
const MAX_CRL_BYTES: usize = 64 * 1024 * 1024;

/// Fetches every known CRL address once; returns how many new CRLs were kept.
pub async fn run(core: &Core) -> Result<usize, TrustError> {
    crate::tls::init();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        // an address from a certificate does not get to send us elsewhere
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(anyhow::Error::new)?;
    let mut added = 0;
    for url in store::crl_sources(&core.db).await? {
        let now = core.now();
        let fetched = match fetch_one(&client, &url).await {
            Ok(crl) => trusted(core, crl).await?,
            Err(e) => Err(e),
        };
        match fetched {
            Ok(crl) => {
                let mut tx = core.db.begin().await?;
                if super::service::save_crl(&mut tx, &crl, "fetch", now).await? {
                    added += 1;
                }
                tx.commit().await?;
                store::mark_source(&core.db, &url, now, "").await?;
            }
            Err(why) => {
                tracing::warn!(%url, %why, "fetching a CRL");
                store::mark_source(&core.db, &url, now, &why).await?;
            }
        }
    }
    Ok(added)
}

async fn fetch_one(client: &reqwest::Client, url: &str) -> Result<Crl, String> {
    let resp = client.get(url).send().await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_CRL_BYTES as u64)
    {
        return Err("CRL is too large".into());
    }
    // read in chunks with a cap: a chunked response has no length to check beforehand
    let mut resp = resp;
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_CRL_BYTES {
            return Err("CRL is too large".into());
        }
    }
    Crl::parse(&bytes)
}

/// The CRL when a trusted CA's certificate verifies it (a fetched file is kept only then).
async fn trusted(core: &Core, crl: Crl) -> Result<Result<Crl, String>, TrustError> {
    use base64::Engine as _;
    let issuers = store::anchors_named(&core.db, &[hex::encode(&crl.issuer_der)]).await?;
    let ok = issuers.iter().any(|b64| {
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .ok()
            .and_then(|der| crate::signatures::x509::Cert::from_der(&der).ok())
            .is_some_and(|c| crl.verify_by(&c).is_ok())
    });
    Ok(if ok {
        Ok(crl)
    } else {
        Err("the CRL is not signed by a trusted CA".into())
    })
}
