//! Categories of the SRO's messages and who reads them; the recipients' selection. Pure.

use crate::auth::MemberRole;

/// What a message is (the member's list shows it; it decides who reads it and whether its
/// letters may be switched off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Decision,
    Inspection,
    Request,
    Info,
    Invoice,
    Other,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Decision,
        Category::Inspection,
        Category::Request,
        Category::Info,
        Category::Invoice,
        Category::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Decision => "decision",
            Category::Inspection => "inspection",
            Category::Request => "request",
            Category::Info => "info",
            Category::Invoice => "invoice",
            Category::Other => "other",
        }
    }

    pub fn from_code(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Decision => "Решение",
            Category::Inspection => "Уведомление о проверке",
            Category::Request => "Запрос документов",
            Category::Info => "Информационное письмо",
            Category::Invoice => "Счет",
            Category::Other => "Иное",
        }
    }

    /// Which of a company's users read it: money goes to the head and the accountant, reports
    /// and inspections to the head and the reporter, the rest to everyone.
    pub fn read_by(self, role: MemberRole) -> bool {
        match self {
            Category::Invoice => matches!(role, MemberRole::Head | MemberRole::Accountant),
            Category::Inspection | Category::Request => {
                matches!(role, MemberRole::Head | MemberRole::Reporter)
            }
            _ => true,
        }
    }

    /// Legally significant letters always go; the others respect the user's choice in
    /// «Профиль» (and carry the one-click unsubscribe).
    pub fn optional(self) -> bool {
        matches!(self, Category::Info | Category::Other)
    }
}

/// Whom a message goes to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Audience {
    /// Every member and suspended member.
    All,
    /// Members of one status (`member`, `suspended`).
    Status(String),
    /// Members at one КФ ВВ level.
    Level(i64),
    /// The members of one expert.
    Expert(i64),
    /// Members with a debt past its due date (billing).
    Debtors,
    /// Members who have not sent this report section (its id).
    Unsent(i64),
    /// Members with this right: `dangerous` (особо опасные, технически сложные и уникальные
    /// объекты) or `nuclear` (объекты использования атомной энергии).
    Right(String),
    /// INNs or register numbers, as pasted.
    List(Vec<String>),
}

/// INNs or register numbers out of pasted text: separated by spaces, commas, semicolons or
/// lines; an INN may be typed with spaces inside groups, so only separators split.
pub fn parse_list(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split([',', ';', '\n', '\r', '\t'])
        .flat_map(|part| {
            let part = part.trim();
            // «7700123459 5000987650» on one line: two numbers; «7700 1234 59»: one INN
            let joined: String = part.chars().filter(|c| !c.is_whitespace()).collect();
            if joined.chars().all(|c| c.is_ascii_digit()) && matches!(joined.len(), 10 | 12) {
                vec![joined]
            } else {
                part.split_whitespace().map(str::to_string).collect()
            }
        })
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A message's text as the pages show it: paragraphs at blank lines.
pub fn paragraphs(body: &str) -> Vec<String> {
    body.split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Which companies of a sent message the staff's receipts list shows (a mailing to every
/// member has thousands: the list is filtered and paged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptShow {
    All,
    /// Not delivered yet (the mailing is still going).
    Waiting,
    /// Nobody in the company opened it.
    Unread,
    /// Not acknowledged (a message that requires it).
    Unacked,
    Answered,
    /// A letter SMTP refused for good.
    MailFailed,
    /// Delivered, but no user of the company reads the category: nobody got a letter.
    NoLetters,
}

impl ReceiptShow {
    pub const ALL: [ReceiptShow; 7] = [
        ReceiptShow::All,
        ReceiptShow::Waiting,
        ReceiptShow::Unread,
        ReceiptShow::Unacked,
        ReceiptShow::Answered,
        ReceiptShow::MailFailed,
        ReceiptShow::NoLetters,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReceiptShow::All => "",
            ReceiptShow::Waiting => "waiting",
            ReceiptShow::Unread => "unread",
            ReceiptShow::Unacked => "unacked",
            ReceiptShow::Answered => "answered",
            ReceiptShow::MailFailed => "failed",
            ReceiptShow::NoLetters => "noletters",
        }
    }

    /// An unknown code shows all (a hand-edited address is not an error).
    pub fn from_code(s: &str) -> ReceiptShow {
        ReceiptShow::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .unwrap_or(ReceiptShow::All)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReceiptShow::All => "Все",
            ReceiptShow::Waiting => "Ждут доставки",
            ReceiptShow::Unread => "Не открыли",
            ReceiptShow::Unacked => "Не ознакомились",
            ReceiptShow::Answered => "Ответили",
            ReceiptShow::MailFailed => "Письмо не доставлено",
            ReceiptShow::NoLetters => "Некому писать (нет пользователей с ролью)",
        }
    }

    /// The choices a message offers: acknowledgement and answers only where it asks for them.
    pub fn offered(requires_ack: bool, answer_due: bool) -> Vec<ReceiptShow> {
        ReceiptShow::ALL
            .into_iter()
            .filter(|s| match s {
                ReceiptShow::Unacked => requires_ack,
                ReceiptShow::Answered => answer_due,
                _ => true,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_decide_readers_and_optional_mail() {
        assert!(Category::Invoice.read_by(MemberRole::Accountant));
        assert!(!Category::Invoice.read_by(MemberRole::Reporter));
        assert!(Category::Request.read_by(MemberRole::Reporter));
        assert!(!Category::Request.read_by(MemberRole::Accountant));
        assert!(Category::Decision.read_by(MemberRole::Accountant));
        assert!(Category::Info.optional() && !Category::Decision.optional());
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(c));
        }
    }

    #[test]
    fn pasted_lists_split_on_separators() {
        assert_eq!(
            parse_list("7700123459, 5000987650\n7700 1234 59;П-0001 П-0002"),
            ["5000987650", "7700123459", "П-0001", "П-0002"]
        );
        assert!(parse_list(" \n ,").is_empty());
        let a = serde_json::to_string(&Audience::List(vec!["1".into()])).unwrap();
        assert_eq!(
            serde_json::from_str::<Audience>(&a).unwrap(),
            Audience::List(vec!["1".into()])
        );
    }
}
