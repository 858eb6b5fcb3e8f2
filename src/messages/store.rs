//! SQL of the SRO's messages, their files, recipients and letters. Reads `members` (the
//! selection, names in the receipts), `files` (names of attachments) and `outbox` (what SMTP
//! answered for each letter).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use super::model::ReceiptShow;
use crate::db::{Db, DbResult, Tx, placeholders};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub number: Option<String>,
    pub subject: String,
    pub body: String,
    pub category: String,
    pub requires_ack: bool,
    pub answer_due: Option<NaiveDate>,
    pub audience: String,
    pub audience_label: String,
    pub state: String,
    pub recipients: i64,
    /// Companies delivered, opened, acknowledged (kept by the transactions that change them).
    pub delivered_count: i64,
    pub opened_count: i64,
    pub acked_count: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

const COLS: &str = "id, number, subject, body, category, requires_ack, answer_due, audience, audience_label, \
    state, recipients, delivered_count, opened_count, acked_count, created_by, created_at, sent_at";

pub struct NewMessage<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub category: &'a str,
    pub requires_ack: bool,
    pub answer_due: Option<NaiveDate>,
    pub audience: &'a str,
    pub audience_label: &'a str,
}

pub async fn insert_draft(
    tx: &mut Tx,
    m: &NewMessage<'_>,
    user_id: Option<i64>,
    by: &str,
) -> DbResult<i64> {
    let sql = "INSERT INTO sro_messages (subject, body, category, requires_ack, answer_due, audience, audience_label, \
               state, created_by_user_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9, $10) \
               RETURNING id";
    let now = tx.now;
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(m.subject).bind(m.body).bind(m.category)
        .bind(m.requires_ack).bind(m.answer_due).bind(m.audience).bind(m.audience_label).bind(user_id).bind(by)
        .bind(now).fetch_one(c).await?),
    )
}

pub async fn message(db: &Db, id: i64) -> DbResult<Option<MessageRow>> {
    let sql = format!("SELECT {COLS} FROM sro_messages WHERE id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, MessageRow>(&sql).bind(id).fetch_optional(p).await?))
}

/// A journal row: the message and how far it got.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JournalRow {
    pub id: i64,
    pub number: Option<String>,
    pub subject: String,
    pub category: String,
    pub state: String,
    pub audience_label: String,
    pub requires_ack: bool,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub recipients: i64,
    pub delivered: i64,
    pub opened: i64,
    pub acked: i64,
}

pub async fn journal(db: &Db, limit: i64) -> DbResult<Vec<JournalRow>> {
    // The counts live on the message (0028): counting a mailing's recipients here read 10 000
    // rows a view while the delivery rewrote them.
    let sql = "SELECT id, number, subject, category, state, audience_label, requires_ack, created_at, sent_at, \
               recipients, delivered_count AS delivered, opened_count AS opened, acked_count AS acked \
               FROM sro_messages ORDER BY id DESC LIMIT $1";
    Ok(on_db!(db, p => sqlx::query_as::<_, JournalRow>(sql).bind(limit).fetch_all(p).await?))
}

pub async fn add_file(tx: &mut Tx, message_id: i64, file_id: i64) -> DbResult<()> {
    let sql = "INSERT INTO sro_message_files (message_id, file_id, position) \
               VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM sro_message_files WHERE message_id = $1))";
    on_tx!(tx, c => sqlx::query(sql).bind(message_id).bind(file_id).execute(c).await?.rows_affected());
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub id: i64,
    pub original_name: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub storage_key: String,
    /// A signature's row: the file it signs, who signed, the verdict (`valid`, `foreign`,
    /// `unchecked`).
    pub signs_file_id: Option<i64>,
    pub signer: String,
    pub sig_verdict: String,
}

pub async fn files(db: &Db, message_id: i64) -> DbResult<Vec<FileRow>> {
    let sql = "SELECT f.id, f.original_name, f.size_bytes, f.media_type, f.storage_key, mf.signs_file_id, \
               mf.signer, mf.sig_verdict FROM sro_message_files mf \
               JOIN files f ON f.id = mf.file_id WHERE mf.message_id = $1 ORDER BY mf.position";
    Ok(on_db!(db, p => sqlx::query_as::<_, FileRow>(sql).bind(message_id).fetch_all(p).await?))
}

/// Member ids of a selection: `filter` is a WHERE clause over `members m` with `$1…`.
pub async fn select_members(db: &Db, filter: &str, binds: &[String]) -> DbResult<Vec<i64>> {
    let sql = format!(
        "SELECT m.id FROM members m WHERE m.status IN ('member', 'suspended') AND ({filter}) ORDER BY m.id"
    );
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for b in binds {
            q = q.bind(b);
        }
        q.fetch_all(p).await?
    }))
}

/// Members whose INN or register number is in `list`.
pub async fn members_in_list(db: &Db, list: &[String]) -> DbResult<Vec<i64>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let ph = placeholders(1, list.len());
    select_members(
        db,
        &format!("m.inn IN ({ph}) OR m.register_number IN ({ph})"),
        list,
    )
    .await
}

/// Users of the companies a message would reach, by company: (member, role) of each active one.
pub async fn users_of(db: &Db, members: &[i64]) -> DbResult<Vec<(i64, String)>> {
    let mut out = Vec::new();
    for chunk in members.chunks(500) {
        let sql = format!(
            "SELECT member_id, member_role FROM users WHERE kind = 'member' AND is_blocked = $1 AND member_id IN ({})",
            placeholders(2, chunk.len())
        );
        let rows: Vec<(i64, String)> = on_db!(db, p => {
            let mut q = sqlx::query_as::<_, (i64, String)>(&sql).bind(false);
            for m in chunk {
                q = q.bind(m);
            }
            q.fetch_all(p).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// Sending: the draft gets its number and recipients (only once: `state = 'draft'`).
pub async fn start_sending(tx: &mut Tx, id: i64, number: &str, members: &[i64]) -> DbResult<bool> {
    let sql = "UPDATE sro_messages SET state = 'sending', number = $2, recipients = $3, sent_at = $4 \
               WHERE id = $1 AND state = 'draft'";
    let now = tx.now;
    let n = on_tx!(tx, c => sqlx::query(sql).bind(id).bind(number).bind(members.len() as i64).bind(now)
        .execute(c).await?.rows_affected());
    if n == 0 {
        return Ok(false);
    }
    for chunk in members.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${}, 'pending')", i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO sro_message_recipients (message_id, member_id, state) VALUES {}",
            values.join(", ")
        );
        on_tx!(tx, c => {
            let mut q = sqlx::query(&sql).bind(id);
            for m in chunk {
                q = q.bind(m);
            }
            q.execute(c).await?.rows_affected()
        });
    }
    Ok(true)
}

/// (recipient, message, member) still to deliver, oldest first.
pub async fn pending(db: &Db, limit: i64) -> DbResult<Vec<(i64, i64, i64)>> {
    let sql = "SELECT id, message_id, member_id FROM sro_message_recipients WHERE state = 'pending' ORDER BY id LIMIT $1";
    Ok(on_db!(db, p => sqlx::query_as::<_, (i64, i64, i64)>(sql).bind(limit).fetch_all(p).await?))
}

/// Take a recipient for delivery with the count of the letters its users get; false when
/// another worker did. One write of the company's row per delivery: the state is indexed, so
/// each update gives the row new entries in every index the staff's pages read (a second
/// update for the count doubled them while a mailing ran).
pub async fn take(tx: &mut Tx, recipient: i64, letters: i64) -> DbResult<bool> {
    let sql = "UPDATE sro_message_recipients SET state = 'delivered', delivered_at = $2, letters = $3 \
        WHERE id = $1 AND state = 'pending'";
    let now = tx.now;
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(recipient).bind(now).bind(letters).execute(c).await?
        .rows_affected())
            == 1,
    )
}

/// The letters of taken companies (recipient, outbox row), in one statement per batch; their
/// count went with `take`.
pub async fn link_letters(tx: &mut Tx, links: &[(i64, i64)]) -> DbResult<()> {
    // two parameters a row: SQLite's limit of 32 766 is far off for a batch of companies
    for chunk in links.chunks(500) {
        let values = (0..chunk.len())
            .map(|i| format!("({})", placeholders(2 * i + 1, 2)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql =
            format!("INSERT INTO sro_message_letters (recipient_id, outbox_id) VALUES {values}");
        on_tx!(tx, c => {
            let mut q = sqlx::query(&sql).persistent(false);
            for (recipient, outbox) in chunk {
                q = q.bind(recipient).bind(outbox);
            }
            q.execute(c).await?.rows_affected()
        });
    }
    Ok(())
}

/// Letters more for companies already delivered («Напомнить»): linked and counted.
pub async fn add_letters(tx: &mut Tx, links: &[(i64, i64)]) -> DbResult<()> {
    link_letters(tx, links).await?;
    // `letters + n`, not a count of the links: on PostgreSQL an update that waited for another
    // reminder's re-reads the row it changed, while a count would see the links as they were
    // before that reminder (its letters linked but not counted)
    let mut added: BTreeMap<i64, i64> = BTreeMap::new();
    for (recipient, _) in links {
        *added.entry(*recipient).or_default() += 1;
    }
    let mut by_n: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (recipient, n) in added {
        by_n.entry(n).or_default().push(recipient);
    }
    for (n, recipients) in by_n {
        for chunk in recipients.chunks(500) {
            let sql = format!(
                "UPDATE sro_message_recipients SET letters = letters + $1 WHERE id IN ({})",
                placeholders(2, chunk.len())
            );
            on_tx!(tx, c => {
                let mut q = sqlx::query(&sql).persistent(false).bind(n);
                for r in chunk {
                    q = q.bind(r);
                }
                q.execute(c).await?.rows_affected()
            });
        }
    }
    Ok(())
}

/// `n` more companies of the message delivered, in the transaction that took them.
pub async fn count_delivered(tx: &mut Tx, message_id: i64, n: i64) -> DbResult<()> {
    let sql = "UPDATE sro_messages SET delivered_count = delivered_count + $2 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(message_id).bind(n).execute(c).await?.rows_affected());
    Ok(())
}

/// PostgreSQL's statistics of the companies' rows, refreshed after a mailing fixed thousands at
/// once. Until autovacuum's next round (up to a minute) the planner took a large mailing for a
/// few rows, and a page of its receipts sorted all of them (15 ms a view at 10 000 companies,
/// p50 170 ms under load while the delivery wrote them) instead of walking 50 names. SQLite's
/// plan is fixed in the query (`receipts_page`) and keeps no statistics to refresh.
pub async fn refresh_statistics(db: &Db) -> DbResult<()> {
    if db.is_postgres() {
        on_db!(db, p => sqlx::query("ANALYZE sro_message_recipients").execute(p).await?.rows_affected());
    }
    Ok(())
}

/// The message is sent when no company waits.
pub async fn finish(db: &Db, id: i64) -> DbResult<()> {
    let sql = "UPDATE sro_messages SET state = 'sent' WHERE id = $1 AND state = 'sending' AND NOT EXISTS \
               (SELECT 1 FROM sro_message_recipients r WHERE r.message_id = $1 AND r.state = 'pending')";
    on_db!(db, p => sqlx::query(sql).bind(id).execute(p).await?.rows_affected());
    Ok(())
}

/// A company's copy of a message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InboxRow {
    pub recipient_id: i64,
    pub message_id: i64,
    pub number: Option<String>,
    pub subject: String,
    pub body: String,
    pub category: String,
    pub requires_ack: bool,
    pub answer_due: Option<NaiveDate>,
    pub sent_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    pub acked_at: Option<DateTime<Utc>>,
    pub acked_by_name: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

const INBOX: &str = "SELECT r.id AS recipient_id, m.id AS message_id, m.number, m.subject, m.body, m.category, \
    m.requires_ack, m.answer_due, m.sent_at, r.opened_at, r.acked_at, u.full_name AS acked_by_name, r.answered_at \
    FROM sro_message_recipients r JOIN sro_messages m ON m.id = r.message_id \
    LEFT JOIN users u ON u.id = r.acked_by WHERE r.member_id = $1";

/// The company's messages: not yet opened first, then newest first.
pub async fn inbox(db: &Db, member_id: i64) -> DbResult<Vec<InboxRow>> {
    let sql = format!(
        "{INBOX} ORDER BY CASE WHEN r.opened_at IS NULL THEN 0 ELSE 1 END, m.sent_at DESC, m.id DESC LIMIT 500"
    );
    Ok(on_db!(db, p => sqlx::query_as::<_, InboxRow>(&sql).bind(member_id).fetch_all(p).await?))
}

pub async fn copy_of(db: &Db, member_id: i64, message_id: i64) -> DbResult<Option<InboxRow>> {
    let sql = format!("{INBOX} AND m.id = $2");
    Ok(
        on_db!(db, p => sqlx::query_as::<_, InboxRow>(&sql).bind(member_id).bind(message_id).fetch_optional(p).await?),
    )
}

/// First opening (who, when); false when it was opened before. The message's count rises in
/// the same transaction.
pub async fn mark_opened(tx: &mut Tx, recipient: i64, user_id: i64) -> DbResult<bool> {
    let sql = "UPDATE sro_message_recipients SET opened_at = $2, opened_by = $3 WHERE id = $1 AND opened_at IS NULL";
    let now = tx.now;
    let first = on_tx!(tx, c => sqlx::query(sql).bind(recipient).bind(now).bind(user_id).execute(c).await?.rows_affected())
        == 1;
    if first {
        count(tx, recipient, "opened_count").await?;
    }
    Ok(first)
}

/// The first acknowledgement; false when the company had acknowledged. Acknowledging opens the
/// copy too when nobody had (the opening's count rises then).
pub async fn mark_acked(tx: &mut Tx, recipient: i64, user_id: i64) -> DbResult<bool> {
    let sql = "UPDATE sro_message_recipients SET acked_at = $2, acked_by = $3 WHERE id = $1 AND acked_at IS NULL";
    let now = tx.now;
    let first = on_tx!(tx, c => sqlx::query(sql).bind(recipient).bind(now).bind(user_id).execute(c).await?.rows_affected())
        == 1;
    if first {
        count(tx, recipient, "acked_count").await?;
        mark_opened(tx, recipient, user_id).await?;
    }
    Ok(first)
}

/// One more on the recipient's message's `column` (a constant of this module).
async fn count(tx: &mut Tx, recipient: i64, column: &str) -> DbResult<()> {
    let sql = format!(
        "UPDATE sro_messages SET {column} = {column} + 1 \
         WHERE id = (SELECT message_id FROM sro_message_recipients WHERE id = $1)"
    );
    on_tx!(tx, c => sqlx::query(&sql).bind(recipient).execute(c).await?.rows_affected());
    Ok(())
}

/// A company's receipt for a message, for staff.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReceiptRow {
    pub recipient_id: i64,
    pub member_id: i64,
    pub short_name: String,
    pub inn: String,
    pub state: String,
    pub letters: i64,
    /// Filled by `add_outcomes`.
    #[sqlx(skip)]
    pub letters_sent: i64,
    #[sqlx(skip)]
    pub letters_failed: i64,
    pub delivered_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    pub opened_by_name: Option<String>,
    pub acked_at: Option<DateTime<Utc>>,
    pub acked_by_name: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answer_item_id: Option<i64>,
}

const RECEIPTS: &str = "SELECT r.id AS recipient_id, r.member_id, m.short_name, m.inn, r.state, r.letters, \
    r.delivered_at, r.opened_at, uo.full_name AS opened_by_name, r.acked_at, ua.full_name AS acked_by_name, \
    r.answered_at, r.answer_item_id \
    FROM sro_message_recipients r JOIN members m ON m.id = r.member_id \
    LEFT JOIN users uo ON uo.id = r.opened_by LEFT JOIN users ua ON ua.id = r.acked_by";

/// Every company of the message (the CSV, «Напомнить»), without what SMTP answered for their
/// letters (`letters_sent` and `letters_failed` stay 0: neither of them shows it).
pub async fn receipts(db: &Db, message_id: i64) -> DbResult<Vec<ReceiptRow>> {
    let sql = format!("{RECEIPTS} WHERE r.message_id = $1 ORDER BY m.short_name, m.id");
    Ok(on_db!(db, p => sqlx::query_as::<_, ReceiptRow>(&sql).bind(message_id).fetch_all(p).await?))
}

/// What SMTP answered for the letters of `rows`.
///
/// Read apart from the companies' rows and planned at every execution (`persistent(false)`):
/// a mailing grows the letters and the outbox from next to nothing within seconds, and a plan
/// cached on a connection while they were small scanned both whole for every company of a page
/// until autovacuum's next analyze (PostgreSQL: 250-700 ms a page during a mailing to 10 000
/// companies, 2 ms after). This statement is small, so planning it each time is cheap; the
/// companies' rows keep their cached plan. CROSS JOIN fixes SQLite's order (companies, their
/// letters, the outbox by id): led by the outbox's index by status it walked every letter sent.
async fn add_outcomes(db: &Db, rows: &mut [ReceiptRow]) -> DbResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT l.recipient_id, o.status, COUNT(*) FROM sro_message_letters l CROSS JOIN outbox o \
         WHERE l.recipient_id IN ({}) AND o.id = l.outbox_id GROUP BY l.recipient_id, o.status",
        placeholders(1, rows.len())
    );
    let found: Vec<(i64, String, i64)> = on_db!(db, p => {
        let mut q = sqlx::query_as(&sql).persistent(false);
        for r in rows.iter() {
            q = q.bind(r.recipient_id);
        }
        q.fetch_all(p).await?
    });
    let mut by_recipient: HashMap<i64, (i64, i64)> = HashMap::new();
    for (recipient, status, n) in found {
        let e = by_recipient.entry(recipient).or_default();
        match status.as_str() {
            "sent" => e.0 += n,
            "failed" => e.1 += n,
            _ => {}
        }
    }
    for r in rows {
        (r.letters_sent, r.letters_failed) = by_recipient
            .get(&r.recipient_id)
            .copied()
            .unwrap_or_default();
    }
    Ok(())
}

/// A page of the companies `show` picks whose name or numbers contain `query` (lower-case,
/// without LIKE's wildcards; empty: any), and how many there are in all (`all`, the message's
/// count of companies, when nothing is filtered: not counted again).
pub async fn receipts_page(
    db: &Db,
    message_id: i64,
    (show, query): (ReceiptShow, &str),
    all: i64,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<ReceiptRow>, i64)> {
    let filtered = show != ReceiptShow::All || !query.is_empty();
    let mut cond = String::from("r.message_id = $1 AND ($2 = '' OR m.search_text LIKE $3)");
    cond.push_str(match show {
        ReceiptShow::All => "",
        ReceiptShow::Waiting => " AND r.state = 'pending'",
        ReceiptShow::Unread => " AND r.state = 'delivered' AND r.opened_at IS NULL",
        ReceiptShow::Unacked => " AND r.state = 'delivered' AND r.acked_at IS NULL",
        ReceiptShow::Answered => " AND r.answered_at IS NOT NULL",
        ReceiptShow::MailFailed => {
            " AND EXISTS (SELECT 1 FROM sro_message_letters l WHERE l.recipient_id = r.id \
             AND (SELECT o.status FROM outbox o WHERE o.id = l.outbox_id) = 'failed')"
        }
        ReceiptShow::NoLetters => " AND r.state = 'delivered' AND r.letters = 0",
    });
    let like = format!("%{query}%");
    // The page's companies first, then the details of these fifty by their ids (as one query
    // with `IN (subquery)`, PostgreSQL scanned every row of the mailing to match them). Members
    // are walked in name order and each probed for a row of the message (CROSS JOIN fixes that
    // order on SQLite, which otherwise sorted all of a large mailing's companies for a page;
    // PostgreSQL plans it either way by itself).
    let ids_sql = format!(
        "SELECT r.id FROM members m CROSS JOIN sro_message_recipients r \
         WHERE r.member_id = m.id AND {cond} ORDER BY m.short_name, m.id LIMIT $4 OFFSET $5"
    );
    let total_sql = format!(
        "SELECT COUNT(*) FROM sro_message_recipients r JOIN members m ON m.id = r.member_id WHERE {cond}"
    );
    // the filter by failed letters reads the letters and the outbox: planned each time, like
    // `add_outcomes`
    let cached = show != ReceiptShow::MailFailed;
    let ids: Vec<i64> = on_db!(db, p => sqlx::query_scalar::<_, i64>(&ids_sql).persistent(cached)
        .bind(message_id).bind(query).bind(&like).bind(limit).bind(offset).fetch_all(p).await?);
    let mut list = if ids.is_empty() {
        Vec::new()
    } else {
        let sql = format!(
            "{RECEIPTS} WHERE r.id IN ({}) ORDER BY m.short_name, m.id",
            placeholders(1, ids.len())
        );
        on_db!(db, p => {
            let mut q = sqlx::query_as::<_, ReceiptRow>(&sql);
            for id in &ids {
                q = q.bind(id);
            }
            q.fetch_all(p).await?
        })
    };
    add_outcomes(db, &mut list).await?;
    let total = if filtered {
        on_db!(db, p => sqlx::query_scalar::<_, i64>(&total_sql).persistent(cached).bind(message_id)
            .bind(query).bind(&like).fetch_one(p).await?)
    } else {
        all
    };
    Ok((list, total))
}

/// The company's answer (the first one counts); false when it had answered already.
pub async fn mark_answered(
    tx: &mut Tx,
    member_id: i64,
    message_id: i64,
    item_id: i64,
) -> DbResult<bool> {
    let now = tx.now();
    let sql = "UPDATE sro_message_recipients SET answered_at = $3, answer_item_id = $4 \
               WHERE member_id = $1 AND message_id = $2 AND answered_at IS NULL";
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(member_id).bind(message_id).bind(now).bind(item_id)
        .execute(c).await?.rows_affected())
            == 1,
    )
}

/// Live members who have not sent the section (sent, registered or accepted; a returned one
/// counts as not sent), admitted by its deadline. A read of `items`, `report_sections` and
/// `report_campaigns`.
pub async fn unsent(db: &Db, section_id: i64) -> DbResult<Vec<i64>> {
    let sql = "SELECT m.id FROM members m JOIN report_sections s ON s.id = $1 \
               JOIN report_campaigns c ON c.id = s.campaign_id \
               WHERE m.status IN ('member', 'suspended') AND m.admitted_on <= COALESCE(s.deadline, c.deadline) \
               AND NOT EXISTS (SELECT 1 FROM items i WHERE i.member_id = m.id AND i.section_id = s.id \
               AND i.status IN ('sent', 'registered', 'accepted')) ORDER BY m.id";
    Ok(on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(section_id).fetch_all(p).await?))
}

/// The sections of campaigns due from `from` on: (id, year, title).
pub async fn open_sections(db: &Db, from: chrono::NaiveDate) -> DbResult<Vec<(i64, i32, String)>> {
    let sql = "SELECT s.id, c.year, s.title FROM report_sections s JOIN report_campaigns c ON c.id = s.campaign_id \
               WHERE NOT s.retired AND c.deadline >= $1 ORDER BY c.year DESC, s.position";
    Ok(on_db!(db, p => sqlx::query_as::<_, (i64, i32, String)>(sql).bind(from).fetch_all(p).await?))
}

/// A detached signature of a message's file.
pub async fn add_signature(
    tx: &mut Tx,
    message_id: i64,
    file_id: i64,
    signs: i64,
    signer: &str,
    verdict: &str,
) -> DbResult<()> {
    let sql = "INSERT INTO sro_message_files (message_id, file_id, position, signs_file_id, signer, sig_verdict) \
               VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM sro_message_files WHERE message_id = $1), $3, $4, $5)";
    on_tx!(tx, c => sqlx::query(sql).bind(message_id).bind(file_id).bind(signs).bind(signer).bind(verdict)
        .execute(c).await?.rows_affected());
    Ok(())
}
