//! Data of the «Квитанция об отправке документов» (`documents/receipt.typ`).
//!
//! Every field is display-ready text: dates, sizes and verdicts are formatted
//! in Russian by the caller, the template only lays them out.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    /// Short name, e.g. «СРО АП СОПО».
    pub sro_name: String,
    pub sro_full_name: String,
    /// Receipt (outgoing) number, e.g. «ИСХ-000123».
    pub number: String,
    pub company: String,
    pub inn: String,
    /// Full name and e-mail of the user who sent the documents.
    pub sender: String,
    /// «23.11.2026 14:05:33 (МСК)».
    pub sent_at: String,
    /// «Раздел отчета за 2026 год», «Письмо».
    pub kind: String,
    pub subject: String,
    pub document_date: Option<String>,
    /// The cover text; may be long, newlines are kept and blank lines start
    /// a new paragraph.
    pub text: Option<String>,
    pub files: Vec<ReceiptFile>,
    /// When the receipt was generated, as shown on it.
    pub generated_at: String,
    /// A sentence telling how to check the hashes.
    pub verify_hint: String,
    /// The same instant as `generated_at`, written into the PDF metadata as
    /// its creation date; `None` leaves the date out.
    #[serde(rename = "pdf_date", serialize_with = "rfc3339")]
    pub created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptFile {
    pub name: String,
    /// «1,2 МБ (1 234 567 байт)».
    pub size: String,
    /// Lower-case hex, 64 characters.
    pub sha256: String,
    /// GOST R 34.11-2012 (Streebog) 256-bit, lower-case hex, 64 characters.
    pub streebog256: String,
    /// The detached signature sent with the file, if any.
    pub signature: Option<ReceiptSignature>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptSignature {
    pub name: String,
    pub size: String,
    /// Who signed, from the certificate: full name, position, organisation.
    pub signer: String,
    /// Result of the verification, e.g. «Подпись верна, сертификат действителен».
    pub verdict: String,
}

// Lets `Receipt` stay independent of chrono's optional `serde` feature.
fn rfc3339<S: Serializer>(at: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true)),
        None => serializer.serialize_none(),
    }
}
