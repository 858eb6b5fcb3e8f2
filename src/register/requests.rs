//! «Заявление об изменении сведений»: the register fields a member's head may ask to change
//! (contacts, addresses, the head), how a proposal is checked against the entry, and the new
//! version its acceptance makes («Основание: заявление вх. № … от …»).

use std::collections::BTreeMap;

use super::model::{Entry, Snapshot};
use super::service::{self, RegisterError};
use crate::audit::Actor;
use crate::core::Core;
use crate::db::{DbError, Tx};
use crate::requisites::Email;
use crate::validation::FieldErrors;

/// (form field, label) of what a member may ask to change, in the order of the form.
pub const FIELDS: [(&str, &str); 7] = [
    ("head_name", "Руководитель (ФИО)"),
    ("head_position", "Должность руководителя"),
    ("legal_address", "Адрес места нахождения"),
    ("actual_address", "Фактический адрес"),
    ("phone", "Телефон"),
    ("email", "Адрес электронной почты"),
    ("site", "Адрес сайта"),
];

/// The longest value of a field, in characters.
const MAX: usize = 500;

fn slot<'a>(e: &'a mut Entry, field: &str) -> Option<&'a mut String> {
    Some(match field {
        "head_name" => &mut e.head_name,
        "head_position" => &mut e.head_position,
        "legal_address" => &mut e.legal_address,
        "actual_address" => &mut e.actual_address,
        "phone" => &mut e.phone,
        "email" => &mut e.email,
        "site" => &mut e.site,
        _ => return None,
    })
}

pub fn value(e: &Entry, field: &str) -> String {
    let mut e = e.clone();
    slot(&mut e, field).map(|s| s.clone()).unwrap_or_default()
}

/// One asked change: (field, label, as in the register, as asked).
pub type Asked = (&'static str, &'static str, String, String);

/// The changes asked by the typed values against the entry, or what is wrong with them (at
/// their fields). Fields not typed stay as they are.
pub fn propose(entry: &Entry, typed: &BTreeMap<String, String>) -> Result<Vec<Asked>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut asked = vec![];
    for (field, label) in FIELDS {
        let Some(new) = typed.get(field) else {
            continue;
        };
        let new = new.trim().to_string();
        let old = value(entry, field);
        if new == old.trim() {
            continue;
        }
        if new.chars().count() > MAX || new.chars().any(char::is_control) {
            errors.add(
                field,
                format!("{label}: не длиннее {MAX} символов, без служебных символов"),
            );
            continue;
        }
        if field == "email"
            && !new.is_empty()
            && let Err(e) = Email::parse(&new)
        {
            errors.add(field, e.to_string());
            continue;
        }
        if field == "head_name" && new.is_empty() {
            errors.add(field, "Укажите руководителя");
            continue;
        }
        asked.push((field, label, old, new));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if asked.is_empty() {
        return Err(FieldErrors::form(
            "Ни одно сведение не изменено: исправьте нужные поля и отправьте заявление.",
        ));
    }
    Ok(asked)
}

/// The proposal as stored with the application: `{field: value}`.
pub fn encode(asked: &[Asked]) -> String {
    let map: BTreeMap<&str, &str> = asked.iter().map(|(f, _, _, n)| (*f, n.as_str())).collect();
    serde_json::to_string(&map).unwrap_or_default()
}

/// The application's text, as the SRO reads it in the letter.
pub fn describe(asked: &[Asked]) -> String {
    let mut lines = vec!["Просим внести в реестр членов СРО изменения сведений:".to_string()];
    for (_, label, old, new) in asked {
        let old = if old.trim().is_empty() { "—" } else { old };
        let new = if new.is_empty() { "—" } else { new };
        lines.push(format!("• {label}: «{old}» → «{new}»"));
    }
    lines.join("\n")
}

/// The entry of a member, to compare a proposal with.
pub async fn entry(db: &crate::db::Db, member_id: i64) -> Result<Option<Entry>, DbError> {
    Ok(service::current(db, member_id).await?.map(|(m, _)| m.entry))
}

/// Accepting the application: the asked values become the entry's next version, in the
/// caller's transaction. `None` when the register already says all of it.
pub async fn apply_in(
    tx: &mut Tx,
    core: &Core,
    member_id: i64,
    proposal: &str,
    reason: &str,
    actor: &Actor,
) -> Result<Option<i64>, RegisterError> {
    let map: BTreeMap<String, String> = serde_json::from_str(proposal)
        .map_err(|e| RegisterError::Unexpected(anyhow::anyhow!("stored proposal: {e}")))?;
    let edit = |s: &mut Snapshot| {
        for (field, value) in &map {
            if let Some(slot) = slot(&mut s.entry, field) {
                *slot = value.clone();
            }
        }
        Ok(())
    };
    match service::change_in(tx, core, member_id, None, reason, actor, edit).await {
        Ok(v) => Ok(Some(v)),
        Err(RegisterError::NoChanges) => Ok(None),
        Err(e) => Err(e),
    }
}
