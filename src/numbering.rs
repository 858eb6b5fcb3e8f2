//! Numbers from a pattern and a gap-free numerator: incoming numbers, register numbers (and
//! later outgoing numbers of the SRO).

use crate::db::{DbResult, Tx};

/// The number from a pattern: `{seq}`, `{seq:N}` (zero-padded to N digits), `{yy}`, `{yyyy}`;
/// anything else stays as it is.
pub fn format(pattern: &str, seq: i64, year: i32) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let token = &rest[start + 1..start + end];
        match token {
            "seq" => out.push_str(&seq.to_string()),
            "yy" => out.push_str(&format!("{:02}", year.rem_euclid(100))),
            "yyyy" => out.push_str(&year.to_string()),
            t if t.starts_with("seq:") => {
                let width: usize = t[4..].parse().unwrap_or(0).min(12);
                out.push_str(&format!("{seq:0width$}"));
            }
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// The next number of a journal's year (`numerators`); rolled back with the transaction, so
/// there are no gaps.
pub async fn next_seq(tx: &mut Tx, journal: &str, year: i32) -> DbResult<i64> {
    let ins = "INSERT INTO numerators (journal, year, last_seq) VALUES ($1, $2, 0) ON CONFLICT (journal, year) DO NOTHING";
    let upd = "UPDATE numerators SET last_seq = last_seq + 1 WHERE journal = $1 AND year = $2 RETURNING last_seq";
    crate::on_tx!(tx, c => sqlx::query(ins).bind(journal).bind(year).execute(&mut *c).await?.rows_affected());
    Ok(
        crate::on_tx!(tx, c => sqlx::query_scalar::<_, i64>(upd).bind(journal).bind(year).fetch_one(c).await?),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_pattern() {
        assert_eq!(format("{seq}/{yy}", 17, 2026), "17/26");
        assert_eq!(format("ВХ-{seq:4}-{yyyy}", 7, 2027), "ВХ-0007-2027");
        assert_eq!(format("{seq}", 1, 2026), "1");
        assert_eq!(format("{seq}/{x}", 1, 2026), "1/{x}");
        assert_eq!(format("{seq}/{yy", 3, 2026), "3/{yy");
    }
}
