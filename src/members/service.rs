//! What the cabinet's pages show: the dashboard's one query, and the company with its users.

use super::store;
use crate::auth::User;
use crate::core::Core;
use crate::db::DbError;
use crate::register::model::Member;

pub use crate::auth::views::UserView;
pub use crate::register::views::{ExpertView, MemberView};
pub use store::MemberWithExpert;

/// The home page's data: the company, its expert and the unread notes, in one query.
pub async fn dashboard(core: &Core, member_id: i64) -> Result<Option<MemberWithExpert>, DbError> {
    store::dashboard(&core.db, member_id).await
}

/// The company's card and everyone who may log in for it.
pub async fn company(core: &Core, member_id: i64) -> Result<Option<(Member, Vec<User>)>, DbError> {
    let Some(m) = crate::register::service::member(&core.db, member_id).await? else {
        return Ok(None);
    };
    let users = crate::auth::service::users_of_member(&core.db, member_id).await?;
    Ok(Some((m, users)))
}
