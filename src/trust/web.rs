//! «Доверенные УЦ» in the back office (administrators): the loaded list of accredited CAs with
//! its version and date, the certificates, the CRLs, and the upload of new material.

use askama::Template;
use axum::Router;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::TrustError;
use super::service;
use super::store;
use crate::fmt;
use crate::state::AppState;
use crate::web::access::Administer;
use crate::web::upload::{read_one_file, take_small};
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Staff, page, with_status};

/// The ministry's list is about 20 MB; CRLs of large CAs reach tens of MB.
const MAX_TRUST_BYTES: u64 = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/office/trust", get(show).post(upload))
}

impl From<TrustError> for AppError {
    fn from(e: TrustError) -> Self {
        match e {
            TrustError::NotFound => AppError::NotFound,
            TrustError::Invalid(m) => AppError::Unprocessable(m),
            TrustError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

struct ImportView {
    at: String,
    by: String,
    file: String,
    what: String,
}

struct CertView {
    name: String,
    serial: String,
    valid: String,
    source: &'static str,
}

struct CrlView {
    issuer: String,
    this_update: String,
    next_update: String,
    revoked: i64,
    stale: bool,
    loaded: String,
}

#[derive(Template)]
#[template(path = "trust/office.html")]
struct TrustPage {
    chrome: Chrome,
    list: Option<String>,
    cert_count: i64,
    imports: Vec<ImportView>,
    certs: Vec<CertView>,
    crls: Vec<CrlView>,
    error: Option<String>,
    notice: Option<String>,
}

async fn build(s: &Staff<Administer>) -> Result<TrustPage, AppError> {
    let core = &s.ctx.state.core;
    let now = core.now();
    let list = store::latest_list(&core.db)
        .await
        .map_err(TrustError::from)?;
    let imports = store::imports(&core.db, 20)
        .await
        .map_err(TrustError::from)?;
    let certs = store::certs(&core.db, 500)
        .await
        .map_err(TrustError::from)?;
    let crls = store::crl_list(&core.db, 100)
        .await
        .map_err(TrustError::from)?;
    Ok(TrustPage {
        chrome: s.ctx.chrome("Доверенные удостоверяющие центры"),
        list: list.map(|l| {
            let mut s = format!("версия {}", l.list_version.unwrap_or_default());
            if let Some(d) = l.list_date {
                s.push_str(&format!(" от {}", fmt::datetime(&d)));
            }
            s.push_str(&format!(", загружен {}", fmt::datetime(&l.imported_at)));
            s
        }),
        cert_count: store::cert_count(&core.db)
            .await
            .map_err(TrustError::from)?,
        imports: imports
            .into_iter()
            .map(|i| ImportView {
                at: fmt::datetime(&i.imported_at),
                by: i.imported_by,
                file: i.file_name,
                what: match i.list_version {
                    Some(v) => format!("перечень УЦ, версия {v}: сертификатов {}", i.certs),
                    None => format!("сертификатов {}, списков отзыва {}", i.certs, i.crls),
                },
            })
            .collect(),
        certs: certs
            .into_iter()
            .map(|c| CertView {
                name: c.name,
                serial: c.serial,
                valid: format!(
                    "{} – {}",
                    fmt::date(&c.not_before.date_naive()),
                    fmt::date(&c.not_after.date_naive())
                ),
                source: if c.source == "list" {
                    "перечень"
                } else {
                    "файл"
                },
            })
            .collect(),
        crls: crls
            .into_iter()
            .map(|c| CrlView {
                issuer: c.issuer_name,
                this_update: fmt::datetime(&c.this_update),
                next_update: c
                    .next_update
                    .map(|n| fmt::datetime(&n))
                    .unwrap_or_else(|| "—".into()),
                revoked: c.revoked,
                loaded: format!(
                    "{}, {}",
                    fmt::datetime(&c.imported_at),
                    if c.source == "fetch" {
                        "из сети"
                    } else {
                        "из файла"
                    }
                ),
                stale: c.next_update.is_some_and(|n| n < now),
            })
            .collect(),
        error: None,
        notice: None,
    })
}

async fn show(
    s: Staff<Administer>,
    done: axum::extract::Query<DoneQuery>,
) -> Result<Response, AppError> {
    let mut p = build(&s).await?;
    if done.done == "loaded" {
        p.notice = Some("Файл загружен.".into());
    }
    page(&p)
}

async fn upload(s: Staff<Administer>, multipart: Multipart) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let extensions = ["xml", "cer", "crt", "pem", "der", "crl", "p7b"];
    let form = read_one_file(
        multipart,
        &state.storage,
        &state.db,
        MAX_TRUST_BYTES / 1024 / 1024,
        &extensions,
    )
    .await?;
    let Some((_, upload)) = form.files.into_iter().next() else {
        let mut p = build(&s).await?;
        p.error = Some(
            form.problems
                .messages()
                .first()
                .map(|m| m.to_string())
                .unwrap_or_else(|| {
                    "Выберите файл: перечень аккредитованных УЦ (XML), сертификат УЦ или список отзыва (CRL)".into()
                }),
        );
        return with_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    };
    // The material lives in the database; the uploaded blob is not kept.
    let bytes = take_small(&state.storage, &upload).await?;
    match service::import(&state.core, &bytes, &upload.name, &s.actor()).await {
        Ok(_) => Ok(Redirect::to("/office/trust?done=loaded").into_response()),
        Err(TrustError::Invalid(m)) => {
            let mut p = build(&s).await?;
            p.error = Some(format!("Файл «{}» не загружен: {m}", upload.name));
            with_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(e.into()),
    }
}
