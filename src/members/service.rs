//! Use cases of member companies.

use super::model::{Member, MemberForCreate, MembershipStatus};
use super::store;
use crate::audit::{self, Actor, Event};
use crate::db::{Db, DbError};

pub use store::{MemberFilter, MemberWithExpert};

#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error("Организация с таким ИНН уже есть в реестре")]
    InnTaken,
    #[error("Организация с таким ОГРН уже есть в реестре")]
    OgrnTaken,
    #[error("Такой регистрационный номер уже присвоен")]
    RegisterNumberTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for MemberError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Conflict { constraint } if constraint == "members_inn_key" => {
                MemberError::InnTaken
            }
            DbError::Conflict { constraint } if constraint == "members_ogrn_key" => {
                MemberError::OgrnTaken
            }
            DbError::Conflict { constraint } if constraint == "members_register_number_key" => {
                MemberError::RegisterNumberTaken
            }
            other => MemberError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

pub async fn create(db: &Db, m: &MemberForCreate, actor: &Actor) -> Result<i64, MemberError> {
    let search = Member::search_text(
        &m.full_name,
        &m.short_name,
        m.inn.as_str(),
        m.ogrn.as_str(),
        m.register_number.as_deref(),
    );
    let mut tx = db.begin().await?;
    let id = store::insert(&mut tx, m, &search).await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: "member.create",
            object_type: "member",
            object_id: id.to_string(),
            details: serde_json::json!({ "inn": m.inn.as_str(), "short_name": m.short_name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Member>, DbError> {
    store::by_id(db, id).await
}

pub async fn get_with_expert(db: &Db, id: i64) -> Result<Option<MemberWithExpert>, DbError> {
    store::by_id_with_expert(db, id).await
}

pub async fn list(
    db: &Db,
    filter: &MemberFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Member>, i64), DbError> {
    store::list(db, filter, limit, offset).await
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
            (
                s,
                rows.iter()
                    .find(|(code, _)| code == s.code())
                    .map(|(_, n)| *n)
                    .unwrap_or(0),
            )
        })
        .collect())
}

pub async fn count(db: &Db) -> Result<i64, DbError> {
    store::count(db).await
}

/// Many members in one transaction with one audit entry (bulk data generation and imports).
pub async fn create_many(
    db: &Db,
    ms: &[MemberForCreate],
    actor: &Actor,
) -> Result<Vec<i64>, MemberError> {
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(ms.len());
    for m in ms {
        let search = Member::search_text(
            &m.full_name,
            &m.short_name,
            m.inn.as_str(),
            m.ogrn.as_str(),
            m.register_number.as_deref(),
        );
        ids.push(store::insert(&mut tx, m, &search).await?);
    }
    audit::record(
        &mut tx,
        actor,
        Event {
            action: "member.create_many",
            object_type: "member",
            object_id: format!(
                "{}..{}",
                ids.first().copied().unwrap_or(0),
                ids.last().copied().unwrap_or(0)
            ),
            details: serde_json::json!({ "count": ids.len() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ids)
}
