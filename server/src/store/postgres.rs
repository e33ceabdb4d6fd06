//! The PostgreSQL backend, for several server instances sharing one store.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::config::DatabaseUrl;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url.expose())
            .await
            .map_err(StoreError::Unavailable)?;
        Ok(Self { pool })
    }
}

super::sql::impl_store!(
    PostgresStore,
    sqlx::Postgres,
    sqlx::PgConnection,
    Backend::Postgres
);
