//! SQL of members as other pages read them: the card row other slices show, the back
//! office's list and counts, and bulk inserts for benchmark data.

use super::super::model::{Member, MemberForCreate};
use crate::db::{Db, DbResult, Tx};
use crate::{on_db, on_tx};

const SELECT_MEMBER: &str = "SELECT m.id, m.full_name, m.short_name, m.inn, m.ogrn, m.kpp, m.legal_address, \
    m.actual_address, m.head_name, m.head_position, m.phone, m.email, m.site, m.register_number, m.status, \
    m.admitted_on, m.terminated_on, m.termination_reason, m.expert_id FROM members m";

pub async fn member(db: &Db, id: i64) -> DbResult<Option<Member>> {
    let sql = format!("{SELECT_MEMBER} WHERE m.id = $1");
    Ok(on_db!(db, p => sqlx::query_as::<_, Member>(&sql).bind(id).fetch_optional(p).await?))
}

/// A member row without a version (bulk benchmark data only: the register admits members
/// through `service::admit`).
pub async fn insert_bulk(tx: &mut Tx, m: &MemberForCreate, search_text: &str) -> DbResult<i64> {
    let sql = "INSERT INTO members (full_name, short_name, inn, ogrn, kpp, legal_address, actual_address, head_name, \
               head_position, phone, email, site, register_number, status, admitted_on, expert_id, search_text, \
               created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) RETURNING id";
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(&m.full_name)
        .bind(&m.short_name)
        .bind(m.inn.as_str())
        .bind(m.ogrn.as_str())
        .bind(m.kpp.as_ref().map(|k| k.as_str()))
        .bind(&m.legal_address)
        .bind(&m.actual_address)
        .bind(&m.head_name)
        .bind(&m.head_position)
        .bind(&m.phone)
        .bind(&m.email)
        .bind(&m.site)
        .bind(m.register_number.as_deref())
        .bind(m.status.code())
        .bind(m.admitted_on)
        .bind(m.expert_id)
        .bind(search_text)
        .bind(tx.now)
        .fetch_one(c)
        .await?))
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
        "{SELECT_MEMBER}{wh} ORDER BY m.short_name, m.id LIMIT ${} OFFSET ${}",
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
