//! [`RecordError`]: why a records request did not go through (`http/error.rs` maps it).

use liaison_domain::api::FieldError;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A field broke its rule; `field` names it.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// No such record in the tenant, or none the reader may see.
    #[error("no such record")]
    NotFound,
    /// Something the request names does not exist (for this reader).
    #[error("{message}")]
    NotFoundField {
        field: &'static str,
        message: String,
    },
    /// The reader's share of the record is view only.
    #[error("your share of this record is view only: ask its owner for edit access")]
    ReadOnly,
    /// Sharing and deleting are for the record's owner and administrators.
    #[error("only the record's owner or a Liaison administrator may share or delete it")]
    NotManager,
    #[error("only a Liaison administrator may do this")]
    AdminOnly,
    /// The record moved past the version the writer named.
    #[error(
        "the record changed since you read it (it is at version {current}): read it again, \
         then send your change with If-Match naming that version"
    )]
    Stale { current: i64 },
    #[error("this Idempotency-Key was used with a different request")]
    KeyReused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RecordError {
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.to_owned(),
        }
    }
}

impl From<FieldError> for RecordError {
    fn from(error: FieldError) -> Self {
        Self::Invalid {
            field: error.field,
            message: error.message,
        }
    }
}
