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
    store::dashboard(&core.db, member_id, user_id, &areas).await
}

/// The company's card and everyone who may log in for it.
pub async fn company(core: &Core, member_id: i64) -> Result<Option<(Member, Vec<User>)>, DbError> {
    let Some(m) = crate::register::service::member(&core.db, member_id).await? else {
        return Ok(None);
    };
    let users = crate::auth::service::users_of_member(&core.db, member_id).await?;
    Ok(Some((m, users)))
}

/// The company's debt and what of it is overdue, for those who may see money.
pub async fn debt(core: &Core, member_id: i64) -> Result<(i64, i64), DbError> {
    crate::billing::ledger::debt(core, member_id)
        .await
        .map_err(|e| DbError::Other(anyhow::anyhow!("{e}")))
}
