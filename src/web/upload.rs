//! Reading a multipart form with files: text fields into memory (capped), each file streamed
//! into storage under a temporary key with its limits and type checked on the way, signature
//! files (small) kept in memory for checking and stored too.
//!
//! Problems with single files do not abort the form: the file is left out and a Russian
//! message says why, so the rest of what the user typed and attached is kept.

use std::collections::HashMap;

use axum::extract::Multipart;
use bytes::Bytes;

use crate::config::UploadSettings;
use crate::db::Db;
use crate::files::{Lease, Upload};
use crate::fmt::human_size;
use crate::storage::{self, Storage, UploadError, sniff};
use crate::validation::FieldErrors;
use crate::web::AppError;

/// The field the messages about single files sit at.
pub const FILES: &str = "files";

/// Text fields longer than this are cut (a cover letter is never this long).
const MAX_TEXT: usize = 64 * 1024;

/// Which fields of the form are documents and which are signatures.
pub struct FormRules<'a> {
    pub limits: &'a UploadSettings,
    /// Bytes of files the item already holds (a draft being added to).
    pub already: u64,
    pub files_already: usize,
    pub is_signature: fn(&str) -> bool,
}

pub struct SignatureFile {
    pub field: String,
    pub name: String,
    pub bytes: Bytes,
}

#[derive(Default)]
pub struct UploadForm {
    pub texts: HashMap<String, Vec<String>>,
    /// (field name, stored file)
    pub files: Vec<(String, Upload)>,
    pub signatures: Vec<SignatureFile>,
    /// Files left out, and why (at [`FILES`]).
    pub problems: FieldErrors,
}

impl UploadForm {
    pub fn text(&self, name: &str) -> String {
        self.texts
            .get(name)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.texts.get(name).cloned().unwrap_or_default()
    }
}

/// A form of one file and no signature (a bank statement, the list of CAs, a spreadsheet of
/// contracts): at most `max_mb` megabytes, one of `extensions`.
pub async fn read_one_file(
    multipart: Multipart,
    storage: &Storage,
    db: &Db,
    max_mb: u64,
    extensions: &[&str],
) -> Result<UploadForm, AppError> {
    fn never_a_signature(_: &str) -> bool {
        false
    }
    let limits = UploadSettings {
        max_file_mb: max_mb,
        max_item_mb: max_mb,
        max_files_per_item: 1,
        allowed_extensions: extensions.iter().map(|e| e.to_string()).collect(),
        max_signature_kb: 1,
    };
    let rules = FormRules {
        limits: &limits,
        already: 0,
        files_already: 0,
        is_signature: never_a_signature,
    };
    read_form(multipart, storage, db, &rules).await
}

/// The bytes of an upload read once and not kept (what it holds goes into rows, not storage).
pub async fn take_small(storage: &Storage, upload: &Upload) -> Result<Bytes, AppError> {
    let bytes = storage.read_small(&upload.staged.tmp_key).await;
    storage.discard(std::slice::from_ref(&upload.staged)).await;
    bytes.map_err(AppError::Unexpected)
}

/// Read the form, its files streamed into storage under a lease of this request that each
/// [`Upload`] carries until it is recorded or dropped (the sweeper leaves them alone).
pub async fn read_form(
    mut multipart: Multipart,
    storage: &Storage,
    db: &Db,
    rules: &FormRules<'_>,
) -> Result<UploadForm, AppError> {
    let mut form = UploadForm::default();
    let lease = Lease::start(db).await?;
    let mut total = rules.already;
    let mut count = rules.files_already;
    let limits = rules.limits;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                // The body stopped early or went over the hard limit: what was stored of it
                // is discarded by the caller; nothing of this request is saved.
                discard_all(storage, &form).await;
                tracing::info!(error = %e, "multipart form cut off");
                return Err(if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge
                } else {
                    AppError::Unprocessable(
                        "Передача формы прервалась. Проверьте соединение и отправьте еще раз."
                            .into(),
                    )
                });
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let Some(raw_name) = field.file_name().map(str::to_string) else {
            let text = match read_text(field).await {
                Ok(t) => t,
                Err(e) => {
                    discard_all(storage, &form).await;
                    return Err(e);
                }
            };
            form.texts.entry(name).or_default().push(text);
            continue;
        };
        if raw_name.is_empty() {
            continue; // a file input left empty; the next part skips its (empty) body
        }
        let file_name = storage::clean_file_name(&raw_name);
        if (rules.is_signature)(&name) {
            let max = limits.max_signature_bytes();
            match read_small(field, max).await {
                Ok(Some(bytes)) if !bytes.is_empty() => form.signatures.push(SignatureFile {
                    field: name,
                    name: file_name,
                    bytes,
                }),
                Ok(_) => {} // an empty file input
                Err(SmallError::TooLarge) => form.problems.add(FILES, format!(
                    "Файл подписи «{file_name}» больше {}: это не похоже на отсоединенную подпись",
                    human_size(max as i64)
                )),
                Err(SmallError::Body(e)) => {
                    discard_all(storage, &form).await;
                    return Err(e);
                }
            }
            continue;
        }
        let ext = storage::extension(&file_name);
        let allowed = ext
            .as_ref()
            .is_some_and(|e| limits.allowed_extensions.iter().any(|a| a == e));
        if !allowed {
            form.problems.add(
                FILES,
                format!(
                    "Файл «{file_name}» не принят: допустимые типы — {}",
                    limits.allowed_extensions.join(", ")
                ),
            );
            continue;
        }
        let ext = ext.unwrap_or_default();
        if count >= limits.max_files_per_item {
            form.problems.add(FILES, format!(
                "Файл «{file_name}» не принят: к одному документу можно приложить не более {} файлов",
                limits.max_files_per_item
            ));
            continue;
        }
        let left = limits.max_item_bytes().saturating_sub(total);
        let limit = limits.max_file_bytes().min(left);
        let mut media: Option<&'static str> = None;
        let result = storage
            .put_temp(lease.token(), field, limit, |head| {
                media = Some(sniff::media_type(&ext, head, &file_name)?);
                Ok(())
            })
            .await;
        match result {
            Ok(staged) if staged.size == 0 => {
                storage.discard(std::slice::from_ref(&staged)).await;
                form.problems
                    .add(FILES, format!("Файл «{file_name}» пустой (0 байт) и не принят"));
            }
            Ok(staged) => {
                total += staged.size;
                count += 1;
                form.files.push((
                    name,
                    Upload {
                        name: file_name,
                        media_type: media.unwrap_or("application/octet-stream").to_string(),
                        staged,
                        lease: Some(lease.clone()),
                    },
                ));
            }
            Err(UploadError::TooLarge { .. }) => {
                form.problems.add(FILES, if limit < limits.max_file_bytes() {
                    format!(
                        "Файл «{file_name}» не принят: общий размер файлов документа не может превышать {} МБ",
                        limits.max_item_mb
                    )
                } else {
                    format!(
                        "Файл «{file_name}» больше {} МБ и не принят",
                        limits.max_file_mb
                    )
                })
            }
            Err(UploadError::Refused(msg)) => form.problems.add(FILES, msg),
            Err(UploadError::Body(e)) => {
                discard_all(storage, &form).await;
                tracing::info!(error = %e, "upload cut off");
                return Err(AppError::Unprocessable(
                    "Передача файла прервалась. Проверьте соединение и отправьте еще раз.".into(),
                ));
            }
            Err(UploadError::Storage(e)) => {
                discard_all(storage, &form).await;
                return Err(AppError::Unexpected(e.context("storing an upload")));
            }
        }
    }
    Ok(form)
}

async fn discard_all(storage: &Storage, form: &UploadForm) {
    let staged: Vec<_> = form.files.iter().map(|(_, u)| u.staged.clone()).collect();
    storage.discard(&staged).await;
}

async fn read_text(mut field: axum::extract::multipart::Field<'_>) -> Result<String, AppError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| {
        AppError::Unprocessable("Передача формы прервалась. Отправьте еще раз.".into())
    })? {
        if buf.len() < MAX_TEXT {
            buf.extend_from_slice(&chunk[..chunk.len().min(MAX_TEXT - buf.len())]);
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    crate::web::input::check(&text)?;
    Ok(text)
}

enum SmallError {
    TooLarge,
    Body(AppError),
}

async fn read_small(
    mut field: axum::extract::multipart::Field<'_>,
    max: u64,
) -> Result<Option<Bytes>, SmallError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| {
        SmallError::Body(AppError::Unprocessable(
            "Передача формы прервалась. Отправьте еще раз.".into(),
        ))
    })? {
        if (buf.len() + chunk.len()) as u64 > max {
            return Err(SmallError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Some(Bytes::from(buf)))
}
