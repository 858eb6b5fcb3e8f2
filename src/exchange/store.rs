//! SQL of items, their files, events and numerators.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::{Item, ItemFile};
use crate::db::{Db, DbResult, Tx};
use crate::{on_db, on_tx};

const SELECT_ITEM: &str = "SELECT i.id, i.member_id, i.kind, i.section_id, i.subject, i.body, i.document_date, \
    i.status, i.supersedes_id, i.created_by, i.created_at, i.updated_at, i.sent_at, i.sent_by, i.incoming_number, \
    i.registered_on, i.registered_at, i.reviewed_at, i.review_comment, i.outgoing_number FROM items i";

const SELECT_ITEM_FILE: &str = "SELECT x.id, x.item_id, x.position, x.file_id, f.original_name AS name, \
    f.size_bytes, f.media_type, f.sha256, f.streebog256, x.signature_file_id, s.original_name AS sig_name, \
    s.size_bytes AS sig_size, x.sig_verdict, x.sig_signer, x.sig_inn, x.sig_valid_to, x.sig_refused, \
    x.sig_findings FROM item_files x JOIN files f ON f.id = x.file_id LEFT JOIN files s ON s.id = x.signature_file_id";

pub struct NewItem<'a> {
    pub member_id: i64,
    pub kind: &'a str,
    pub section_id: Option<i64>,
    pub subject: &'a str,
    pub body: &'a str,
    pub document_date: Option<NaiveDate>,
    pub supersedes_id: Option<i64>,
    pub created_by: i64,
}

pub async fn insert_item(tx: &mut Tx, i: &NewItem<'_>) -> DbResult<i64> {
    let sql = "INSERT INTO items (member_id, kind, section_id, subject, body, document_date, status, supersedes_id, \
               created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $9) RETURNING id";
    let now = tx.now();
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(i.member_id)
        .bind(i.kind)
        .bind(i.section_id)
        .bind(i.subject)
        .bind(i.body)
        .bind(i.document_date)
        .bind(i.supersedes_id)
        .bind(i.created_by)
        .bind(now)
        .fetch_one(c)
        .await?))
}

pub async fn item(db: &Db, id: i64) -> DbResult<Option<Item>> {
    let sql = format!("{SELECT_ITEM} WHERE i.id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, Item>(&sql).bind(id).fetch_optional(p).await?))
}

/// The item if it is the member's: another company's item is as absent as a missing one.
pub async fn item_of_member(db: &Db, member_id: i64, id: i64) -> DbResult<Option<Item>> {
    let sql = format!("{SELECT_ITEM} WHERE i.id = $1 AND i.member_id = $2");
    Ok(
        on_db!(db, p => sqlx::query_as::<_, Item>(&sql).bind(id).bind(member_id).fetch_optional(p).await?),
    )
}

/// The item if it was sent to the SRO: staff never see a member's drafts.
pub async fn sent_item(db: &Db, id: i64) -> DbResult<Option<Item>> {
    let sql = format!("{SELECT_ITEM} WHERE i.id = $1 AND i.status <> 'draft'");
    Ok(on_db!(db, p => sqlx::query_as::<_, Item>(&sql).bind(id).fetch_optional(p).await?))
}

/// Lock an item in `status` for the rest of the transaction (touching `updated_at`), or None
/// when it is not in that status (any more) or not the member's.
pub async fn lock_item(
    tx: &mut Tx,
    id: i64,
    member_id: Option<i64>,
    status: &str,
) -> DbResult<Option<Item>> {
    let sql = "UPDATE items SET updated_at = $1 WHERE id = $2 AND status = $3 AND ($4 IS NULL OR member_id = $4) \
               RETURNING id, member_id, kind, section_id, subject, body, document_date, status, supersedes_id, \
               created_by, created_at, updated_at, sent_at, sent_by, incoming_number, registered_on, registered_at, \
               reviewed_at, review_comment, outgoing_number";
    let now = tx.now();
    Ok(on_tx!(tx, c => sqlx::query_as::<_, Item>(sql)
        .bind(now)
        .bind(id)
        .bind(status)
        .bind(member_id)
        .fetch_optional(c)
        .await?))
}

pub async fn update_draft(
    tx: &mut Tx,
    id: i64,
    subject: &str,
    body: &str,
    document_date: Option<NaiveDate>,
) -> DbResult<()> {
    let sql = "UPDATE items SET subject = $1, body = $2, document_date = $3 WHERE id = $4 AND status = 'draft'";
    on_tx!(tx, c => sqlx::query(sql).bind(subject).bind(body).bind(document_date).bind(id).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn delete_draft(tx: &mut Tx, id: i64) -> DbResult<u64> {
    Ok(
        on_tx!(tx, c => sqlx::query("DELETE FROM items WHERE id = $1 AND status = 'draft'").bind(id).execute(c).await?.rows_affected()),
    )
}

pub async fn mark_sent(
    tx: &mut Tx,
    id: i64,
    by: i64,
    at: DateTime<Utc>,
    number: &str,
) -> DbResult<u64> {
    let sql = "UPDATE items SET status = 'sent', sent_at = $1, sent_by = $2, updated_at = $1, outgoing_number = $4 \
               WHERE id = $3 AND status = 'draft'";
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(at).bind(by).bind(id).bind(number).execute(c).await?.rows_affected()),
    )
}

pub struct Registration<'a> {
    pub year: i32,
    pub seq: i64,
    pub number: &'a str,
    pub on: NaiveDate,
    pub by: i64,
    pub at: DateTime<Utc>,
}

pub async fn mark_registered(tx: &mut Tx, id: i64, r: &Registration<'_>) -> DbResult<u64> {
    let sql = "UPDATE items SET status = 'registered', incoming_year = $1, incoming_seq = $2, incoming_number = $3, \
               registered_on = $4, registered_by = $5, registered_at = $6, updated_at = $6 WHERE id = $7 AND status = 'sent'";
    Ok(on_tx!(tx, c => sqlx::query(sql)
        .bind(r.year)
        .bind(r.seq)
        .bind(r.number)
        .bind(r.on)
        .bind(r.by)
        .bind(r.at)
        .bind(id)
        .execute(c)
        .await?
        .rows_affected()))
}

pub async fn mark_reviewed(
    tx: &mut Tx,
    id: i64,
    status: &str,
    by: i64,
    comment: &str,
    at: DateTime<Utc>,
) -> DbResult<u64> {
    let sql = "UPDATE items SET status = $1, reviewed_by = $2, reviewed_at = $3, review_comment = $4, updated_at = $3 \
               WHERE id = $5 AND status = 'registered'";
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(status).bind(by).bind(at).bind(comment).bind(id).execute(c).await?.rows_affected()),
    )
}

pub async fn item_files(db: &Db, item_id: i64) -> DbResult<Vec<ItemFile>> {
    items_files(db, &[item_id]).await
}

pub async fn item_files_tx(tx: &mut Tx, item_id: i64) -> DbResult<Vec<ItemFile>> {
    let sql = format!("{SELECT_ITEM_FILE} WHERE x.item_id = $1 ORDER BY x.position, x.id");
    Ok(on_tx!(tx, c => sqlx::query_as::<_, ItemFile>(&sql).bind(item_id).fetch_all(c).await?))
}

/// Files of several items at once (a journal page: one query for all its rows).
pub async fn items_files(db: &Db, item_ids: &[i64]) -> DbResult<Vec<ItemFile>> {
    if item_ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "{SELECT_ITEM_FILE} WHERE x.item_id IN ({}) ORDER BY x.item_id, x.position, x.id",
        crate::db::placeholders(1, item_ids.len())
    );
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_as::<_, ItemFile>(&sql);
        for id in item_ids {
            q = q.bind(id);
        }
        q.fetch_all(p).await?
    }))
}

pub struct NewItemFile<'a> {
    pub item_id: i64,
    pub file_id: i64,
    pub position: i64,
    pub signature: Option<SignatureRecord<'a>>,
    /// Why the signature sent with it was refused.
    pub sig_refused: Option<&'a str>,
}

pub struct SignatureRecord<'a> {
    pub file_id: i64,
    pub verdict: &'a str,
    pub signer: &'a str,
    pub inn: &'a str,
    pub valid_to: Option<NaiveDate>,
    pub findings: &'a str,
}

pub async fn add_item_file(tx: &mut Tx, f: &NewItemFile<'_>) -> DbResult<i64> {
    let sql = "INSERT INTO item_files (item_id, file_id, position, signature_file_id, sig_verdict, sig_signer, sig_inn, \
               sig_valid_to, sig_refused, sig_findings) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
    let s = f.signature.as_ref();
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(f.item_id)
        .bind(f.file_id)
        .bind(f.position)
        .bind(s.map(|s| s.file_id))
        .bind(s.map(|s| s.verdict))
        .bind(s.map(|s| s.signer).unwrap_or(""))
        .bind(s.map(|s| s.inn).unwrap_or(""))
        .bind(s.and_then(|s| s.valid_to))
        .bind(f.sig_refused)
        .bind(s.map(|s| s.findings).unwrap_or(""))
        .fetch_one(c)
        .await?))
}

/// Mark (or, with `None`, clear) a draft file's refused signature.
pub async fn set_sig_refused(
    tx: &mut Tx,
    item_file_id: i64,
    item_id: i64,
    why: Option<&str>,
) -> DbResult<u64> {
    let sql = "UPDATE item_files SET sig_refused = $1 WHERE id = $2 AND item_id = $3";
    Ok(
        on_tx!(tx, c => sqlx::query(sql).bind(why).bind(item_file_id).bind(item_id).execute(c).await?.rows_affected()),
    )
}

pub async fn set_signature(
    tx: &mut Tx,
    item_file_id: i64,
    item_id: i64,
    s: &SignatureRecord<'_>,
) -> DbResult<u64> {
    // an accepted signature ends a refusal's mark
    let sql = "UPDATE item_files SET signature_file_id = $1, sig_verdict = $2, sig_signer = $3, sig_inn = $4, \
               sig_valid_to = $5, sig_refused = NULL, sig_findings = $8 WHERE id = $6 AND item_id = $7";
    Ok(on_tx!(tx, c => sqlx::query(sql)
        .bind(s.file_id)
        .bind(s.verdict)
        .bind(s.signer)
        .bind(s.inn)
        .bind(s.valid_to)
        .bind(item_file_id)
        .bind(item_id)
        .bind(s.findings)
        .execute(c)
        .await?
        .rows_affected()))
}

pub async fn remove_item_file(tx: &mut Tx, item_id: i64, item_file_id: i64) -> DbResult<u64> {
    Ok(
        on_tx!(tx, c => sqlx::query("DELETE FROM item_files WHERE id = $1 AND item_id = $2")
        .bind(item_file_id)
        .bind(item_id)
        .execute(c)
        .await?
        .rows_affected()),
    )
}

/// One line of an item's history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub status: String,
    pub actor: Option<String>,
    pub comment: String,
    pub at: DateTime<Utc>,
}

pub async fn insert_event(
    tx: &mut Tx,
    item_id: i64,
    status: &str,
    actor_id: Option<i64>,
    comment: &str,
) -> DbResult<()> {
    let sql = "INSERT INTO item_events (item_id, status, actor_id, comment, at) VALUES ($1, $2, $3, $4, $5)";
    let now = tx.now();
    on_tx!(tx, c => sqlx::query(sql).bind(item_id).bind(status).bind(actor_id).bind(comment).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn events(db: &Db, item_id: i64) -> DbResult<Vec<EventRow>> {
    let sql = "SELECT e.status, u.full_name AS actor, e.comment, e.at FROM item_events e \
               LEFT JOIN users u ON u.id = e.actor_id WHERE e.item_id = $1 ORDER BY e.at, e.id";
    Ok(on_db!(db, p => sqlx::query_as::<_, EventRow>(sql).bind(item_id).fetch_all(p).await?))
}

/// The newest item of each section for a member (the section cards' status).
pub async fn latest_by_section(db: &Db, member_id: i64, campaign_id: i64) -> DbResult<Vec<Item>> {
    let sql = format!(
        "{SELECT_ITEM} JOIN report_sections s ON s.id = i.section_id WHERE i.member_id = $1 AND s.campaign_id = $2 \
         AND i.id = (SELECT MAX(j.id) FROM items j WHERE j.member_id = i.member_id AND j.section_id = i.section_id)"
    );
    Ok(
        on_db!(db, p => sqlx::query_as::<_, Item>(&sql).bind(member_id).bind(campaign_id).fetch_all(p).await?),
    )
}

/// Every item of a member for one section, newest first (its history on the card).
pub async fn section_items(db: &Db, member_id: i64, section_id: i64) -> DbResult<Vec<Item>> {
    let sql =
        format!("{SELECT_ITEM} WHERE i.member_id = $1 AND i.section_id = $2 ORDER BY i.id DESC");
    Ok(
        on_db!(db, p => sqlx::query_as::<_, Item>(&sql).bind(member_id).bind(section_id).fetch_all(p).await?),
    )
}

/// The member's letter drafts, newest first.
pub async fn letter_drafts(db: &Db, member_id: i64) -> DbResult<Vec<Item>> {
    let sql = format!(
        "{SELECT_ITEM} WHERE i.member_id = $1 AND i.kind = 'letter' AND i.status = 'draft' ORDER BY i.id DESC"
    );
    Ok(on_db!(db, p => sqlx::query_as::<_, Item>(&sql).bind(member_id).fetch_all(p).await?))
}

/// Filters of the journal (member side) and the inbox (staff side).
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub member_id: Option<i64>,
    pub kind: Option<&'static str>,
    pub status: Option<&'static str>,
    pub expert_id: Option<i64>,
    /// sent in this calendar year (UTC bounds are close enough for a filter)
    pub year: Option<i32>,
}

/// A journal or inbox row: the item plus the member's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    #[sqlx(flatten)]
    pub item: Item,
    pub member_name: String,
    pub member_inn: String,
    pub sender_name: Option<String>,
}

fn filter_sql(f: &ItemFilter) -> (String, Vec<FilterArg>) {
    let mut conds = vec!["i.status <> 'draft'".to_string()];
    let mut args = Vec::new();
    let mut n = 0;
    let mut next = |args: &mut Vec<FilterArg>, a: FilterArg| {
        args.push(a);
        n += 1;
        format!("${n}")
    };
    if let Some(m) = f.member_id {
        let p = next(&mut args, FilterArg::Int(m));
        conds.push(format!("i.member_id = {p}"));
    }
    if let Some(k) = f.kind {
        let p = next(&mut args, FilterArg::Text(k.to_string()));
        conds.push(format!("i.kind = {p}"));
    }
    if let Some(s) = f.status {
        let p = next(&mut args, FilterArg::Text(s.to_string()));
        conds.push(format!("i.status = {p}"));
    }
    if let Some(e) = f.expert_id {
        let p = next(&mut args, FilterArg::Int(e));
        conds.push(format!("m.expert_id = {p}"));
    }
    if let Some(y) = f.year {
        let from = NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc());
        let to = NaiveDate::from_ymd_opt(y + 1, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc());
        if let (Some(from), Some(to)) = (from, to) {
            let a = next(&mut args, FilterArg::Time(from));
            let b = next(&mut args, FilterArg::Time(to));
            conds.push(format!("i.sent_at >= {a} AND i.sent_at < {b}"));
        }
    }
    (conds.join(" AND "), args)
}

enum FilterArg {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                FilterArg::Int(v) => q.bind(*v),
                FilterArg::Text(v) => q.bind(v.clone()),
                FilterArg::Time(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// Sent items, newest first, one page; and how many there are in all.
pub async fn list_items(
    db: &Db,
    f: &ItemFilter,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<ItemRow>, i64)> {
    let (cond, args) = filter_sql(f);
    let cols = SELECT_ITEM.trim_end_matches(" FROM items i");
    let sql = format!(
        "{cols}, m.short_name AS member_name, m.inn AS member_inn, u.full_name AS sender_name \
         FROM items i JOIN members m ON m.id = i.member_id LEFT JOIN users u ON u.id = i.sent_by \
         WHERE {cond} ORDER BY i.sent_at DESC, i.id DESC LIMIT {limit} OFFSET {offset}"
    );
    let rows =
        on_db!(db, p => bind_args!(sqlx::query_as::<_, ItemRow>(&sql), &args).fetch_all(p).await?);
    let total = if f.expert_id.is_some() {
        // The expert's members: counted through the members table.
        let sql = format!(
            "SELECT COUNT(*) FROM items i JOIN members m ON m.id = i.member_id WHERE {cond}"
        );
        on_db!(db, p => bind_args!(sqlx::query_scalar::<_, i64>(&sql), &args).fetch_one(p).await?)
    } else {
        // The kept totals (`item_counts`): a sum of a few rows, not a count of thousands.
        let (cond, args) = totals_sql(f);
        let sql =
            format!("SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM item_counts c WHERE {cond}");
        on_db!(db, p => bind_args!(sqlx::query_scalar::<_, i64>(&sql), &args).fetch_one(p).await?)
    };
    Ok((rows, total))
}

/// The conditions of [`filter_sql`] on `item_counts` (no expert filter there).
fn totals_sql(f: &ItemFilter) -> (String, Vec<FilterArg>) {
    let mut conds = vec!["c.status <> 'draft'".to_string()];
    let mut args = Vec::new();
    if let Some(m) = f.member_id {
        args.push(FilterArg::Int(m));
        conds.push(format!("c.member_id = ${}", args.len()));
    }
    if let Some(k) = f.kind {
        args.push(FilterArg::Text(k.to_string()));
        conds.push(format!("c.kind = ${}", args.len()));
    }
    if let Some(s) = f.status {
        args.push(FilterArg::Text(s.to_string()));
        conds.push(format!("c.status = ${}", args.len()));
    }
    if let Some(y) = f.year {
        args.push(FilterArg::Int(i64::from(y)));
        conds.push(format!("c.year = ${}", args.len()));
    }
    (conds.join(" AND "), args)
}

/// The first and the last sending time of a member's items (the journal's year filter).
pub async fn sent_years(db: &Db, member_id: i64) -> DbResult<Vec<DateTime<Utc>>> {
    // Two subqueries, so each is one index lookup on (member_id, sent_at): with both
    // aggregates in one SELECT, SQLite scans the company's rows.
    let sql = "SELECT (SELECT MIN(sent_at) FROM items WHERE member_id = $1 AND sent_at IS NOT NULL), \
               (SELECT MAX(sent_at) FROM items WHERE member_id = $1 AND sent_at IS NOT NULL)";
    let (a, b): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) =
        on_db!(db, p => sqlx::query_as(sql).bind(member_id).fetch_one(p).await?);
    Ok(a.into_iter().chain(b).collect())
}

/// Where a stored file is attached (as a file or its signature): the company of the items,
/// and whether one of them was sent (anything but a draft). `None`: attached to no item.
pub async fn file_attachment(db: &Db, file_id: i64) -> DbResult<Option<(i64, bool)>> {
    // A file sits in one company's items only (a revision copies the row, not across
    // companies), so one row comes back.
    let sql = "SELECT i.member_id, MAX(CASE WHEN i.status <> 'draft' THEN 1 ELSE 0 END) \
               FROM item_files f JOIN items i ON i.id = f.item_id \
               WHERE f.file_id = $1 OR f.signature_file_id = $1 GROUP BY i.member_id";
    let row: Option<(i64, i32)> =
        on_db!(db, p => sqlx::query_as(sql).bind(file_id).fetch_optional(p).await?);
    Ok(row.map(|(m, sent)| (m, sent == 1)))
}

/// Who hears about a registration or review by mail: the user who sent the item, or, when
/// that user is blocked, the company's head; (id, e-mail, whether they want such letters).
pub async fn item_recipient(
    tx: &mut Tx,
    member_id: i64,
    sender: Option<i64>,
) -> DbResult<Option<(i64, String, bool)>> {
    let sql = "SELECT id, email, mail_notices FROM users WHERE member_id = $1 AND is_blocked = FALSE \
               AND (id = $2 OR member_role = 'head') ORDER BY CASE WHEN id = $2 THEN 0 ELSE 1 END, id LIMIT 1";
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, (i64, String, bool)>(sql).bind(member_id).bind(sender.unwrap_or(0)).fetch_optional(c).await?),
    )
}

const SECTION_DRAFT: &str = "SELECT id FROM items WHERE member_id = $1 AND section_id = $2 AND status = 'draft' \
    ORDER BY id DESC LIMIT 1";

/// The member's current draft of a section, if any.
pub async fn section_draft(db: &Db, member_id: i64, section_id: i64) -> DbResult<Option<i64>> {
    Ok(
        on_db!(db, c => sqlx::query_scalar::<_, i64>(SECTION_DRAFT).bind(member_id).bind(section_id).fetch_optional(c).await?),
    )
}

/// The same, inside a transaction that is about to write the draft.
pub async fn section_draft_tx(
    tx: &mut Tx,
    member_id: i64,
    section_id: i64,
) -> DbResult<Option<i64>> {
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>(SECTION_DRAFT).bind(member_id).bind(section_id).fetch_optional(c).await?),
    )
}

// ---- «Заявление об изменении сведений» ----------------------------------------------------

pub async fn insert_change_request(tx: &mut Tx, item_id: i64, proposal: &str) -> DbResult<()> {
    let sql = "INSERT INTO change_requests (item_id, proposal) VALUES ($1, $2)";
    on_tx!(tx, c => sqlx::query(sql).bind(item_id).bind(proposal).execute(c).await?.rows_affected());
    Ok(())
}

/// The proposal of an application and the register version its acceptance made.
pub async fn change_request(db: &Db, item_id: i64) -> DbResult<Option<(String, Option<i64>)>> {
    let sql = "SELECT proposal, applied_version FROM change_requests WHERE item_id = $1";
    Ok(
        on_db!(db, p => sqlx::query_as::<_, (String, Option<i64>)>(sql).bind(item_id).fetch_optional(p).await?),
    )
}

pub async fn change_request_tx(tx: &mut Tx, item_id: i64) -> DbResult<Option<String>> {
    let sql = "SELECT proposal FROM change_requests WHERE item_id = $1";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, String>(sql).bind(item_id).fetch_optional(c).await?))
}

pub async fn set_change_applied(tx: &mut Tx, item_id: i64, version: Option<i64>) -> DbResult<()> {
    let sql = "UPDATE change_requests SET applied_version = $2 WHERE item_id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(item_id).bind(version).execute(c).await?.rows_affected());
    Ok(())
}

/// The newest item that revises this one (its correction), if any.
pub async fn newer_version(db: &Db, id: i64) -> DbResult<Option<Item>> {
    let sql = format!("{SELECT_ITEM} WHERE i.supersedes_id = $1 ORDER BY i.id DESC LIMIT 1");
    Ok(on_db!(db, p => sqlx::query_as::<_, Item>(&sql).bind(id).fetch_optional(p).await?))
}

/// Registered items waiting for review since before `before` (of one expert's members, or all).
pub async fn overdue_reviews(
    db: &Db,
    before: DateTime<Utc>,
    expert_id: Option<i64>,
) -> DbResult<i64> {
    let sql = "SELECT COUNT(*) FROM items i JOIN members m ON m.id = i.member_id \
               WHERE i.status = 'registered' AND i.registered_at < $1 AND ($2 IS NULL OR m.expert_id = $2)";
    Ok(
        on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(before).bind(expert_id).fetch_one(p).await?),
    )
}

/// The SRO message a letter answers.
pub async fn set_answers(tx: &mut Tx, item_id: i64, message_id: i64) -> DbResult<()> {
    let sql = "UPDATE items SET answers_message_id = $2 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(item_id).bind(message_id).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn answers_of_tx(tx: &mut Tx, item_id: i64) -> DbResult<Option<i64>> {
    let sql = "SELECT answers_message_id FROM items WHERE id = $1";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, Option<i64>>(sql).bind(item_id).fetch_optional(c).await?).flatten())
}
