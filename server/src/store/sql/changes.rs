//! [`ChangeFeed`] in SQL, and appending a transaction's changes — its last statements, so the
//! tenant's lock (PostgreSQL) is held from the numbers' taking to the commit and no later
//! number of the tenant commits before an earlier one.

use async_trait::async_trait;

use super::SqlStore;
use super::db::{Batch, Tx, Value, sql};
use super::rows::{Kind, Rows};
use crate::clock::now_ms;
use crate::store::changes::{Change, ChangeFeed, StoredChange};
use crate::store::error::StoreError;
use crate::store::ids::TenantId;

/// Appends `changes` of the tenant, in order; call it last in the transaction.
pub(super) async fn append(
    tx: &mut Tx,
    tenant_id: &TenantId,
    changes: &[Change],
) -> Result<(), StoreError> {
    append_with(tx, tenant_id, changes, Batch::default()).await
}

/// [`append`], and `writes` (which touch none of the changes' rows) in the same round trip.
pub(super) async fn append_with<'a>(
    tx: &mut Tx,
    tenant_id: &TenantId,
    changes: &[Change],
    mut writes: Batch<'a>,
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return writes.execute(tx).await;
    }
    let postgres = tx.is_postgres();
    if postgres {
        // Held to the commit: the tenant's writers take their numbers one transaction at a
        // time (SQLite's single writer does this by itself).
        sql("SELECT pg_advisory_xact_lock(hashtextextended($1, 27))::text")
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
    }
    use Kind::{BigInt, Text};
    let mut rows = Rows::new(&[Text, BigInt, Text, Text, Text, BigInt]);
    let now = now_ms();
    for change in changes {
        rows.push([
            Value::from(tenant_id.as_str().to_owned()),
            Value::from(now),
            Value::from(change.entity.as_str()),
            Value::from(change.id.clone()),
            Value::from(change.kind.as_str()),
            Value::from(change.version),
        ]);
    }
    for statement in rows.statements(postgres, |source| {
        format!(
            "INSERT INTO crm_changes (tenant_id, at_ms, entity, entity_id, change, version) \
             {source}"
        )
    }) {
        writes.push(statement);
    }
    writes.execute(tx).await
}

#[async_trait]
impl ChangeFeed for SqlStore {
    async fn changes_after(
        &self,
        tenant_id: &TenantId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredChange>, StoreError> {
        sql(
            "SELECT seq, at_ms, entity, entity_id, change, version FROM crm_changes \
             WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(tenant_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
    }
}
