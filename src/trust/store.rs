//! SQL of the trust material (`trust_certs`, `trust_imports`, `crls`, `crl_sources`) and of the
//! checks kept (`signature_checks`).

use chrono::{DateTime, Utc};

use crate::db::{Db, DbResult, Tx, placeholders};
use crate::{on_db, on_tx};

pub struct NewCert<'a> {
    pub subject_hex: &'a str,
    pub name: &'a str,
    pub serial: &'a str,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub der_b64: &'a str,
    pub sha256: &'a str,
    pub source: &'a str,
}

/// Adds a certificate; one already there (same bytes) is left as it is. True when added.
pub async fn insert_cert(tx: &mut Tx, c: &NewCert<'_>, at: DateTime<Utc>) -> DbResult<bool> {
    let sql = "INSERT INTO trust_certs (subject_hex, name, serial, not_before, not_after, der_b64, sha256, source, imported_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (sha256) DO NOTHING";
    Ok(on_tx!(tx, c2 => sqlx::query(sql)
        .bind(c.subject_hex)
        .bind(c.name)
        .bind(c.serial)
        .bind(c.not_before)
        .bind(c.not_after)
        .bind(c.der_b64)
        .bind(c.sha256)
        .bind(c.source)
        .bind(at)
        .execute(c2)
        .await?
        .rows_affected())
        > 0)
}

/// A new list replaces the previous list's certificates (those loaded one by one stay).
pub async fn delete_list_certs(tx: &mut Tx) -> DbResult<u64> {
    Ok(
        on_tx!(tx, c => sqlx::query("DELETE FROM trust_certs WHERE source = 'list'")
        .execute(c)
        .await?
        .rows_affected()),
    )
}

pub struct NewCrl<'a> {
    pub issuer_hex: &'a str,
    pub issuer_name: &'a str,
    pub this_update: DateTime<Utc>,
    pub next_update: Option<DateTime<Utc>>,
    pub revoked: i64,
    pub der_b64: &'a str,
    pub sha256: &'a str,
    pub source: &'a str,
}

/// Adds a CRL; the same CRL again is left as it is. True when added.
pub async fn insert_crl(tx: &mut Tx, c: &NewCrl<'_>, at: DateTime<Utc>) -> DbResult<bool> {
    let sql = "INSERT INTO crls (issuer_hex, issuer_name, this_update, next_update, revoked, der_b64, sha256, source, imported_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (sha256) DO NOTHING";
    Ok(on_tx!(tx, c2 => sqlx::query(sql)
        .bind(c.issuer_hex)
        .bind(c.issuer_name)
        .bind(c.this_update)
        .bind(c.next_update)
        .bind(c.revoked)
        .bind(c.der_b64)
        .bind(c.sha256)
        .bind(c.source)
        .bind(at)
        .execute(c2)
        .await?
        .rows_affected())
        > 0)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_import(
    tx: &mut Tx,
    file_name: &str,
    list_version: Option<&str>,
    list_date: Option<DateTime<Utc>>,
    certs: i64,
    crls: i64,
    by: &str,
    at: DateTime<Utc>,
) -> DbResult<u64> {
    let sql = "INSERT INTO trust_imports (file_name, list_version, list_date, certs, crls, imported_by, imported_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7)";
    Ok(on_tx!(tx, c => sqlx::query(sql)
        .bind(file_name)
        .bind(list_version)
        .bind(list_date)
        .bind(certs)
        .bind(crls)
        .bind(by)
        .bind(at)
        .execute(c)
        .await?
        .rows_affected()))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportRow {
    pub file_name: String,
    pub list_version: Option<String>,
    pub list_date: Option<DateTime<Utc>>,
    pub certs: i64,
    pub crls: i64,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

pub async fn imports(db: &Db, limit: i64) -> DbResult<Vec<ImportRow>> {
    let sql = "SELECT file_name, list_version, list_date, certs, crls, imported_by, imported_at \
               FROM trust_imports ORDER BY id DESC LIMIT $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(limit).fetch_all(p).await?))
}

/// The latest list imported (version and date), if any.
pub async fn latest_list(db: &Db) -> DbResult<Option<ImportRow>> {
    let sql = "SELECT file_name, list_version, list_date, certs, crls, imported_by, imported_at \
               FROM trust_imports WHERE list_version IS NOT NULL ORDER BY id DESC LIMIT 1";
    Ok(on_db!(db, p => sqlx::query_as(sql).fetch_optional(p).await?))
}

pub async fn cert_count(db: &Db) -> DbResult<i64> {
    Ok(
        on_db!(db, p => sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM trust_certs").fetch_one(p).await?),
    )
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertRow {
    pub name: String,
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub source: String,
}

pub async fn certs(db: &Db, limit: i64) -> DbResult<Vec<CertRow>> {
    let sql = "SELECT name, serial, not_before, not_after, source FROM trust_certs ORDER BY name, id LIMIT $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(limit).fetch_all(p).await?))
}

/// DER (Base64) of the trusted certificates with one of these subject names.
pub async fn anchors_named(db: &Db, subjects: &[String]) -> DbResult<Vec<String>> {
    if subjects.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT der_b64 FROM trust_certs WHERE subject_hex IN ({})",
        placeholders(1, subjects.len())
    );
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for s in subjects {
            q = q.bind(s);
        }
        q.fetch_all(p).await?
    }))
}

/// DER (Base64) of the latest CRLs of these issuers (a few per issuer is plenty: the newest
/// verified one is used).
pub async fn crls_of(db: &Db, issuers: &[String]) -> DbResult<Vec<String>> {
    if issuers.is_empty() {
        return Ok(Vec::new());
    }
    // The newest few of each issuer (one issuer's many CRLs must not push out another's).
    let sql = format!(
        "SELECT der_b64 FROM (SELECT der_b64, ROW_NUMBER() OVER (PARTITION BY issuer_hex \
         ORDER BY this_update DESC) AS rn FROM crls WHERE issuer_hex IN ({})) x WHERE rn <= 3",
        placeholders(1, issuers.len())
    );
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for s in issuers {
            q = q.bind(s);
        }
        q.fetch_all(p).await?
    }))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CrlRow {
    pub issuer_name: String,
    pub this_update: DateTime<Utc>,
    pub next_update: Option<DateTime<Utc>>,
    pub revoked: i64,
    pub source: String,
    pub imported_at: DateTime<Utc>,
}

pub async fn crl_list(db: &Db, limit: i64) -> DbResult<Vec<CrlRow>> {
    let sql = "SELECT issuer_name, this_update, next_update, revoked, source, imported_at FROM crls \
               ORDER BY imported_at DESC, id DESC LIMIT $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(limit).fetch_all(p).await?))
}

/// Remembers where an issuer publishes its CRL (the fetch job reads them).
pub async fn add_crl_source(db: &Db, url: &str, issuer_hex: &str) -> DbResult<u64> {
    let sql =
        "INSERT INTO crl_sources (url, issuer_hex) VALUES ($1, $2) ON CONFLICT (url) DO NOTHING";
    Ok(
        on_db!(db, p => sqlx::query(sql).bind(url).bind(issuer_hex).execute(p).await?.rows_affected()),
    )
}

pub async fn crl_sources(db: &Db) -> DbResult<Vec<String>> {
    Ok(
        on_db!(db, p => sqlx::query_scalar("SELECT url FROM crl_sources ORDER BY url").fetch_all(p).await?),
    )
}

pub async fn mark_source(db: &Db, url: &str, at: DateTime<Utc>, error: &str) -> DbResult<u64> {
    let sql = "UPDATE crl_sources SET fetched_at = $1, last_error = $2 WHERE url = $3";
    Ok(
        on_db!(db, p => sqlx::query(sql).bind(at).bind(error).bind(url).execute(p).await?.rows_affected()),
    )
}

pub async fn record_check(
    tx: &mut Tx,
    signature_file_id: i64,
    signed_file_id: Option<i64>,
    status: &str,
    report: &str,
    by: &str,
    at: DateTime<Utc>,
) -> DbResult<i64> {
    let sql = "INSERT INTO signature_checks (signature_file_id, signed_file_id, status, report, checked_by, checked_at) \
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(signature_file_id)
        .bind(signed_file_id)
        .bind(status)
        .bind(report)
        .bind(by)
        .bind(at)
        .fetch_one(c)
        .await?))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CheckRow {
    pub id: i64,
    pub signature_file_id: i64,
    pub signed_file_id: Option<i64>,
    /// The report's JSON: it holds the status and the time too.
    pub report: String,
    pub checked_by: String,
}

const CHECK_COLS: &str = "id, signature_file_id, signed_file_id, report, checked_by";

/// Every check of a signature, newest first.
pub async fn checks(db: &Db, signature_file_id: i64) -> DbResult<Vec<CheckRow>> {
    let sql = format!(
        "SELECT {CHECK_COLS} FROM signature_checks WHERE signature_file_id = $1 ORDER BY id DESC"
    );
    Ok(on_db!(db, p => sqlx::query_as(&sql).bind(signature_file_id).fetch_all(p).await?))
}

/// The latest check of each of these signatures.
pub async fn latest_checks(db: &Db, signature_file_ids: &[i64]) -> DbResult<Vec<CheckRow>> {
    if signature_file_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {CHECK_COLS} FROM signature_checks c WHERE c.id IN \
         (SELECT MAX(id) FROM signature_checks WHERE signature_file_id IN ({}) GROUP BY signature_file_id)",
        placeholders(1, signature_file_ids.len())
    );
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_as(&sql);
        for id in signature_file_ids {
            q = q.bind(id);
        }
        q.fetch_all(p).await?
    }))
}
