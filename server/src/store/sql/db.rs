//! The SQL is written once and runs on each backend's own driver.
//!
//! [`Sql`] is a statement and its values; it runs on a [`Pool`] or in a [`Tx`], and the match
//! on the backend happens here, once, instead of in every query. Rows come out through
//! `sqlx::FromRow` types, whose derived impls serve both drivers.
//!
//! Why not `sqlx::Any`: its SQLite driver cannot map a row holding a `BOOLEAN` column ("Any
//! driver does not support the SQLite type Bool", sqlx 0.8), and both schemas have them. Why
//! not a macro instantiating the queries per backend (what this replaced): rustfmt,
//! rust-analyzer and clippy cannot see into a macro body.

use std::borrow::Cow;

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, PgPool, Postgres, Sqlite, SqlitePool};

use crate::store::error::StoreError;
use crate::store::ids::{EventId, TenantId, UserId};

/// A pool of the backend's native connections.
#[derive(Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction on either backend.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Pool {
    /// Starts a transaction. On SQLite, start it with a write: SQLite then takes its write lock
    /// at once (waiting up to its busy timeout) instead of failing to upgrade a read lock.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Self::Sqlite(pool) => Tx::Sqlite(pool.begin().await.map_err(StoreError::Unavailable)?),
            Self::Postgres(pool) => {
                Tx::Postgres(pool.begin().await.map_err(StoreError::Unavailable)?)
            }
        })
    }
}

impl Tx {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(tx) => tx.commit().await?,
            Self::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(tx) => tx.rollback().await?,
            Self::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

/// One value a statement binds. Each keeps its SQL type even when `NULL`, which PostgreSQL
/// needs to type a parameter.
#[derive(Debug, Clone)]
pub enum Value<'a> {
    Text(Option<Cow<'a, str>>),
    BigInt(Option<i64>),
    Int(Option<i32>),
    Bool(Option<bool>),
    /// One value per row, for `UNNEST` (PostgreSQL only: see [`super::rows`]).
    TextArray(Vec<Option<String>>),
    BigIntArray(Vec<Option<i64>>),
    BoolArray(Vec<Option<bool>>),
}

macro_rules! value_from {
    ($($ty:ty => |$v:ident| $make:expr),* $(,)?) => {
        $(impl<'a> From<$ty> for Value<'a> {
            fn from($v: $ty) -> Self {
                $make
            }
        })*
    };
}

value_from! {
    &'a str => |v| Value::Text(Some(Cow::Borrowed(v))),
    &'a String => |v| Value::Text(Some(Cow::Borrowed(v))),
    String => |v| Value::Text(Some(Cow::Owned(v))),
    Option<&'a str> => |v| Value::Text(v.map(Cow::Borrowed)),
    &'a Option<String> => |v| Value::Text(v.as_deref().map(Cow::Borrowed)),
    Option<String> => |v| Value::Text(v.map(Cow::Owned)),
    Cow<'a, str> => |v| Value::Text(Some(v)),
    Option<Cow<'a, str>> => |v| Value::Text(v),
    i64 => |v| Value::BigInt(Some(v)),
    Option<i64> => |v| Value::BigInt(v),
    i32 => |v| Value::Int(Some(v)),
    Option<i32> => |v| Value::Int(v),
    bool => |v| Value::Bool(Some(v)),
    &'a TenantId => |v| Value::Text(Some(Cow::Borrowed(v.as_str()))),
    &'a UserId => |v| Value::Text(Some(Cow::Borrowed(v.as_str()))),
    &'a EventId => |v| Value::Text(Some(Cow::Borrowed(v.as_str()))),
    EventId => |v| Value::Text(Some(Cow::Owned(v.into_string()))),
    Option<&'a UserId> => |v| Value::Text(v.map(|v| Cow::Borrowed(v.as_str()))),
}

/// Where a statement runs: on the pool (a connection of its own) or in a transaction.
pub enum On<'c> {
    Pool(&'c Pool),
    Tx(&'c mut Tx),
}

impl On<'_> {
    /// The same place, for one more statement.
    pub fn reborrow(&mut self) -> On<'_> {
        match self {
            Self::Pool(pool) => On::Pool(pool),
            Self::Tx(tx) => On::Tx(tx),
        }
    }
}

impl<'c> From<&'c Pool> for On<'c> {
    fn from(pool: &'c Pool) -> Self {
        Self::Pool(pool)
    }
}

impl<'c> From<&'c mut Tx> for On<'c> {
    fn from(tx: &'c mut Tx) -> Self {
        Self::Tx(tx)
    }
}

/// Binds `values` to a PostgreSQL query (or typed query).
macro_rules! bound_pg {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value {
                Value::Text(v) => query.bind(v),
                Value::BigInt(v) => query.bind(v),
                Value::Int(v) => query.bind(v),
                Value::Bool(v) => query.bind(v),
                Value::TextArray(v) => query.bind(v),
                Value::BigIntArray(v) => query.bind(v),
                Value::BoolArray(v) => query.bind(v),
            };
        }
        query
    }};
}

/// Binds `values` to a SQLite query (or typed query); arrays were refused before
/// ([`sqlite_values`]).
macro_rules! bound_sqlite {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value {
                Value::Text(v) => query.bind(v),
                Value::BigInt(v) => query.bind(v),
                Value::Int(v) => query.bind(v),
                Value::Bool(v) => query.bind(v),
                Value::TextArray(_) | Value::BigIntArray(_) | Value::BoolArray(_) => {
                    query.bind(None::<String>)
                }
            };
        }
        query
    }};
}

/// `values`, unless one is an array: SQLite has no array parameters.
fn sqlite_values(values: Vec<Value<'_>>) -> Result<Vec<Value<'_>>, StoreError> {
    if values.iter().any(|v| {
        matches!(
            v,
            Value::TextArray(_) | Value::BigIntArray(_) | Value::BoolArray(_)
        )
    }) {
        return Err(StoreError::Setup(
            "a statement with array parameters ran on SQLite".into(),
        ));
    }
    Ok(values)
}

/// A row type both drivers can produce.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// A statement and the values it binds, in order (`$1`, `$2`, …).
#[must_use = "a statement does nothing until it is run"]
pub struct Sql<'a> {
    text: Cow<'a, str>,
    values: Vec<Value<'a>>,
}

/// A statement to run.
pub fn sql<'a>(text: impl Into<Cow<'a, str>>) -> Sql<'a> {
    Sql {
        text: text.into(),
        values: Vec::new(),
    }
}

impl<'a> Sql<'a> {
    #[cfg(test)]
    pub fn into_parts(self) -> (String, Vec<Value<'a>>) {
        (self.text.into_owned(), self.values)
    }

    pub fn bind(mut self, value: impl Into<Value<'a>>) -> Self {
        self.values.push(value.into());
        self
    }

    /// Runs the statement; how many rows it changed.
    pub async fn execute(self, on: impl Into<On<'_>>) -> Result<u64, StoreError> {
        let Sql { text, values } = self;
        let done = match on.into() {
            On::Pool(Pool::Sqlite(pool)) => {
                bound_sqlite!(sqlx::query(&text), sqlite_values(values)?)
                    .execute(pool)
                    .await?
                    .rows_affected()
            }
            On::Pool(Pool::Postgres(pool)) => bound_pg!(sqlx::query(&text), values)
                .execute(pool)
                .await?
                .rows_affected(),
            On::Tx(Tx::Sqlite(tx)) => bound_sqlite!(sqlx::query(&text), sqlite_values(values)?)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            On::Tx(Tx::Postgres(tx)) => bound_pg!(sqlx::query(&text), values)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        };
        Ok(done)
    }

    pub async fn fetch_optional<T: Row>(
        self,
        on: impl Into<On<'_>>,
    ) -> Result<Option<T>, StoreError> {
        let Sql { text, values } = self;
        let row = match on.into() {
            On::Pool(Pool::Sqlite(pool)) => {
                bound_sqlite!(sqlx::query_as(&text), sqlite_values(values)?)
                    .fetch_optional(pool)
                    .await?
            }
            On::Pool(Pool::Postgres(pool)) => {
                bound_pg!(sqlx::query_as(&text), values)
                    .fetch_optional(pool)
                    .await?
            }
            On::Tx(Tx::Sqlite(tx)) => {
                bound_sqlite!(sqlx::query_as(&text), sqlite_values(values)?)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            On::Tx(Tx::Postgres(tx)) => {
                bound_pg!(sqlx::query_as(&text), values)
                    .fetch_optional(&mut **tx)
                    .await?
            }
        };
        Ok(row)
    }

    pub async fn fetch_all<T: Row>(self, on: impl Into<On<'_>>) -> Result<Vec<T>, StoreError> {
        let Sql { text, values } = self;
        let rows = match on.into() {
            On::Pool(Pool::Sqlite(pool)) => {
                bound_sqlite!(sqlx::query_as(&text), sqlite_values(values)?)
                    .fetch_all(pool)
                    .await?
            }
            On::Pool(Pool::Postgres(pool)) => {
                bound_pg!(sqlx::query_as(&text), values)
                    .fetch_all(pool)
                    .await?
            }
            On::Tx(Tx::Sqlite(tx)) => {
                bound_sqlite!(sqlx::query_as(&text), sqlite_values(values)?)
                    .fetch_all(&mut **tx)
                    .await?
            }
            On::Tx(Tx::Postgres(tx)) => {
                bound_pg!(sqlx::query_as(&text), values)
                    .fetch_all(&mut **tx)
                    .await?
            }
        };
        Ok(rows)
    }

    /// The first column of the one row the statement answers.
    pub async fn fetch_scalar<T>(self, on: impl Into<On<'_>>) -> Result<T, StoreError>
    where
        (T,): Row,
    {
        self.fetch_optional_scalar(on)
            .await?
            .ok_or(StoreError::Other(sqlx::Error::RowNotFound))
    }

    /// The first column of every row the statement answers.
    pub async fn fetch_all_scalar<T>(self, on: impl Into<On<'_>>) -> Result<Vec<T>, StoreError>
    where
        (T,): Row,
    {
        let rows: Vec<(T,)> = self.fetch_all(on).await?;
        Ok(rows.into_iter().map(|(value,)| value).collect())
    }

    /// The first column of the row the statement answers, if any.
    pub async fn fetch_optional_scalar<T>(
        self,
        on: impl Into<On<'_>>,
    ) -> Result<Option<T>, StoreError>
    where
        (T,): Row,
    {
        let row: Option<(T,)> = self.fetch_optional(on).await?;
        Ok(row.map(|(value,)| value))
    }
}

/// Writes that do not read one another's effects (each touches its own rows), sent in one round
/// trip where the backend allows: on PostgreSQL one statement, a `WITH` of data-modifying
/// statements (each runs exactly once and to completion, on one snapshot); on SQLite, which
/// runs in-process and has no round trip to save, one after the other.
#[must_use = "a batch does nothing until it is run"]
#[derive(Default)]
pub struct Batch<'a> {
    statements: Vec<Sql<'a>>,
}

impl<'a> Batch<'a> {
    pub fn push(&mut self, statement: Sql<'a>) {
        self.statements.push(statement);
    }

    pub async fn execute(self, tx: &mut Tx) -> Result<(), StoreError> {
        match tx {
            Tx::Sqlite(_) => {
                for statement in self.statements {
                    statement.execute(&mut *tx).await?;
                }
            }
            Tx::Postgres(_) => {
                if let Some(statement) = self.into_one_statement() {
                    statement.execute(tx).await?;
                }
            }
        }
        Ok(())
    }

    /// `WITH w1 AS (…), w2 AS (…) SELECT 1`, each statement's `$n` shifted past the values
    /// of those before it.
    fn into_one_statement(self) -> Option<Sql<'a>> {
        match self.statements.len() {
            0 => None,
            1 => self.statements.into_iter().next(),
            _ => {
                let mut text = String::from("WITH ");
                let mut values = Vec::new();
                for (n, statement) in self.statements.into_iter().enumerate() {
                    if n > 0 {
                        text.push_str(", ");
                    }
                    text.push_str(&format!("w{n} AS ("));
                    text.push_str(&shift_parameters(&statement.text, values.len()));
                    text.push(')');
                    values.extend(statement.values);
                }
                text.push_str(" SELECT 1");
                Some(Sql {
                    text: text.into(),
                    values,
                })
            }
        }
    }
}

/// `text` with every `$n` parameter renumbered `$(n + by)`. (Liaison's SQL has no `$` in
/// literals or identifiers.)
fn shift_parameters(text: &str, by: usize) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while let Some((j, d)) = chars.peek().copied()
            && d.is_ascii_digit()
        {
            end = j + 1;
            chars.next();
        }
        if end > start {
            let n: usize = text[start..end].parse().unwrap_or(0);
            out.push_str(&(n + by).to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_shift_past_the_statements_before() {
        assert_eq!(
            shift_parameters("VALUES ($1, $2, $10) WHERE a = $2", 3),
            "VALUES ($4, $5, $13) WHERE a = $5"
        );
        assert_eq!(shift_parameters("no parameters", 7), "no parameters");
    }

    #[test]
    fn a_batch_is_one_with_statement_and_its_values_in_order() {
        let mut batch = Batch::default();
        batch.push(
            sql("INSERT INTO a (x, y) VALUES ($1, $2)")
                .bind(1_i64)
                .bind("y"),
        );
        batch.push(sql("UPDATE b SET z = $1").bind(true));
        let one = batch.into_one_statement().unwrap();
        assert_eq!(
            one.text,
            "WITH w0 AS (INSERT INTO a (x, y) VALUES ($1, $2)), w1 AS (UPDATE b SET z = $3) \
             SELECT 1"
        );
        assert_eq!(one.values.len(), 3);
        assert!(Batch::default().into_one_statement().is_none());
    }
}
