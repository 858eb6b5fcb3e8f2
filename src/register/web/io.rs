//! The register as a file: export for staff (XLSX and CSV for Excel) and the administrator's
//! import of members from a CSV or XLSX file (with a dry run).

use askama::Template;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::Response;

use crate::register::{service, table};
use crate::state::AppState;
use crate::web::access::Administer;
use crate::web::views::Chrome;
use crate::web::{AppError, Staff, file_response, page, with_status};

/// The largest register file the import page takes.
pub(super) const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

async fn all_rows(state: &AppState, public: bool) -> Result<Vec<Vec<String>>, AppError> {
    let mut rows = Vec::new();
    service::for_each_chunk(&state.db, 1000, |chunk| {
        for (r, s) in chunk {
            rows.push(table::row(&s, &r.updated_at, public));
        }
        Ok(())
    })
    .await?;
    Ok(rows)
}

fn export_name(state: &AppState, ext: &str) -> String {
    format!(
        "Реестр членов {}.{ext}",
        state.core.today().format("%d.%m.%Y")
    )
}

pub(super) async fn export_csv(s: Staff) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let mut head = String::from("\u{feff}");
    head.push_str(&table::csv_line(&table::headers(false)));
    let body = super::stream::register_body(state, head, String::new(), |_, entries, _| {
        let mut out = String::new();
        for (r, s) in entries {
            out.push_str(&table::csv_line(&table::row(s, &r.updated_at, false)));
        }
        out
    });
    Ok(file_response(
        body,
        "text/csv; charset=utf-8",
        &export_name(state, "csv"),
        false,
    ))
}

pub(super) async fn export_xlsx(s: Staff) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let rows = all_rows(state, false).await?;
    let bytes = tokio::task::spawn_blocking(move || crate::register::sheet::xlsx(&rows, false))
        .await
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e)))?
        .map_err(AppError::Unexpected)?;
    Ok(file_response(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &export_name(state, "xlsx"),
        false,
    ))
}

pub struct RowErrorView {
    pub line: usize,
    pub message: String,
}

#[derive(Template)]
#[template(path = "register/import.html")]
struct ImportPage {
    chrome: Chrome,
    error: Option<String>,
    file_name: String,
    dry_run: bool,
    checked_rows: usize,
    valid_rows: usize,
    errors: Vec<RowErrorView>,
    ignored: String,
    imported: Option<usize>,
}

impl ImportPage {
    /// The page before any file: the form, and no report.
    fn new(chrome: Chrome, dry_run: bool) -> ImportPage {
        ImportPage {
            chrome,
            error: None,
            file_name: String::new(),
            dry_run,
            checked_rows: 0,
            valid_rows: 0,
            errors: vec![],
            ignored: String::new(),
            imported: None,
        }
    }
}

pub(super) async fn show_import(s: Staff<Administer>) -> Result<Response, AppError> {
    page(&ImportPage::new(s.ctx.chrome("Импорт реестра"), true))
}

pub(super) async fn import(
    s: Staff<Administer>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let state = &s.ctx.state;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut dry_run = false;
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::Unprocessable("Форма передана не полностью. Повторите загрузку.".into())
        }
    })? {
        match field.name() {
            Some("dry_run") => dry_run = true,
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
                if !bytes.is_empty() {
                    file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    let mut p = ImportPage::new(s.ctx.chrome("Импорт реестра"), dry_run);
    let Some((name, bytes)) = file else {
        p.error = Some("Выберите файл CSV или XLSX".into());
        return with_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    };
    p.file_name = name.clone();
    let outcome = crate::register::import::run(
        &state.core,
        &name,
        &bytes,
        dry_run,
        &s.actor(),
        &mut |_, _| {},
    )
    .await
    .map_err(AppError::Unexpected)?;
    p.checked_rows = outcome.rows;
    p.valid_rows = outcome.valid;
    p.ignored = outcome.ignored_columns.join(", ");
    p.errors = outcome
        .errors
        .iter()
        .map(|e| RowErrorView {
            line: e.line,
            message: e.message.clone(),
        })
        .collect();
    p.imported = outcome.imported;
    if let Some(e) = outcome.file_error {
        p.error = Some(e);
    }
    let status = if p.error.is_some() || !p.errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    with_status(status, &p)
}
