//! The read side of the exchange: the member's outgoing journal and its CSV, the staff's
//! inbox, an item's details and the ZIP of an item's files.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::model::{Item, ItemFile, ItemStatus, SigVerdict};
use super::service::ExchangeError;
use super::store::{self, EventRow, ItemRow};
use crate::core::Core;
use crate::{csvout, fmt};

/// One page of the journal or the inbox, with the files of its rows (one query for all).
/// The journal's filter (the company archive lists every item with it).
pub use super::store::ItemFilter;

pub struct Listing {
    pub rows: Vec<ItemRow>,
    pub files: Vec<ItemFile>,
    pub total: i64,
}

pub async fn list(
    core: &Core,
    filter: &ItemFilter,
    limit: i64,
    offset: i64,
) -> Result<Listing, ExchangeError> {
    let (rows, total) = store::list_items(&core.db, filter, limit, offset).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.item.id).collect();
    let files = store::items_files(&core.db, &ids).await?;
    Ok(Listing { rows, files, total })
}

/// The first and last sending time of the member's items (the year filter's range).
pub async fn sent_years(core: &Core, member_id: i64) -> Result<Vec<DateTime<Utc>>, ExchangeError> {
    Ok(store::sent_years(&core.db, member_id).await?)
}

pub async fn letter_drafts(core: &Core, member_id: i64) -> Result<Vec<Item>, ExchangeError> {
    Ok(store::letter_drafts(&core.db, member_id).await?)
}

/// The journal as CSV for Excel (UTF-8 with BOM, semicolons), with the same filters.
pub async fn export_csv(core: &Core, filter: &ItemFilter) -> Result<String, ExchangeError> {
    let (rows, _) = store::list_items(&core.db, filter, 100_000, 0).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.item.id).collect();
    let mut files = Vec::new();
    for chunk in ids.chunks(500) {
        files.extend(store::items_files(&core.db, chunk).await?);
    }
    let mut out = String::from(csvout::BOM);
    out.push_str(&csvout::line(&[
        "Исх. №",
        "Отправлено",
        "Вид",
        "Тема",
        "Дата документа",
        "Файлы",
        "Подписи",
        "Статус",
        "Входящий №",
        "Дата регистрации",
        "Комментарий СРО",
    ]));
    for r in &rows {
        let i = &r.item;
        let fs: Vec<_> = files.iter().filter(|f| f.item_id == i.id).collect();
        out.push_str(&csvout::line(&[
            i.outgoing_number(),
            i.sent_at.as_ref().map(fmt::datetime).unwrap_or_default(),
            i.kind().label().to_string(),
            i.subject.clone(),
            fmt::date_or_empty(&i.document_date),
            fs.iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            fs.iter()
                .filter_map(|f| f.sig_name.as_deref())
                .collect::<Vec<_>>()
                .join(", "),
            i.status().label().to_string(),
            i.incoming_number.clone().unwrap_or_default(),
            fmt::date_or_empty(&i.registered_on),
            i.review_comment.clone(),
        ]));
    }
    Ok(out)
}

/// What an item's page shows besides the item: its files, its history, who sent it and for
/// which company.
pub struct Details {
    pub files: Vec<ItemFile>,
    pub events: Vec<EventRow>,
    pub sender: String,
    pub member_name: String,
    pub member_inn: String,
}

pub async fn details(core: &Core, item: &Item) -> Result<Details, ExchangeError> {
    let files = store::item_files(&core.db, item.id).await?;
    let events = store::events(&core.db, item.id).await?;
    let (member_name, member_inn) =
        match crate::register::service::member(&core.db, item.member_id).await? {
            Some(m) => (m.entry.short_name, m.entry.inn),
            None => (String::new(), String::new()),
        };
    let sender = match item.sent_by {
        Some(by) => crate::auth::service::user(&core.db, by)
            .await?
            .map(|u| format!("{} ({})", u.full_name, u.email))
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(Details {
        files,
        events,
        sender,
        member_name,
        member_inn,
    })
}

/// The files of a draft (the form lists them).
pub async fn files_of(core: &Core, item_id: i64) -> Result<Vec<ItemFile>, ExchangeError> {
    Ok(store::item_files(&core.db, item_id).await?)
}

pub async fn events_of(core: &Core, item_id: i64) -> Result<Vec<EventRow>, ExchangeError> {
    Ok(store::events(&core.db, item_id).await?)
}

/// The entries of an item's ZIP: every file and its signature, names made unique.
pub async fn zip_entries(
    core: &Core,
    item: &Item,
) -> Result<Vec<crate::storage::zip::Entry>, ExchangeError> {
    let mut entries = Vec::new();
    let mut names = HashSet::new();
    for f in store::item_files(&core.db, item.id).await? {
        for id in std::iter::once(f.file_id).chain(f.signature_file_id) {
            let row = crate::files::get(&core.db, id)
                .await?
                .ok_or(ExchangeError::NotFound)?;
            entries.push(crate::storage::zip::Entry {
                name: unique_name(&mut names, &row.original_name),
                key: row.storage_key,
            });
        }
    }
    Ok(entries)
}

/// The parts of an item's ZIP: every file and signature, and the latest «Протокол проверки
/// ЭП» of each signature in a folder of its own.
pub async fn zip_parts(
    core: &Core,
    item: &Item,
) -> Result<Vec<crate::storage::zip::Part>, ExchangeError> {
    use crate::storage::zip::Part;
    let mut parts: Vec<Part> = zip_entries(core, item)
        .await?
        .into_iter()
        .map(|e| Part::Stored {
            name: e.name,
            key: e.key,
        })
        .collect();
    let sig_ids: Vec<i64> = store::item_files(&core.db, item.id)
        .await?
        .iter()
        .filter_map(|f| f.signature_file_id)
        .collect();
    let mut names = HashSet::new();
    for (name, pdf) in super::sigchecks::protocols(core, &sig_ids).await? {
        parts.push(Part::Inline {
            name: format!("Протоколы проверки ЭП/{}", unique_name(&mut names, &name)),
            bytes: pdf.into(),
        });
    }
    Ok(parts)
}

fn unique_name(seen: &mut HashSet<String>, name: &str) -> String {
    let mut candidate = name.to_string();
    let mut n = 1;
    while !seen.insert(candidate.clone()) {
        n += 1;
        candidate = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem} ({n}).{ext}"),
            None => format!("{name} ({n})"),
        };
    }
    candidate
}

/// A stored file a user may download, or 404 (the same as for a file that does not exist).
pub async fn downloadable_file(
    core: &Core,
    who: crate::auth::Principal,
    id: i64,
) -> Result<crate::files::FileRow, ExchangeError> {
    use crate::auth::Principal;
    use crate::auth::rules::{Permission, allows};
    let file = crate::files::get(&core.db, id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    // Staff see what was sent to the SRO, never a company's unsent draft; a member sees the
    // files of its own items. A file attached to no item (a deleted draft's, a replaced one)
    // is nobody's; a template is everybody's.
    let allowed = match (who, store::file_attachment(&core.db, id).await?) {
        (Principal::Staff { .. }, Some((_, sent))) => sent,
        (Principal::Member { member_id, .. }, Some((owner, _))) => {
            owner == member_id && allows(who, Permission::Reports)
        }
        (_, None) => crate::reports::service::is_template_file(&core.db, id).await?,
    };
    if allowed {
        Ok(file)
    } else {
        Err(ExchangeError::NotFound)
    }
}

/// The label of a stored verdict.
pub fn verdict_label(code: Option<&str>) -> &'static str {
    code.and_then(SigVerdict::from_code)
        .unwrap_or(SigVerdict::Unchecked)
        .label()
}

/// A review is late after this many days in «Зарегистрировано».
pub const REVIEW_DAYS: i64 = 10;

/// The staff's work queue: sent and waiting for an incoming number, registered and waiting
/// for review, and of those waiting longer than [`REVIEW_DAYS`] (one expert's members, or all).
pub async fn work_queue(
    core: &Core,
    expert_id: Option<i64>,
) -> Result<(i64, i64, i64), ExchangeError> {
    let count = |status: &'static str, expert: Option<i64>| ItemFilter {
        member_id: None,
        kind: None,
        status: Some(status),
        expert_id: expert,
        year: None,
    };
    let to_register = store::list_items(&core.db, &count(ItemStatus::Sent.code(), None), 1, 0)
        .await?
        .1;
    let to_review = store::list_items(
        &core.db,
        &count(ItemStatus::Registered.code(), expert_id),
        1,
        0,
    )
    .await?
    .1;
    let before = core.now() - chrono::Duration::days(REVIEW_DAYS);
    let overdue = store::overdue_reviews(&core.db, before, expert_id).await?;
    Ok((to_register, to_review, overdue))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_names_do_not_collide() {
        let mut seen = HashSet::new();
        assert_eq!(unique_name(&mut seen, "a.pdf"), "a.pdf");
        assert_eq!(unique_name(&mut seen, "a.pdf"), "a (2).pdf");
        assert_eq!(unique_name(&mut seen, "a.pdf"), "a (3).pdf");
    }
}
