//! [`RecordStore`] in SQL: a record's row and its addresses written together, versions checked
//! in the `UPDATE` itself (no read-then-write race), the audit line in the same transaction.

use async_trait::async_trait;
use liaison_domain::api::{LeadStatus, OpportunityStage, RecordFields, RecordKind};

use super::db::{Pool, Tx, sql};
use super::idempotency::{claim_key, kept_answer, replay};
use super::record_rows::read;
use super::record_words::WordsOf;
use super::{SqlStore, audit, changes, record_words, shares};
use crate::clock::now_ms;
use crate::store::audit::AuditEntry;
use crate::store::changes::{Change, ChangeKind};
use crate::store::crm::{IdempotencyKey, Idempotent, Share, StoredResponse, search_text};
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};
use crate::store::records::{
    ImportWrite, RecordCreate, RecordEventRow, RecordEventsQuery, RecordRead, RecordStore,
    RecordWrite, RespondRecord, StoredRecord,
};

/// The words search matches, from every field a person would type.
fn search_words(fields: &RecordFields) -> String {
    let mut parts: Vec<&str> = vec![&fields.name];
    parts.extend(fields.emails.iter().map(String::as_str));
    parts.extend(fields.company.as_deref());
    parts.extend(fields.domain.as_deref());
    search_text(&parts)
}

/// Writes the record's addresses (all of them again: a record has a handful).
async fn write_emails(
    tx: &mut Tx,
    tenant_id: &TenantId,
    id: &str,
    emails: &[String],
) -> Result<(), StoreError> {
    sql("DELETE FROM crm_record_emails WHERE tenant_id = $1 AND record_id = $2")
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (position, email) in emails.iter().enumerate() {
        sql(
            "INSERT INTO crm_record_emails (tenant_id, record_id, email, position) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(email)
        .bind(i32::try_from(position).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// After a conditional write changed nothing: why.
async fn why_not(
    tx: &mut Tx,
    tenant_id: &TenantId,
    id: &str,
    actor_id: &UserId,
) -> Result<RecordWrite, StoreError> {
    Ok(match read(&mut *tx, tenant_id, id, actor_id).await? {
        Some(read) if !read.record.deleted => RecordWrite::Stale {
            current: read.record.version,
        },
        _ => RecordWrite::Missing,
    })
}

/// Commits and answers with the record as written.
async fn done(
    mut tx: Tx,
    (tenant_id, id, actor_id): (&TenantId, &str, &UserId),
    audit_entry: &AuditEntry,
    kind: ChangeKind,
) -> Result<RecordWrite, StoreError> {
    audit::append(&mut tx, audit_entry).await?;
    let written = read(&mut tx, tenant_id, id, actor_id)
        .await?
        .ok_or_else(|| StoreError::Setup("a record written is not there".into()))?;
    let change = Change::record(id, kind, written.record.version);
    changes::append(&mut tx, tenant_id, &[change]).await?;
    tx.commit().await?;
    Ok(RecordWrite::Done(Box::new(written.record)))
}

async fn create(
    pool: &Pool,
    new: RecordCreate<'_>,
    audit_entry: &AuditEntry,
    idempotency: Option<&IdempotencyKey>,
    respond: &RespondRecord,
) -> Result<Idempotent<StoredResponse>, StoreError> {
    let RecordCreate {
        tenant_id,
        id,
        fields,
        owner_id,
    } = new;
    let mut tx = pool.begin().await?;
    if let Some(key) = idempotency
        && !claim_key(&mut tx, tenant_id, owner_id, key).await?
    {
        tx.rollback().await?;
        return replay(pool, tenant_id, owner_id, key).await;
    }
    let now = now_ms();
    sql(
        "INSERT INTO crm_records (tenant_id, id, kind, name, email, company, owner_id, \
         search_text, created_at_ms, phone, account_id, domain, stage, amount_minor, currency, \
         close_date, lead_status, external_id, version, updated_at_ms, updated_by_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, 1, $9, $7)",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(fields.kind.as_str())
    .bind(&fields.name)
    .bind(fields.emails.first().map(String::as_str))
    .bind(&fields.company)
    .bind(owner_id)
    .bind(search_words(fields))
    .bind(now)
    .bind(&fields.phone)
    .bind(&fields.account_id)
    .bind(&fields.domain)
    .bind(fields.stage.map(OpportunityStage::as_str))
    .bind(fields.amount_minor)
    .bind(&fields.currency)
    .bind(&fields.close_date)
    .bind(fields.status.map(LeadStatus::as_str))
    .bind(&fields.external_id)
    .execute(&mut tx)
    .await?;
    write_emails(&mut tx, tenant_id, id, &fields.emails).await?;
    let text = search_words(fields);
    let words = WordsOf {
        id,
        search_text: &text,
        name: &fields.name,
        owner_id: owner_id.as_str(),
        kind: fields.kind.as_str(),
    };
    record_words::write(&mut tx, tenant_id, &[words], false).await?;
    audit::append(&mut tx, audit_entry).await?;
    let written = read(&mut tx, tenant_id, id, owner_id)
        .await?
        .ok_or_else(|| StoreError::Setup("a record created is not there".into()))?;
    let response = respond(&written.record);
    let answer = kept_answer(tenant_id, owner_id, idempotency, &response);
    changes::append_with(
        &mut tx,
        tenant_id,
        &[Change::record(id, ChangeKind::Created, 1)],
        answer,
    )
    .await?;
    tx.commit().await?;
    Ok(Idempotent::Fresh(response))
}

#[async_trait]
impl RecordStore for SqlStore {
    async fn record(
        &self,
        tenant_id: &TenantId,
        id: &str,
        reader_id: &UserId,
    ) -> Result<Option<RecordRead>, StoreError> {
        read(&self.pool, tenant_id, id, reader_id).await
    }

    async fn record_shares(
        &self,
        tenant_id: &TenantId,
        id: &str,
    ) -> Result<Vec<(String, Share)>, StoreError> {
        shares::list(
            &self.pool,
            "SELECT u.mailbox, s.access FROM crm_record_shares s JOIN users u \
             ON u.tenant_id = s.tenant_id AND u.id = s.user_id \
             WHERE s.tenant_id = $1 AND s.record_id = $2 ORDER BY u.mailbox",
            tenant_id,
            id,
        )
        .await
    }

    async fn create_record(
        &self,
        record: RecordCreate<'_>,
        audit: &AuditEntry,
        idempotency: Option<&IdempotencyKey>,
        respond: &RespondRecord,
    ) -> Result<Idempotent<StoredResponse>, StoreError> {
        create(&self.pool, record, audit, idempotency, respond).await
    }

    async fn update_record(
        &self,
        tenant_id: &TenantId,
        id: &str,
        fields: &RecordFields,
        expected: i64,
        actor_id: &UserId,
        audit_entry: &AuditEntry,
    ) -> Result<RecordWrite, StoreError> {
        let mut tx = self.pool.begin().await?;
        let owner: Option<String> = sql(
            "UPDATE crm_records SET name = $1, email = $2, company = $3, \
             search_text = $4, phone = $5, account_id = $6, domain = $7, stage = $8, \
             amount_minor = $9, currency = $10, close_date = $11, lead_status = $12, \
             external_id = $13, version = version + 1, updated_at_ms = $14, updated_by_id = $15 \
             WHERE tenant_id = $16 AND id = $17 AND version = $18 AND deleted_at_ms IS NULL \
             RETURNING owner_id",
        )
        .bind(&fields.name)
        .bind(fields.emails.first().map(String::as_str))
        .bind(&fields.company)
        .bind(search_words(fields))
        .bind(&fields.phone)
        .bind(&fields.account_id)
        .bind(&fields.domain)
        .bind(fields.stage.map(OpportunityStage::as_str))
        .bind(fields.amount_minor)
        .bind(&fields.currency)
        .bind(&fields.close_date)
        .bind(fields.status.map(LeadStatus::as_str))
        .bind(&fields.external_id)
        .bind(now_ms())
        .bind(actor_id)
        .bind(tenant_id)
        .bind(id)
        .bind(expected)
        .fetch_optional_scalar(&mut tx)
        .await?;
        let Some(owner_id) = owner else {
            let why = why_not(&mut tx, tenant_id, id, actor_id).await?;
            tx.rollback().await?;
            return Ok(why);
        };
        write_emails(&mut tx, tenant_id, id, &fields.emails).await?;
        let text = search_words(fields);
        let words = WordsOf {
            id,
            search_text: &text,
            name: &fields.name,
            owner_id: &owner_id,
            kind: fields.kind.as_str(),
        };
        record_words::write(&mut tx, tenant_id, &[words], true).await?;
        done(
            tx,
            (tenant_id, id, actor_id),
            audit_entry,
            ChangeKind::Updated,
        )
        .await
    }

    async fn delete_record(
        &self,
        tenant_id: &TenantId,
        id: &str,
        expected: Option<i64>,
        actor_id: &UserId,
        audit_entry: &AuditEntry,
    ) -> Result<RecordWrite, StoreError> {
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        let changed = sql(
            "UPDATE crm_records SET deleted_at_ms = $1, updated_at_ms = $1, \
             updated_by_id = $2, version = version + 1 WHERE tenant_id = $3 AND id = $4 \
             AND ($5 IS NULL OR version = $5) AND deleted_at_ms IS NULL",
        )
        .bind(now)
        .bind(actor_id)
        .bind(tenant_id)
        .bind(id)
        .bind(expected)
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            let why = why_not(&mut tx, tenant_id, id, actor_id).await?;
            tx.rollback().await?;
            return Ok(why);
        }
        record_words::remove(&mut tx, tenant_id, id).await?;
        done(
            tx,
            (tenant_id, id, actor_id),
            audit_entry,
            ChangeKind::Deleted,
        )
        .await
    }

    async fn restore_record(
        &self,
        tenant_id: &TenantId,
        id: &str,
        actor_id: &UserId,
        audit_entry: &AuditEntry,
    ) -> Result<RecordWrite, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql(
            "UPDATE crm_records SET deleted_at_ms = NULL, updated_at_ms = $1, \
             updated_by_id = $2, version = version + 1 WHERE tenant_id = $3 AND id = $4 \
             AND deleted_at_ms IS NOT NULL",
        )
        .bind(now_ms())
        .bind(actor_id)
        .bind(tenant_id)
        .bind(id)
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            tx.rollback().await?;
            return Ok(RecordWrite::Missing);
        }
        #[derive(sqlx::FromRow)]
        struct Restored {
            search_text: String,
            name: String,
            owner_id: String,
            kind: String,
        }
        let restored: Restored = sql("SELECT search_text, name, owner_id, kind FROM crm_records \
             WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&mut tx)
        .await?
        .ok_or_else(|| StoreError::Setup("a record restored is not there".into()))?;
        let words = WordsOf {
            id,
            search_text: &restored.search_text,
            name: &restored.name,
            owner_id: &restored.owner_id,
            kind: &restored.kind,
        };
        record_words::write(&mut tx, tenant_id, &[words], false).await?;
        done(
            tx,
            (tenant_id, id, actor_id),
            audit_entry,
            ChangeKind::Created,
        )
        .await
    }

    async fn set_record_share(
        &self,
        tenant_id: &TenantId,
        id: &str,
        user_id: &UserId,
        share: Option<Share>,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let keys = [tenant_id.as_str(), id, user_id.as_str()];
        shares::set(&self.pool, shares::RECORD_SHARES, keys, share, audit_entry).await
    }

    async fn set_calendar_share(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
        delegate_id: &UserId,
        share: Option<Share>,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let keys = [
            tenant_id.as_str(),
            organizer_id.as_str(),
            delegate_id.as_str(),
        ];
        shares::set(
            &self.pool,
            shares::CALENDAR_SHARES,
            keys,
            share,
            audit_entry,
        )
        .await
    }

    async fn calendar_shares(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
    ) -> Result<Vec<(String, Share)>, StoreError> {
        shares::list(
            &self.pool,
            "SELECT u.mailbox, s.access FROM crm_calendar_shares s JOIN users u \
             ON u.tenant_id = s.tenant_id AND u.id = s.delegate_id \
             WHERE s.tenant_id = $1 AND s.organizer_id = $2 ORDER BY u.mailbox",
            tenant_id,
            organizer_id.as_str(),
        )
        .await
    }

    async fn records_by_external_ids(
        &self,
        tenant_id: &TenantId,
        kind: RecordKind,
        external_ids: &[String],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        self.by_ids(tenant_id, kind, external_ids, true).await
    }

    async fn records_by_ids(
        &self,
        tenant_id: &TenantId,
        kind: RecordKind,
        ids: &[String],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        self.by_ids(tenant_id, kind, ids, false).await
    }

    async fn import_records(
        &self,
        tenant_id: &TenantId,
        actor_id: &UserId,
        batch: &[ImportWrite],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.write_import_batch(tenant_id, actor_id, batch, audit)
            .await
    }

    async fn live_accounts(
        &self,
        tenant_id: &TenantId,
        ids: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut found = std::collections::HashSet::new();
        for chunk in ids.chunks(500) {
            let mut statement = sql(format!(
                "SELECT id FROM crm_records WHERE tenant_id = $1 AND kind = 'account' \
                 AND deleted_at_ms IS NULL AND id IN ({})",
                super::placeholders(2, chunk.len())
            ))
            .bind(tenant_id);
            for id in chunk {
                statement = statement.bind(id);
            }
            found.extend(statement.fetch_all_scalar::<String>(&self.pool).await?);
        }
        Ok(found)
    }

    async fn export_records(
        &self,
        tenant_id: &TenantId,
        kind: Option<RecordKind>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        self.export_page(tenant_id, kind, after, limit).await
    }

    async fn record_events(
        &self,
        query: &RecordEventsQuery<'_>,
    ) -> Result<Vec<RecordEventRow>, StoreError> {
        self.events_of_record(query).await
    }
}
