//! The staff's receipts of a sent message, per company: delivered (and what SMTP answered for
//! its letters), opened, acknowledged, answered. All of them for the CSV and «Напомнить»; a
//! filtered, searched page for the message's page (a mailing to every member has thousands).

use serde_json::json;

use super::model::ReceiptShow;
use super::store::{self, MessageRow, ReceiptRow};
use super::{MessageError, service};
use crate::audit::{self, Actor, Event};
use crate::core::Core;
use crate::mail;

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

/// «Напомнить»: the letters again, to the companies that have not opened the message (or,
/// when it requires acknowledgement, not acknowledged it). Returns how many companies.
pub async fn remind(core: &Core, actor: &Actor, id: i64) -> Result<usize, MessageError> {
    let m = service::message(core, id).await?;
    let late: Vec<ReceiptRow> = all(core, id)
        .await?
        .into_iter()
        .filter(|r| {
            r.state == "delivered"
                && if m.requires_ack {
                    r.acked_at.is_none()
                } else {
                    r.opened_at.is_none()
                }
        })
        .collect();
    let mut tx = core.db.begin().await?;
    // the users read and the letters linked for many companies at once: a reminder to the
    // 10 000 companies of a mailing read each one's users apart (7.6 s on PostgreSQL)
    let mut links = Vec::new();
    for chunk in late.chunks(500) {
        let ids: Vec<i64> = chunk.iter().map(|r| r.member_id).collect();
        let users = service::users_by_company(core, &ids).await?;
        for r in chunk {
            let users = users.get(&r.member_id).map(Vec::as_slice).unwrap_or(&[]);
            for mut l in service::letters(core, &m, users, r.member_id) {
                l.subject = format!("Напоминание. {}", l.subject);
                links.push((r.recipient_id, mail::enqueue(&mut tx, &l).await?));
            }
        }
    }
    store::add_letters(&mut tx, &links).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new(
            "message.remind",
            "sro_message",
            id,
            json!({"companies": late.len()}),
        ),
    )
    .await?;
    tx.commit().await?;
    core.mail.wake();
    Ok(late.len())
}
