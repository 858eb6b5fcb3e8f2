//! Display-ready views of items and their files, shared by the member's and the staff's pages.

use super::model::{self, Item, ItemFile, ItemStatus, SigVerdict};
use super::store::{EventRow, ItemRow};
use crate::config::UploadSettings;
use crate::fmt::{self as views, human_size};
use crate::validation::FieldErrors;

pub struct SigView {
    pub file_id: i64,
    pub name: String,
    pub size: String,
    pub verdict: &'static str,
    /// css modifier: ok, warn
    pub tone: &'static str,
    pub signer: String,
    pub inn: String,
    pub valid_to: String,
    /// The latest check's remarks.
    pub findings: Vec<String>,
}

pub struct FileView {
    /// item_files id (for removing and adding a signature in a draft)
    pub id: i64,
    pub file_id: i64,
    pub name: String,
    pub size: String,
    /// None while it is being computed
    pub streebog256: Option<String>,
    /// The blob could not be read to compute it (an empty digest in the row).
    pub digest_unknown: bool,
    pub sig: Option<SigView>,
    /// Why the signature sent for it was refused: «подпись не принята».
    pub sig_refused: Option<String>,
}

impl From<&ItemFile> for FileView {
    fn from(f: &ItemFile) -> Self {
        let sig = f.signature_file_id.map(|sid| {
            let verdict = f
                .sig_verdict
                .as_deref()
                .and_then(SigVerdict::from_code)
                .unwrap_or(SigVerdict::Unchecked);
            SigView {
                file_id: sid,
                name: f.sig_name.clone().unwrap_or_default(),
                size: human_size(f.sig_size.unwrap_or(0)),
                verdict: verdict.label(),
                findings: f
                    .sig_findings
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_owned)
                    .collect(),
                tone: if verdict == SigVerdict::Valid {
                    "ok"
                } else {
                    "warn"
                },
                signer: f.sig_signer.clone(),
                inn: f.sig_inn.clone(),
                valid_to: views::opt_date(&f.sig_valid_to),
            }
        });
        FileView {
            id: f.id,
            file_id: f.file_id,
            name: f.name.clone(),
            size: human_size(f.size_bytes),
            streebog256: f.streebog256.clone().filter(|h| !h.is_empty()),
            digest_unknown: f.streebog256.as_deref() == Some(""),
            sig,
            sig_refused: f.sig_refused.clone(),
        }
    }
}

pub struct StatusView {
    pub code: &'static str,
    pub label: &'static str,
    pub explanation: &'static str,
}

impl From<ItemStatus> for StatusView {
    fn from(s: ItemStatus) -> Self {
        StatusView {
            code: s.code(),
            label: s.label(),
            explanation: s.explanation(),
        }
    }
}

pub struct EventView {
    pub at: String,
    pub status: &'static str,
    pub actor: String,
    pub comment: String,
}

impl From<&EventRow> for EventView {
    fn from(e: &EventRow) -> Self {
        EventView {
            at: views::datetime(&e.at),
            status: ItemStatus::from_code(&e.status)
                .map(|s| s.label())
                .unwrap_or(""),
            actor: e.actor.clone().unwrap_or_default(),
            comment: e.comment.clone(),
        }
    }
}

/// An item for its page and for journal rows.
pub struct ItemView {
    pub id: i64,
    pub number: String,
    pub kind: &'static str,
    pub is_letter: bool,
    pub subject: String,
    pub body: String,
    pub document_date: String,
    pub status: StatusView,
    pub sent_at: String,
    pub sender: String,
    /// «Входящий № 17/26 от 24.11.2026», once registered
    pub incoming: Option<String>,
    pub review_comment: String,
    pub member_name: String,
    pub member_inn: String,
    pub member_id: i64,
    pub files: Vec<FileView>,
}

impl ItemView {
    pub fn new(item: &Item, files: &[ItemFile]) -> ItemView {
        ItemView {
            id: item.id,
            number: item.outgoing_number(),
            kind: item.kind().label(),
            is_letter: item.kind() == model::ItemKind::Letter,
            subject: if item.subject.is_empty() {
                "(без темы)".into()
            } else {
                item.subject.clone()
            },
            body: item.body.clone(),
            document_date: views::opt_date(&item.document_date),
            status: item.status().into(),
            sent_at: item
                .sent_at
                .as_ref()
                .map(views::datetime)
                .unwrap_or_default(),
            sender: String::new(),
            incoming: incoming(item),
            review_comment: item.review_comment.clone(),
            member_name: String::new(),
            member_inn: String::new(),
            member_id: item.member_id,
            files: files
                .iter()
                .filter(|f| f.item_id == item.id)
                .map(FileView::from)
                .collect(),
        }
    }

    pub fn from_row(row: &ItemRow, files: &[ItemFile]) -> ItemView {
        let mut v = ItemView::new(&row.item, files);
        v.member_name = row.member_name.clone();
        v.member_inn = row.member_inn.clone();
        v.sender = row.sender_name.clone().unwrap_or_default();
        v
    }
}

pub fn incoming(item: &Item) -> Option<String> {
    match (&item.incoming_number, &item.registered_on) {
        (Some(n), Some(d)) => Some(format!("Входящий № {n} от {}", views::date(d))),
        _ => None,
    }
}

/// The limits as the page states them, and as the script checks them.
pub struct LimitsView {
    pub text: String,
    pub max_file_bytes: u64,
    pub max_item_bytes: u64,
    pub max_files: usize,
    pub max_signature_bytes: u64,
    /// for the file input's `accept`
    pub accept: String,
}

impl LimitsView {
    pub fn new(u: &UploadSettings) -> LimitsView {
        LimitsView {
            text: format!(
                "Один файл — до {} МБ, все файлы документа — до {} МБ, не более {} файлов. Форматы: {}. \
                 Подпись — отсоединенная (.sig, .p7s), до {}.",
                u.max_file_mb,
                u.max_item_mb,
                u.max_files_per_item,
                u.allowed_extensions.join(", "),
                human_size(u.max_signature_bytes() as i64)
            ),
            max_file_bytes: u.max_file_bytes(),
            max_item_bytes: u.max_item_bytes(),
            max_files: u.max_files_per_item,
            max_signature_bytes: u.max_signature_bytes(),
            accept: u.accept(),
        }
    }
}

/// The draft form: what is attached already, empty rows for new files, the typed text.
pub struct FormView {
    pub action: String,
    pub is_letter: bool,
    pub subject: String,
    pub body: String,
    /// yyyy-mm-dd for the date input
    pub document_date: String,
    pub files: Vec<FileView>,
    pub existing_bytes: i64,
    pub rows: Vec<usize>,
    /// What was refused, at its field (`files`, `subject`, `document_date`) or above the form.
    pub errors: FieldErrors,
    pub limits: LimitsView,
    pub delete_action: Option<String>,
    /// The SRO message a new letter answers (a hidden field).
    pub answers: Option<i64>,
}
