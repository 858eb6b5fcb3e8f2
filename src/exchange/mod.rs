//! Document exchange between members and the SRO: report sections and letters a member
//! drafts and sends, the outgoing journal, receipts; the staff's inbox, registration with
//! incoming numbers, review (accept or return with a reason).
//!
//! Owns `items`, `item_files`, `item_events` and `change_requests`; tells the company through `notices`. Reads report sections
//! through `reports::service`, members through `register::service`, users through
//! `auth::service`; stored files through `files`; signatures are checked and their checks kept
//! through `trust::service` (`signing`, `sigchecks`).

pub mod bench;
pub mod changes;
mod drafting;
pub mod journal;
pub mod model;
pub mod receipt;
pub mod review;
pub mod sections;
pub mod service;
pub mod sigchecks;
pub mod signing;
pub mod store;
pub mod views;
pub mod web;
