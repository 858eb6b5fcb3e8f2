//! What the cabinet's pages show: the dashboard's one query, and the company with its users.

use super::store;
use crate::auth::User;
use crate::auth::model::Principal;
use crate::core::Core;
use crate::db::DbError;
use crate::register::model::Member;

pub use crate::auth::views::UserView;
pub use crate::register::views::{ExpertView, MemberView};
pub use store::MemberWithExpert;

/// The home page's data for one user: the company, its expert and the user's unread notes,
/// in one query.
pub async fn dashboard(
    core: &Core,
    who: Principal,
    member_id: i64,
    user_id: i64,
) -> Result<Option<MemberWithExpert>, DbError> {
    let areas = crate::notices::Area::codes_for(who);
    let categories: Vec<&str> = match who {
        Principal::Member { role, .. } => crate::messages::model::Category::ALL
            .into_iter()
            .filter(|c| c.read_by(role))
            .map(|c| c.code())
            .collect(),
        Principal::Staff { .. } => Vec::new(),
    };
    store::dashboard(
        &core.db,
        member_id,
        user_id,
        &areas,
        &categories,
        core.today(),
    )
    .await
}

/// The company's card and everyone who may log in for it.
pub async fn company(core: &Core, member_id: i64) -> Result<Option<(Member, Vec<User>)>, DbError> {
    let Some(m) = crate::register::service::member(&core.db, member_id).await? else {
        return Ok(None);
    };
    let users = crate::auth::service::users_of_member(&core.db, member_id).await?;
    Ok(Some((m, users)))
}

/// What needs doing soon, for the home page: open deadlines overdue or due within a month, the
/// nearest first, at most `limit`.
pub async fn next_deadlines(
    core: &Core,
    member_id: i64,
    role: crate::auth::MemberRole,
    limit: usize,
) -> Result<Vec<crate::calendar::model::Deadline>, DbError> {
    let horizon = core.today() + chrono::Days::new(31);
    let all = crate::calendar::service::deadlines(core, member_id, role)
        .await
        .map_err(|e| DbError::Other(anyhow::anyhow!("{e}")))?;
    Ok(all
        .into_iter()
        .filter(|d| d.done.is_none() && d.due <= horizon)
        .take(limit)
        .collect())
}
