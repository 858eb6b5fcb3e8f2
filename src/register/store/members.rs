//! SQL of members as other pages read them: one member, the back office's list and counts.

use super::super::model::Member;
use super::ENTRY_COLUMNS;
use crate::db::{Db, DbResult};
use crate::on_db;

pub async fn member(db: &Db, id: i64) -> DbResult<Option<Member>> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM members m WHERE m.id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, Member>(&sql).bind(id).fetch_optional(p).await?))
}

/// Filters of the back-office list.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// lower-cased substring of name, INN, OGRN or register number
    pub query: Option<String>,
    pub status: Option<&'static str>,
    pub expert_id: Option<i64>,
}

/// One page of the back office's list in name order, how many match and whether that number
/// is exact. A text is matched as in the public register (`search::text_match`, the same
/// indexes): up to 1,001 matching ids in one scan; when that is all of them they are put in
/// name order here; when there are more, the list walks the name index and says «более 1000».
pub async fn office_list(
    db: &Db,
    f: &MemberFilter,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Member>, i64, bool)> {
    let sqlite = !db.is_postgres();
    let mut args: Vec<String> = Vec::new();
    let mut conds = Vec::new();
    let from = match &f.query {
        Some(q) => {
            let (from, cond) = super::search::text_match(sqlite, q, &mut args);
            conds.push(cond);
            from
        }
        None => "members m",
    };
    if let Some(s) = f.status {
        args.push(s.to_string());
        conds.push(format!("m.status = ${}", args.len()));
    }
    if let Some(expert) = f.expert_id {
        // an id from the session, not typed text
        conds.push(format!("m.expert_id = {expert}"));
    }
    let wh = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let cap = super::search::COUNT_CAP;
    if f.query.is_some() {
        let sql = format!("SELECT m.id FROM {from}{wh} LIMIT {}", cap + 1);
        let ids: Vec<i64> = on_db!(db, p => {
            let mut q = sqlx::query_scalar::<_, i64>(&sql);
            for a in &args { q = q.bind(a); }
            q.fetch_all(p).await?
        });
        if ids.len() as i64 <= cap {
            let total = ids.len() as i64;
            if ids.is_empty() {
                return Ok((Vec::new(), 0, true));
            }
            let sql = format!(
                "SELECT {ENTRY_COLUMNS} FROM members m WHERE m.id IN ({}) \
                 ORDER BY m.short_name, m.id LIMIT ${} OFFSET ${}",
                crate::db::placeholders(1, ids.len()),
                ids.len() + 1,
                ids.len() + 2
            );
            let rows = on_db!(db, p => {
                let mut q = sqlx::query_as::<_, Member>(&sql);
                for id in &ids { q = q.bind(id); }
                q.bind(limit).bind(offset).fetch_all(p).await?
            });
            return Ok((rows, total, true));
        }
    }
    let n = args.len();
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM members m WHERE m.id IN \
         (SELECT m.id FROM {from}{wh} ORDER BY m.short_name, m.id LIMIT ${} OFFSET ${}) \
         ORDER BY m.short_name, m.id",
        n + 1,
        n + 2
    );
    let rows = on_db!(db, p => {
        let mut q = sqlx::query_as::<_, Member>(&sql);
        for a in &args { q = q.bind(a); }
        q.bind(limit).bind(offset).fetch_all(p).await?
    });
    if f.query.is_some() {
        return Ok((rows, cap, false));
    }
    // Without a text: the kept totals, or the expert's own members through their index.
    let count_sql = if f.expert_id.is_some() {
        format!("SELECT COUNT(*) FROM members m{wh}")
    } else {
        let wh = f.status.map(|_| " WHERE m.status = $1").unwrap_or_default();
        format!("SELECT CAST(COALESCE(SUM(m.n), 0) AS BIGINT) FROM member_counts m{wh}")
    };
    let total = on_db!(db, p => {
        let mut q = sqlx::query_scalar::<_, i64>(&count_sql);
        for a in &args { q = q.bind(a); }
        q.fetch_one(p).await?
    });
    Ok((rows, total, true))
}

pub async fn count_by_status(db: &Db, expert_id: Option<i64>) -> DbResult<Vec<(String, i64)>> {
    let Some(expert) = expert_id else {
        let sql = "SELECT status, CAST(SUM(n) AS BIGINT) FROM member_counts GROUP BY status";
        return Ok(on_db!(db, p => sqlx::query_as::<_, (String, i64)>(sql).fetch_all(p).await?));
    };
    let sql = "SELECT status, COUNT(*) FROM members WHERE expert_id = $1 GROUP BY status";
    Ok(on_db!(db, p => sqlx::query_as::<_, (String, i64)>(sql).bind(expert).fetch_all(p).await?))
}

pub async fn count(db: &Db) -> DbResult<i64> {
    Ok(
        on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM member_counts").fetch_one(p).await?),
    )
}

/// Assign (or clear) a member's expert; 0 when there is no such live member.
pub async fn set_expert(
    tx: &mut crate::db::Tx,
    member_id: i64,
    expert_id: Option<i64>,
) -> DbResult<u64> {
    let sql = "UPDATE member_rows SET expert_id = $2 WHERE id = $1 AND import_batch IS NULL";
    Ok(
        crate::on_tx!(tx, c => sqlx::query(sql).bind(member_id).bind(expert_id).execute(c).await?.rows_affected()),
    )
}

/// Give every member of one expert to another; how many moved.
pub async fn move_expert_members(tx: &mut crate::db::Tx, from: i64, to: i64) -> DbResult<u64> {
    let sql = "UPDATE member_rows SET expert_id = $2 WHERE expert_id = $1";
    Ok(
        crate::on_tx!(tx, c => sqlx::query(sql).bind(from).bind(to).execute(c).await?.rows_affected()),
    )
}

/// How many live members an expert curates.
pub async fn count_of_expert(db: &Db, expert_id: i64) -> DbResult<i64> {
    let sql = "SELECT COUNT(*) FROM members WHERE expert_id = $1";
    Ok(on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(expert_id).fetch_one(p).await?))
}

/// Live members whose insurance policy ends between `from` and `to` (one expert's, or all).
pub async fn expiring_policies(
    db: &Db,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    expert_id: Option<i64>,
) -> DbResult<i64> {
    let sql = "SELECT COUNT(DISTINCT p.member_id) FROM member_policies p JOIN members m ON m.id = p.member_id \
               WHERE p.valid_to >= $1 AND p.valid_to <= $2 AND ($3 IS NULL OR m.expert_id = $3)";
    Ok(
        on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(from).bind(to).bind(expert_id).fetch_one(p).await?),
    )
}

/// The member's debt and what of it is overdue, for its card (a read model of billing's
/// `charges` and `allocations`: the card is the register's page, billing comes after it).
pub async fn debt(db: &Db, id: i64, today: chrono::NaiveDate) -> DbResult<(i64, i64)> {
    let sql = "SELECT CAST(COALESCE(SUM(o.open), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN o.due_on < $2 THEN o.open ELSE 0 END), 0) AS BIGINT) \
               FROM (SELECT c.due_on, c.amount \
                 + CAST(COALESCE((SELECT SUM(r.amount) FROM charges r WHERE r.reverses_id = c.id), 0) AS BIGINT) \
                 - CAST(COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.charge_id = c.id), 0) AS BIGINT) AS open \
               FROM charges c WHERE c.member_id = $1 AND c.reverses_id IS NULL AND c.amount > 0) o WHERE o.open > 0";
    Ok(
        on_db!(db, p => sqlx::query_as::<_, (i64, i64)>(sql).bind(id).bind(today).fetch_one(p).await?),
    )
}
