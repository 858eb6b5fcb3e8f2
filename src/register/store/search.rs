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
    let from = match &f.query {
        Some(q) => {
            let (from, cond) = text_match(sqlite, q, &mut text_args);
            conds.push(cond);
            from
        }
        None => "members m",
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
    const ROW: &str = "SELECT m.id, m.full_name, m.short_name, m.inn, m.ogrn, m.register_number, m.status, \
        m.admitted_on, m.terminated_on, m.vv_level, m.odo_level, m.updated_at FROM members m";
    // A text search first takes up to COUNT_CAP + 1 matching ids in one index scan. When that
    // is all of them (a name, an INN: the usual case) the total is exact and the page is cut
    // from them: one scan of the trigram index instead of one to count and one to page. When
    // there are more, the page walks the register order (dense matches are found at once).
    let mut matched: Option<Vec<i64>> = None;
    let (total, exact) = if f.query.is_some() {
        let sql = format!("SELECT m.id FROM {from}{wh} LIMIT {}", COUNT_CAP + 1);
        let mut ids: Vec<i64> = on_db!(db, p => {
            let mut q = sqlx::query_scalar::<_, i64>(&sql);
            for a in &text_args { q = q.bind(a); }
            for a in &int_args { q = q.bind(a); }
            q.fetch_all(p).await?
        });
        let n = ids.len() as i64;
        if n <= COUNT_CAP {
            ids.sort_unstable();
            matched = Some(ids);
            (n, true)
        } else {
            (COUNT_CAP, false)
        }
    } else {
        // Without a text: the kept totals (`member_counts`), a sum of a few rows. The
        // conditions are the same, on the same column names.
        let sql = format!("SELECT CAST(COALESCE(SUM(m.n), 0) AS BIGINT) FROM member_counts m{wh}");
        let total: i64 = on_db!(db, p => {
            let mut q = sqlx::query_scalar::<_, i64>(&sql);
            for a in &text_args { q = q.bind(a); }
            for a in &int_args { q = q.bind(a); }
            q.fetch_one(p).await?
        });
        (total, true)
    };
    let rows = match matched {
        Some(ids) => {
            let page: Vec<i64> = ids
                .into_iter()
                .skip(offset.max(0) as usize)
                .take(limit.max(0) as usize)
                .collect();
            if page.is_empty() {
                Vec::new()
            } else {
                let sql = format!(
                    "{ROW} WHERE m.id IN ({}) ORDER BY m.id",
                    crate::db::placeholders(1, page.len())
                );
                on_db!(db, p => {
                    let mut q = sqlx::query_as::<_, PublicRow>(&sql);
                    for id in &page { q = q.bind(id); }
                    q.fetch_all(p).await?
                })
            }
        }
        None => {
            // The page's ids first (an index walk, even deep into the register), then their rows.
            let sql = format!(
                "{ROW} WHERE m.id IN (SELECT m.id FROM {from}{wh} ORDER BY {order} LIMIT ${} OFFSET ${}) \
                 ORDER BY m.id",
                n + 1,
                n + 2
            );
            on_db!(db, p => {
                let mut q = sqlx::query_as::<_, PublicRow>(&sql);
                for a in &text_args { q = q.bind(a); }
                for a in &int_args { q = q.bind(a); }
                q.bind(limit).bind(offset).fetch_all(p).await?
            })
        }
    };
    Ok(SearchPage { rows, total, exact })
}

/// How a text query finds members, the same for the public register and the back office: the
/// FROM to select from (alias `m` for the member) and the condition, its arguments appended to
/// `args`. Digits (an INN, OGRN or register number being typed) match the start of those
/// columns through their b-tree indexes; anything else is a substring of the name or the
/// numbers, answered from the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL). `q` is
/// lower-case, without `%`, `_` and `\`.
pub(super) fn text_match(sqlite: bool, q: &str, args: &mut Vec<String>) -> (&'static str, String) {
    let n = args.len();
    if q.chars().all(|c| c.is_ascii_digit()) && !q.is_empty() {
        if sqlite {
            // bytewise ranges: every string that starts with «123» is in ["123", "12:")
            let mut upper = q.to_string();
            upper.pop();
            upper.push((q.as_bytes()[q.len() - 1] + 1) as char);
            args.push(q.to_string());
            args.push(upper);
            let (a, b) = (n + 1, n + 2);
            return (
                "members m",
                format!(
                    "((m.inn >= ${a} AND m.inn < ${b}) OR (m.ogrn >= ${a} AND m.ogrn < ${b}) \
                     OR (m.register_number >= ${a} AND m.register_number < ${b}))"
                ),
            );
        }
        args.push(format!("{q}%"));
        let a = n + 1;
        return (
            "members m",
            format!("(m.inn LIKE ${a} OR m.ogrn LIKE ${a} OR m.register_number LIKE ${a})"),
        );
    }
    args.push(format!("%{q}%"));
    let a = n + 1;
    if sqlite {
        (
            "members_fts t JOIN members m ON m.id = t.rowid",
            format!("t.search_text LIKE ${a}"),
        )
    } else if let Some(token) = selective_token(q) {
        // A phrase with a number in it («тестовая компания 4711»): the trigram index looks up
        // the number alone, whose trigrams are rare, and the whole phrase is checked on the few
        // rows found. Given the whole phrase, the index read the posting lists of «тес», «ком»,
        // … that list every member (621 buffers, 8.8 ms at 100,000 members).
        args.push(format!("%{token}%"));
        let b = n + 2;
        (
            "members m",
            format!("m.search_text LIKE ${b} AND (m.search_text || '') LIKE ${a}"),
        )
    } else {
        ("members m", format!("m.search_text LIKE ${a}"))
    }
}

/// The part of a phrase of several words the index should look up: its longest word with at
/// least three digits (a number is rare; common words are not). `None`: the whole phrase.
fn selective_token(q: &str) -> Option<&str> {
    let words: Vec<&str> = q.split_whitespace().collect();
    if words.len() < 2 {
        return None;
    }
    words
        .into_iter()
        .filter(|w| w.chars().filter(char::is_ascii_digit).count() >= 3)
        .max_by_key(|w| w.len())
}

/// When the register last changed.
pub async fn last_updated(db: &Db) -> DbResult<Option<DateTime<Utc>>> {
    let sql = "SELECT updated_at FROM members ORDER BY updated_at DESC LIMIT 1";
    Ok(on_db!(db, p => sqlx::query_scalar::<_, DateTime<Utc>>(sql).fetch_optional(p).await?))
}

#[cfg(test)]
mod selective_tests {
    use super::selective_token;

    #[test]
    fn a_number_in_a_phrase_is_looked_up_alone() {
        assert_eq!(selective_token("тестовая компания 4711"), Some("4711"));
        assert_eq!(selective_token("компания 5"), None);
        assert_eq!(selective_token("ромашка"), None);
        assert_eq!(selective_token("4711"), None);
        assert_eq!(selective_token("ооо № 12345 ул. 7"), Some("12345"));
    }
}
