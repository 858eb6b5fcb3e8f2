//! The pages of the money side: the member's «Платежи и задолженности» (`member`), the
//! accountant's tariffs, accruals and debtors (`office`), bank statements and unmatched payments
//! (`statements`), and a member's ledger in the back office (`ledger`).

mod ledger;
mod member;
mod office;
mod statements;
mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::BillingError;
use crate::state::AppState;
use crate::web::AppError;

pub use statements::MAX_STATEMENT_BYTES;

pub fn routes() -> Router<AppState> {
    let upload = Router::new()
        .route("/office/billing/statements", post(statements::upload))
        .layer(DefaultBodyLimit::max(
            MAX_STATEMENT_BYTES as usize + 64 * 1024,
        ));
    Router::new()
        .merge(upload)
        .route("/kabinet/payments", get(member::show))
        .route("/kabinet/payments/invoices", post(member::make_invoice))
        .route("/kabinet/payments/invoices/{id}", get(member::invoice_pdf))
        .route("/kabinet/payments/act", get(member::act))
        .route("/office/billing", get(office::show_home))
        .route("/office/billing/tariffs", get(office::show_tariffs))
        .route(
            "/office/billing/tariffs/new",
            get(office::show_new_tariff).post(office::add_tariff),
        )
        .route(
            "/office/billing/tariffs/{id}",
            get(office::show_tariff).post(office::save_tariff),
        )
        .route(
            "/office/billing/runs",
            get(office::show_runs).post(office::run),
        )
        .route("/office/billing/debtors", get(office::show_debtors))
        .route("/office/billing/debtors.xlsx", get(office::debtors_xlsx))
        .route("/office/billing/statements", get(statements::show_list))
        .route("/office/billing/statements/{id}", get(statements::show_one))
        .route("/office/billing/unmatched", get(statements::show_unmatched))
        .route("/office/billing/unmatched/{id}", post(statements::assign))
        .route("/office/billing/members/{id}", get(ledger::show))
        .route(
            "/office/billing/members/{id}/charges",
            post(ledger::add_charge),
        )
        .route(
            "/office/billing/members/{id}/charges/{cid}/reverse",
            post(ledger::reverse_charge),
        )
        .route(
            "/office/billing/members/{id}/payments",
            post(ledger::add_payment),
        )
        .route(
            "/office/billing/members/{id}/payments/{pid}/reverse",
            post(ledger::reverse_payment),
        )
        .route(
            "/office/billing/members/{id}/payments/{pid}/allocate",
            post(ledger::reallocate),
        )
        .route(
            "/office/billing/members/{id}/exemptions",
            post(ledger::add_exemption),
        )
        .route("/office/billing/members/{id}/act", get(ledger::act))
}

impl From<BillingError> for AppError {
    fn from(e: BillingError) -> Self {
        match e {
            BillingError::NotFound => AppError::NotFound,
            BillingError::Conflict(m) => AppError::Conflict(m),
            BillingError::Invalid(m) => AppError::Unprocessable(m.to_string()),
            BillingError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}
