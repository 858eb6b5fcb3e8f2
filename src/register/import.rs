//! Bulk import of members from a CSV or XLSX file: every row is checked first; nothing is
//! written unless the whole file is valid, and then the rows are staged in short transactions
//! and switched on at once (`staging`).

use super::service::{self, RegisterError};
use super::table::{self, RowError};
use crate::audit::Actor;
use crate::core::Core;

/// What an import (or its dry run) found and did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Data rows in the file.
    pub rows: usize,
    /// Rows that passed every check.
    pub valid: usize,
    pub errors: Vec<RowError>,
    pub ignored_columns: Vec<String>,
    /// How many members were written; `None` on a dry run or when anything was wrong.
    pub imported: Option<usize>,
    /// The file as a whole could not be read or written.
    pub file_error: Option<String>,
}

/// Checks `bytes` (a file named `name`) and, unless `dry_run` or anything is wrong, admits
/// every row. `progress(done, total)` is called as rows are checked.
pub async fn run(
    core: &Core,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
    actor: &Actor,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> anyhow::Result<Outcome> {
    let mut out = Outcome::default();
    // Reading and checking tens of thousands of rows is seconds of CPU: off the async workers,
    // so the other requests of this instance go on being served meanwhile.
    let (kind, today) = (core.settings.sro.kind, core.today());
    let read = tokio::task::block_in_place(|| {
        table::read(name, bytes).map(|sheet| {
            let total = sheet.rows.len();
            let checked = table::check(&sheet, kind, today, &mut |done| progress(done, total));
            (total, checked)
        })
    });
    let (total, checked) = match read {
        Ok(r) => r,
        Err(e) => {
            out.file_error = Some(e);
            return Ok(out);
        }
    };
    out.rows = total;
    out.ignored_columns = checked.ignored_columns;
    out.errors = checked.errors;
    let inns: Vec<String> = checked
        .entries
        .iter()
        .map(|(_, s)| s.entry.inn.clone())
        .collect();
    let existing: std::collections::HashSet<String> = service::existing_inns(&core.db, &inns)
        .await?
        .into_iter()
        .collect();
    let mut entries = Vec::with_capacity(checked.entries.len());
    for (line, s) in checked.entries {
        if existing.contains(&s.entry.inn) {
            out.errors.push(RowError {
                line,
                message: format!("ИНН: организация с ИНН {} уже есть в реестре", s.entry.inn),
            });
        } else {
            entries.push(s);
        }
    }
    out.errors.sort_by_key(|e| e.line);
    out.valid = entries.len();
    if out.rows == 0 && out.errors.is_empty() {
        out.file_error = Some("В файле нет строк с данными".into());
    }
    if dry_run || !out.errors.is_empty() || out.file_error.is_some() {
        return Ok(out);
    }
    let n = entries.len();
    let reason = format!("Импорт из файла «{name}»");
    match super::staging::import(core, entries, &reason, actor).await {
        Ok(_) => out.imported = Some(n),
        Err(RegisterError::Invalid(errs)) => {
            out.file_error = Some(format!("Файл не импортирован: {errs}"));
        }
        Err(RegisterError::Unexpected(e)) => return Err(e),
        Err(other) => out.file_error = Some(format!("Файл не импортирован: {other}")),
    }
    Ok(out)
}
