//! Use cases of the register: admission, versioned changes, history, import.

use chrono::{Datelike, NaiveDate};

use super::model::{self, Change, Entry, Member, MembershipStatus, Policy, Snapshot};
use super::store::{self, VersionForInsert};
use crate::audit::{self, Actor, Event};
use crate::config::Settings;
use crate::core::Core;
use crate::db::{Db, DbError, Tx};
use crate::validation::FieldErrors;

pub use store::{COUNT_CAP, MemberFilter, PublicFilter, PublicRow, SearchPage};

/// The columns of a [`Member`] row, for read models that join a member with their own data
/// in one query (`members::store::dashboard`).
pub const MEMBER_COLUMNS: &str = store::ENTRY_COLUMNS;

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The entry breaks the register's rules; the form shows each message at its field.
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("Изменений нет: запись не изменилась")]
    NoChanges,
    #[error("Запись уже изменил другой сотрудник. Обновите страницу: ваши изменения не сохранены.")]
    Stale,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for RegisterError {
    fn from(e: DbError) -> Self {
        let field = |f: &'static str, m: &str| RegisterError::Invalid(FieldErrors::one(f, m));
        match e {
            DbError::NotFound => RegisterError::NotFound,
            DbError::Conflict { constraint } if constraint == "members_inn_key" => {
                field("inn", "Организация с таким ИНН уже есть в реестре")
            }
            DbError::Conflict { constraint } if constraint == "members_ogrn_key" => {
                field("ogrn", "Организация с таким ОГРН уже есть в реестре")
            }
            DbError::Conflict { constraint } if constraint == "members_register_number_key" => {
                field(
                    "register_number",
                    "Такой регистрационный номер уже присвоен",
                )
            }
            other => RegisterError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

pub(super) fn reason_required(reason: &str) -> Result<(), RegisterError> {
    if reason.trim().is_empty() {
        return Err(RegisterError::Invalid(FieldErrors::one(
            "reason",
            "Укажите основание изменения (например, «Решение Совета № 5 от 20.11.2026»)",
        )));
    }
    Ok(())
}

/// Gives the entry a register number by the configured pattern if it has none. Numbers taken
/// by hand (imports of an existing register) are skipped.
pub(super) async fn assign_number(
    tx: &mut Tx,
    settings: &Settings,
    today: NaiveDate,
    e: &mut Entry,
) -> Result<(), RegisterError> {
    if e.register_number
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty())
    {
        return Ok(());
    }
    let pattern = &settings.register.number_pattern;
    let yearly = pattern.contains("{yy");
    let year = if yearly {
        e.admitted_on.unwrap_or(today).year()
    } else {
        0
    };
    for _ in 0..10_000 {
        let seq = crate::numbering::next_seq(tx, "register", year).await?;
        let number = crate::numbering::format(pattern, seq, year);
        if !store::register_number_taken(tx, &number).await? {
            e.register_number = Some(number);
            return Ok(());
        }
    }
    Err(RegisterError::Unexpected(anyhow::anyhow!(
        "no free register number by pattern {pattern}"
    )))
}

pub(super) async fn write_version(
    tx: &mut Tx,
    member_id: i64,
    version: i64,
    actor: &Actor,
    reason: &str,
    changes: &[Change],
    snapshot: &Snapshot,
) -> Result<(), RegisterError> {
    store::insert_version(
        tx,
        &VersionForInsert {
            member_id,
            version,
            at: tx.now,
            actor_user_id: actor.user_id,
            actor: &actor.label,
            reason: reason.trim(),
            changes: serde_json::to_string(changes).map_err(anyhow::Error::new)?,
            snapshot: serde_json::to_string(snapshot).map_err(anyhow::Error::new)?,
        },
    )
    .await?;
    Ok(())
}

/// Admits a member: the entry goes into the register at version 1, with a register number.
pub async fn admit(
    core: &Core,
    entry: Entry,
    expert_id: Option<i64>,
    reason: &str,
    actor: &Actor,
) -> Result<i64, RegisterError> {
    let mut ids = admit_many(core, vec![(Snapshot::of(entry), expert_id)], reason, actor).await?;
    Ok(ids.remove(0))
}

/// Admits many members, each with its lists, in one transaction (imports): all or none.
pub async fn admit_many(
    core: &Core,
    entries: Vec<(Snapshot, Option<i64>)>,
    reason: &str,
    actor: &Actor,
) -> Result<Vec<i64>, RegisterError> {
    reason_required(reason)?;
    let settings = &core.settings;
    let today = core.today();
    for (s, _) in &entries {
        let mut errors = s.entry.check(settings.sro.kind, today);
        errors.extend(s.policies.iter().flat_map(Policy::check));
        if !errors.is_empty() {
            return Err(RegisterError::Invalid(errors.into()));
        }
    }
    let mut tx = core.db.begin().await?;
    let mut ids = Vec::with_capacity(entries.len());
    let at = tx.now;
    for (mut snapshot, expert) in entries {
        assign_number(&mut tx, settings, today, &mut snapshot.entry).await?;
        let id = store::insert_entry(&mut tx, &snapshot.entry, expert, at, None).await?;
        store::replace_lists(&mut tx, id, &snapshot).await?;
        let changes = vec![Change {
            field: "Запись".into(),
            old: String::new(),
            new: "внесена в реестр".into(),
        }];
        write_version(&mut tx, id, 1, actor, reason, &changes, &snapshot).await?;
        ids.push(id);
    }
    let details = if ids.len() == 1 {
        serde_json::json!({ "reason": reason.trim() })
    } else {
        serde_json::json!({ "reason": reason.trim(), "count": ids.len() })
    };
    let action = if ids.len() == 1 {
        "register.admit"
    } else {
        "register.import"
    };
    let event = Event::new(action, "member", id_range(&ids), details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(ids)
}

/// «17», or «17..42» for the members of one batch (the audit entry's object).
pub(super) fn id_range(ids: &[i64]) -> String {
    match (ids.first(), ids.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}..{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}

/// The entry as it is now, with its lists.
pub async fn current(db: &Db, id: i64) -> Result<Option<(Member, Snapshot)>, DbError> {
    let Some(row) = store::entry(db, id).await? else {
        return Ok(None);
    };
    Ok(with_lists(db, vec![row]).await?.pop())
}

/// Changes an entry: `edit` gets the entry as it is and changes it; the result is checked,
/// compared, and written as the next version with `reason`, in one transaction. The page the
/// staff member edited showed `expected_version`: if the entry moved on since, nothing is
/// written.
pub async fn change<F>(
    core: &Core,
    id: i64,
    expected_version: i64,
    reason: &str,
    actor: &Actor,
    edit: F,
) -> Result<i64, RegisterError>
where
    F: FnOnce(&mut Snapshot) -> Result<(), FieldErrors>,
{
    reason_required(reason)?;
    let mut tx = core.db.begin().await?;
    let version = change_in(
        &mut tx,
        core,
        id,
        Some(expected_version),
        reason,
        actor,
        edit,
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// [`change`] inside the caller's transaction (the acceptance of a member's application and
/// the new version it makes go together); `expected_version: None` takes the entry as it is.
pub async fn change_in<F>(
    tx: &mut Tx,
    core: &Core,
    id: i64,
    expected_version: Option<i64>,
    reason: &str,
    actor: &Actor,
    edit: F,
) -> Result<i64, RegisterError>
where
    F: FnOnce(&mut Snapshot) -> Result<(), FieldErrors>,
{
    reason_required(reason)?;
    let row = store::entry_tx(tx, id)
        .await?
        .ok_or(RegisterError::NotFound)?;
    if expected_version.is_some_and(|v| row.register_version != v) {
        return Err(RegisterError::Stale);
    }
    let (policies, inspections, measures) = store::lists_tx(tx, id).await?;
    let old = Snapshot {
        entry: row.entry.clone(),
        policies,
        inspections,
        measures,
    };
    let mut new = old.clone();
    edit(&mut new).map_err(RegisterError::Invalid)?;
    let errors = new.entry.check(core.settings.sro.kind, core.today());
    if !errors.is_empty() {
        return Err(RegisterError::Invalid(errors.into()));
    }
    let changes = model::changes(&old, &new);
    if changes.is_empty() {
        return Err(RegisterError::NoChanges);
    }
    let version = row.register_version + 1;
    let now = tx.now;
    if store::update_entry(tx, id, &new.entry, version, now).await? == 0 {
        return Err(RegisterError::Stale);
    }
    if old.policies != new.policies
        || old.inspections != new.inspections
        || old.measures != new.measures
    {
        store::replace_lists(tx, id, &new).await?;
    }
    write_version(tx, id, version, actor, reason, &changes, &new).await?;
    let details = serde_json::json!({
        "version": version,
        "reason": reason.trim(),
        "fields": changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
    });
    let event = Event::new("register.change", "member", id, details);
    audit::record(tx, actor, event).await?;
    Ok(version)
}

/// A version of an entry, for the history on the card.
#[derive(Debug, Clone)]
pub struct Version {
    pub version: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub reason: String,
    pub changes: Vec<Change>,
}

pub async fn history(db: &Db, id: i64) -> Result<Vec<Version>, DbError> {
    Ok(store::versions(db, id)
        .await?
        .into_iter()
        .map(|v| Version {
            version: v.version,
            at: v.at,
            actor: v.actor_name.unwrap_or(v.actor),
            reason: v.reason,
            changes: serde_json::from_str(&v.changes).unwrap_or_default(),
        })
        .collect())
}

pub async fn search(
    db: &Db,
    f: &PublicFilter,
    limit: i64,
    offset: i64,
) -> Result<SearchPage, DbError> {
    store::search(db, f, limit, offset).await
}

pub async fn last_updated(db: &Db) -> Result<Option<chrono::DateTime<chrono::Utc>>, DbError> {
    store::last_updated(db).await
}

/// The entry with INN `inn`, or with register number `number`.
pub async fn find(
    db: &Db,
    inn: Option<&str>,
    number: Option<&str>,
) -> Result<Option<(Member, Snapshot)>, DbError> {
    let Some(row) = store::entry_by_key(db, inn, number).await? else {
        return Ok(None);
    };
    Ok(with_lists(db, vec![row]).await?.pop())
}

/// Walks the whole register in id order, `chunk` entries at a time, with their lists.
pub async fn for_each_chunk<F>(db: &Db, chunk: i64, mut f: F) -> Result<(), DbError>
where
    F: FnMut(Vec<(Member, Snapshot)>) -> Result<(), DbError>,
{
    let mut after = 0;
    loop {
        let entries = chunk_after(db, after, chunk).await?;
        let Some((last, _)) = entries.last() else {
            return Ok(());
        };
        after = last.id;
        f(entries)?;
    }
}

/// Up to `n` entries with ids after `after`, with their lists (exports walk the register with
/// it; an empty result is the end).
pub async fn chunk_after(db: &Db, after: i64, n: i64) -> Result<Vec<(Member, Snapshot)>, DbError> {
    let rows = store::entries_after(db, after, n).await?;
    with_lists(db, rows).await
}

/// The entries' snapshots: their lists in three queries, whatever the number of entries.
async fn with_lists(db: &Db, rows: Vec<Member>) -> Result<Vec<(Member, Snapshot)>, DbError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut lists = store::lists_of(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (policies, inspections, measures) = lists.remove(&r.id).unwrap_or_default();
            let s = Snapshot {
                entry: r.entry.clone(),
                policies,
                inspections,
                measures,
            };
            (r, s)
        })
        .collect())
}

/// Which of these INNs are in the register already (import checks).
pub async fn existing_inns(db: &Db, inns: &[String]) -> Result<Vec<String>, DbError> {
    store::inns_present(db, inns).await
}

// ---------- members as other pages read them ----------

/// A member's card row (names, requisites, status, expert), or `None`.
pub async fn member(db: &Db, id: i64) -> Result<Option<Member>, DbError> {
    store::member(db, id).await
}

/// One page of the back office's member list, how many match, and whether that is exact.
pub async fn list_members(
    db: &Db,
    filter: &MemberFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Member>, i64, bool), DbError> {
    store::office_list(db, filter, limit, offset).await
}

/// Number of members per status (all statuses, zero where none), optionally of one expert.
pub async fn counts(
    db: &Db,
    expert_id: Option<i64>,
) -> Result<Vec<(MembershipStatus, i64)>, DbError> {
    let rows = store::count_by_status(db, expert_id).await?;
    Ok(MembershipStatus::ALL
        .into_iter()
        .map(|s| {
            let n = rows
                .iter()
                .find(|(code, _)| code == s.code())
                .map(|(_, n)| *n)
                .unwrap_or(0);
            (s, n)
        })
        .collect())
}

pub async fn count(db: &Db) -> Result<i64, DbError> {
    store::count(db).await
}

/// Many members in one transaction with one audit entry, without versions: bulk data for
/// benchmarks (`kabinet demo-data --members N`), never the register's admission.
pub async fn create_bulk(
    db: &Db,
    entries: &[Entry],
    actor: &Actor,
) -> Result<Vec<i64>, RegisterError> {
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(entries.len());
    let at = tx.now;
    for e in entries {
        ids.push(store::insert_entry(&mut tx, e, None, at, None).await?);
    }
    let details = serde_json::json!({ "count": ids.len() });
    let event = Event::new("member.create_many", "member", id_range(&ids), details);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(ids)
}
