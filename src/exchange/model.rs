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
    /// Given at sending (`exchange.outgoing_pattern`); none for a draft.
    #[sqlx(rename = "outgoing_number")]
    pub outgoing: Option<String>,
}

impl Item {
    pub fn status(&self) -> ItemStatus {
        ItemStatus::from_code(&self.status).unwrap_or(ItemStatus::Draft)
    }
    pub fn kind(&self) -> ItemKind {
        ItemKind::from_code(&self.kind).unwrap_or(ItemKind::Letter)
    }
    /// The outgoing number the member sees in the journal and on the receipt; a draft has
    /// none yet.
    pub fn outgoing_number(&self) -> String {
        self.outgoing
            .clone()
            .unwrap_or_else(|| "черновик".to_string())
    }
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
    /// Why the signature sent for this file was not accepted; the draft cannot be sent while
    /// it stands.
    pub sig_refused: Option<String>,
    /// The latest check's remarks, one per line.
    pub sig_findings: String,
}

/// What the signature check concluded, as kept with the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigVerdict {
    /// Mathematically valid, the signer's organisation is the member.
    Valid,
    /// «Действительна с замечаниями»: accepted, each remark kept with the file.
    Remarks,
    /// Found «Недействительна» by a staff re-check after upload (a revocation learnt later).
    Invalid,
    /// Valid, but the certificate names another organisation (checks before issue 16).
    Foreign,
    /// The algorithm is one we cannot check here (the file is kept, staff check it).
    Unchecked,
}

impl SigVerdict {
    pub fn code(self) -> &'static str {
        match self {
            SigVerdict::Valid => "valid",
            SigVerdict::Remarks => "remarks",
            SigVerdict::Invalid => "invalid",
            SigVerdict::Foreign => "foreign",
            SigVerdict::Unchecked => "unchecked",
        }
    }
    pub fn from_code(s: &str) -> Option<SigVerdict> {
        match s {
            "valid" => Some(SigVerdict::Valid),
            "remarks" => Some(SigVerdict::Remarks),
            "invalid" => Some(SigVerdict::Invalid),
            "foreign" => Some(SigVerdict::Foreign),
            "unchecked" => Some(SigVerdict::Unchecked),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SigVerdict::Valid => "Подпись действительна",
            SigVerdict::Remarks => "Подпись действительна с замечаниями",
            SigVerdict::Invalid => "Подпись недействительна (повторная проверка)",
            SigVerdict::Foreign => {
                "Подпись соответствует файлу, но сертификат выдан другой организации"
            }
            SigVerdict::Unchecked => "Подпись приложена, алгоритм не проверяется автоматически",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in ItemStatus::ALL {
            assert_eq!(ItemStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(ItemStatus::Returned.label(), "Возвращено на доработку");
    }
}
