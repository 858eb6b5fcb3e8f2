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

/// Run SQLite's migrations on one connection with foreign keys off, as SQLite's way of
/// changing a table requires (build the new table, copy, drop the old one, rename: with
/// foreign keys on, dropping the old table would cascade into the tables that refer to it).
/// The pragma cannot change inside the migration's transaction, hence here; every foreign key
/// is checked before the connection goes back to the pool with them on again.
pub async fn migrate_sqlite(
    pool: &sqlx::SqlitePool,
    migrator: &sqlx::migrate::Migrator,
) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = pool
        .acquire()
        .await
        .context("opening SQLite for the migrations")?;
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await?;
    let ran = migrator
        .run(&mut *conn)
        .await
        .context("running the database migrations");
    let broken: Vec<(String, Option<i64>, String)> = match &ran {
        Ok(()) => {
            sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
                .fetch_all(&mut *conn)
                .await?
        }
        Err(_) => Vec::new(),
    };
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await?;
    if !broken.is_empty() {
        // Not for the pool: this connection saw a broken schema.
        conn.detach().close().await.ok();
        anyhow::bail!("the migrations left rows with broken foreign keys: {broken:?}");
    }
    ran
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
            // Kabinet's working set stays in memory (and on SSD when not): an index lookup costs
            // little more than a sequential read, not 4 times as much as PostgreSQL's default
            // assumes. With 4 the planner scanned 5,000 attached files by hash instead of probing
            // 50 of them through their index: 1.4 ms against 0.27 ms on every journal page.
            let opts = PgConnectOptions::from_str(url)
                .context("parsing the PostgreSQL address")?
                .options([("random_page_cost", "1.1")]);
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
            Pool::Sqlite(pool, _) => {
                migrate_sqlite(pool, &sqlx::migrate!("migrations/sqlite")).await
            }
            Pool::Postgres(pool) => sqlx::migrate!("migrations/postgres")
                .run(pool)
                .await
                .context("running the database migrations"),
        }
    }

    pub async fn begin(&self) -> DbResult<Tx> {
        let conn = match &self.pool {
            Pool::Sqlite(pool, lock) => {
                let guard = lock.clone().lock_owned().await;
                // IMMEDIATE: the write lock from the start. A deferred transaction that read
                // first failed with SQLITE_BUSY_SNAPSHOT (517) when a write outside it (a
                // periodic job, a session touch, another process) committed in between; now
                // such a write waits for this transaction (busy_timeout) instead.
                TxConn::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, guard)
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

    /// Connections open, of them idle, and the most the pool opens: for `/metrics`.
    pub fn pool_use(&self) -> (u32, usize, u32) {
        match &self.pool {
            Pool::Sqlite(p, _) => (p.size(), p.num_idle(), p.options().get_max_connections()),
            Pool::Postgres(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
        }
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
    /// A database with data, made before the rebuild of `users`, `items` and `item_files`
    /// (0010), upgrades with every row and every reference kept, and then gives new ids only.
    #[tokio::test]
    async fn sqlite_upgrades_keep_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("k.db").display());
        let db = super::Db::connect(&url, 2, crate::clock::Clock::system())
            .await
            .unwrap();
        let super::Pool::Sqlite(pool, _) = &db.pool else {
            unreachable!()
        };
        let full = sqlx::migrate!("migrations/sqlite");
        let mut before = sqlx::migrate!("migrations/sqlite");
        before.migrations = full
            .migrations
            .iter()
            .filter(|m| m.version < 10)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        super::migrate_sqlite(pool, &before).await.unwrap();
        let t = "2026-01-01T00:00:00Z";
        for sql in [
            "INSERT INTO members (id, full_name, short_name, inn, ogrn, status, created_at, updated_at) \
             VALUES (1, 'ООО «Тест»', 'Тест', '7700123459', '1027700132195', 'member', $1, $1)",
            "INSERT INTO users (id, email, full_name, kind, member_id, member_role, created_at) \
             VALUES (1, 'a@t.example', 'А', 'member', 1, 'head', $1), (2, 'b@t.example', 'Б', 'member', 1, 'reporter', $1)",
            "INSERT INTO items (id, member_id, kind, subject, status, created_by, created_at, updated_at) \
             VALUES (1, 1, 'letter', 'Письмо', 'sent', 1, $1, $1), (2, 1, 'letter', 'Правка', 'draft', 2, $1, $1)",
            "UPDATE items SET supersedes_id = 1 WHERE id = 2",
            "INSERT INTO files (id, storage_key, original_name, size_bytes, media_type, sha256, created_at) \
             VALUES (1, 'blobs/x', 'a.pdf', 1, 'application/pdf', 'x', $1)",
            "INSERT INTO item_files (id, item_id, file_id, position) VALUES (1, 1, 1, 0), (2, 2, 1, 0)",
            "INSERT INTO item_events (item_id, status, at) VALUES (1, 'sent', $1)",
            "INSERT INTO notifications (id, member_id, item_id, text, created_at) VALUES (1, 1, 1, 'Зарегистрировано', $1)",
            "INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES (1, 2, $1)",
            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES ('h', 2, $1, $1, $1)",
            // the newest rows go, as a deleted draft and a withdrawn invitation would
            "DELETE FROM item_files WHERE id = 2",
            "DELETE FROM items WHERE id = 2",
        ] {
            sqlx::query(sql).bind(t).execute(pool).await.unwrap();
        }
        super::migrate_sqlite(pool, &full).await.unwrap();
        for (table, n) in [
            ("users", 2),
            ("items", 1),
            ("item_files", 1),
            ("item_events", 1),
            ("notifications", 1),
            ("notification_reads", 1),
            ("sessions", 1),
        ] {
            let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(count, n, "{table}");
        }
        let next: i64 = sqlx::query_scalar(
            "INSERT INTO items (member_id, kind, subject, status, created_by, created_at, updated_at) \
             VALUES (1, 'letter', 'Новое', 'draft', 1, $1, $1) RETURNING id",
        )
        .bind(t)
        .fetch_one(pool)
        .await
        .unwrap();
        // (Before the upgrade, SQLite had forgotten the deleted 2 already.)
        assert_eq!(next, 2, "the largest id before the upgrade was 1");
        sqlx::query("DELETE FROM items WHERE id = 2")
            .execute(pool)
            .await
            .unwrap();
        let again: i64 = sqlx::query_scalar(
            "INSERT INTO items (member_id, kind, subject, status, created_by, created_at, updated_at) \
             VALUES (1, 'letter', 'Еще', 'draft', 1, $1, $1) RETURNING id",
        )
        .bind(t)
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(again, 3, "a deleted id is not given again");
        // The foreign keys are on again: a user who wrote an item stays; an item takes its
        // files with it.
        sqlx::query("DELETE FROM users WHERE id = 1")
            .execute(pool)
            .await
            .unwrap_err();
        sqlx::query("DELETE FROM items WHERE id = 1")
            .execute(pool)
            .await
            .unwrap();
        let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM item_files")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(files, 0);
        let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(on, 1);
    }

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
