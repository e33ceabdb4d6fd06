//! [`Operations`] in SQL.

use async_trait::async_trait;

use super::SqlStore;
use super::db::sql;
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId, UserKey};
use crate::store::operations::{
    Operations, QueueDepth, SessionQuery, StoppedJob, SyncSessionRecord,
};

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    tenant_id: TenantId,
    organizer_id: UserId,
    started_at_ms: i64,
    finished_at_ms: i64,
    result: String,
    full_round: bool,
    events_in: i64,
    events_out: i64,
    graph_requests: i64,
    throttled: i64,
    took_over_lease: bool,
}

#[derive(sqlx::FromRow)]
struct StoppedRow {
    organizer_id: UserId,
    mailbox: String,
    breaker_tripped_at_ms: i64,
    last_error_message: Option<String>,
}

#[async_trait]
impl Operations for SqlStore {
    async fn record_sync_session(&self, s: &SyncSessionRecord) -> Result<(), StoreError> {
        sql(
            "INSERT INTO sync_sessions (id, tenant_id, organizer_id, started_at_ms, \
             finished_at_ms, result, full_round, events_in, events_out, graph_requests, \
             throttled, took_over_lease) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&s.id)
        .bind(&s.organizer.tenant_id)
        .bind(&s.organizer.user_id)
        .bind(s.started_at_ms)
        .bind(s.finished_at_ms)
        .bind(&s.result)
        .bind(s.full_round)
        .bind(s.events_in)
        .bind(s.events_out)
        .bind(s.graph_requests)
        .bind(s.throttled)
        .bind(s.took_over_lease)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn sync_sessions(
        &self,
        tenant_id: &TenantId,
        query: &SessionQuery,
    ) -> Result<Vec<SyncSessionRecord>, StoreError> {
        let rows: Vec<SessionRow> = sql(
            "SELECT id, tenant_id, organizer_id, started_at_ms, finished_at_ms, result, \
             full_round, events_in, events_out, graph_requests, throttled, took_over_lease \
             FROM sync_sessions WHERE tenant_id = $1 \
             AND (CAST($2 AS TEXT) IS NULL OR organizer_id = $2) \
             AND (CAST($3 AS TEXT) IS NULL OR id < $3) \
             ORDER BY id DESC LIMIT $4",
        )
        .bind(tenant_id)
        .bind(query.organizer.as_ref())
        .bind(query.before_id.as_deref())
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| SyncSessionRecord {
                id: r.id,
                organizer: UserKey::new(r.tenant_id, r.organizer_id),
                started_at_ms: r.started_at_ms,
                finished_at_ms: r.finished_at_ms,
                result: r.result,
                full_round: r.full_round,
                events_in: r.events_in,
                events_out: r.events_out,
                graph_requests: r.graph_requests,
                throttled: r.throttled,
                took_over_lease: r.took_over_lease,
            })
            .collect())
    }

    async fn stopped_sync_jobs(&self, tenant_id: &TenantId) -> Result<Vec<StoppedJob>, StoreError> {
        let rows: Vec<StoppedRow> = sql(
            "SELECT j.organizer_id, u.mailbox, j.breaker_tripped_at_ms, j.last_error_message \
             FROM sync_jobs j JOIN users u ON u.tenant_id = j.tenant_id AND u.id = j.organizer_id \
             WHERE j.tenant_id = $1 AND j.breaker_tripped_at_ms IS NOT NULL \
             ORDER BY j.breaker_tripped_at_ms, u.mailbox",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| StoppedJob {
                organizer_id: r.organizer_id,
                mailbox: r.mailbox,
                tripped_at_ms: r.breaker_tripped_at_ms,
                message: r.last_error_message,
            })
            .collect())
    }

    async fn queue_depth(&self, now_ms: i64) -> Result<QueueDepth, StoreError> {
        Ok(QueueDepth {
            due_jobs: sql("SELECT COUNT(*) FROM sync_jobs WHERE due_at_ms <= $1 \
                 AND breaker_tripped_at_ms IS NULL \
                 AND (lease_until_ms IS NULL OR lease_until_ms < $1)")
            .bind(now_ms)
            .fetch_scalar(&self.pool)
            .await?,
            queued_saves: sql("SELECT COUNT(*) FROM save_outbox")
                .fetch_scalar(&self.pool)
                .await?,
        })
    }
}
