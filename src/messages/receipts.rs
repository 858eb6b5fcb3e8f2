//! The staff's receipts of a sent message, per company: delivered (and what SMTP answered for
//! its letters), opened, acknowledged, answered. All of them for the CSV and «Напомнить»; a
//! filtered, searched page for the message's page (a mailing to every member has thousands).

use super::MessageError;
use super::model::ReceiptShow;
use super::store::{self, MessageRow, ReceiptRow};
use crate::core::Core;

/// Every company the message went to, by name.
pub async fn all(core: &Core, id: i64) -> Result<Vec<ReceiptRow>, MessageError> {
    Ok(store::receipts(&core.db, id).await?)
}

/// One page of the companies `show` picks whose name, INN or other number contains `query`
/// (typed by staff: case and LIKE's wildcards do not count), and how many match in all.
pub async fn page(
    core: &Core,
    m: &MessageRow,
    (show, query): (ReceiptShow, &str),
    limit: i64,
    offset: i64,
) -> Result<(Vec<ReceiptRow>, i64), MessageError> {
    let query = crate::validation::search_substring(query);
    let filter = (show, query.as_str());
    Ok(store::receipts_page(&core.db, m.id, filter, m.recipients, limit, offset).await?)
}
