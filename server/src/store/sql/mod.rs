//! The SQL behind the store's traits, written once for SQLite and PostgreSQL.
//!
//! Both backends accept the same statements here (`$n` parameters, `ON CONFLICT`, `RETURNING`,
//! `excluded.`); [`db`] runs them on each backend's native driver. The one difference is how a
//! sync job is picked ([`SqlStore::backend`]: `FOR UPDATE SKIP LOCKED` on PostgreSQL).
//! Write transactions start with a write, so SQLite takes its write lock at once.

mod audit;
mod auto_link;
mod bookings;
mod calendars;
mod changes;
mod crm;
mod db;
mod events;
mod idempotency;
mod identity;
mod identity_rows;
mod operations;
mod postgres_setup;
mod record_bulk;
mod record_rows;
mod record_search;
mod record_store;
mod record_words;
mod records;
mod rows;
mod shares;
mod subscriptions;
mod sync;
mod sync_writes;
mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::store::error::StoreError;
use crate::store::maintenance::{Backend, Maintenance, PurgeBefore, Purged};
use crate::store::url::DatabaseUrl;
use db::Pool;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The record store on either backend.
pub struct SqlStore {
    pool: Pool,
}

impl SqlStore {
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let pool = if url.is_postgres() {
            Pool::Postgres(connect_postgres(url).await?)
        } else {
            Pool::Sqlite(connect_sqlite(url).await?)
        };
        Ok(Self { pool })
    }

    fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }
}

/// A pool of PostgreSQL connections, over TLS as [`postgres_setup`] chooses.
async fn connect_postgres(url: &DatabaseUrl) -> Result<sqlx::PgPool, StoreError> {
    let postgres_setup::Connect {
        options,
        verification_chosen,
    } = postgres_setup::connect(url)?;
    tracing::info!(
        host = options.get_host(),
        database = options.get_database().unwrap_or_default(),
        sslmode = ?options.get_ssl_mode(),
        "opening the PostgreSQL record store"
    );
    PgPoolOptions::new()
        // A few backends per core: more only contend for the CPU. Measured with 200 delegates
        // on 2 cores (`scripts/bench load`): 32 connections 845 contexts/s, 8 → 911, 4 → 909.
        .max_connections(8)
        .test_before_acquire(false)
        .before_acquire(|connection, meta| Box::pin(ping_if_idle(connection, meta.idle_for)))
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.clone())
        .await
        .map_err(|error| {
            if verification_chosen && postgres_setup::may_be_tls(&error) {
                postgres_setup::explain(error, &options)
            } else {
                StoreError::Unavailable(error)
            }
        })
}

/// How long a pooled PostgreSQL connection may sit idle before it is pinged on its way out of
/// the pool.
const PING_AFTER_IDLE: Duration = Duration::from_secs(30);

/// sqlx's default pings every connection taken from the pool — a round trip to the server
/// before each statement (and sqlx pings again when it is given back, which cannot be turned
/// off). Only a connection that sat idle is pinged here, the pattern sqlx's
/// `PoolOptions::before_acquire` documents: one in steady use was answered moments ago. If the
/// server dropped it meanwhile (a restart, a failover), the call that meets it fails as the
/// store unavailable (`503`) and the connection is replaced (`tests/e2e/store_reconnect.rs`).
/// Measured with `scripts/bench load` (README, "Measure it").
async fn ping_if_idle(
    connection: &mut sqlx::PgConnection,
    idle_for: Duration,
) -> Result<bool, sqlx::Error> {
    if idle_for > PING_AFTER_IDLE {
        sqlx::Connection::ping(connection).await?;
    }
    Ok(true)
}

/// One file, WAL journal, foreign keys on; the file and its directory are created if missing.
async fn connect_sqlite(url: &DatabaseUrl) -> Result<sqlx::SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url.expose())
        .map_err(StoreError::Unavailable)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // With WAL, NORMAL is durable across application crashes and much faster than FULL.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if let Some(dir) = options.get_filename().parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Setup(format!("cannot create {}: {e}", dir.display())))?;
    }
    SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(StoreError::Unavailable)
}

#[async_trait]
impl Maintenance for SqlStore {
    fn backend(&self) -> Backend {
        SqlStore::backend(self)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS
                .run(pool)
                .await
                .map_err(postgres_setup::explain_migration)?,
        }
        self.backfill_record_words().await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        db::sql("SELECT 1")
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| match e {
                StoreError::Other(e) | StoreError::Conflict(e) => StoreError::Unavailable(e),
                other => other,
            })
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        match self.pool {
            Pool::Postgres(_) => {
                // The tables bulk writes grow are vacuumed too: until a page is marked all
                // visible, an index-only scan (the record search's, `record_search.rs`) reads
                // the table for each entry — measured after a 100,000-record import: 14 ms
                // for a search that takes 4 once vacuumed. Autovacuum gets there, minutes later.
                db::sql(
                    "VACUUM (ANALYZE) crm_records, crm_record_words, crm_record_emails, \
                     crm_events, crm_event_records, crm_changes",
                )
                .execute(&self.pool)
                .await?;
                // Then every table, sampled (at most 30,000 rows each), which invalidates the
                // plans connections keep.
                db::sql("ANALYZE").execute(&self.pool).await.map(drop)
            }
            // SQLite: its own advice after such changes.
            Pool::Sqlite(_) => db::sql("PRAGMA optimize")
                .execute(&self.pool)
                .await
                .map(drop),
        }
    }

    async fn purge(&self, before: PurgeBefore) -> Result<Purged, StoreError> {
        let delete =
            |statement: &'static str, at: i64| db::sql(statement).bind(at).execute(&self.pool);
        Ok(Purged {
            idempotency_keys: delete(
                "DELETE FROM idempotency_keys WHERE created_at_ms < $1",
                before.idempotency_keys_ms,
            )
            .await?,
            sessions: db::sql(
                "DELETE FROM sessions WHERE expires_at_ms <= $1 OR last_seen_at_ms <= $2",
            )
            .bind(before.now_ms)
            .bind(before.idle_sessions_ms)
            .execute(&self.pool)
            .await?,
            dialog_codes: delete(
                "DELETE FROM dialog_codes WHERE expires_at_ms <= $1",
                before.now_ms,
            )
            .await?,
            sign_in_flows: delete(
                "DELETE FROM sign_in_flows WHERE expires_at_ms <= $1",
                before.now_ms,
            )
            .await?,
            delegation_checks: delete(
                "DELETE FROM delegation_checks WHERE checked_at_ms < $1",
                before.delegation_checks_ms,
            )
            .await?,
            sync_sessions: delete(
                "DELETE FROM sync_sessions WHERE started_at_ms < $1",
                before.sync_sessions_ms,
            )
            .await?,
        })
    }

    #[cfg(feature = "test-support")]
    async fn count_rows(
        &self,
        table: crate::store::maintenance::CountedTable,
    ) -> Result<i64, StoreError> {
        use crate::store::maintenance::CountedTable;
        let table = match table {
            CountedTable::CrmRecords => "crm_records",
            CountedTable::CrmEvents => "crm_events",
            CountedTable::CrmEventRecords => "crm_event_records",
            CountedTable::AuditLog => "audit_log",
            CountedTable::SaveOutbox => "save_outbox",
        };
        db::sql(format!("SELECT COUNT(*) FROM {table}"))
            .fetch_scalar(&self.pool)
            .await
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `$from, $from+1, …` for `count` values, for an `IN (…)` list.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The migrations whose two dialects differ, and why; every other migration is the same
    /// file for both backends, so a change made to one schema cannot miss the other.
    const DIALECT_SPECIFIC: &[(i64, &str)] = &[
        (
            1,
            "the audit log's identity column and append-only triggers",
        ),
        (
            5,
            "PostgreSQL only: indexes that keep foreign-key checks' plans",
        ),
        (
            12,
            "SQLite changes a CHECK constraint by remaking the table",
        ),
        (
            20,
            "PostgreSQL: the search's words compare byte by byte (COLLATE \"C\")",
        ),
        (
            21,
            "the change feed's sequence: SQLite's rowid, PostgreSQL's identity",
        ),
    ];

    #[test]
    fn the_two_schemas_move_together() {
        let sqlite: Vec<_> = SQLITE_MIGRATIONS.iter().collect();
        let postgres: Vec<_> = POSTGRES_MIGRATIONS.iter().collect();
        let specific = |version| DIALECT_SPECIFIC.iter().any(|(v, _)| *v == version);
        for migration in postgres.iter().filter(|m| !specific(m.version)) {
            let twin = sqlite
                .iter()
                .find(|s| s.version == migration.version)
                .unwrap_or_else(|| panic!("{} has no SQLite twin", migration.version));
            assert_eq!(twin.description, migration.description);
            assert_eq!(
                twin.sql, migration.sql,
                "migration {} differs between the backends: make both files the same, or list \
                 it in DIALECT_SPECIFIC with the reason",
                migration.version
            );
        }
        for migration in sqlite.iter().filter(|m| !specific(m.version)) {
            assert!(
                postgres.iter().any(|p| p.version == migration.version),
                "{} has no PostgreSQL twin",
                migration.version
            );
        }
    }
}
