//! [`AuditLog`] in SQL, and the one statement every audited write runs in its transaction.

use async_trait::async_trait;

use super::db::{On, Sql, sql};
use super::{SqlStore, escape_like};
use crate::clock::now_ms;
use crate::store::audit::{AuditEntry, AuditFilter, AuditLog, AuditRecord, AuditView};
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

    async fn audit_lines(
        &self,
        tenant_id: &TenantId,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditView>, StoreError> {
        // Each filter is one condition that holds when the filter is not given.
        sql(
            "SELECT l.id, l.at_ms, l.actor_id, a.mailbox AS actor_mailbox, l.on_behalf_of_id, \
             o.mailbox AS on_behalf_of_mailbox, l.action, l.target, l.outcome, l.reason, \
             l.detail FROM audit_log l \
             LEFT JOIN users a ON a.tenant_id = l.tenant_id AND a.id = l.actor_id \
             LEFT JOIN users o ON o.tenant_id = l.tenant_id AND o.id = l.on_behalf_of_id \
             WHERE l.tenant_id = $1 \
             AND (CAST($2 AS BIGINT) IS NULL OR l.id < $2) \
             AND (CAST($3 AS TEXT) IS NULL OR a.mailbox = $3 OR l.actor_id = $3) \
             AND (CAST($4 AS TEXT) IS NULL OR o.mailbox = $4 OR l.on_behalf_of_id = $4) \
             AND (CAST($5 AS TEXT) IS NULL OR l.action = $5) \
             AND (CAST($6 AS TEXT) IS NULL OR lower(l.target) LIKE lower($6) ESCAPE '\\') \
             AND (CAST($7 AS TEXT) IS NULL OR l.outcome = $7) \
             AND (CAST($8 AS BIGINT) IS NULL OR l.at_ms >= $8) \
             AND (CAST($9 AS BIGINT) IS NULL OR l.at_ms < $9) \
             ORDER BY l.id DESC LIMIT $10",
        )
        .bind(tenant_id)
        .bind(before_id)
        .bind(filter.actor.as_deref())
        .bind(filter.on_behalf_of.as_deref())
        .bind(filter.action.as_deref())
        .bind(
            filter
                .target
                .as_deref()
                .map(|t| format!("%{}%", escape_like(t))),
        )
        .bind(
            filter
                .allowed
                .map(|allowed| if allowed { "allowed" } else { "refused" }),
        )
        .bind(filter.from_ms)
        .bind(filter.until_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
    }
}
