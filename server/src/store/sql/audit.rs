//! [`AuditLog`] in SQL, and the one statement every audited write runs in its transaction.

use async_trait::async_trait;

use super::db::{On, Sql, Value, sql};
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
        // Only the filters given become conditions: `l.id < $n` stays a range on the
        // `(tenant_id, id)` index, so each page of an export starts where the last one ended.
        let mut conditions = vec!["l.tenant_id = $1".to_owned()];
        let mut values: Vec<Value<'_>> = vec![tenant_id.into()];
        let mut add = |condition: &str, value: Value<'static>| {
            values.push(value);
            conditions.push(condition.replace('?', &format!("${}", values.len())));
        };
        if let Some(id) = before_id {
            add("l.id < ?", id.into());
        }
        if let Some(actor) = &filter.actor {
            add("(a.mailbox = ? OR l.actor_id = ?)", actor.clone().into());
        }
        if let Some(on_behalf_of) = &filter.on_behalf_of {
            add(
                "(o.mailbox = ? OR l.on_behalf_of_id = ?)",
                on_behalf_of.clone().into(),
            );
        }
        if let Some(action) = &filter.action {
            add("l.action = ?", action.clone().into());
        }
        if let Some(target) = &filter.target {
            let pattern = format!("%{}%", escape_like(target));
            add("lower(l.target) LIKE lower(?) ESCAPE '\\'", pattern.into());
        }
        if let Some(allowed) = filter.allowed {
            add(
                "l.outcome = ?",
                if allowed { "allowed" } else { "refused" }.into(),
            );
        }
        if let Some(from) = filter.from_ms {
            add("l.at_ms >= ?", from.into());
        }
        if let Some(until) = filter.until_ms {
            add("l.at_ms < ?", until.into());
        }
        let mut statement = sql(format!(
            "SELECT l.id, l.at_ms, l.actor_id, a.mailbox AS actor_mailbox, l.on_behalf_of_id, \
             o.mailbox AS on_behalf_of_mailbox, l.action, l.target, l.outcome, l.reason, \
             l.detail FROM audit_log l \
             LEFT JOIN users a ON a.tenant_id = l.tenant_id AND a.id = l.actor_id \
             LEFT JOIN users o ON o.tenant_id = l.tenant_id AND o.id = l.on_behalf_of_id \
             WHERE {} ORDER BY l.id DESC LIMIT ${}",
            conditions.join(" AND "),
            values.len() + 1
        ));
        for value in values {
            statement = statement.bind(value);
        }
        statement.bind(i64::from(limit)).fetch_all(&self.pool).await
    }
}
