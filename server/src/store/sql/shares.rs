//! Shares, of a record or of an Organizer's CRM calendar: given or ended with their audit line,
//! and listed by mailbox.

use super::audit;
use super::db::{Pool, sql};
use crate::store::audit::AuditEntry;
use crate::store::crm::Share;
use crate::store::error::StoreError;
use crate::store::ids::TenantId;

/// A table of shares: its name and its three key columns (tenant, what, with whom).
pub(super) struct ShareTable(&'static str, [&'static str; 3]);

pub(super) const RECORD_SHARES: ShareTable =
    ShareTable("crm_record_shares", ["tenant_id", "record_id", "user_id"]);
pub(super) const CALENDAR_SHARES: ShareTable = ShareTable(
    "crm_calendar_shares",
    ["tenant_id", "organizer_id", "delegate_id"],
);

/// Gives (`Some`) or ends (`None`) the share `keys` name, with its audit line, in one
/// transaction.
pub(super) async fn set(
    pool: &Pool,
    ShareTable(table, [tenant, what, whom]): ShareTable,
    keys: [&str; 3],
    share: Option<Share>,
    audit_entry: &AuditEntry,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    let statement = match share {
        Some(share) => sql(format!(
            "INSERT INTO {table} ({tenant}, {what}, {whom}, access) VALUES ($1, $2, $3, $4) \
             ON CONFLICT ({tenant}, {what}, {whom}) DO UPDATE SET access = excluded.access"
        ))
        .bind(keys[0])
        .bind(keys[1])
        .bind(keys[2])
        .bind(share.as_str()),
        None => sql(format!(
            "DELETE FROM {table} WHERE {tenant} = $1 AND {what} = $2 AND {whom} = $3"
        ))
        .bind(keys[0])
        .bind(keys[1])
        .bind(keys[2]),
    };
    statement.execute(&mut tx).await?;
    audit::append(&mut tx, audit_entry).await?;
    tx.commit().await
}

#[derive(sqlx::FromRow)]
struct ShareRow {
    mailbox: String,
    access: String,
}

pub(super) async fn list(
    pool: &Pool,
    statement: &'static str,
    tenant_id: &TenantId,
    id: &str,
) -> Result<Vec<(String, Share)>, StoreError> {
    let rows: Vec<ShareRow> = sql(statement)
        .bind(tenant_id)
        .bind(id)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| Some((row.mailbox, Share::parse(&row.access)?)))
        .collect())
}
