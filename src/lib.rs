//! Kabinet: the member portal of a self-regulatory organisation (СРО) and its back office.

pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod documents;
pub mod exchange;
pub mod mail;
pub mod members;
pub mod office;
pub mod register;
pub mod reports;
pub mod signatures;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod web;
