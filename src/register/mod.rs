//! The register of members (`domain.md` §1–§2): the back office keeps each member's entry with
//! its history, anyone can search the public register and its API, and a member gets an extract
//! whose QR code leads to a public check.

pub mod api;
pub mod extract;
pub mod form;
pub mod import;
pub mod model;
pub mod public;
pub mod service;
pub mod store;
pub mod table;
pub mod web;
