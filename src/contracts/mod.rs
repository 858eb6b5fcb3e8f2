//! «Договоры» (issue 18, domain.md §10): every construction, design or survey contract of a
//! member and its events (conclusion, addenda, acts, execution, termination), each notified to
//! the SRO within three working days of the production calendar through a letter of the
//! exchange with a generated PDF; the actual total obligations against the КФ ОДО level, kept
//! with its date and published by the register; the staff's journal of notices and list of
//! members' positions; the production calendar as data.
//!
//! Owns `contracts`, `contract_events`, `work_calendar`, `contract_totals`. Reads `items`
//! (what became of a notice), `members` (levels, experts, names) and `users` (who recorded an
//! event); writes the register's figure through `register::service`, notices through
//! `exchange::service` and `notices::service`.

pub mod import;
pub mod model;
pub mod notice;
pub mod office;
mod position;
pub mod service;
pub mod statement;
mod store;
pub mod web;

pub use service::ContractError;
