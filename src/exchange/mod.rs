//! Document exchange between members and the SRO: report sections and letters a member
//! drafts and sends, the outgoing journal, receipts; the staff's inbox, registration with
//! incoming numbers, review (accept or return with a reason).

pub mod model;
pub mod service;
pub mod store;
pub mod views;
pub mod web;
