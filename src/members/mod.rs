//! The member's cabinet: the home page and «Организация» (the company's card and its users).
//! It writes nothing: the company is the register's, its users are auth's. Its one read model
//! (`store::dashboard`) reads both in one query.

pub mod service;
mod store;
pub mod web;
