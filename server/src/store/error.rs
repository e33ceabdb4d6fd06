//! [`StoreError`]: what can go wrong talking to the record store.

/// What can go wrong talking to the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the record store could not be reached: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("the record store's migrations failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("a row with this key exists already")]
    Conflict(#[source] sqlx::Error),
    /// The CRM event was deleted in the CRM: it is never written again.
    #[error("the CRM event was deleted in the CRM")]
    Deleted,
    /// A queued save another session carried out (or gave up on) meanwhile.
    #[error("this queued save was carried out already")]
    OutboxTaken,
    #[error("the record store failed: {0}")]
    Other(#[source] sqlx::Error),
    #[error("{0}")]
    Setup(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict(error),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(error)
            }
            // The server ended the connection (SQLSTATE class 08, connection exception; 57P,
            // shut down or restarting): the store is unavailable, not the statement wrong.
            sqlx::Error::Database(db)
                if db
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")) =>
            {
                Self::Unavailable(error)
            }
            _ => Self::Other(error),
        }
    }
}
