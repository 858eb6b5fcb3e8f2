//! Authentication and users: passwords, sessions, login by e-mail or INN, one-time links,
//! the company's users and the rules of who may do what.
//!
//! Owns `users`, `sessions`, `login_events`, `user_tokens` and `form_replays` (forms kept across
//! a lost session). Reads the register's `members`
//! through two listed read models (login by INN, `store::member_brief`).

pub mod accounts;
pub mod bulk;
pub mod cache;
pub mod mail_prefs;
pub mod model;
pub mod onboarding;
pub mod recovery;
pub mod replays;
pub mod rules;
pub mod service;
pub mod store;
pub mod users;
pub mod views;
pub mod web;

pub use model::{MemberRole, Principal, StaffRole, User};
pub use service::{AuthError, ClientInfo, SessionUser};
