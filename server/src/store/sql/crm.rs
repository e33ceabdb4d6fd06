//! [`CrmStore`] in SQL, and the CRM event writes a sync session shares with a save.

use async_trait::async_trait;
use liaison_domain::api::{CrmRecord, email_address};

use super::db::sql;
use super::events::{self, clear_status_statement, load_event, load_status};
use super::idempotency::{claim_key, replay, store_response, stored_answer};
use super::records::{RECORD_COLUMNS, RecordRow, VISIBLE_TO_VIEWER, records};
use super::{SqlStore, audit, changes, placeholders};
use crate::clock::now_ms;
use crate::store::audit::AuditEntry;
use crate::store::changes::{Change, ChangeKind};
use crate::store::crm::{
    CrmStore, EventKey, IdempotencyKey, Idempotent, NewRecord, RecordQuery, Respond, SaveCommand,
    Share, StoredEvent, StoredResponse, StoredStatus,
};
use crate::store::error::StoreError;
use crate::store::ids::{EventId, TenantId, UserId};

/// A record, and the address of it an attendee's matched.
#[derive(sqlx::FromRow)]
struct MatchedRow {
    matched: String,
    #[sqlx(flatten)]
    record: RecordRow,
}

#[async_trait]
impl CrmStore for SqlStore {
    async fn insert_record(
        &self,
        tenant_id: &TenantId,
        record: &NewRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql(
            "INSERT INTO crm_records (tenant_id, id, kind, name, email, company, owner_id, \
             search_text, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(tenant_id)
        .bind(&record.id)
        .bind(record.kind.as_str())
        .bind(&record.name)
        .bind(&record.email)
        .bind(&record.company)
        .bind(&record.owner_id)
        .bind(record.search_text())
        .bind(now_ms())
        .execute(&mut tx)
        .await?;
        let text = record.search_text();
        let words = super::record_words::WordsOf {
            id: &record.id,
            search_text: &text,
            name: &record.name,
            owner_id: record.owner_id.as_str(),
            kind: record.kind.as_str(),
        };
        super::record_words::write(&mut tx, tenant_id, &[words], false).await?;
        if let Some(email) = record.email.as_deref().and_then(email_address) {
            sql(
                "INSERT INTO crm_record_emails (tenant_id, record_id, email, position) \
                 VALUES ($1, $2, $3, 0)",
            )
            .bind(tenant_id)
            .bind(&record.id)
            .bind(email)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await
    }

    async fn share_record(
        &self,
        tenant_id: &TenantId,
        record_id: &str,
        user_id: &UserId,
        share: Share,
    ) -> Result<(), StoreError> {
        sql(
            "INSERT INTO crm_record_shares (tenant_id, record_id, user_id, access) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, record_id, user_id) \
             DO UPDATE SET access = excluded.access",
        )
        .bind(tenant_id)
        .bind(record_id)
        .bind(user_id)
        .bind(share.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn search_records(
        &self,
        tenant_id: &TenantId,
        viewer_id: &UserId,
        query: &RecordQuery,
    ) -> Result<Vec<CrmRecord>, StoreError> {
        super::record_search::search(&self.pool, tenant_id, viewer_id, query).await
    }

    async fn records_by_address(
        &self,
        tenant_id: &TenantId,
        viewer_id: &UserId,
        addresses: &[String],
    ) -> Result<Vec<(String, CrmRecord)>, StoreError> {
        if addresses.is_empty() {
            return Ok(Vec::new());
        }
        let mut statement = sql(format!(
            "SELECT m.email AS matched, {RECORD_COLUMNS} FROM crm_record_emails m \
             JOIN crm_records r ON r.tenant_id = m.tenant_id AND r.id = m.record_id \
             WHERE m.tenant_id = $1 AND {VISIBLE_TO_VIEWER} AND r.deleted_at_ms IS NULL \
             AND r.kind IN ('contact', 'lead') AND m.email IN ({}) ORDER BY r.name, r.id",
            placeholders(3, addresses.len())
        ))
        .bind(tenant_id)
        .bind(viewer_id);
        for address in addresses {
            statement = statement.bind(address);
        }
        let rows: Vec<MatchedRow> = statement.fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|row| Ok((row.matched, CrmRecord::try_from(row.record)?)))
            .collect()
    }

    async fn visible_records(
        &self,
        tenant_id: &TenantId,
        viewer_id: &UserId,
        ids: &[String],
    ) -> Result<Vec<CrmRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut statement = sql(format!(
            "SELECT {RECORD_COLUMNS} FROM crm_records r WHERE r.tenant_id = $1 \
             AND {VISIBLE_TO_VIEWER} AND r.deleted_at_ms IS NULL \
             AND r.id IN ({}) ORDER BY r.name, r.id",
            placeholders(3, ids.len())
        ))
        .bind(tenant_id)
        .bind(viewer_id);
        for id in ids {
            statement = statement.bind(id);
        }
        records(statement.fetch_all(&self.pool).await?)
    }

    async fn share_crm_calendar(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
        delegate_id: &UserId,
        share: Share,
    ) -> Result<(), StoreError> {
        sql(
            "INSERT INTO crm_calendar_shares (tenant_id, organizer_id, delegate_id, access) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, organizer_id, delegate_id) \
             DO UPDATE SET access = excluded.access",
        )
        .bind(tenant_id)
        .bind(organizer_id)
        .bind(delegate_id)
        .bind(share.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn crm_calendar_share(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
        delegate_id: &UserId,
    ) -> Result<Option<Share>, StoreError> {
        let access: Option<String> = sql("SELECT access FROM crm_calendar_shares \
             WHERE tenant_id = $1 AND organizer_id = $2 AND delegate_id = $3")
        .bind(tenant_id)
        .bind(organizer_id)
        .bind(delegate_id)
        .fetch_optional_scalar(&self.pool)
        .await?;
        Ok(access.as_deref().and_then(Share::parse))
    }

    async fn find_event(&self, key: EventKey<'_>) -> Result<Option<StoredEvent>, StoreError> {
        load_event(&self.pool, key).await
    }

    async fn item_status(&self, key: EventKey<'_>) -> Result<Option<StoredStatus>, StoreError> {
        load_status(&self.pool, key).await
    }

    async fn save_item(
        &self,
        cmd: &SaveCommand,
        entry: &AuditEntry,
        respond: &Respond,
    ) -> Result<Idempotent<StoredResponse>, StoreError> {
        events::save_item(&self.pool, cmd, entry, respond).await
    }

    async fn unlink_record(
        &self,
        tenant_id: &TenantId,
        event_id: &EventId,
        record_id: &str,
        entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed = sql("DELETE FROM crm_event_records \
             WHERE tenant_id = $1 AND event_id = $2 AND record_id = $3")
        .bind(tenant_id)
        .bind(event_id)
        .bind(record_id)
        .execute(&mut tx)
        .await?;
        if removed == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        // Removed by a person: automatic linking never links it to this event again.
        sql(
            "INSERT INTO crm_event_unlinks (tenant_id, event_id, record_id, unlinked_by_id, \
             unlinked_at_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant_id, event_id, record_id) DO NOTHING",
        )
        .bind(tenant_id)
        .bind(event_id)
        .bind(record_id)
        .bind(&entry.actor_id)
        .bind(now_ms())
        .execute(&mut tx)
        .await?;
        audit::append(&mut tx, entry).await?;
        changes::append(
            &mut tx,
            tenant_id,
            &[Change::event(event_id.as_str(), ChangeKind::Updated, None)],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn detach_item(
        &self,
        key: EventKey<'_>,
        event_id: &EventId,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // Detached: it follows no Outlook item and is no longer synced with one.
        sql(
            "UPDATE crm_events SET graph_event_id = NULL, via_category = FALSE, \
             following = FALSE, synced_at_ms = NULL WHERE tenant_id = $1 AND id = $2",
        )
        .bind(key.tenant_id)
        .bind(event_id)
        .execute(&mut tx)
        .await?;
        clear_status_statement(key).execute(&mut tx).await?;
        audit::append(&mut tx, entry).await?;
        changes::append(
            &mut tx,
            key.tenant_id,
            &[Change::event(event_id.as_str(), ChangeKind::Updated, None)],
        )
        .await?;
        tx.commit().await
    }

    async fn check_idempotency(
        &self,
        tenant_id: &TenantId,
        user_id: &UserId,
        key: &IdempotencyKey,
    ) -> Result<Option<Idempotent<StoredResponse>>, StoreError> {
        stored_answer(&self.pool, tenant_id, user_id, key).await
    }

    async fn record_refusal(
        &self,
        entry: &AuditEntry,
        idempotency: Option<(&IdempotencyKey, &StoredResponse)>,
    ) -> Result<Idempotent<()>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if let Some((key, response)) = idempotency {
            if !claim_key(&mut tx, &entry.tenant_id, &entry.actor_id, key).await? {
                tx.rollback().await?;
                return Ok(
                    match replay(&self.pool, &entry.tenant_id, &entry.actor_id, key).await? {
                        Idempotent::Replayed(stored) => Idempotent::Replayed(stored),
                        _ => Idempotent::KeyReused,
                    },
                );
            }
            store_response(&mut tx, &entry.tenant_id, &entry.actor_id, key, response).await?;
        }
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(Idempotent::Fresh(()))
    }

    async fn delete_crm_event(
        &self,
        tenant_id: &TenantId,
        event_id: &EventId,
        entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        let deleted = sql(
            "UPDATE crm_events SET deleted_at_ms = $1, updated_at_ms = $1, \
             version = version + 1 WHERE tenant_id = $2 AND id = $3 AND deleted_at_ms IS NULL",
        )
        .bind(now)
        .bind(tenant_id)
        .bind(event_id)
        .execute(&mut tx)
        .await?;
        if deleted == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sql(
            "INSERT INTO category_removals (tenant_id, mailbox_id, graph_event_id, event_id, \
             requested_at_ms) SELECT tenant_id, organizer_id, graph_event_id, id, $1 \
             FROM crm_events WHERE tenant_id = $2 AND id = $3 AND graph_event_id IS NOT NULL \
             ON CONFLICT (tenant_id, mailbox_id, graph_event_id) DO NOTHING",
        )
        .bind(now)
        .bind(tenant_id)
        .bind(event_id)
        .execute(&mut tx)
        .await?;
        sql("UPDATE crm_events SET following = FALSE WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(event_id)
            .execute(&mut tx)
            .await?;
        audit::append(&mut tx, entry).await?;
        changes::append(
            &mut tx,
            tenant_id,
            &[Change::event(event_id.as_str(), ChangeKind::Deleted, None)],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn event_organizer(
        &self,
        tenant_id: &TenantId,
        event_id: &EventId,
    ) -> Result<Option<UserId>, StoreError> {
        sql(
            "SELECT organizer_id FROM crm_events WHERE tenant_id = $1 AND id = $2 \
             AND deleted_at_ms IS NULL",
        )
        .bind(tenant_id)
        .bind(event_id)
        .fetch_optional_scalar(&self.pool)
        .await
    }

    async fn queued_counts(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
        requester_id: &UserId,
    ) -> Result<(i64, i64), StoreError> {
        let (all, by_requester): (i64, i64) = sql(
            "SELECT COUNT(*), COUNT(CASE WHEN requested_by_id = $3 THEN 1 END) \
             FROM save_outbox WHERE tenant_id = $1 AND organizer_id = $2",
        )
        .bind(tenant_id)
        .bind(organizer_id)
        .bind(requester_id)
        .fetch_optional(&self.pool)
        .await?
        .unwrap_or_default();
        Ok((all, by_requester))
    }

    async fn pending_save(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
        item_id: &str,
    ) -> Result<bool, StoreError> {
        let waiting: i64 = sql("SELECT COUNT(*) FROM save_outbox WHERE tenant_id = $1 \
             AND organizer_id = $2 AND item_id = $3")
        .bind(tenant_id)
        .bind(organizer_id)
        .bind(item_id)
        .fetch_scalar(&self.pool)
        .await?;
        Ok(waiting > 0)
    }
}
