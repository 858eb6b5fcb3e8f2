//! Authentication: users, passwords, sessions, login by e-mail or INN.

pub mod cache;
pub mod model;
pub mod recovery;
pub mod service;
pub mod store;
pub mod web;

pub use model::{MemberRole, Principal, StaffRole, User};
pub use service::{AuthError, ClientInfo, SessionUser};
