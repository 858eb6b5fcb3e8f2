//! Experts (кураторы) of members: assign one on the member's card; give all members of an
//! expert who leaves to another in one step. The expert's «Мои члены СРО» follow at once.

use super::store;
use crate::audit::{self, Actor, Event};
use crate::auth::{StaffRole, User};
use crate::core::Core;
use crate::db::DbError;
use crate::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum ExpertError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The SRO's active experts, to choose from.
pub async fn experts(core: &Core) -> Result<Vec<User>, DbError> {
    Ok(crate::auth::service::staff(&core.db)
        .await?
        .into_iter()
        .filter(|u| u.staff_role.as_deref() == Some(StaffRole::Expert.code()) && !u.is_blocked)
        .collect())
}

/// An active expert by id, or the form's refusal.
async fn expert(core: &Core, id: i64, field: &'static str) -> Result<User, ExpertError> {
    experts(core)
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or_else(|| {
            ExpertError::Invalid(FieldErrors::one(
                field,
                "Выберите действующего эксперта из списка",
            ))
        })
}

/// Assign `expert_id` (or nobody) to the member. Audited on the member.
pub async fn assign(
    core: &Core,
    actor: &Actor,
    member_id: i64,
    expert_id: Option<i64>,
) -> Result<(), ExpertError> {
    let chosen = match expert_id {
        Some(id) => Some(expert(core, id, "expert_id").await?),
        None => None,
    };
    let mut tx = core.db.begin().await?;
    if store::set_expert(&mut tx, member_id, expert_id).await? == 0 {
        return Err(ExpertError::NotFound);
    }
    let details = serde_json::json!({
        "expert_id": expert_id,
        "expert": chosen.as_ref().map(|u| u.full_name.clone()),
    });
    audit::record(
        &mut tx,
        actor,
        Event::new("register.expert", "member", member_id, details),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every member of expert `from` goes to expert `to`, in one transaction; how many moved.
pub async fn reassign_all(
    core: &Core,
    actor: &Actor,
    from: i64,
    to: i64,
) -> Result<u64, ExpertError> {
    if from == to {
        return Err(ExpertError::Invalid(FieldErrors::one(
            "to",
            "Выберите другого эксперта",
        )));
    }
    let target = expert(core, to, "to").await?;
    let mut tx = core.db.begin().await?;
    let moved = store::move_expert_members(&mut tx, from, to).await?;
    let details = serde_json::json!({ "from": from, "to": to, "to_name": target.full_name, "members": moved });
    audit::record(
        &mut tx,
        actor,
        Event::new("register.experts_reassigned", "user", from, details),
    )
    .await?;
    tx.commit().await?;
    Ok(moved)
}

/// How many members an expert curates.
pub async fn count_of(core: &Core, expert_id: i64) -> Result<i64, DbError> {
    store::count_of_expert(&core.db, expert_id).await
}

/// How many members' insurance ends within `days` (one expert's members, or all): the staff's
/// work queue.
pub async fn expiring_policies(
    core: &Core,
    days: i64,
    expert_id: Option<i64>,
) -> Result<i64, DbError> {
    let today = core.today();
    store::expiring_policies(
        &core.db,
        today,
        today + chrono::Duration::days(days),
        expert_id,
    )
    .await
}
