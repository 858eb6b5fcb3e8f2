//! The annual report: campaigns per year, their sections and templates. What a member sends
//! for a section is an exchange item (`crate::exchange`).

pub mod forms;
pub mod service;
pub mod store;
pub mod web;
