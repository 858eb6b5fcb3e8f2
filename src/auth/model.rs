//! Users, roles, password hashing and session tokens: the pure part of authentication.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// A role of an SRO employee in the back office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRole {
    Expert,
    Registrar,
    Accountant,
    Admin,
}

impl StaffRole {
    pub const ALL: [StaffRole; 4] = [
        StaffRole::Expert,
        StaffRole::Registrar,
        StaffRole::Accountant,
        StaffRole::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            StaffRole::Expert => "expert",
            StaffRole::Registrar => "registrar",
            StaffRole::Accountant => "accountant",
            StaffRole::Admin => "admin",
        }
    }

    pub fn from_code(s: &str) -> Option<StaffRole> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            StaffRole::Expert => "Эксперт",
            StaffRole::Registrar => "Регистратор",
            StaffRole::Accountant => "Бухгалтер СРО",
            StaffRole::Admin => "Администратор",
        }
    }
}

/// A role of a member company's employee in the cabinet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberRole {
    /// «Руководитель»: everything, manages the company's users.
    Head,
    /// «Бухгалтер»: payments and debts.
    Accountant,
    /// «Ответственный за отчетность»: reports and documents.
    Reporter,
}

impl MemberRole {
    pub const ALL: [MemberRole; 3] = [
        MemberRole::Head,
        MemberRole::Accountant,
        MemberRole::Reporter,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MemberRole::Head => "head",
            MemberRole::Accountant => "accountant",
            MemberRole::Reporter => "reporter",
        }
    }

    pub fn from_code(s: &str) -> Option<MemberRole> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            MemberRole::Head => "Руководитель",
            MemberRole::Accountant => "Бухгалтер",
            MemberRole::Reporter => "Ответственный за отчетность",
        }
    }
}

/// Whose side a user is on, with the role that decides what they may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    Member { member_id: i64, role: MemberRole },
    Staff { role: StaffRole },
}

/// A user as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub full_name: String,
    pub position: String,
    pub phone: String,
    pub password_hash: Option<String>,
    pub kind: String,
    pub member_id: Option<i64>,
    pub member_role: Option<String>,
    pub staff_role: Option<String>,
    pub is_blocked: bool,
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl User {
    /// `None` for a row that breaks the table's own CHECK (cannot happen through the services).
    pub fn principal(&self) -> Option<Principal> {
        match self.kind.as_str() {
            "member" => Some(Principal::Member {
                member_id: self.member_id?,
                role: MemberRole::from_code(self.member_role.as_deref()?)?,
            }),
            "staff" => Some(Principal::Staff {
                role: StaffRole::from_code(self.staff_role.as_deref()?)?,
            }),
            _ => None,
        }
    }

    pub fn role_label(&self) -> &'static str {
        match self.principal() {
            Some(Principal::Member { role, .. }) => role.label(),
            Some(Principal::Staff { role }) => role.label(),
            None => "",
        }
    }
}

/// argon2id with the crate's defaults (19 MiB, 2 passes): OWASP's recommended minimum.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters and a random salt cannot fail")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A hash that matches no password; verifying against it costs as much as a real check, so
/// "no such user" takes as long as "wrong password".
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no user has this password: timing equaliser"))
}

/// Passwords that fail the minimum: shown on the form as is.
pub fn password_problem(password: &str, personal: &[&str]) -> Option<&'static str> {
    const COMMON: &[&str] = &[
        "password",
        "password1",
        "12345678",
        "123456789",
        "1234567890",
        "qwerty123",
        "qwertyuiop",
        "11111111",
        "00000000",
        "iloveyou",
        "admin123",
        "йцукенгшщз",
        "пароль123",
        "qwerty12345",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "abc12345",
        "password123",
        "87654321",
        "123123123",
    ];
    let chars = password.chars().count();
    if chars < 10 {
        return Some("Пароль должен быть не короче 10 символов");
    }
    if chars > 256 {
        return Some("Пароль слишком длинный (не больше 256 символов)");
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Some("Этот пароль слишком распространён, придумайте другой");
    }
    if personal
        .iter()
        .any(|p| !p.is_empty() && lower.contains(&p.to_lowercase()))
    {
        return Some("Пароль не должен содержать адрес почты или ИНН");
    }
    if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(' '))
    {
        return Some("Пароль не должен состоять из одного повторяющегося символа");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_roundtrip() {
        let h = hash_password("Правильный-пароль-1");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Правильный-пароль-1", &h));
        assert!(!verify_password("неправильный", &h));
        assert!(!verify_password("x", "not a phc string"));
        assert!(!verify_password("anything", dummy_hash()));
    }

    #[test]
    fn password_rules() {
        assert!(password_problem("short", &[]).is_some());
        assert!(password_problem("Password123", &[]).is_some());
        assert!(password_problem("ivanov@firm.ru!", &["ivanov@firm.ru"]).is_some());
        assert!(password_problem("x7700123459x", &["7700123459"]).is_some());
        assert!(password_problem("aaaaaaaaaaaa", &[]).is_some());
        assert!(password_problem("Сосна-Берёза-2026", &["ivanov@firm.ru", "7700123459"]).is_none());
    }
}
