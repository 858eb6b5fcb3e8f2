//! The cabinet's read model: the dashboard's one query, which reads the member's row (the
//! register's), its expert (auth's `users`) and the user's unread notes (`notices`'
//! `notifications` and `notification_reads`), its debt (`charges`, `allocations`), the SRO's
//! messages waiting for it and its drafts not sent (the exchange's `items`) together. Listed as an allowed read model in ARCHITECTURE.md.

use crate::db::{Db, DbResult, placeholders};
use crate::on_db;
use crate::register::model::Member;
use crate::register::service::MEMBER_COLUMNS;

/// A member with its expert's contacts, in one query (the dashboard's only query).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberWithExpert {
    #[sqlx(flatten)]
    pub member: Member,
    pub expert_name: Option<String>,
    pub expert_email: Option<String>,
    pub expert_phone: Option<String>,
    /// The user's unread notes in the areas their role sees.
    pub unread_notes: i64,
    /// The company's debt and what of it is past due (billing's rows).
    pub debt: i64,
    pub overdue: i64,
    /// Messages of the SRO in the categories the user's role reads: not opened yet, and
    /// waiting for «Ознакомлен».
    pub unread_messages: i64,
    pub to_acknowledge: i64,
    /// The company's drafts not sent to the SRO (the exchange's `items`).
    pub drafts: i64,
}

/// The member `id` as user `user_id` sees it, counting the unread notes of `areas`.
pub async fn dashboard(
    db: &Db,
    id: i64,
    user_id: i64,
    areas: &[&str],
    categories: &[&str],
    today: chrono::NaiveDate,
) -> DbResult<Option<MemberWithExpert>> {
    // The unread count rides along as a subquery: the dashboard stays one query (measured: a
    // second query costs 40 % of its throughput). A role that sees no area counts nothing.
    let areas_in = if areas.is_empty() {
        "NULL".to_string()
    } else {
        placeholders(4, areas.len())
    };
    let cats_in = if categories.is_empty() {
        "NULL".to_string()
    } else {
        placeholders(4 + areas.len(), categories.len())
    };
    // A charge's debt is never below zero (the ledger's invariant), so the sums need no filter.
    let open = "c.amount + COALESCE((SELECT SUM(r.amount) FROM charges r WHERE r.reverses_id = c.id), 0) \
                - COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.charge_id = c.id), 0)";
    let sql = format!(
        "SELECT {MEMBER_COLUMNS}, e.full_name AS expert_name, e.email AS expert_email, e.phone AS expert_phone, \
         (SELECT COUNT(*) FROM notifications n WHERE n.member_id = m.id AND n.area IN ({areas_in}) \
          AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = $2)) \
         AS unread_notes, \
         CAST(COALESCE((SELECT SUM({open}) FROM charges c WHERE c.member_id = m.id AND c.reverses_id IS NULL \
          AND c.amount > 0), 0) AS BIGINT) AS debt, \
         CAST(COALESCE((SELECT SUM({open}) FROM charges c WHERE c.member_id = m.id AND c.reverses_id IS NULL \
          AND c.amount > 0 AND c.due_on < $3), 0) AS BIGINT) AS overdue, \
         (SELECT COUNT(*) FROM sro_message_recipients sr JOIN sro_messages s ON s.id = sr.message_id \
          WHERE sr.member_id = m.id AND sr.opened_at IS NULL AND s.category IN ({cats_in})) AS unread_messages, \
         (SELECT COUNT(*) FROM sro_message_recipients sr JOIN sro_messages s ON s.id = sr.message_id \
          WHERE sr.member_id = m.id AND s.requires_ack AND sr.acked_at IS NULL AND s.category IN ({cats_in})) \
          AS to_acknowledge, \
         (SELECT COUNT(*) FROM items i WHERE i.member_id = m.id AND i.status = 'draft') AS drafts \
         FROM members m LEFT JOIN users e ON e.id = m.expert_id WHERE m.id = $1"
    );
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_as::<_, MemberWithExpert>(&sql).bind(id).bind(user_id).bind(today);
        for a in areas {
            q = q.bind(a.to_string());
        }
        for c in categories {
            q = q.bind(c.to_string());
        }
        q.fetch_optional(p).await?
    }))
}
