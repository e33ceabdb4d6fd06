//! A CRM record's row as SQL reads it, and the record it is: one record with its addresses
//! (for a reader, with that reader's share), or many with theirs in a statement per 500.

use liaison_domain::api::{LeadStatus, OpportunityStage, RecordFields, RecordKind};

use super::db::{Pool, sql};
use crate::store::crm::Share;
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};
use crate::store::records::{RecordRead, StoredRecord};

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    id: String,
    kind: String,
    name: String,
    phone: Option<String>,
    account_id: Option<String>,
    domain: Option<String>,
    company: Option<String>,
    stage: Option<String>,
    amount_minor: Option<i64>,
    currency: Option<String>,
    close_date: Option<String>,
    lead_status: Option<String>,
    external_id: Option<String>,
    owner_id: String,
    owner_mailbox: String,
    owner_name: String,
    version: i64,
    created_at_ms: i64,
    updated_at_ms: i64,
    deleted_at_ms: Option<i64>,
    share: Option<String>,
}

const READ: &str = "SELECT r.id, r.kind, r.name, r.phone, r.account_id, r.domain, r.company, \
     r.stage, r.amount_minor, r.currency, r.close_date, r.lead_status, r.external_id, \
     r.owner_id, u.mailbox AS owner_mailbox, u.display_name AS owner_name, r.version, \
     r.created_at_ms, r.updated_at_ms, r.deleted_at_ms, \
     (SELECT s.access FROM crm_record_shares s WHERE s.tenant_id = r.tenant_id \
       AND s.record_id = r.id AND s.user_id = $3) AS share \
     FROM crm_records r JOIN users u ON u.tenant_id = r.tenant_id AND u.id = r.owner_id \
     WHERE r.tenant_id = $1 AND r.id = $2";

fn unknown(what: &str, value: &str) -> StoreError {
    StoreError::Setup(format!("unknown {what} {value} in crm_records"))
}

impl Row {
    fn into_read(self, emails: Vec<String>) -> Result<RecordRead, StoreError> {
        let kind = RecordKind::parse(&self.kind).ok_or_else(|| unknown("kind", &self.kind))?;
        let stage = self
            .stage
            .map(|s| OpportunityStage::parse(&s).ok_or_else(|| unknown("stage", &s)))
            .transpose()?;
        let status = self
            .lead_status
            .map(|s| LeadStatus::parse(&s).ok_or_else(|| unknown("lead status", &s)))
            .transpose()?;
        let share = self.share.as_deref().and_then(Share::parse);
        Ok(RecordRead {
            record: StoredRecord {
                id: self.id,
                fields: RecordFields {
                    kind,
                    name: self.name,
                    emails,
                    phone: self.phone,
                    account_id: self.account_id,
                    domain: self.domain,
                    company: self.company,
                    stage,
                    amount_minor: self.amount_minor,
                    currency: self.currency,
                    close_date: self.close_date,
                    status,
                    external_id: self.external_id,
                },
                owner_id: UserId::new(self.owner_id),
                owner_mailbox: self.owner_mailbox,
                owner_name: self.owner_name,
                version: self.version,
                created_at_ms: self.created_at_ms,
                updated_at_ms: self.updated_at_ms,
                deleted: self.deleted_at_ms.is_some(),
            },
            share,
        })
    }
}

/// The record as `reader_id` sees it, on the pool or in a transaction.
pub(super) async fn read(
    on: impl Into<super::db::On<'_>> + Send,
    tenant_id: &TenantId,
    id: &str,
    reader_id: &UserId,
) -> Result<Option<RecordRead>, StoreError> {
    let mut on = on.into();
    let row: Option<Row> = sql(READ)
        .bind(tenant_id)
        .bind(id)
        .bind(reader_id)
        .fetch_optional(on.reborrow())
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let emails: Vec<String> = sql("SELECT email FROM crm_record_emails \
         WHERE tenant_id = $1 AND record_id = $2 ORDER BY position")
    .bind(tenant_id)
    .bind(id)
    .fetch_all_scalar(on)
    .await?;
    row.into_read(emails).map(Some)
}

/// The records of `rows` with their addresses (one more statement per 500 records).
pub(super) async fn records_with_emails(
    pool: &Pool,
    tenant_id: &TenantId,
    rows: Vec<Row>,
) -> Result<Vec<StoredRecord>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Email {
        record_id: String,
        email: String,
    }
    let mut emails: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    for chunk in rows.chunks(500) {
        let mut statement = sql(format!(
            "SELECT record_id, email FROM crm_record_emails WHERE tenant_id = $1 \
             AND record_id IN ({}) ORDER BY record_id, position",
            super::placeholders(2, chunk.len())
        ))
        .bind(tenant_id);
        for row in chunk {
            statement = statement.bind(row.id.as_str());
        }
        let found: Vec<Email> = statement.fetch_all(pool).await?;
        for email in found {
            emails.entry(email.record_id).or_default().push(email.email);
        }
    }
    rows.into_iter()
        .map(|row| {
            let addresses = emails.remove(&row.id).unwrap_or_default();
            row.into_read(addresses).map(|read| read.record)
        })
        .collect()
}
