//! A member company as a row of the register: its status and the row every page reads.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::Entry;

/// Status of a member in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MembershipStatus {
    Member,
    Suspended,
    Excluded,
    Left,
}

impl MembershipStatus {
    pub const ALL: [MembershipStatus; 4] = [
        MembershipStatus::Member,
        MembershipStatus::Suspended,
        MembershipStatus::Excluded,
        MembershipStatus::Left,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MembershipStatus::Member => "member",
            MembershipStatus::Suspended => "suspended",
            MembershipStatus::Excluded => "excluded",
            MembershipStatus::Left => "left",
        }
    }

    pub fn from_code(s: &str) -> Option<MembershipStatus> {
        Self::ALL.into_iter().find(|m| m.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            MembershipStatus::Member => "Член СРО",
            MembershipStatus::Suspended => "Членство приостановлено",
            MembershipStatus::Excluded => "Исключен из СРО",
            MembershipStatus::Left => "Вышел из СРО",
        }
    }
}

impl TryFrom<String> for MembershipStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        MembershipStatus::from_code(&s).ok_or_else(|| format!("unknown membership status {s}"))
    }
}

/// A member company as stored: its register entry and the row's bookkeeping. The one row
/// type of `members`; every page that shows a company reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub id: i64,
    #[sqlx(flatten)]
    pub entry: Entry,
    pub register_version: i64,
    /// The member's expert (curator), a staff user.
    pub expert_id: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// What the searches look through, lower-cased in Rust because SQLite's `lower()` leaves
/// Cyrillic as it is.
pub fn search_text(
    full_name: &str,
    short_name: &str,
    inn: &str,
    ogrn: &str,
    reg: Option<&str>,
) -> String {
    format!(
        "{full_name} {short_name} {inn} {ogrn} {}",
        reg.unwrap_or("")
    )
    .to_lowercase()
}
