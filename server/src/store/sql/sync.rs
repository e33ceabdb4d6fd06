//! [`SyncStore`] in SQL.

use async_trait::async_trait;

use super::db::{On, sql};
use super::events::{clear_status_statement, starts_at_ms, take_outbox_row};
use super::sync_writes;
use super::{SqlStore, audit, placeholders};
use crate::clock::now_ms;
use crate::store::audit::AuditEntry;
use crate::store::crm::{EventKey, EventType};
use crate::store::error::StoreError;
use crate::store::ids::{EventId, TenantId, UserId, UserKey};
use crate::store::maintenance::Backend;
use crate::store::sync::{
    CategoryRemoval, GraphLink, JobOutcome, Lease, QueuedSave, SyncCursor, SyncJob, SyncJobStatus,
    SyncStore, SyncWindow, SyncWrite,
};

#[derive(sqlx::FromRow)]
struct JobRow {
    tenant_id: TenantId,
    organizer_id: UserId,
    delta_link: Option<String>,
    window_start: String,
    window_end: String,
    category_id: Option<String>,
    category_name: Option<String>,
    breaker_confirmed: bool,
    taken_over_from: Option<String>,
}

#[derive(sqlx::FromRow)]
struct JobStatusRow {
    due_at_ms: i64,
    lease_until_ms: Option<i64>,
    runs: i64,
    delta_link: Option<String>,
    last_finished_at_ms: Option<i64>,
    last_error_code: Option<String>,
    last_error_message: Option<String>,
    breaker_tripped_at_ms: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    graph_event_id: String,
    event_id: EventId,
    via_category: bool,
    following: bool,
    ical_uid: String,
    event_type: String,
    deleted_at_ms: Option<i64>,
    starts_at_ms: Option<i64>,
    start_date: Option<String>,
}

#[async_trait]
impl SyncStore for SqlStore {
    async fn ensure_sync_job(
        &self,
        organizer: &UserKey,
        window: &SyncWindow,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sql(
            "INSERT INTO sync_jobs (tenant_id, organizer_id, window_start, window_end, \
             due_at_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant_id, organizer_id) DO NOTHING",
        )
        .bind(&organizer.tenant_id)
        .bind(&organizer.user_id)
        .bind(&window.start)
        .bind(&window.end)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn claim_sync_job(
        &self,
        only: Option<&UserKey>,
        lease: &Lease,
        now_ms: i64,
    ) -> Result<Option<SyncJob>, StoreError> {
        // The pick and the lease are one statement; PostgreSQL skips rows another claimer has
        // locked instead of waiting for them. Every SET reads the row as it was: a holder
        // still named is one whose lease expired (a release clears it).
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let row: Option<JobRow> = sql(format!(
            "UPDATE sync_jobs SET taken_over_from = leased_by, leased_by = $1, \
             lease_until_ms = $2, runs = runs + 1 \
             WHERE (tenant_id, organizer_id) = (SELECT tenant_id, organizer_id \
             FROM sync_jobs WHERE (lease_until_ms IS NULL OR lease_until_ms < $3) \
             AND breaker_tripped_at_ms IS NULL AND (CAST($4 AS TEXT) IS NULL \
             AND due_at_ms <= $3 OR tenant_id = $4 AND organizer_id = $5) \
             ORDER BY due_at_ms LIMIT 1{lock}) \
             RETURNING tenant_id, organizer_id, delta_link, window_start, window_end, \
             category_id, category_name, breaker_confirmed, taken_over_from"
        ))
        .bind(&lease.worker)
        .bind(lease.until_ms)
        .bind(now_ms)
        .bind(only.map(|o| o.tenant_id.as_str()))
        .bind(only.map(|o| o.user_id.as_str()))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| SyncJob {
            organizer: UserKey::new(r.tenant_id, r.organizer_id),
            delta_link: r.delta_link,
            window: SyncWindow {
                start: r.window_start,
                end: r.window_end,
            },
            category_id: r.category_id,
            category_name: r.category_name,
            breaker_confirmed: r.breaker_confirmed,
            taken_over_from: r.taken_over_from,
            lease: lease.clone(),
        }))
    }

    async fn apply_sync(
        &self,
        job: &SyncJob,
        writes: &[SyncWrite],
        cursor: Option<&SyncCursor>,
        lease_until_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let organizer = &job.organizer;
        let mut tx = self.pool.begin().await?;
        // The fence: renewing the lease is the transaction's first write, so a worker whose
        // lease expired (and was taken over) writes nothing.
        if !renew_lease(&mut tx, job, lease_until_ms, now_ms).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        sync_writes::apply(&mut tx, organizer, writes, now_ms).await?;
        if let Some(cursor) = cursor {
            sql(
                "UPDATE sync_jobs SET delta_link = $1, window_start = $2, window_end = $3, \
                 category_id = $4, category_name = $5 WHERE tenant_id = $6 \
                 AND organizer_id = $7",
            )
            .bind(&cursor.delta_link)
            .bind(&cursor.window.start)
            .bind(&cursor.window.end)
            .bind(&cursor.category_id)
            .bind(&cursor.category_name)
            .bind(&organizer.tenant_id)
            .bind(&organizer.user_id)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn finish_sync_job(
        &self,
        organizer: &UserKey,
        worker: &str,
        outcome: &JobOutcome,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let error = outcome.error.as_ref();
        sql(
            "UPDATE sync_jobs SET leased_by = NULL, lease_until_ms = NULL, due_at_ms = $1, \
             last_finished_at_ms = $2, last_error_code = $3, last_error_message = $4, \
             breaker_tripped_at_ms = CASE WHEN $5 THEN $2 ELSE breaker_tripped_at_ms END, \
             breaker_confirmed = CASE WHEN $5 THEN FALSE \
             ELSE breaker_confirmed AND $3 IS NOT NULL END \
             WHERE tenant_id = $6 AND organizer_id = $7 AND leased_by = $8",
        )
        .bind(outcome.next_due_ms)
        .bind(now_ms)
        .bind(error.map(|e| e.code.as_str()))
        .bind(error.map(|e| e.message.as_str()))
        .bind(outcome.trip_breaker)
        .bind(&organizer.tenant_id)
        .bind(&organizer.user_id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn sync_job_status(
        &self,
        organizer: &UserKey,
        now_ms: i64,
    ) -> Result<Option<SyncJobStatus>, StoreError> {
        let row: Option<JobStatusRow> = sql(
            "SELECT due_at_ms, lease_until_ms, runs, delta_link, last_finished_at_ms, \
             last_error_code, last_error_message, breaker_tripped_at_ms FROM sync_jobs \
             WHERE tenant_id = $1 AND organizer_id = $2",
        )
        .bind(&organizer.tenant_id)
        .bind(&organizer.user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| SyncJobStatus {
            due_at_ms: r.due_at_ms,
            running: r.lease_until_ms.is_some_and(|until| until >= now_ms),
            runs: r.runs,
            has_cursor: r.delta_link.is_some(),
            last_finished_at_ms: r.last_finished_at_ms,
            last_error_code: r.last_error_code,
            last_error_message: r.last_error_message,
            breaker_tripped: r.breaker_tripped_at_ms.is_some(),
        }))
    }

    async fn reset_sync_breaker(&self, organizer: &UserKey) -> Result<(), StoreError> {
        sql(
            "UPDATE sync_jobs SET breaker_tripped_at_ms = NULL, breaker_confirmed = TRUE, \
             last_error_code = NULL, last_error_message = NULL, due_at_ms = 0 \
             WHERE tenant_id = $1 AND organizer_id = $2",
        )
        .bind(&organizer.tenant_id)
        .bind(&organizer.user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn forget_crm_categories(&self, tenant_id: &TenantId) -> Result<(), StoreError> {
        sql(
            "UPDATE sync_jobs SET category_id = NULL, category_name = NULL, delta_link = NULL, \
             due_at_ms = 0 WHERE tenant_id = $1",
        )
        .bind(tenant_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn request_sync(&self, organizer: &UserKey) -> Result<(), StoreError> {
        sql("UPDATE sync_jobs SET due_at_ms = 0 WHERE tenant_id = $1 AND organizer_id = $2")
            .bind(&organizer.tenant_id)
            .bind(&organizer.user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn graph_links(
        &self,
        organizer: &UserKey,
        graph_ids: &[String],
    ) -> Result<Vec<(String, GraphLink)>, StoreError> {
        let mut links = Vec::with_capacity(graph_ids.len());
        // A few hundred ids per statement: well under both backends' parameter limits.
        for chunk in graph_ids.chunks(500) {
            let mut statement = sql(format!(
                "SELECT graph_event_id, id AS event_id, via_category, following, ical_uid, \
                 event_type, deleted_at_ms, starts_at_ms, start_date FROM crm_events \
                 WHERE tenant_id = $1 AND organizer_id = $2 AND graph_event_id IN ({})",
                placeholders(3, chunk.len())
            ))
            .bind(&organizer.tenant_id)
            .bind(&organizer.user_id);
            for id in chunk {
                statement = statement.bind(id);
            }
            let rows: Vec<LinkRow> = statement.fetch_all(&self.pool).await?;
            links.extend(rows.into_iter().map(|r| {
                let link = GraphLink {
                    starts_at_ms: starts_at_ms(r.starts_at_ms, r.start_date.as_deref()),
                    event_id: r.event_id,
                    ical_uid: r.ical_uid,
                    via_category: r.via_category,
                    following: r.following,
                    event_type: EventType::of_graph(&r.event_type),
                    deleted: r.deleted_at_ms.is_some(),
                };
                (r.graph_event_id, link)
            }));
        }
        Ok(links)
    }

    async fn followed_in_window(
        &self,
        organizer: &UserKey,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sql("SELECT graph_event_id FROM crm_events \
             WHERE tenant_id = $1 AND organizer_id = $2 AND graph_event_id IS NOT NULL \
             AND following AND cancelled_at_ms IS NULL AND deleted_at_ms IS NULL \
             AND event_type <> 'seriesMaster' AND starts_at_ms >= $3 AND starts_at_ms < $4")
        .bind(&organizer.tenant_id)
        .bind(&organizer.user_id)
        .bind(start_ms)
        .bind(end_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn active_synced_events(&self, organizer: &UserKey) -> Result<i64, StoreError> {
        sql(
            "SELECT COUNT(*) FROM crm_events WHERE tenant_id = $1 AND organizer_id = $2 \
             AND cancelled_at_ms IS NULL AND deleted_at_ms IS NULL",
        )
        .bind(&organizer.tenant_id)
        .bind(&organizer.user_id)
        .fetch_scalar(&self.pool)
        .await
    }

    async fn queued_saves(
        &self,
        organizer: &UserKey,
        at_most: i64,
    ) -> Result<Vec<QueuedSave>, StoreError> {
        sql(
            "SELECT id, requested_by_id, payload, ical_uid, item_id, attempts, created_at_ms \
             FROM save_outbox WHERE tenant_id = $1 AND organizer_id = $2 \
             ORDER BY created_at_ms, id LIMIT $3",
        )
        .bind(&organizer.tenant_id)
        .bind(&organizer.user_id)
        .bind(at_most)
        .fetch_all(&self.pool)
        .await
    }

    async fn drop_queued_save(
        &self,
        tenant_id: &TenantId,
        outbox_id: &str,
        entry: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        take_outbox_row(&mut tx, tenant_id, outbox_id).await?;
        if let Some(entry) = entry {
            audit::append(&mut tx, entry).await?;
        }
        tx.commit().await
    }

    async fn note_queued_save_failure(
        &self,
        tenant_id: &TenantId,
        outbox_id: &str,
        message: &str,
    ) -> Result<i32, StoreError> {
        let attempts: Option<i32> = sql(
            "UPDATE save_outbox SET attempts = attempts + 1, last_error = $3 \
             WHERE tenant_id = $1 AND id = $2 RETURNING attempts",
        )
        .bind(tenant_id)
        .bind(outbox_id)
        .bind(message)
        .fetch_optional_scalar(&self.pool)
        .await?;
        Ok(attempts.unwrap_or(0))
    }

    async fn dead_letter_queued_save(
        &self,
        organizer: &UserKey,
        queued: &QueuedSave,
        message: &str,
        entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        if !take_outbox_row(&mut tx, &organizer.tenant_id, &queued.id).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        if !queued.ical_uid.is_empty() {
            sql(
                "INSERT INTO item_sync_status (tenant_id, organizer_id, ical_uid, state, \
                 error_code, error_message, attempts, updated_at_ms) \
                 VALUES ($1, $2, $3, 'failed', 'queued_save_failed', $4, $5, $6) \
                 ON CONFLICT (tenant_id, organizer_id, ical_uid) DO UPDATE SET \
                 state = 'failed', error_code = excluded.error_code, \
                 error_message = excluded.error_message, attempts = excluded.attempts, \
                 updated_at_ms = excluded.updated_at_ms",
            )
            .bind(&organizer.tenant_id)
            .bind(&organizer.user_id)
            .bind(&queued.ical_uid)
            .bind(message)
            .bind(queued.attempts)
            .bind(now_ms())
            .execute(&mut tx)
            .await?;
        }
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn renew_sync_lease(
        &self,
        job: &SyncJob,
        lease_until_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        renew_lease(&self.pool, job, lease_until_ms, now_ms).await
    }

    async fn category_removals(
        &self,
        organizer: &UserKey,
    ) -> Result<Vec<CategoryRemoval>, StoreError> {
        sql(
            "SELECT r.graph_event_id, r.event_id, r.attempts, e.ical_uid \
             FROM category_removals r JOIN crm_events e \
             ON e.tenant_id = r.tenant_id AND e.id = r.event_id \
             WHERE r.tenant_id = $1 AND r.mailbox_id = $2 ORDER BY r.requested_at_ms",
        )
        .bind(&organizer.tenant_id)
        .bind(&organizer.user_id)
        .fetch_all(&self.pool)
        .await
    }

    async fn finish_category_removal(
        &self,
        organizer: &UserKey,
        removal: &CategoryRemoval,
        failure: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        match failure {
            None => {
                sql(
                    "DELETE FROM category_removals WHERE tenant_id = $1 AND mailbox_id = $2 \
                     AND graph_event_id = $3",
                )
                .bind(&organizer.tenant_id)
                .bind(&organizer.user_id)
                .bind(&removal.graph_event_id)
                .execute(&mut tx)
                .await?;
                let key = EventKey {
                    tenant_id: &organizer.tenant_id,
                    organizer_id: &organizer.user_id,
                    ical_uid: &removal.ical_uid,
                };
                clear_status_statement(key).execute(&mut tx).await?;
                // The item left the CRM: its event is no longer synced with it.
                sql("UPDATE crm_events SET synced_at_ms = NULL WHERE tenant_id = $1 AND id = $2")
                    .bind(&organizer.tenant_id)
                    .bind(&removal.event_id)
                    .execute(&mut tx)
                    .await?;
            }
            Some(message) => {
                sql(
                    "UPDATE category_removals SET attempts = attempts + 1, last_error = $1 \
                     WHERE tenant_id = $2 AND mailbox_id = $3 AND graph_event_id = $4",
                )
                .bind(message)
                .bind(&organizer.tenant_id)
                .bind(&organizer.user_id)
                .bind(&removal.graph_event_id)
                .execute(&mut tx)
                .await?;
                sql(
                    "INSERT INTO item_sync_status (tenant_id, organizer_id, ical_uid, state, \
                     error_code, error_message, attempts, updated_at_ms) \
                     VALUES ($1, $2, $3, 'failed', 'category_not_removed', $4, 1, $5) \
                     ON CONFLICT (tenant_id, organizer_id, ical_uid) DO UPDATE SET \
                     state = 'failed', error_code = excluded.error_code, \
                     error_message = excluded.error_message, \
                     attempts = item_sync_status.attempts + 1, \
                     updated_at_ms = excluded.updated_at_ms",
                )
                .bind(&organizer.tenant_id)
                .bind(&organizer.user_id)
                .bind(&removal.ical_uid)
                .bind(message)
                .bind(now_ms())
                .execute(&mut tx)
                .await?;
            }
        }
        tx.commit().await
    }
}

/// Extends `job`'s lease if its worker still holds it (unexpired); whether it did.
async fn renew_lease(
    on: impl Into<On<'_>>,
    job: &SyncJob,
    lease_until_ms: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let held = sql(
        "UPDATE sync_jobs SET lease_until_ms = $1 WHERE tenant_id = $2 \
         AND organizer_id = $3 AND leased_by = $4 AND lease_until_ms >= $5",
    )
    .bind(lease_until_ms)
    .bind(&job.organizer.tenant_id)
    .bind(&job.organizer.user_id)
    .bind(&job.lease.worker)
    .bind(now_ms)
    .execute(on)
    .await?;
    Ok(held == 1)
}
