//! A member company as a row of the register: its status, the card other slices show, and
//! the bulk form of benchmark data.

use serde::{Deserialize, Serialize};

use crate::requisites::{Inn, Kpp, Ogrn};

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

/// A member company as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub id: i64,
    pub full_name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub kpp: Option<String>,
    pub legal_address: String,
    pub actual_address: String,
    pub head_name: String,
    pub head_position: String,
    pub phone: String,
    pub email: String,
    pub site: String,
    pub register_number: Option<String>,
    pub status: String,
    pub admitted_on: Option<chrono::NaiveDate>,
    pub terminated_on: Option<chrono::NaiveDate>,
    pub termination_reason: String,
    pub expert_id: Option<i64>,
}

impl Member {
    pub fn status(&self) -> MembershipStatus {
        MembershipStatus::from_code(&self.status).unwrap_or(MembershipStatus::Member)
    }

    /// What the back-office search looks through, lower-cased in Rust because SQLite's
    /// `lower()` leaves Cyrillic as it is.
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
}

/// A new member company, validated.
#[derive(Debug, Clone)]
pub struct MemberForCreate {
    pub full_name: String,
    pub short_name: String,
    pub inn: Inn,
    pub ogrn: Ogrn,
    pub kpp: Option<Kpp>,
    pub legal_address: String,
    pub actual_address: String,
    pub head_name: String,
    pub head_position: String,
    pub phone: String,
    pub email: String,
    pub site: String,
    pub register_number: Option<String>,
    pub status: MembershipStatus,
    pub admitted_on: Option<chrono::NaiveDate>,
    pub expert_id: Option<i64>,
}
