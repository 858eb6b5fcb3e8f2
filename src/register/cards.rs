//! The back office's view of a member: the list, and the card that puts the register entry
//! with its history, the company's users (auth's), its expert and the audit trail together.

use std::collections::HashMap;

use super::model::Member;
use super::model::Snapshot;
use super::service::{self, Version};
use super::store::MemberFilter;
use crate::audit::AuditRow;
use crate::auth::User;

pub use crate::auth::onboarding::InviteState;
pub use crate::auth::views::UserView;
use crate::core::Core;
use crate::db::DbError;

pub struct Card {
    pub member: Member,
    pub expert: Option<User>,
    pub users: Vec<User>,
    /// Invitations of the users who have not set a password yet.
    pub invites: HashMap<i64, InviteState>,
    /// The SRO's active experts, to assign one.
    pub experts: Vec<User>,
    /// The latest audit entries about the member, newest first.
    pub history: Vec<AuditRow>,
    pub row: Member,
    pub snapshot: Snapshot,
    pub versions: Vec<Version>,
}

pub async fn card(core: &Core, id: i64) -> Result<Option<Card>, DbError> {
    let db = &core.db;
    let Some(member) = service::member(db, id).await? else {
        return Ok(None);
    };
    let Some((row, snapshot)) = service::current(db, id).await? else {
        return Ok(None);
    };
    let expert = match member.expert_id {
        Some(eid) => crate::auth::service::user(db, eid).await?,
        None => None,
    };
    let users = crate::auth::service::users_of_member(db, id).await?;
    Ok(Some(Card {
        expert,
        invites: crate::auth::onboarding::invite_states(db, Some(id), &users).await?,
        experts: super::experts::experts(core).await?,
        users,
        history: crate::audit::for_object(db, "member", &id.to_string(), 20).await?,
        versions: service::history(db, id).await?,
        member,
        row,
        snapshot,
    }))
}

/// (debt, overdue) of a member, for the card of those who see money.
pub async fn debt(core: &Core, id: i64) -> Result<(i64, i64), DbError> {
    super::store::debt(&core.db, id, core.today()).await
}

/// One page of the back office's list, how many match, and whether that number is exact.
pub async fn list(
    core: &Core,
    filter: &MemberFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Member>, i64, bool), DbError> {
    service::list_members(&core.db, filter, limit, offset).await
}
