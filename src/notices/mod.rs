//! Notes from the SRO in the cabinet («Уведомления»): registrations and reviews of what a
//! company sent, and whatever later slices tell a company. Owns `notifications` and
//! `notification_reads`.
//!
//! A note belongs to an [`Area`] of the cabinet; a user sees the areas their role may see
//! (the rules table decides) and reads for themselves: the accountant never sees why a report
//! came back, and the head reading the list leaves the reporter's notes unread.

pub mod model;
pub mod service;
mod store;
pub mod web;

pub use model::Area;
