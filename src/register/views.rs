//! A member company as pages show it: the cabinet's «Организация» and the back office's card.

use super::model::Member;
use crate::fmt::{opt_date, or_dash};

/// A member company ready for display.
pub struct MemberView {
    pub id: i64,
    pub full_name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn_label: &'static str,
    pub ogrn: String,
    pub kpp: String,
    pub register_number: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub admitted_on: String,
    pub terminated_on: String,
    pub termination_reason: String,
    /// For a suspended member: since when, until when and why («Право приостановлено с
    /// 01.10.2026 по 31.12.2026: …»); empty otherwise.
    pub suspension: String,
    pub legal_address: String,
    pub actual_address: String,
    pub head: String,
    pub phone: String,
    pub email: String,
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> Self {
        MemberView {
            id: m.id,
            full_name: m.entry.full_name.clone(),
            short_name: m.entry.short_name.clone(),
            inn: m.entry.inn.clone(),
            ogrn_label: if m.entry.ogrn.len() == 15 {
                "ОГРНИП"
            } else {
                "ОГРН"
            },
            ogrn: m.entry.ogrn.clone(),
            kpp: or_dash(m.entry.kpp.as_deref().unwrap_or("")),
            register_number: or_dash(m.entry.register_number.as_deref().unwrap_or("")),
            status: m.entry.status.label(),
            status_code: m.entry.status.code(),
            admitted_on: opt_date(&m.entry.admitted_on),
            terminated_on: opt_date(&m.entry.terminated_on),
            termination_reason: m.entry.termination_reason.clone(),
            suspension: match (m.entry.status, m.entry.suspended_from) {
                (super::member::MembershipStatus::Suspended, Some(from)) => {
                    let mut s = format!("Право приостановлено с {}", crate::fmt::date(&from));
                    if let Some(until) = m.entry.suspended_until {
                        s.push_str(&format!(" по {}", crate::fmt::date(&until)));
                    }
                    if !m.entry.suspension_reason.trim().is_empty() {
                        s.push_str(&format!(": {}", m.entry.suspension_reason.trim()));
                    }
                    s
                }
                _ => String::new(),
            },
            legal_address: or_dash(&m.entry.legal_address),
            actual_address: or_dash(&m.entry.actual_address),
            head: or_dash(
                [m.entry.head_position.as_str(), m.entry.head_name.as_str()]
                    .join(" ")
                    .trim(),
            ),
            phone: or_dash(&m.entry.phone),
            email: or_dash(&m.entry.email),
        }
    }
}

/// The member's expert (curator), as the member and staff see them.
pub struct ExpertView {
    pub name: String,
    pub email: String,
    pub phone: String,
}
