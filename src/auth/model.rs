//! Users, roles, password hashing and session tokens: the pure part of authentication.

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
    /// Optional mail (notes about sent documents) is wanted.
    pub mail_notices: bool,
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

    /// A head of a member company who is not blocked.
    pub fn is_active_head(&self) -> bool {
        self.member_role.as_deref() == Some(MemberRole::Head.code()) && !self.is_blocked
    }

    pub fn role_label(&self) -> &'static str {
        match self.principal() {
            Some(Principal::Member { role, .. }) => role.label(),
            Some(Principal::Staff { role }) => role.label(),
            None => "",
        }
    }
}

pub use crate::passwords::{dummy_hash, hash_password, verify_password};

/// Why a person's name cannot go into a letter, or `None`. Names are printed in invitations
/// sent to any address: no links (mail clients turn them into clickable ones), no control or
/// direction characters, at most 200 characters.
pub fn person_name_problem(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if name.is_empty() {
        return Some("Укажите ФИО пользователя");
    }
    if name.chars().count() > 200 {
        return Some("ФИО не длиннее 200 символов");
    }
    if name.chars().any(crate::validation::is_hidden) {
        return Some("ФИО содержит служебные символы: наберите его заново");
    }
    let lower = name.to_lowercase();
    let link = ["http:", "https:", "www.", "://", "@"]
        .iter()
        .any(|m| lower.contains(m))
        || lower.split(|c: char| c.is_whitespace()).any(|w| {
            // a word with a dot between letters, like evil.example or сайт.рф
            let parts: Vec<&str> = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .split('.')
                .collect();
            parts.len() >= 2
                && parts
                    .iter()
                    .all(|p| p.chars().count() >= 2 && p.chars().all(char::is_alphanumeric))
        });
    if link {
        return Some("ФИО не может содержать адреса сайтов или электронной почты");
    }
    None
}

/// Passwords that fail the minimum: shown on the form as is.
/// The checks of every form that invites a person (a colleague, a member's head, an employee),
/// all in one round: the name, the position, the address. The address when it is one.
pub fn check_invitee(
    full_name: &str,
    position: &str,
    email: &str,
) -> (
    Option<crate::requisites::Email>,
    crate::validation::FieldErrors,
) {
    let mut errors = crate::validation::FieldErrors::new();
    if let Some(problem) = person_name_problem(full_name) {
        errors.add("full_name", problem);
    }
    if position.chars().count() > 200 || position.chars().any(char::is_control) {
        errors.add(
            "position",
            "Должность — не длиннее 200 символов, без служебных символов",
        );
    }
    let email = crate::requisites::Email::parse(email)
        .map_err(|e| errors.add("email", e.to_string()))
        .ok();
    (email, errors)
}

/// The rule as the forms' hint says it: the same as [`password_problem`] checks (a test holds
/// the two together).
pub const PASSWORD_RULE: &str = "От 10 до 256 символов; без адреса почты и ИНН; не из распространенных паролей и не один повторяющийся символ.";

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
        return Some("Этот пароль слишком распространен, придумайте другой");
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
    fn names_carry_no_links() {
        assert_eq!(person_name_problem("Новиков Илья Сергеевич"), None);
        assert_eq!(person_name_problem("Анна-Мария О'Нил"), None);
        assert_eq!(person_name_problem("И. И. Иванов"), None);
        for bad in [
            "Иван http://x.ru",
            "www.evil.example",
            "Иван evil.example",
            "a@b.ru",
            "Иван\u{202e}",
            "Иван\nПетров",
            "",
        ] {
            assert!(person_name_problem(bad).is_some(), "{bad:?}");
        }
        assert!(person_name_problem(&"Я".repeat(201)).is_some());
    }

    #[test]
    fn password_rules() {
        assert!(password_problem("short", &[]).is_some());
        assert!(password_problem("Password123", &[]).is_some());
        assert!(password_problem("ivanov@firm.ru!", &["ivanov@firm.ru"]).is_some());
        assert!(password_problem("x7700123459x", &["7700123459"]).is_some());
        assert!(password_problem("aaaaaaaaaaaa", &[]).is_some());
        assert!(password_problem("Сосна-Береза-2026", &["ivanov@firm.ru", "7700123459"]).is_none());
    }
}
