//! [`Operations`] in SQL.

use async_trait::async_trait;

use super::db::sql;
use super::identity_rows::DelegationCheckRow;
use super::{SqlStore, placeholders};
use crate::store::error::StoreError;
use crate::store::identity::{ConnectionStatus, DelegationCheck};
use crate::store::ids::{TenantId, UserId, UserKey};
use crate::store::operations::{
    DelegationRecord, Operations, PeopleQuery, PersonRecord, QueueDepth, SessionLine, SessionQuery,
    StoppedJob, SyncSessionRecord,
};

/// Who needs attention, over the columns of [`PEOPLE`]: the one definition.
const ATTENTION: &str = "(microsoft_status = 'needs_reconnect' OR breaker_tripped_at_ms IS NOT NULL \
     OR (sync_enabled AND last_error_code IS NOT NULL) OR failed_items > 0 OR conflicts > 0)";

/// A tenant's people with their sync's state, one row each. Failed items and conflicting
/// delegation checks are counted once per tenant (few rows) and joined, not looked up per person.
const PEOPLE: &str = "SELECT u.id AS user_id, u.mailbox, u.display_name, u.sync_enabled, \
     c.status AS microsoft_status, j.last_finished_at_ms, j.last_error_code, \
     j.last_error_message, j.breaker_tripped_at_ms, \
     COALESCE(f.n, 0) AS failed_items, COALESCE(d.n, 0) AS conflicts \
     FROM users u \
     LEFT JOIN connections c ON c.tenant_id = u.tenant_id AND c.user_id = u.id \
      AND c.provider = 'microsoft' \
     LEFT JOIN sync_jobs j ON j.tenant_id = u.tenant_id AND j.organizer_id = u.id \
     LEFT JOIN (SELECT organizer_id, COUNT(*) AS n FROM item_sync_status \
      WHERE tenant_id = $1 AND state = 'failed' GROUP BY organizer_id) f \
      ON f.organizer_id = u.id \
     LEFT JOIN (SELECT delegate_id, COUNT(*) AS n FROM delegation_checks \
      WHERE tenant_id = $1 AND sources_conflict GROUP BY delegate_id) d \
      ON d.delegate_id = u.id \
     WHERE u.tenant_id = $1 AND (CAST($2 AS TEXT) IS NULL OR u.mailbox > $2)";

#[derive(sqlx::FromRow)]
struct PersonRow {
    user_id: UserId,
    mailbox: String,
    display_name: String,
    sync_enabled: bool,
    microsoft_status: Option<String>,
    last_finished_at_ms: Option<i64>,
    last_error_code: Option<String>,
    last_error_message: Option<String>,
    breaker_tripped_at_ms: Option<i64>,
    failed_items: i64,
    attention: i64,
}

#[derive(sqlx::FromRow)]
struct DelegationRow {
    delegate_id: UserId,
    owner_mailbox: String,
    #[sqlx(flatten)]
    check: DelegationCheckRow,
    sources_conflict: bool,
}

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
    organizer_mailbox: Option<String>,
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
    ) -> Result<Vec<SessionLine>, StoreError> {
        let rows: Vec<SessionRow> = sql(
            "SELECT s.id, s.tenant_id, s.organizer_id, s.started_at_ms, s.finished_at_ms, \
             s.result, s.full_round, s.events_in, s.events_out, s.graph_requests, s.throttled, \
             s.took_over_lease, u.mailbox AS organizer_mailbox FROM sync_sessions s \
             LEFT JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.organizer_id \
             WHERE s.tenant_id = $1 \
             AND (CAST($2 AS TEXT) IS NULL OR s.organizer_id = $2) \
             AND (CAST($3 AS TEXT) IS NULL OR s.id < $3) \
             ORDER BY s.id DESC LIMIT $4",
        )
        .bind(tenant_id)
        .bind(query.organizer.as_ref())
        .bind(query.before_id.as_deref())
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| SessionLine {
                session: SyncSessionRecord {
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
                },
                organizer_mailbox: r.organizer_mailbox,
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

    async fn people(
        &self,
        tenant_id: &TenantId,
        query: &PeopleQuery,
    ) -> Result<Vec<PersonRecord>, StoreError> {
        let rows: Vec<PersonRow> = sql(format!(
            "SELECT p.*, CAST(CASE WHEN {ATTENTION} THEN 1 ELSE 0 END AS BIGINT) AS attention \
             FROM ({PEOPLE}) p WHERE ($3 = FALSE OR {ATTENTION}) ORDER BY mailbox LIMIT $4"
        ))
        .bind(tenant_id)
        .bind(query.after_mailbox.as_deref())
        .bind(query.attention_only)
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| PersonRecord {
                user_id: r.user_id,
                mailbox: r.mailbox,
                display_name: r.display_name,
                sync_enabled: r.sync_enabled,
                microsoft: r
                    .microsoft_status
                    .and_then(|s| ConnectionStatus::try_from(s).ok()),
                last_finished_at_ms: r.last_finished_at_ms,
                last_error_code: r.last_error_code,
                last_error_message: r.last_error_message,
                sync_stopped: r.breaker_tripped_at_ms.is_some(),
                failed_items: r.failed_items,
                needs_attention: r.attention != 0,
            })
            .collect())
    }

    async fn delegations_of(
        &self,
        tenant_id: &TenantId,
        delegate_ids: &[UserId],
    ) -> Result<Vec<DelegationRecord>, StoreError> {
        if delegate_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut statement = sql(format!(
            "SELECT d.delegate_id, o.mailbox AS owner_mailbox, d.graph_role, d.view_read, \
             d.view_can_edit, d.view_can_view_private, d.checked_at_ms, d.client_bits_audited, \
             d.sources_conflict FROM delegation_checks d \
             JOIN users o ON o.tenant_id = d.tenant_id AND o.id = d.owner_id \
             WHERE d.tenant_id = $1 AND d.delegate_id IN ({}) ORDER BY o.mailbox",
            placeholders(2, delegate_ids.len())
        ))
        .bind(tenant_id);
        for id in delegate_ids {
            statement = statement.bind(id);
        }
        let rows: Vec<DelegationRow> = statement.fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|r| DelegationRecord {
                delegate_id: r.delegate_id,
                owner_mailbox: r.owner_mailbox,
                check: DelegationCheck::from(r.check),
                sources_conflict: r.sources_conflict,
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
