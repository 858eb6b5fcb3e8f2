//! The one integration test binary: the real app over HTTP on SQLite and PostgreSQL.

mod helpers;

mod access;
mod architecture;
mod audit;
mod auth;
mod billing;
mod browser;
mod calendar;
mod cli;
mod cluster;
mod contracts;
mod exchange;
mod fuzz;
mod hardening;
mod hardening_data;
mod mail;
mod messages;
mod office;
mod onboarding;
mod platform;
mod production;
mod recovery;
mod register;
mod s3;
mod trust;
mod walkthrough;
