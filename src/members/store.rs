//! The cabinet's read model: the dashboard's one query, which reads the member's row (the
//! register's), its expert (auth's `users`) and the user's unread notes (`notices`'
//! `notifications` and `notification_reads`) together. Listed as an allowed read model in ARCHITECTURE.md.

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
}

/// The member `id` as user `user_id` sees it, counting the unread notes of `areas`.
pub async fn dashboard(
    db: &Db,
    id: i64,
    user_id: i64,
    areas: &[&str],
) -> DbResult<Option<MemberWithExpert>> {
    // The unread count rides along as a subquery: the dashboard stays one query (measured: a
    // second query costs 40 % of its throughput). A role that sees no area counts nothing.
    let areas_in = if areas.is_empty() {
        "NULL".to_string()
    } else {
        placeholders(3, areas.len())
    };
    let sql = format!(
        "SELECT {MEMBER_COLUMNS}, e.full_name AS expert_name, e.email AS expert_email, e.phone AS expert_phone, \
         (SELECT COUNT(*) FROM notifications n WHERE n.member_id = m.id AND n.area IN ({areas_in}) \
          AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = $2)) \
         AS unread_notes FROM members m LEFT JOIN users e ON e.id = m.expert_id WHERE m.id = $1"
    );
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_as::<_, MemberWithExpert>(&sql).bind(id).bind(user_id);
        for a in areas {
            q = q.bind(a.to_string());
        }
        q.fetch_optional(p).await?
    }))
}
