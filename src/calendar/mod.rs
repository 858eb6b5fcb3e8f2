//! «Календарь» and reminders: every deadline of a company in one place — report sections,
//! charges, insurance policies, planned inspections, answers the SRO waits for — in a month
//! view, a list and an iCalendar feed at a secret per-user address; and the reminders job that
//! writes to the company's users at the stages staff set for each rule (once per rule, object
//! and stage; only while the cause lasts; after a pause one letter, not a backlog).
//!
//! Owns `reminder_rules`, `reminders`, `calendar_feeds`. Reads, as one query per source:
//! `report_campaigns`, `report_sections`, `items` (sections sent), `charges`, `allocations`
//! (what is left to pay), `member_policies`, `member_inspections` (the register's lists),
//! `sro_messages`, `sro_message_recipients` (answers due), `members` (who is live, names) and
//! `users` (who gets a reminder, whose feed an address is).

pub mod ics;
pub mod model;
pub mod service;
mod store;
pub mod web;

pub use service::CalendarError;
pub use store::HistoryRow;
