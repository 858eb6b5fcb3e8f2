//! «Архив организации»: a ZIP of everything a company sent to the SRO and received from it —
//! its items with files, signatures and receipts, the SRO's messages with their files, its
//! extracts, invoices and a reconciliation act — with an index (CSV) and a README in Russian.
//! Built by a worker (claimed with a lease, so one instance builds each and a dead one's work
//! is taken over), streamed straight into storage (never held in memory), downloadable by
//! «Руководитель» until it expires.
//!
//! Owns `company_archives`. Everything it packs it gets from the owners' services.

mod build;
pub mod service;
mod store;
pub mod web;

pub use service::ArchiveError;
pub use store::ArchiveRow;
