//! SQL of the searches: the public register (and its API) through the trigram and prefix
//! indexes, and the back office's member list.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, DbResult};
use crate::on_db;

/// Filters of the public register and its API.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    /// lower-cased substring of name, INN, OGRN or register number
    pub query: Option<String>,
    pub status: Option<&'static str>,
    pub vv_level: Option<i64>,
    pub odo_level: Option<i64>,
}

/// A line of the public register's list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicRow {
    pub id: i64,
    pub full_name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub register_number: Option<String>,
    pub status: String,
    pub admitted_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
    pub vv_level: Option<i64>,
    pub odo_level: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// A page of a search and how many entries match.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub rows: Vec<PublicRow>,
    /// Matching entries; a text search stops counting past [`COUNT_CAP`].
    pub total: i64,
    /// `false` when the count stopped at the cap («более 1000»).
    pub exact: bool,
}

/// A text search counts matches up to this many: enough to page through, cheap on a big register.
pub const COUNT_CAP: i64 = 1000;

/// One page of the register by the filter, in register order (order of entry, as official
/// registers list members).
///
/// The text condition is answered from a trigram index: FTS5 on SQLite (`members_fts`, whose
/// rowids come in order, so a page stops after its rows) and pg_trgm on PostgreSQL. The query
/// is a plain substring: `%`, `_` and `\` are dropped by the caller.
pub async fn search(db: &Db, f: &PublicFilter, limit: i64, offset: i64) -> DbResult<SearchPage> {
    let sqlite = !db.is_postgres();
    let mut conds = Vec::new();
    let mut text_args: Vec<String> = Vec::new();
    let mut int_args: Vec<i64> = Vec::new();
    // text arguments come first, then integers: placeholders are numbered in that order
    // Digits (an INN, OGRN or register number being typed) match the start of those columns
    // through their b-tree indexes; anything else is a substring of the name or the numbers,
    // answered from the trigram index.
    let digits = f
        .query
        .as_deref()
        .filter(|q| q.chars().all(|c| c.is_ascii_digit()));
    let from = match (&f.query, digits) {
        (Some(_), Some(d)) if sqlite => {
            // bytewise ranges: every string that starts with «123» is in ["123", "12:")
            let mut upper = d.to_string();
            upper.pop();
            upper.push((d.as_bytes()[d.len() - 1] + 1) as char);
            text_args.push(d.to_string());
            text_args.push(upper);
            conds.push(
                "((m.inn >= $1 AND m.inn < $2) OR (m.ogrn >= $1 AND m.ogrn < $2) \
                 OR (m.register_number >= $1 AND m.register_number < $2))"
                    .to_string(),
            );
            "members m"
        }
        (Some(_), Some(d)) => {
            text_args.push(format!("{d}%"));
            conds
                .push("(m.inn LIKE $1 OR m.ogrn LIKE $1 OR m.register_number LIKE $1)".to_string());
            "members m"
        }
        (Some(q), None) => {
            text_args.push(format!("%{q}%"));
            if sqlite {
                conds.push("t.search_text LIKE $1".to_string());
                "members_fts t JOIN members m ON m.id = t.rowid"
            } else {
                conds.push("m.search_text LIKE $1".to_string());
                "members m"
            }
        }
        (None, _) => "members m",
    };
    if let Some(s) = f.status {
        text_args.push(s.to_string());
        conds.push(format!("m.status = ${}", text_args.len()));
    }
    let base = text_args.len();
    if let Some(l) = f.vv_level {
        int_args.push(l);
        conds.push(format!("m.vv_level = ${}", base + int_args.len()));
    }
    if let Some(l) = f.odo_level {
        int_args.push(l);
        conds.push(format!("m.odo_level = ${}", base + int_args.len()));
    }
    let wh = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let order = if from.starts_with("members_fts") {
        "t.rowid"
    } else {
        "m.id"
    };
    let n = base + int_args.len();
    // The page's ids first (an index walk, even deep into the register), then their rows.
    let sql = format!(
        "SELECT m.id, m.full_name, m.short_name, m.inn, m.ogrn, m.register_number, m.status, m.admitted_on, \
         m.terminated_on, m.vv_level, m.odo_level, m.updated_at FROM members m \
         WHERE m.id IN (SELECT m.id FROM {from}{wh} ORDER BY {order} LIMIT ${} OFFSET ${}) ORDER BY m.id",
        n + 1,
        n + 2
    );
    let rows = on_db!(db, p => {
        let mut q = sqlx::query_as::<_, PublicRow>(&sql);
        for a in &text_args { q = q.bind(a); }
        for a in &int_args { q = q.bind(a); }
        q.bind(limit).bind(offset).fetch_all(p).await?
    });
    let count_sql = if f.query.is_some() {
        format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {from}{wh} LIMIT {}) c",
            COUNT_CAP + 1
        )
    } else {
        format!("SELECT COUNT(*) FROM {from}{wh}")
    };
    let counted: i64 = on_db!(db, p => {
        let mut q = sqlx::query_scalar::<_, i64>(&count_sql);
        for a in &text_args { q = q.bind(a); }
        for a in &int_args { q = q.bind(a); }
        q.fetch_one(p).await?
    });
    let exact = f.query.is_none() || counted <= COUNT_CAP;
    Ok(SearchPage {
        rows,
        total: counted.min(if exact { i64::MAX } else { COUNT_CAP }),
        exact,
    })
}

/// When the register last changed.
pub async fn last_updated(db: &Db) -> DbResult<Option<DateTime<Utc>>> {
    let sql = "SELECT updated_at FROM members ORDER BY updated_at DESC LIMIT 1";
    Ok(on_db!(db, p => sqlx::query_scalar::<_, DateTime<Utc>>(sql).fetch_optional(p).await?))
}
