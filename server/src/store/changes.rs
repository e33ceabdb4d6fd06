//! The CRM's change feed: each record and CRM event created, updated or deleted, numbered in
//! commit order per tenant, for those who mirror Liaison's store elsewhere
//! (`GET /api/crm/changes?after=`). A change names what changed and its version; the reader
//! reads the thing itself.

use async_trait::async_trait;

use crate::store::error::StoreError;
use crate::store::ids::TenantId;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeEntity {
    Record,
    Event,
}

liaison_domain::wire_names!(ChangeEntity {
    Record => "record",
    Event => "event",
});

/// How it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

liaison_domain::wire_names!(ChangeKind {
    Created => "created",
    Updated => "updated",
    Deleted => "deleted",
});

/// One change a write appends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub entity: ChangeEntity,
    pub id: String,
    pub kind: ChangeKind,
    /// The thing's version after the change, when the writer knows it.
    pub version: Option<i64>,
}

impl Change {
    pub fn record(id: &str, kind: ChangeKind, version: i64) -> Self {
        Self {
            entity: ChangeEntity::Record,
            id: id.to_owned(),
            kind,
            version: Some(version),
        }
    }

    pub fn event(id: &str, kind: ChangeKind, version: Option<i64>) -> Self {
        Self {
            entity: ChangeEntity::Event,
            id: id.to_owned(),
            kind,
            version,
        }
    }

    /// A record or event whose version 1 was just written is new.
    pub fn kind_of(version: i64) -> ChangeKind {
        if version <= 1 {
            ChangeKind::Created
        } else {
            ChangeKind::Updated
        }
    }
}

/// A change as the feed gives it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredChange {
    pub seq: i64,
    pub at_ms: i64,
    #[sqlx(try_from = "String")]
    pub entity: ChangeEntity,
    pub entity_id: String,
    #[sqlx(try_from = "String")]
    pub change: ChangeKind,
    pub version: Option<i64>,
}

#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// The tenant's changes after `after` (a change's `seq`; 0 from the start), in commit
    /// order, at most `limit`.
    async fn changes_after(
        &self,
        tenant_id: &TenantId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredChange>, StoreError>;
}
