//! «Платежи и задолженности»: a ledger per member (`domain.md` §2.3, §4, §6).
//!
//! Charges (начисления) and payments (оплаты) are rows that are never edited or deleted; a
//! mistake is undone by a reversing row with a reason. Allocations say which payment paid
//! which charge; the balance and every debt are sums over these rows. Accruals are made by a
//! periodic job (`accrual`), payments come from bank statements (`import`, the
//! 1CClientBankExchange format in `statement`) or are entered by the accountant; a member gets
//! invoices with the payment QR code (`qr`) and reconciliation acts (`papers`).
//!
//! Owns `charge_types`, `charge_type_levels`, `billing_exemptions`, `accrual_runs`, `charges`,
//! `payments`, `allocations`, `bank_statements`, `invoices`, `invoice_lines`. Reads `members`
//! (terms of membership, payers' INN).

pub mod accrual;
pub mod import;
pub mod ledger;
mod ledger_store;
pub mod model;
pub mod papers;
pub mod purpose;
pub mod qr;
pub mod statement;
mod store;
pub mod tariffs;
pub mod web;

use crate::db::DbError;
use crate::validation::FieldErrors;

pub use ledger_store::{AllocationRow, ChargeRow, DebtorRow, PaymentRow};
pub use store::{ExemptionRow, RunRow, StatementRow, TypeRow};

/// Invoice numbers: «СЧ-15/26». Payments whose purpose names one go to its charges.
pub const INVOICE_PREFIX: &str = "СЧ-";

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    /// The form is wrong; each message at its field.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// The row moved on (already reversed, already assigned).
    #[error("{0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for BillingError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => BillingError::NotFound,
            other => BillingError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

impl BillingError {
    pub fn form(field: &'static str, message: impl Into<String>) -> BillingError {
        BillingError::Invalid(FieldErrors::one(field, message))
    }
}
