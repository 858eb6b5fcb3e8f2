//! «Заявление об изменении сведений»: the head of a member asks to change the company's
//! contacts, addresses or head in the register. The application is a letter to the SRO (with
//! its basis document and signature) that carries the asked values; it is registered and
//! reviewed like any letter, and accepting it writes the register's next version
//! (`review::review`).

use std::collections::BTreeMap;

use super::drafting;
use super::service::{DraftInput, ExchangeError, Saved, Target};
use super::signing::SignatureInput;
use super::store;
use crate::audit::Actor;
use crate::core::Core;
use crate::db::{Db, DbError};
use crate::files::Upload;
use crate::validation::FieldErrors;

pub use crate::register::requests::FIELDS;

pub const SUBJECT: &str = "Заявление об изменении сведений";

/// (field, label, value in the register) for the form.
pub async fn current(
    core: &Core,
    member_id: i64,
) -> Result<Vec<(&'static str, &'static str, String)>, ExchangeError> {
    let entry = crate::register::requests::entry(&core.db, member_id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    Ok(FIELDS
        .iter()
        .map(|(f, l)| (*f, *l, crate::register::requests::value(&entry, f)))
        .collect())
}

/// What the form sent.
pub struct Application {
    pub typed: BTreeMap<String, String>,
    pub comment: String,
    pub files: Vec<(String, Upload)>,
    pub signatures: Vec<SignatureInput>,
    pub problems: FieldErrors,
}

/// Check the asked values and send the application as a letter, in one transaction with the
/// proposal. Refused values come back at their fields and nothing is written (the caller
/// drops the staged files).
pub async fn submit(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    a: Application,
) -> Result<Saved, ExchangeError> {
    let entry = crate::register::requests::entry(&core.db, member_id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    let mut problems = a.problems;
    let asked = match crate::register::requests::propose(&entry, &a.typed) {
        Ok(asked) => Some(asked),
        Err(e) => {
            problems.extend(e);
            None
        }
    };
    if a.files.is_empty() {
        problems.add(
            "file_1",
            "Приложите документ-основание: протокол, решение или приказ о назначении",
        );
    }
    let (Some(asked), true) = (asked, problems.is_empty()) else {
        return Err(ExchangeError::Invalid(problems));
    };
    let mut body = crate::register::requests::describe(&asked);
    if !a.comment.trim().is_empty() {
        body.push_str("\n\n");
        body.push_str(a.comment.trim());
    }
    let input = DraftInput {
        subject: SUBJECT.into(),
        body,
        document_date: None,
        remove: vec![],
        unsigned: vec![],
        files: a.files,
        signatures: a.signatures,
        send: true,
        problems: FieldErrors::new(),
        change_request: Some(crate::register::requests::encode(&asked)),
        answers: None,
    };
    drafting::save_draft(core, actor, member_id, Target::NewLetter, input).await
}

/// Whether an item is an application, and the register version its acceptance made.
pub async fn of_item(db: &Db, item_id: i64) -> Result<Option<Option<i64>>, DbError> {
    Ok(store::change_request(db, item_id).await?.map(|(_, v)| v))
}
