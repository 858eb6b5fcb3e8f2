//! The register of members (`domain.md` §1–§2): the back office keeps each member's entry with
//! its history, anyone can search the public register and its API, and a member gets an extract
//! whose QR code leads to a public check.
//!
//! Owns `member_rows` (the only writer; `members` is the view of its live rows, staged imports
//! aside), `member_versions`, the entry's lists, `extracts`, and the search index. Other slices read a member through `service::member`.

pub mod cards;
pub mod experts;
pub mod extract;
pub mod form;
pub mod import;
pub mod levels;
pub mod lists;
pub mod member;
pub mod model;
pub mod requests;
pub mod service;
pub mod sheet;
pub mod staging;
pub mod store;
pub mod table;
pub mod views;
pub mod web;
