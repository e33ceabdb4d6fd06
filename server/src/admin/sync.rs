//! Sync health for the administrators' console: the syncs the circuit breaker stopped, the
//! sessions newest first, and resuming a stopped one.

use liaison_domain::api::{StoppedSync, SyncOverview, SyncSessionLine};

use crate::clock::to_rfc3339;
use crate::store::{Operations, SessionQuery, StoreError, TenantId, UserId};

/// Sessions per page at most.
pub const MAX_PAGE: u32 = 200;

/// The tenant's stopped syncs and its sessions before `before` (a session id), `limit` of them
/// (1 to [`MAX_PAGE`]); `organizer`: only theirs.
pub async fn overview(
    operations: &dyn Operations,
    tenant_id: &TenantId,
    organizer: Option<UserId>,
    before: Option<String>,
    limit: u32,
) -> Result<SyncOverview, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let stopped = operations
        .stopped_sync_jobs(tenant_id)
        .await?
        .into_iter()
        .map(|job| StoppedSync {
            organizer: job.mailbox,
            stopped_at: to_rfc3339(job.tripped_at_ms),
            message: job.message,
        })
        .collect();
    let mut lines = operations
        .sync_sessions(
            tenant_id,
            &SessionQuery {
                organizer,
                before_id: before,
                limit: limit + 1,
            },
        )
        .await?;
    let more = lines.len() > limit as usize;
    lines.truncate(limit as usize);
    let next_before = more
        .then(|| lines.last().map(|l| l.session.id.clone()))
        .flatten();
    let mut sessions = Vec::with_capacity(lines.len());
    for line in lines {
        let record = line.session;
        sessions.push(SyncSessionLine {
            organizer: line
                .organizer_mailbox
                .unwrap_or_else(|| record.organizer.user_id.to_string()),
            id: record.id,
            started_at: to_rfc3339(record.started_at_ms),
            duration_ms: record.finished_at_ms - record.started_at_ms,
            result: record.result,
            full_round: record.full_round,
            events_in: record.events_in,
            events_out: record.events_out,
            graph_requests: record.graph_requests,
            throttled: record.throttled,
            took_over_lease: record.took_over_lease,
        });
    }
    Ok(SyncOverview {
        stopped,
        sessions,
        next_before,
    })
}
