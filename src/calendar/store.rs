//! SQL of the calendar: the deadlines read where they live (a read model over the report
//! campaigns and items, the ledger, the register's lists and the SRO's messages: one query per
//! source for one company or for all), the reminder rules, the reminders sent, the calendar
//! feeds.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, DbResult, Tx, placeholders};
use crate::{on_db, on_tx};

use super::model::Rule;

/// One deadline as its source gives it; `n` means what the source says (a charge's open
/// kopecks, 1 for a renewed policy, an answered message's id).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SourceRow {
    /// The rule's code (`sections`…): which source the row came from.
    pub rule: String,
    pub member_id: i64,
    pub member_name: String,
    pub object_id: i64,
    pub name: String,
    pub detail: String,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    pub n: i64,
}

/// Members a deadline concerns: the live ones.
const LIVE: &str = "m.status IN ('member', 'suspended')";

fn source_sql(rule: Rule) -> &'static str {
    match rule {
        // A section is done by an item of it that was sent and not returned; a member admitted
        // after the deadline owes nothing.
        Rule::Sections => {
            "SELECT m.id AS member_id, s.id AS object_id, s.title AS name, \
            CAST(c.year AS TEXT) AS detail, COALESCE(s.deadline, c.deadline) AS due_on, \
            (SELECT MIN(i.sent_at) FROM items i WHERE i.member_id = m.id AND i.section_id = s.id \
             AND i.status IN ('sent', 'registered', 'accepted')) AS done_at, CAST(0 AS BIGINT) AS n \
            FROM report_sections s JOIN report_campaigns c ON c.id = s.campaign_id CROSS JOIN members m \
            WHERE NOT s.retired AND m.admitted_on <= COALESCE(s.deadline, c.deadline) \
            AND COALESCE(s.deadline, c.deadline) BETWEEN $1 AND $2"
        }
        // What is left of a charge (billing's ledger: reversals and allocations); a charge
        // reversed in full is not a deadline.
        Rule::Charges => {
            "SELECT c.member_id, c.id AS object_id, c.description AS name, c.period AS detail, \
            c.due_on, CAST(NULL AS TIMESTAMPTZ) AS done_at, \
            CAST(c.amount + COALESCE((SELECT SUM(r.amount) FROM charges r WHERE r.reverses_id = c.id), 0) \
            - COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.charge_id = c.id), 0) AS BIGINT) AS n \
            FROM charges c JOIN members m ON m.id = c.member_id \
            WHERE c.reverses_id IS NULL AND c.amount > 0 AND c.due_on BETWEEN $1 AND $2 \
            AND c.amount + COALESCE((SELECT SUM(r.amount) FROM charges r WHERE r.reverses_id = c.id), 0) > 0"
        }
        // A policy is renewed when the member has one that ends later.
        Rule::Policies => {
            "SELECT p.member_id, p.id AS object_id, p.insurer AS name, p.contract AS detail, \
            p.valid_to AS due_on, CAST(NULL AS TIMESTAMPTZ) AS done_at, \
            CAST(CASE WHEN EXISTS (SELECT 1 FROM member_policies q WHERE q.member_id = p.member_id \
             AND q.valid_to > p.valid_to) THEN 1 ELSE 0 END AS BIGINT) AS n \
            FROM member_policies p JOIN members m ON m.id = p.member_id \
            WHERE p.valid_to BETWEEN $1 AND $2"
        }
        Rule::Inspections => {
            "SELECT i.member_id, i.id AS object_id, i.kind AS name, i.result AS detail, \
            i.finished_on AS due_on, CAST(NULL AS TIMESTAMPTZ) AS done_at, CAST(0 AS BIGINT) AS n \
            FROM member_inspections i JOIN members m ON m.id = i.member_id \
            WHERE i.finished_on BETWEEN $1 AND $2"
        }
        Rule::Answers => {
            "SELECT r.member_id, r.id AS object_id, s.subject AS name, \
            COALESCE(s.number, '') AS detail, s.answer_due AS due_on, r.answered_at AS done_at, \
            s.id AS n \
            FROM sro_message_recipients r JOIN sro_messages s ON s.id = r.message_id \
            JOIN members m ON m.id = r.member_id \
            WHERE s.answer_due IS NOT NULL AND s.answer_due BETWEEN $1 AND $2"
        }
        // A contract's event is done when its notice went to the SRO (a letter of the exchange).
        Rule::Contracts => {
            "SELECT e.member_id, e.id AS object_id, c.number AS name, e.kind AS detail, e.due_on, \
            (SELECT i.sent_at FROM items i WHERE i.id = e.notice_item_id AND i.status <> 'draft') AS done_at, \
            c.id AS n \
            FROM contract_events e JOIN contracts c ON c.id = e.contract_id JOIN members m ON m.id = e.member_id \
            WHERE e.due_on BETWEEN $1 AND $2"
        }
    }
}

/// The deadlines of these sources due within `[from, to]`, of one member or of all live ones,
/// in one statement (`UNION ALL`: the home page asks for a company's on every visit).
pub async fn sources(
    db: &Db,
    rules: &[Rule],
    member: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> DbResult<Vec<SourceRow>> {
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let member_filter = if member.is_some() {
        " AND m.id = $3"
    } else {
        ""
    };
    let sql = rules
        .iter()
        .map(|r| {
            let select = source_sql(*r).replacen(
                "SELECT ",
                &format!(
                    "SELECT '{}' AS rule, m.short_name AS member_name, ",
                    r.code()
                ),
                1,
            );
            format!("{select} AND {LIVE}{member_filter}")
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_as::<_, SourceRow>(&sql).bind(from).bind(to);
        if let Some(m) = member {
            q = q.bind(m);
        }
        q.fetch_all(p).await?
    }))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    pub code: String,
    pub stages: String,
    pub enabled: bool,
    pub updated_by: String,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn rules(db: &Db) -> DbResult<Vec<RuleRow>> {
    let sql =
        "SELECT code, stages, enabled, updated_by, updated_at FROM reminder_rules ORDER BY code";
    Ok(on_db!(db, p => sqlx::query_as::<_, RuleRow>(sql).fetch_all(p).await?))
}

/// Write a rule (a row per rule; a rule missing from the table has its default stages).
pub async fn save_rule(
    tx: &mut Tx,
    code: &str,
    stages: &str,
    enabled: bool,
    by: &str,
) -> DbResult<()> {
    let now = tx.now();
    let sql = "INSERT INTO reminder_rules (code, stages, enabled, updated_by, updated_at) \
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET stages = $2, \
               enabled = $3, updated_by = $4, updated_at = $5";
    on_tx!(tx, c => sqlx::query(sql).bind(code).bind(stages).bind(enabled).bind(by).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// The (object, stage) pairs a rule has reminded of for deadlines from `from` on.
pub async fn sent_keys(db: &Db, rule: Rule, from: NaiveDate) -> DbResult<Vec<(String, i32)>> {
    let sql = "SELECT object_key, stage FROM reminders WHERE rule = $1 AND due_on >= $2";
    Ok(
        on_db!(db, p => sqlx::query_as::<_, (String, i32)>(sql).bind(rule.code()).bind(from).fetch_all(p).await?),
    )
}

pub struct NewReminder<'a> {
    pub rule: Rule,
    pub object: &'a str,
    pub stage: i32,
    pub member_id: i64,
    pub due_on: NaiveDate,
    pub title: &'a str,
    pub letters: i64,
}

/// Record reminders, 500 rows a statement; the (rule, object, stage) keys that were new. A
/// key sent already is skipped by the unique constraint: that is what makes «once» hold across
/// instances and restarts.
pub async fn insert_reminders(
    tx: &mut Tx,
    rows: &[NewReminder<'_>],
) -> DbResult<std::collections::HashSet<(String, String, i32)>> {
    let now = tx.now();
    let mut fresh = std::collections::HashSet::new();
    for chunk in rows.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = 2 + i * 7;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, $1)",
                    b,
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO reminders (rule, object_key, stage, member_id, due_on, title, letters, sent_at) \
             VALUES {} ON CONFLICT (rule, object_key, stage) DO NOTHING RETURNING rule, object_key, stage",
            values.join(", ")
        );
        let got: Vec<(String, String, i32)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as::<_, (String, String, i32)>(&sql).bind(now);
            for r in chunk {
                q = q.bind(r.rule.code()).bind(r.object).bind(r.stage).bind(r.member_id)
                    .bind(r.due_on).bind(r.title).bind(r.letters);
            }
            q.fetch_all(c).await?
        });
        fresh.extend(got);
    }
    Ok(fresh)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    pub rule: String,
    pub stage: i32,
    pub member_id: i64,
    pub member_name: String,
    pub due_on: NaiveDate,
    pub title: String,
    pub letters: i64,
    pub sent_at: DateTime<Utc>,
}

/// Reminders sent, newest first; of one member when asked.
pub async fn history(db: &Db, member: Option<i64>, limit: i64) -> DbResult<Vec<HistoryRow>> {
    let filter = if member.is_some() {
        "WHERE r.member_id = $2"
    } else {
        ""
    };
    let sql = format!(
        "SELECT r.rule, r.stage, r.member_id, COALESCE(m.short_name, '') AS member_name, r.due_on, r.title, \
         r.letters, r.sent_at FROM reminders r LEFT JOIN members m ON m.id = r.member_id {filter} \
         ORDER BY r.sent_at DESC, r.id DESC LIMIT $1"
    );
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_as::<_, HistoryRow>(&sql).bind(limit);
        if let Some(m) = member {
            q = q.bind(m);
        }
        q.fetch_all(p).await?
    }))
}

/// A company user who may get reminders.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Reader {
    pub id: i64,
    pub member_id: i64,
    pub member_role: String,
    pub email: String,
    pub full_name: String,
}

/// The active users of these companies (a read of auth's `users`, a chunk of members a query).
pub async fn readers(db: &Db, members: &[i64]) -> DbResult<Vec<Reader>> {
    let mut out = Vec::new();
    for chunk in members.chunks(500) {
        let sql = format!(
            "SELECT id, member_id, member_role, email, full_name FROM users WHERE kind = 'member' \
             AND is_blocked = $1 AND member_id IN ({}) ORDER BY id",
            placeholders(2, chunk.len())
        );
        let rows: Vec<Reader> = on_db!(db, p => {
            let mut q = sqlx::query_as::<_, Reader>(&sql).bind(false);
            for m in chunk {
                q = q.bind(m);
            }
            q.fetch_all(p).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// The user of a feed's token (its hash), with the company and role the feed shows.
pub async fn feed_owner(db: &Db, token_hash: &str) -> DbResult<Option<Reader>> {
    let sql = "SELECT u.id, u.member_id, u.member_role, u.email, u.full_name FROM calendar_feeds f \
               JOIN users u ON u.id = f.user_id WHERE f.token_hash = $1 AND u.kind = 'member' \
               AND u.is_blocked = $2";
    Ok(
        on_db!(db, p => sqlx::query_as::<_, Reader>(sql).bind(token_hash).bind(false).fetch_optional(p).await?),
    )
}

/// When the user's feed was made, if there is one.
pub async fn feed_of(db: &Db, user_id: i64) -> DbResult<Option<DateTime<Utc>>> {
    let sql = "SELECT created_at FROM calendar_feeds WHERE user_id = $1";
    Ok(
        on_db!(db, p => sqlx::query_scalar::<_, DateTime<Utc>>(sql).bind(user_id).fetch_optional(p).await?),
    )
}

/// A new secret address replaces the old one (which stops working at once).
pub async fn replace_feed(tx: &mut Tx, user_id: i64, token_hash: &str) -> DbResult<()> {
    let now = tx.now();
    let sql = "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3) \
               ON CONFLICT (user_id) DO UPDATE SET token_hash = $2, created_at = $3";
    on_tx!(tx, c => sqlx::query(sql).bind(user_id).bind(token_hash).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn delete_feed(tx: &mut Tx, user_id: i64) -> DbResult<u64> {
    Ok(
        on_tx!(tx, c => sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(user_id).execute(c).await?.rows_affected()),
    )
}
