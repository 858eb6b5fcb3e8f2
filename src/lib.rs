//! Kabinet: the member portal of a self-regulatory organisation (СРО) and its back office.
//! `ARCHITECTURE.md` at the root is the map: layers, who owns which table, how a request flows.

// Infrastructure: no slice, no HTTP.
pub mod audit;
pub mod clock;
pub mod config;
pub mod core;
pub mod csvout;
pub mod db;
pub mod documents;
pub mod files;
pub mod fmt;
pub mod jobs;
pub mod mail;
pub mod numbering;
pub mod passwords;
pub mod ratelimit;
pub mod requisites;
pub mod signatures;
pub mod storage;
pub mod telemetry;
pub mod tls;
pub mod tokens;
pub mod validation;
pub mod xlsxout;

// Slices, lowest first: each may use the ones above it in this list.
pub mod archive;
pub mod auth;
pub mod billing;
pub mod calendar;
pub mod contracts;
pub mod exchange;
pub mod members;
pub mod messages;
pub mod notices;
pub mod office;
pub mod register;
pub mod reports;
pub mod trust;

// The web kit the slices' pages share.
pub mod state;
pub mod web;

// Composition root.
pub mod demo;
pub mod routes;
pub mod startup;
