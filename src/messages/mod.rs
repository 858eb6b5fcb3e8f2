//! «Документы от СРО»: the SRO's messages to its members — decisions, notices of inspections,
//! requests, information letters, invoices — with files, to one company or a selection, each
//! registered in the SRO's outgoing journal; delivered by a worker in every instance (each
//! company once) with letters to the users whose role reads the category; the member's copy
//! with «Ознакомлен», and the staff's receipts (delivered, opened, acknowledged) and reminders.
//!
//! Owns `sro_messages`, `sro_message_files`, `sro_message_recipients`, `sro_message_letters`.
//! Reads `members` (selections and names), `files` (attachments' names) and `outbox` (what
//! SMTP answered).

pub mod answers;
pub mod model;
pub mod receipts;
pub mod service;
pub mod signing;
mod store;
pub mod web;

pub use service::MessageError;
pub use store::{FileRow, InboxRow, JournalRow, MessageRow, ReceiptRow};
