//! The back office of SRO staff: dashboard, members, audit log.

pub mod web;
