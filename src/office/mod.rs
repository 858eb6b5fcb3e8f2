//! The back office's own pages: the staff's home page, the audit log and the mail log. The
//! members, the inbox and the reports have their own slices (register, exchange, reports).

pub mod service;
pub mod staff;
pub mod web;
