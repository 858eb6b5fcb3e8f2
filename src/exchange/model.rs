//! What members send the SRO: items (report sections and letters), their statuses, files and
//! incoming numbers. Pure logic, no I/O.

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A section of the annual report.
    Report,
    /// A free-form letter with documents.
    Letter,
}

impl ItemKind {
    pub fn code(self) -> &'static str {
        match self {
            ItemKind::Report => "report",
            ItemKind::Letter => "letter",
        }
    }
    pub fn from_code(s: &str) -> Option<ItemKind> {
        match s {
            "report" => Some(ItemKind::Report),
            "letter" => Some(ItemKind::Letter),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ItemKind::Report => "Раздел отчета",
            ItemKind::Letter => "Письмо",
        }
    }
}

/// «Черновик» → «Отправлено» → «Зарегистрировано» → «Принято» | «Возвращено на доработку».
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    Draft,
    Sent,
    Registered,
    Accepted,
    Returned,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 5] = [
        ItemStatus::Draft,
        ItemStatus::Sent,
        ItemStatus::Registered,
        ItemStatus::Accepted,
        ItemStatus::Returned,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ItemStatus::Draft => "draft",
            ItemStatus::Sent => "sent",
            ItemStatus::Registered => "registered",
            ItemStatus::Accepted => "accepted",
            ItemStatus::Returned => "returned",
        }
    }

    pub fn from_code(s: &str) -> Option<ItemStatus> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Draft => "Черновик",
            ItemStatus::Sent => "Отправлено",
            ItemStatus::Registered => "Зарегистрировано",
            ItemStatus::Accepted => "Принято",
            ItemStatus::Returned => "Возвращено на доработку",
        }
    }

    /// What the member reads next to the status: where the item is and what happens next.
    pub fn explanation(self) -> &'static str {
        match self {
            ItemStatus::Draft => "Сохранено, но не отправлено в СРО. Можно дополнить и отправить.",
            ItemStatus::Sent => "Получено СРО, ожидает регистрации.",
            ItemStatus::Registered => "Зарегистрировано СРО, передано эксперту на рассмотрение.",
            ItemStatus::Accepted => "Рассмотрено и принято.",
            ItemStatus::Returned => "Возвращено на доработку: исправьте и отправьте повторно.",
        }
    }
}

/// An item as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Item {
    pub id: i64,
    pub member_id: i64,
    pub kind: String,
    pub section_id: Option<i64>,
    pub subject: String,
    pub body: String,
    pub document_date: Option<NaiveDate>,
    pub status: String,
    pub supersedes_id: Option<i64>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub sent_by: Option<i64>,
    pub incoming_number: Option<String>,
    pub registered_on: Option<NaiveDate>,
    pub registered_at: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: String,
}

impl Item {
    pub fn status(&self) -> ItemStatus {
        ItemStatus::from_code(&self.status).unwrap_or(ItemStatus::Draft)
    }
    pub fn kind(&self) -> ItemKind {
        ItemKind::from_code(&self.kind).unwrap_or(ItemKind::Letter)
    }
    /// The outgoing number the member sees in the journal and on the receipt.
    pub fn outgoing_number(&self) -> String {
        outgoing_number(self.id)
    }
}

pub fn outgoing_number(id: i64) -> String {
    format!("ИСХ-{id:06}")
}

/// A file attached to an item, with its signature, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemFile {
    pub id: i64,
    pub item_id: i64,
    pub position: i64,
    pub file_id: i64,
    pub name: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub sha256: String,
    pub streebog256: Option<String>,
    pub signature_file_id: Option<i64>,
    pub sig_name: Option<String>,
    pub sig_size: Option<i64>,
    pub sig_verdict: Option<String>,
    pub sig_signer: String,
    pub sig_inn: String,
    pub sig_valid_to: Option<NaiveDate>,
}

/// What the signature check concluded, as kept with the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigVerdict {
    /// Mathematically valid, the signer's organisation is the member.
    Valid,
    /// Valid, but the certificate names another organisation.
    Foreign,
    /// The algorithm is one we cannot check here (the file is kept, staff check it).
    Unchecked,
}

impl SigVerdict {
    pub fn code(self) -> &'static str {
        match self {
            SigVerdict::Valid => "valid",
            SigVerdict::Foreign => "foreign",
            SigVerdict::Unchecked => "unchecked",
        }
    }
    pub fn from_code(s: &str) -> Option<SigVerdict> {
        match s {
            "valid" => Some(SigVerdict::Valid),
            "foreign" => Some(SigVerdict::Foreign),
            "unchecked" => Some(SigVerdict::Unchecked),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SigVerdict::Valid => "Подпись соответствует файлу",
            SigVerdict::Foreign => {
                "Подпись соответствует файлу, но сертификат выдан другой организации"
            }
            SigVerdict::Unchecked => "Подпись приложена, алгоритм не проверяется автоматически",
        }
    }
}

/// The incoming number from the configured pattern: `{seq}`, `{seq:N}` (zero-padded to N
/// digits), `{yy}`, `{yyyy}`.
pub fn incoming_number(pattern: &str, seq: i64, year: i32) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let token = &rest[start + 1..start + end];
        match token {
            "seq" => out.push_str(&seq.to_string()),
            "yy" => out.push_str(&format!("{:02}", year.rem_euclid(100))),
            "yyyy" => out.push_str(&year.to_string()),
            t if t.starts_with("seq:") => {
                let width: usize = t[4..].parse().unwrap_or(0).min(12);
                out.push_str(&format!("{seq:0width$}"));
            }
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// «1,2 МБ», «640 КБ», «15 байт».
pub fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1024.0 {
        format!("{bytes} байт")
    } else if b < 1024.0 * 1024.0 {
        format!("{} КБ", comma(b / 1024.0))
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{} МБ", comma(b / 1024.0 / 1024.0))
    } else {
        format!("{} ГБ", comma(b / 1024.0 / 1024.0 / 1024.0))
    }
}

fn comma(x: f64) -> String {
    let s = if x >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    };
    s.trim_end_matches(".0").replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incoming_numbers_follow_the_pattern() {
        assert_eq!(incoming_number("{seq}/{yy}", 17, 2026), "17/26");
        assert_eq!(
            incoming_number("ВХ-{seq:4}-{yyyy}", 7, 2027),
            "ВХ-0007-2027"
        );
        assert_eq!(incoming_number("{seq}", 1, 2026), "1");
        assert_eq!(incoming_number("{seq}/{x}", 1, 2026), "1/{x}");
        assert_eq!(incoming_number("{seq}/{yy", 3, 2026), "3/{yy");
    }

    #[test]
    fn statuses_round_trip() {
        for s in ItemStatus::ALL {
            assert_eq!(ItemStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(ItemStatus::Returned.label(), "Возвращено на доработку");
    }

    #[test]
    fn sizes_read_like_russian() {
        assert_eq!(human_size(15), "15 байт");
        assert_eq!(human_size(1536), "1,5 КБ");
        assert_eq!(human_size(1024 * 1024), "1 МБ");
        assert_eq!(human_size(1_288_490_189), "1,2 ГБ");
    }
}
