//! Answers to the SRO's messages: the exchange sends a letter that names a message the company
//! received, and the company's copy says «ответ отправлен» (written in the sending's
//! transaction).

use super::MessageError;
use super::store::{self, InboxRow};
use crate::core::Core;
use crate::db::DbError;

/// The company's copy of a message without opening it (the answer form names it).
pub async fn copy(
    core: &Core,
    member_id: i64,
    message_id: i64,
) -> Result<Option<InboxRow>, MessageError> {
    Ok(store::copy_of(&core.db, member_id, message_id).await?)
}

/// Whether the company received the message (only such a message can be answered).
pub async fn received(core: &Core, member_id: i64, message_id: i64) -> Result<bool, DbError> {
    Ok(store::copy_of(&core.db, member_id, message_id)
        .await?
        .is_some())
}

/// The exchange sent a letter answering the message: the company's copy says so, in the
/// sending's transaction.
pub async fn mark_answered(
    tx: &mut crate::db::Tx,
    member_id: i64,
    message_id: i64,
    item_id: i64,
) -> Result<bool, DbError> {
    store::mark_answered(tx, member_id, message_id, item_id).await
}
