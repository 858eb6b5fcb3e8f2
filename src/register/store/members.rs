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

fn where_clause(f: &MemberFilter) -> (String, Vec<String>) {
    let mut conds = Vec::new();
    let mut args = Vec::new();
    if let Some(q) = &f.query {
        args.push(format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        ));
        conds.push(format!("m.search_text LIKE ${} ESCAPE '\\'", args.len()));
    }
    if let Some(s) = f.status {
        args.push(s.to_string());
        conds.push(format!("m.status = ${}", args.len()));
    }
    if conds.is_empty() {
        (String::new(), args)
    } else {
        (format!(" WHERE {}", conds.join(" AND ")), args)
    }
}

pub async fn office_list(
    db: &Db,
    f: &MemberFilter,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Member>, i64)> {
    let (mut wh, args) = where_clause(f);
    if let Some(expert) = f.expert_id {
        wh = if wh.is_empty() {
            format!(" WHERE expert_id = {expert}")
        } else {
            format!("{wh} AND expert_id = {expert}")
        };
    }
    let n = args.len();
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM members m{wh} ORDER BY m.short_name, m.id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let count_sql = format!("SELECT COUNT(*) FROM members m{wh}");
    let rows = on_db!(db, p => {
        let mut q = sqlx::query_as::<_, Member>(&sql);
        for a in &args {
            q = q.bind(a);
        }
        q.bind(limit).bind(offset).fetch_all(p).await?
    });
    let total = on_db!(db, p => {
        let mut q = sqlx::query_scalar::<_, i64>(&count_sql);
        for a in &args {
            q = q.bind(a);
        }
        q.fetch_one(p).await?
    });
    Ok((rows, total))
}

pub async fn count_by_status(db: &Db, expert_id: Option<i64>) -> DbResult<Vec<(String, i64)>> {
    let sql =
        "SELECT status, COUNT(*) FROM members WHERE ($1 IS NULL OR expert_id = $1) GROUP BY status";
    Ok(on_db!(db, p => sqlx::query_as::<_, (String, i64)>(sql).bind(expert_id).fetch_all(p).await?))
}

pub async fn count(db: &Db) -> DbResult<i64> {
    Ok(
        on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM members").fetch_one(p).await?),
    )
}
