//! [`AuditLog`] in SQL, and the one statement every audited write runs in its transaction.

use async_trait::async_trait;

use super::SqlStore;
use super::db::{On, Sql, sql};
use crate::clock::now_ms;
use crate::store::audit::{AuditEntry, AuditLog, AuditRecord};
use crate::store::error::StoreError;
use crate::store::ids::TenantId;

/// Appends `entry` where `on` says (in the transaction of the change it records).
pub(super) async fn append(on: impl Into<On<'_>>, entry: &AuditEntry) -> Result<(), StoreError> {
    append_statement(entry).execute(on).await?;
    Ok(())
}

/// Longest target, reason and detail an audit line keeps (in characters): the log is
/// append-only, so what a request can put in it is bounded here, whatever the caller passed.
pub const MAX_TARGET: usize = 512;
pub const MAX_REASON: usize = 64;
pub const MAX_DETAIL: usize = 1024;

/// `text`, cut to `max` characters (an ellipsis marks the cut).
fn bounded(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => text.into(),
        Some((end, _)) => format!("{}…", &text[..end]).into(),
    }
}

/// The statement that appends `entry` (for a [`super::db::Batch`]).
pub(super) fn append_statement(entry: &AuditEntry) -> Sql<'_> {
    sql(
        "INSERT INTO audit_log (at_ms, tenant_id, actor_id, on_behalf_of_id, action, target, \
         outcome, reason, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now_ms())
    .bind(&entry.tenant_id)
    .bind(&entry.actor_id)
    .bind(entry.on_behalf_of_id.as_ref())
    .bind(entry.action.as_str())
    .bind(bounded(&entry.target, MAX_TARGET))
    .bind(if entry.allowed { "allowed" } else { "refused" })
    .bind(entry.reason.as_deref().map(|r| bounded(r, MAX_REASON)))
    .bind(entry.detail.as_deref().map(|d| bounded(d, MAX_DETAIL)))
}

#[async_trait]
impl AuditLog for SqlStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        append(&self.pool, entry).await
    }

    async fn audit_log(
        &self,
        tenant_id: &TenantId,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        sql(
            "SELECT at_ms, tenant_id, actor_id, on_behalf_of_id, action, target, outcome, \
             reason, detail FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
    }
}
