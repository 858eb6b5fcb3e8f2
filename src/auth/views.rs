//! Users as pages show them.

use super::model::{MemberRole, User};
use crate::fmt;

/// A user of a company (or of the SRO), for lists and cards.
pub struct UserView {
    pub id: i64,
    pub full_name: String,
    pub email: String,
    pub position: String,
    pub role: &'static str,
    pub blocked: bool,
    /// Invited, and the invitation not accepted yet (no password set).
    pub invited: bool,
    /// A head who is not blocked.
    pub active_head: bool,
    pub last_login: String,
    /// Where the user's invitation stands, when they have not accepted it (staff pages).
    pub invitation: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            full_name: u.full_name.clone(),
            email: u.email.clone(),
            position: fmt::or_dash(&u.position),
            role: u.role_label(),
            blocked: u.is_blocked,
            invited: u.password_hash.is_none() && u.last_login_at.is_none(),
            active_head: u.is_active_head(),
            last_login: u
                .last_login_at
                .as_ref()
                .map(fmt::datetime)
                .unwrap_or_else(|| "еще не входил".into()),
            invitation: String::new(),
        }
    }
}

/// A role of the select on the user's card and the invitation.
pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub fn role_options(current: Option<&str>) -> Vec<RoleOption> {
    MemberRole::ALL
        .into_iter()
        .map(|r| RoleOption {
            code: r.code(),
            label: r.label(),
            selected: Some(r.code()) == current,
        })
        .collect()
}

/// A line of «Последние входы» in the profile.
pub struct LoginView {
    pub at: String,
    pub ip: String,
    pub browser: String,
    pub success: bool,
}
