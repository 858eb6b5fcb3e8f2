//! One database handle over SQLite (embedded default) and PostgreSQL (production).
//!
//! The SQL is portable (`$1` placeholders, `RETURNING`, no dialect functions), so each store
//! function writes its query once and runs it on whichever pool is configured through
//! [`on_db!`] / [`on_tx!`]. Migrations live in `migrations/{sqlite,postgres}` under the same names.
//!
//! The handle carries the application's [`Clock`]: stores stamp rows with `tx.now()` or
//! `db.now()`, so a test that moves the clock moves every timestamp with it.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::clock::Clock;

/// The database and the clock its rows are stamped with.
#[derive(Clone)]
pub struct Db {
    pub pool: Pool,
    clock: Clock,
}

#[derive(Clone)]
pub enum Pool {
    /// The mutex serialises write transactions in this process: SQLite allows one writer, and a
    /// deferred transaction that reads before it writes would otherwise fail with SQLITE_BUSY.
    Sqlite(SqlitePool, Arc<Mutex<()>>),
    Postgres(PgPool),
}

/// A transaction on either backend. Dropped without `commit`, it rolls back.
pub struct Tx {
    pub conn: TxConn,
    /// "now" for every row this transaction writes: one instant, from the database's clock.
    /// A field (not only the method) so a query inside `on_tx!` can bind it.
    pub now: DateTime<Utc>,
}

pub enum TxConn {
    // Field order matters: the transaction is dropped (rolled back) before the write lock.
    Sqlite(sqlx::Transaction<'static, Sqlite>, OwnedMutexGuard<()>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Run `$body` with `$pool` bound to the concrete pool.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match &($db).pool {
            $crate::db::Pool::Sqlite($pool, _) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}

/// Run `$body` with `$conn` bound to the transaction's connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut ($tx).conn {
            $crate::db::TxConn::Sqlite(t, _) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::TxConn::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// What a store call can end in that a caller may want to handle.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    /// A unique or check constraint refused the write; `constraint` is its name when known.
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => DbError::Conflict {
                constraint: constraint_name(d.as_ref()),
            },
            _ => DbError::Other(anyhow::Error::new(e)),
        }
    }
}

/// PostgreSQL names the constraint; SQLite only says "UNIQUE constraint failed: members.inn",
/// so we map the column list to the constraint names used in the migrations.
fn constraint_name(d: &dyn sqlx::error::DatabaseError) -> String {
    if let Some(c) = d.constraint() {
        return c.to_string();
    }
    let msg = d.message();
    if let Some(cols) = msg.strip_prefix("UNIQUE constraint failed: ") {
        let first = cols.split(',').next().unwrap_or(cols).trim();
        if let Some((table, column)) = first.split_once('.') {
            return format!("{table}_{column}_key");
        }
    }
    msg.to_string()
}

pub type DbResult<T> = Result<T, DbError>;

impl Db {
    pub async fn connect(url: &str, max_connections: u32, clock: Clock) -> anyhow::Result<Db> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .context("parsing the SQLite address")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            if let Some(dir) = opts.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the data directory {}", dir.display()))?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .context("opening the SQLite database")?;
            Ok(Db {
                pool: Pool::Sqlite(pool, Arc::new(Mutex::new(()))),
                clock,
            })
        } else {
            let opts = PgConnectOptions::from_str(url).context("parsing the PostgreSQL address")?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .context("connecting to PostgreSQL")?;
            Ok(Db {
                pool: Pool::Postgres(pool),
                clock,
            })
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.pool {
            Pool::Sqlite(pool, _) => sqlx::migrate!("migrations/sqlite").run(pool).await,
            Pool::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        }
        .context("running the database migrations")
    }

    pub async fn begin(&self) -> DbResult<Tx> {
        let conn = match &self.pool {
            Pool::Sqlite(pool, lock) => {
                let guard = lock.clone().lock_owned().await;
                TxConn::Sqlite(pool.begin().await?, guard)
            }
            Pool::Postgres(pool) => TxConn::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            conn,
            now: self.clock.now(),
        })
    }

    /// The current time by this database's clock (microseconds, so both backends read it back
    /// equal).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The PostgreSQL pool, for what only PostgreSQL does (tests create and drop databases).
    pub fn pg_pool(&self) -> Option<&PgPool> {
        match &self.pool {
            Pool::Postgres(p) => Some(p),
            Pool::Sqlite(..) => None,
        }
    }

    /// Is the database reachable? Used by `/readyz`.
    pub async fn ping(&self) -> bool {
        let r: Result<i32, _> =
            on_db!(self, pool => sqlx::query_scalar("SELECT 1").fetch_one(pool).await);
        r.is_ok()
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> DbResult<()> {
        match self.conn {
            TxConn::Sqlite(t, guard) => {
                t.commit().await?;
                drop(guard);
            }
            TxConn::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// The instant this transaction stamps its rows with.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Serialise writers of a chain (the audit log, numerators) until this transaction ends.
    /// SQLite transactions are already serialised by the write lock taken in `Db::begin`.
    pub async fn lock_chain(&mut self, key: i64) -> DbResult<()> {
        if let TxConn::Postgres(t) = &mut self.conn {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(key)
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }
}

/// Which of `values` a query finds. `select_in` is the query up to its `IN`, e.g.
/// `SELECT inn FROM members WHERE inn IN`; the values go in chunks of 500 placeholders.
pub async fn present(
    db: &Db,
    select_in: &str,
    values: &[String],
) -> DbResult<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    for chunk in values.chunks(500) {
        let sql = format!("{select_in} ({})", placeholders(1, chunk.len()));
        let rows: Vec<String> = on_db!(db, p => {
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for v in chunk {
                q = q.bind(v);
            }
            q.fetch_all(p).await?
        });
        found.extend(rows);
    }
    Ok(found)
}

/// `$from, $from+1, …` for an `IN (…)` list of `n` values.
pub fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |dir: &str| {
            let mut v: Vec<String> =
                std::fs::read_dir(format!("{}/{dir}", env!("CARGO_MANIFEST_DIR")))
                    .unwrap()
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
            v.sort();
            v
        };
        let sqlite = names("migrations/sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, names("migrations/postgres"));
    }
}
