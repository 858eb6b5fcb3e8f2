//! `/files/{id}`: a stored file, to whoever may see it; everyone else gets the same 404 as for
//! a file that does not exist. For a signature also its checks (`/checks`), the protocol of
//! any of them (`/protocol.pdf`) and, for staff, a re-check.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::rules::{Permission, allows};
use crate::exchange::{journal, sigchecks};
use crate::fmt;
use crate::web::access::ReviewDocuments;
use crate::web::views::Chrome;
use crate::web::{AppError, DoneQuery, Staff, User, file_response, page, stream_file};

pub(super) async fn download_file(u: User, Path(id): Path<i64>) -> Result<Response, AppError> {
    let state = &u.ctx.state;
    let f = journal::downloadable_file(&state.core, u.user.principal, id).await?;
    stream_file(
        &state.storage,
        &f.storage_key,
        &f.original_name,
        &f.media_type,
        f.size_bytes,
    )
    .await
}

struct SignerView {
    title: String,
    /// (label, value) of what the certificate says, empty values left out.
    details: Vec<(&'static str, String)>,
}

fn signer_view(s: &crate::signatures::check::SignerReport) -> SignerView {
    let details = [
        ("ИНН ЮЛ", s.inn_le.clone()),
        ("ИНН ФЛ", s.inn.clone()),
        ("ОГРН / ОГРНИП", s.ogrn.clone()),
        ("СНИЛС", s.snils.clone()),
        ("Полномочия", s.authority.clone()),
        ("Серийный номер", s.serial.clone()),
        ("Издатель", s.issuer.clone()),
        (
            "Срок действия",
            format!(
                "{} – {}",
                fmt::date(&s.not_before.date_naive()),
                fmt::date(&s.not_after.date_naive())
            ),
        ),
        ("Доверенный УЦ", s.anchor.clone().unwrap_or_default()),
        ("Отзыв", s.revocation.clone()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    SignerView {
        title: format!("{} — {}", s.display(), s.status.label()),
        details,
    }
}

struct CheckView {
    id: i64,
    at: String,
    by: String,
    status: &'static str,
    tone: &'static str,
    signers: Vec<SignerView>,
    findings: Vec<String>,
    trust_list: String,
}

#[derive(Template)]
#[template(path = "exchange/signature_checks.html")]
struct ChecksPage {
    chrome: Chrome,
    sig_id: i64,
    file_name: String,
    signature_name: String,
    checks: Vec<CheckView>,
    can_recheck: bool,
    notice: Option<String>,
}

pub(super) async fn show_checks(
    u: User,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let core = &u.ctx.state.core;
    let checks = sigchecks::checks(core, u.user.principal, id).await?;
    let first = checks.first().ok_or(AppError::NotFound)?;
    let p = ChecksPage {
        chrome: u.ctx.chrome("Проверки электронной подписи"),
        sig_id: id,
        file_name: first.report.file_name.clone(),
        signature_name: first.report.signature_name.clone(),
        can_recheck: allows(u.user.principal, Permission::ReviewDocuments),
        notice: (q.done == "rechecked").then(|| "Подпись проверена заново.".to_owned()),
        checks: checks
            .iter()
            .map(|c| CheckView {
                id: c.id,
                at: fmt::datetime_seconds(&c.report.checked_at),
                by: if c.checked_by.is_empty() {
                    "при загрузке".into()
                } else {
                    c.checked_by.clone()
                },
                status: c.report.status.label(),
                tone: match c.report.status {
                    crate::signatures::check::Status::Valid => "ok",
                    _ => "warn",
                },
                signers: c.report.signers.iter().map(signer_view).collect(),
                findings: c.report.findings(),
                trust_list: c
                    .report
                    .trust_list
                    .clone()
                    .unwrap_or_else(|| "не загружен".into()),
            })
            .collect(),
    };
    page(&p)
}

#[derive(Deserialize)]
pub(super) struct ProtocolQuery {
    #[serde(default)]
    check: Option<i64>,
}

pub(super) async fn download_protocol(
    u: User,
    Path(id): Path<i64>,
    Query(q): Query<ProtocolQuery>,
) -> Result<Response, AppError> {
    let core = &u.ctx.state.core;
    let (pdf, name) = sigchecks::protocol(core, u.user.principal, id, q.check).await?;
    Ok(file_response(pdf, "application/pdf", &name, true))
}

pub(super) async fn recheck(
    s: Staff<ReviewDocuments>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    sigchecks::recheck(&s.ctx.state.core, &s.actor(), id).await?;
    Ok(Redirect::to(&format!("/files/{id}/checks?done=rechecked")).into_response())
}
