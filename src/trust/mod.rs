//! The trust around signatures (issue 16, trust.md): the list of accredited certification
//! authorities, CA certificates and CRLs the SRO loads; the check of a signature against a
//! stored file with them (the maths and the policy are `signatures::check`, pure); every
//! check kept, newest first; «Протокол проверки ЭП» as a PDF; the CRL fetch job.
//!
//! Owns `trust_certs`, `trust_imports`, `crls`, `crl_sources`, `signature_checks`. The slices
//! that store signatures (`exchange`, `messages`) call `service::verify` and `service::record`
//! in their own transactions.

pub mod fetch;
pub mod protocol;
pub mod service;
mod store;
pub mod web;

pub use service::TrustError;
