//! SQL of notes and who read them.

use chrono::{DateTime, Utc};

use crate::db::{Db, DbResult, Tx, placeholders};
use crate::{on_db, on_tx};

pub async fn insert(
    tx: &mut Tx,
    member_id: i64,
    area: &str,
    item_id: Option<i64>,
    link: Option<&str>,
    text: &str,
) -> DbResult<()> {
    let sql = "INSERT INTO notifications (member_id, area, item_id, link, text, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6)";
    let now = tx.now();
    on_tx!(tx, c => sqlx::query(sql).bind(member_id).bind(area).bind(item_id).bind(link).bind(text).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoteRow {
    pub id: i64,
    pub link: Option<String>,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// The newest notes of `areas` for one user, with when that user read each.
pub async fn for_user(
    db: &Db,
    member_id: i64,
    user_id: i64,
    areas: &[&str],
    limit: i64,
) -> DbResult<Vec<NoteRow>> {
    if areas.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT n.id, n.link, n.text, n.created_at, r.read_at FROM notifications n \
         LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = $2 \
         WHERE n.member_id = $1 AND n.area IN ({}) ORDER BY n.created_at DESC, n.id DESC LIMIT $3",
        placeholders(4, areas.len())
    );
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_as::<_, NoteRow>(&sql).bind(member_id).bind(user_id).bind(limit);
        for a in areas {
            q = q.bind(a.to_string());
        }
        q.fetch_all(p).await?
    }))
}

/// Mark read, for this user only, the notes up to `up_to` (the newest one the user saw).
pub async fn mark_read(
    db: &Db,
    member_id: i64,
    user_id: i64,
    areas: &[&str],
    up_to: i64,
) -> DbResult<()> {
    if areas.is_empty() {
        return Ok(());
    }
    // ON CONFLICT: the same list open in two tabs marks once.
    let sql = format!(
        "INSERT INTO notification_reads (notification_id, user_id, read_at) \
         SELECT n.id, $2, $3 FROM notifications n WHERE n.member_id = $1 AND n.id <= $4 \
         AND n.area IN ({}) AND NOT EXISTS (SELECT 1 FROM notification_reads r \
         WHERE r.notification_id = n.id AND r.user_id = $2) ON CONFLICT DO NOTHING",
        placeholders(5, areas.len())
    );
    on_db!(db, p => {
        let mut q = sqlx::query(&sql).bind(member_id).bind(user_id).bind(db.now()).bind(up_to);
        for a in areas {
            q = q.bind(a.to_string());
        }
        q.execute(p).await?.rows_affected()
    });
    Ok(())
}
