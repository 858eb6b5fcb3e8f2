//! Use cases of the member's side of the exchange: save a draft (and send it), delete a draft,
//! start a corrected version; the owned lookups every member page goes through. Each write is
//! one transaction; files staged in storage are promoted inside it and discarded when it fails.
//! The staff's side (registration, review) is in `review.rs`, the read side in `journal.rs`.

use chrono::NaiveDate;

use super::model::{Item, ItemFile, ItemStatus};
use super::signing::SignatureInput;
use super::store::{self, NewItem, NewItemFile, SignatureRecord};

pub use super::drafting::{BODY_MAX, SUBJECT_MAX, save_draft};
use crate::audit::{self, Actor, Event};
use crate::core::Core;
use crate::db::DbError;
use crate::files::Upload;
use crate::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("not found")]
    NotFound,
    /// The item moved on (sent, registered) while the user looked at an old page.
    #[error("{0}")]
    Conflict(String),
    /// A rule refused the input; the messages are for the user, at their fields.
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for ExchangeError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => ExchangeError::NotFound,
            // Two tabs started the first draft of a section at the same moment (PostgreSQL;
            // SQLite serialises writers): one wins, the other is told to reload.
            DbError::Conflict { constraint }
                if constraint.starts_with("items_one_draft") || constraint == "items_member_id_key" =>
            {
                ExchangeError::Conflict(
                    "Черновик этого раздела только что создан в другой вкладке или другим пользователем: обновите страницу".into(),
                )
            }
            other => ExchangeError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

impl From<crate::reports::service::ReportError> for ExchangeError {
    fn from(e: crate::reports::service::ReportError) -> Self {
        use crate::reports::service::ReportError;
        match e {
            ReportError::NotFound => ExchangeError::NotFound,
            ReportError::Invalid(m) => ExchangeError::Invalid(m),
            ReportError::Unexpected(e) => ExchangeError::Unexpected(e),
        }
    }
}

/// Where a draft form is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The member's draft of this report section (made when there is none).
    Section(i64),
    NewLetter,
    Draft(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Save,
    Send,
}

/// The draft form as typed values: the web layer has read it and staged its files.
#[derive(Debug, Default)]
pub struct DraftInput {
    pub subject: String,
    pub body: String,
    pub document_date: Option<NaiveDate>,
    /// `item_files` ids to detach.
    pub remove: Vec<i64>,
    /// `item_files` ids whose refused signature the user lets go: sent without one.
    pub unsigned: Vec<i64>,
    /// (form row field, staged file)
    pub files: Vec<(String, Upload)>,
    pub signatures: Vec<SignatureInput>,
    pub send: bool,
    /// What reading the form refused already (files left out, a date that is not one).
    pub problems: FieldErrors,
    /// A new letter that is a «Заявление об изменении сведений»: the asked values (JSON),
    /// recorded with the letter; accepting it changes the register.
    pub change_request: Option<String>,
    /// A new letter that answers an SRO message (its id): sending it marks the company's copy
    /// answered.
    pub answers: Option<i64>,
}

#[derive(Debug)]
pub struct Saved {
    pub item_id: i64,
    pub sent: bool,
    /// What was not taken, at its field; the rest is saved. Not empty: nothing was sent.
    pub problems: FieldErrors,
}

/// The member's item, or 404: another company's item is as absent as a missing one.
pub async fn owned_item(core: &Core, member_id: i64, id: i64) -> Result<Item, ExchangeError> {
    store::item_of_member(&core.db, member_id, id)
        .await?
        .ok_or(ExchangeError::NotFound)
}

/// The member's item that is in the SRO's hands (sent or later), or 404.
pub async fn owned_sent_item(core: &Core, member_id: i64, id: i64) -> Result<Item, ExchangeError> {
    owned_item(core, member_id, id)
        .await
        .and_then(|i| match i.status() {
            ItemStatus::Draft => Err(ExchangeError::NotFound),
            _ => Ok(i),
        })
}

/// An item staff may see: anything sent to the SRO, never a member's draft.
pub async fn sent_item(core: &Core, id: i64) -> Result<Item, ExchangeError> {
    store::sent_item(&core.db, id)
        .await?
        .ok_or(ExchangeError::NotFound)
}

/// The member's draft of a report section, if one is open.
pub async fn section_draft(
    core: &Core,
    member_id: i64,
    section_id: i64,
) -> Result<Option<Item>, ExchangeError> {
    match store::section_draft(&core.db, member_id, section_id).await? {
        Some(id) => Ok(store::item_of_member(&core.db, member_id, id).await?),
        None => Ok(None),
    }
}

/// The files of the draft a form saves into (its limits count them): 404 for another
/// company's draft, nothing for a new one.
pub async fn draft_files(
    core: &Core,
    member_id: i64,
    target: Target,
) -> Result<Vec<ItemFile>, ExchangeError> {
    let draft = match target {
        Target::Draft(id) => Some(owned_item(core, member_id, id).await?.id),
        Target::Section(sid) => store::section_draft(&core.db, member_id, sid).await?,
        Target::NewLetter => None,
    };
    match draft {
        Some(id) => Ok(store::item_files(&core.db, id).await?),
        None => Ok(vec![]),
    }
}

/// Delete a draft the member no longer wants. Its uploads keep their `files` rows (the record
/// that they were uploaded, by whom and when); only the draft and its attachments go.
/// Returns where the user goes next (the section, or the journal).
pub async fn delete_draft(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    item_id: i64,
) -> Result<Item, ExchangeError> {
    let mut tx = core.db.begin().await?;
    let item = store::lock_item(&mut tx, item_id, Some(member_id), ItemStatus::Draft.code())
        .await?
        .ok_or(ExchangeError::NotFound)?;
    store::delete_draft(&mut tx, item_id).await?;
    let details = serde_json::json!({ "member_id": member_id });
    let event = Event::new("item.delete_draft", "item", item_id, details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(item)
}

/// A new draft that corrects a returned item (or updates an accepted one), with its text,
/// date and files copied; the old item stays in the journal as it was.
pub async fn start_revision(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    item_id: i64,
) -> Result<i64, ExchangeError> {
    let user_id = actor
        .user_id
        .ok_or_else(|| anyhow::anyhow!("a revision is started by a user"))?;
    let old = owned_item(core, member_id, item_id).await?;
    // A correction exists already (sent, or a draft): that is where the member continues.
    if let Some(newer) = store::newer_version(&core.db, old.id).await? {
        return Ok(newer.id);
    }
    if !matches!(old.status(), ItemStatus::Returned | ItemStatus::Accepted) {
        return Err(ExchangeError::Conflict(
            "Исправить можно только документ, возвращенный на доработку или принятый".into(),
        ));
    }
    let mut tx = core.db.begin().await?;
    if let Some(section_id) = old.section_id
        && let Some(draft) = store::section_draft_tx(&mut tx, member_id, section_id).await?
    {
        return Ok(draft); // already started
    }
    let new_id = store::insert_item(
        &mut tx,
        &NewItem {
            member_id,
            kind: &old.kind,
            section_id: old.section_id,
            subject: &old.subject,
            body: &old.body,
            document_date: old.document_date,
            supersedes_id: Some(old.id),
            created_by: user_id,
        },
    )
    .await?;
    for f in store::item_files_tx(&mut tx, old.id).await? {
        let verdict = f.sig_verdict.clone();
        store::add_item_file(
            &mut tx,
            &NewItemFile {
                item_id: new_id,
                file_id: f.file_id,
                position: f.position,
                signature: f.signature_file_id.map(|sid| SignatureRecord {
                    file_id: sid,
                    verdict: verdict.as_deref().unwrap_or("unchecked"),
                    signer: &f.sig_signer,
                    inn: &f.sig_inn,
                    valid_to: f.sig_valid_to,
                    findings: &f.sig_findings,
                }),
                sig_refused: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(new_id)
}

/// The item's correction, if the member made one (issue 17: the old item links to it and no
/// longer offers to correct it again).
pub async fn newer_version(core: &Core, item: &Item) -> Result<Option<Item>, ExchangeError> {
    Ok(store::newer_version(&core.db, item.id)
        .await?
        .filter(|n| n.member_id == item.member_id))
}

/// The subject a letter answering the SRO's message starts with: «Ответ на исх. № 12-СРО/26
/// от 01.12.2026»; `None` for a message the company did not receive.
pub async fn answer_subject(
    core: &Core,
    member_id: i64,
    message_id: i64,
) -> Result<Option<String>, ExchangeError> {
    let copy = crate::messages::answers::copy(core, member_id, message_id)
        .await
        .map_err(|e| ExchangeError::Unexpected(anyhow::anyhow!("{e}")))?;
    Ok(copy.map(|c| {
        let day = c
            .sent_at
            .as_ref()
            .map(crate::fmt::datetime)
            .and_then(|t| t.split(' ').next().map(str::to_string))
            .unwrap_or_default();
        format!("Ответ на исх. № {} от {day}", c.number.unwrap_or_default())
    }))
}
