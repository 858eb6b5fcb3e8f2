//! Member companies: requisites, membership status, the assigned expert.

pub mod model;
pub mod service;
mod store;
pub mod web;

pub use model::{Member, MembershipStatus};
