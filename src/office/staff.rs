//! «Сотрудники»: the SRO's employees as administrators manage them — auth's users and
//! invitations, with how many members each expert curates (the register's).

use crate::auth::cache::SessionCache;
pub use crate::auth::service::AuthError;
use crate::auth::service::{ClientInfo, SessionUser};
use crate::core::Core;
use crate::db::DbError;

pub use crate::auth::model::check_invitee;
pub use crate::auth::onboarding::{InviteState, StaffInvitation};
pub use crate::auth::{StaffRole, User};

pub struct StaffRow {
    pub user: User,
    pub invite: Option<InviteState>,
    /// Members curated (experts only).
    pub members: Option<i64>,
}

fn is_expert(u: &User) -> bool {
    u.staff_role.as_deref() == Some(StaffRole::Expert.code())
}

pub async fn list(core: &Core) -> Result<Vec<StaffRow>, DbError> {
    let (users, mut invites) = crate::auth::onboarding::staff_list(&core.db).await?;
    let mut rows = Vec::with_capacity(users.len());
    for u in users {
        let members = if is_expert(&u) {
            Some(crate::register::experts::count_of(core, u.id).await?)
        } else {
            None
        };
        rows.push(StaffRow {
            invite: invites.remove(&u.id),
            members,
            user: u,
        });
    }
    Ok(rows)
}

pub struct Login {
    pub at: chrono::DateTime<chrono::Utc>,
    pub ip: String,
    pub user_agent: String,
    pub success: bool,
}

pub struct StaffCard {
    pub row: StaffRow,
    /// (when, address, browser, succeeded) of the latest logins.
    pub logins: Vec<Login>,
    /// The other active experts, to hand this expert's members to.
    pub other_experts: Vec<User>,
}

pub async fn card(core: &Core, id: i64) -> Result<Option<StaffCard>, AuthError> {
    let user = match crate::auth::onboarding::staff_user(&core.db, id).await {
        Ok(u) => u,
        Err(AuthError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let invite =
        crate::auth::onboarding::invite_states(&core.db, None, std::slice::from_ref(&user))
            .await?
            .remove(&user.id);
    let members = if is_expert(&user) {
        Some(crate::register::experts::count_of(core, user.id).await?)
    } else {
        None
    };
    let other_experts = crate::register::experts::experts(core)
        .await?
        .into_iter()
        .filter(|e| e.id != id)
        .collect();
    Ok(Some(StaffCard {
        logins: crate::auth::service::recent_logins(&core.db, id, 10)
            .await?
            .into_iter()
            .map(|l| Login {
                at: l.at,
                ip: l.ip,
                user_agent: l.user_agent,
                success: l.success,
            })
            .collect(),
        row: StaffRow {
            user,
            invite,
            members,
        },
        other_experts,
    }))
}

pub async fn invite(
    core: &Core,
    admin: &SessionUser,
    invitee: &StaffInvitation,
    client: &ClientInfo,
) -> Result<i64, AuthError> {
    crate::auth::onboarding::invite_staff(core, admin, invitee, client).await
}

#[allow(clippy::too_many_arguments)]
pub async fn update(
    core: &Core,
    cache: &SessionCache,
    admin: &SessionUser,
    id: i64,
    role: Option<StaffRole>,
    blocked: Option<bool>,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    crate::auth::onboarding::update_staff(core, cache, admin, id, role, blocked, client).await
}

pub async fn resend(
    core: &Core,
    admin: &SessionUser,
    id: i64,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    crate::auth::onboarding::resend_staff_invitation(core, admin, id, client).await
}
