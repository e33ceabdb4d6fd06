//! The record store: one [`Store`] trait, two backends chosen by the database URL.
//!
//! - [`sqlite`]: embedded, the default; one file, WAL journal.
//! - [`postgres`]: for several server instances sharing one store.
//!
//! Each backend has its own migrations (`server/migrations/<backend>/`), applied at start-up and
//! by `liaison migrate`. **Invariant:** a shipped migration is never edited; changes are new files.

mod postgres;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

use crate::config::DatabaseUrl;

/// What can go wrong talking to the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the record store could not be reached: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("the record store's migrations failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the record store failed: {0}")]
    Other(#[source] sqlx::Error),
    #[error("{0}")]
    Setup(String),
}

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The record store, as the rest of the server sees it.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Applies every migration not applied yet.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Answers when the store can serve queries; `/healthz` uses it.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Opens the store `url` names (SQLite files are created when missing).
pub async fn connect(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    if url.is_postgres() {
        Ok(Arc::new(postgres::PostgresStore::connect(url).await?))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    }
}
