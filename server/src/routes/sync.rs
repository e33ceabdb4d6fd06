//! `POST /api/sync/run` ("Sync now"), `GET /api/sync`: the signed-in Organizer's sync sessions.
//! `DELETE /api/crm/events/{id}`: deleting a CRM event in the CRM, which the next session
//! carries to Outlook (the CRM category comes off the item).

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use liaison_domain::api::{SyncRun, SyncStatus};
use liaison_domain::permissions::Reason;

use crate::auth::Caller;
use crate::error::{ApiError, Result};
use crate::instant::to_rfc3339;
use crate::state::AppState;
use crate::store::model::{AuditEntry, Share};
use crate::sync::SyncError;

/// How long "Sync now" waits for its session before answering `202` (it goes on regardless).
const WAIT: Duration = Duration::from_secs(20);

pub async fn post_run(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<(StatusCode, Json<SyncRun>)> {
    if !caller.user.sync_enabled {
        return Err(ApiError::Refused(Reason::OrganizerSyncDisabled));
    }
    let tenant = caller.tenant_id().to_owned();
    let Some(job) = state.sync.claim(&state, &tenant, &caller.user.id).await? else {
        let status = state
            .store
            .sync_job_status(&tenant, &caller.user.id)
            .await?;
        return Err(if status.is_some_and(|s| s.breaker_tripped) {
            ApiError::SyncStopped
        } else {
            ApiError::SyncInProgress
        });
    };
    // The session runs on its own task: a client that gives up does not cut it short.
    let worker = state.clone();
    let session = tokio::spawn(async move { worker.sync.run(&worker, job).await });
    match tokio::time::timeout(WAIT, session).await {
        Ok(Ok(Ok(report))) => Ok((
            StatusCode::OK,
            Json(SyncRun {
                running: false,
                report: Some(report),
            }),
        )),
        Ok(Ok(Err(error))) => Err(match error {
            SyncError::NeedsReconnect => ApiError::NeedsReconnect,
            SyncError::BreakerTripped { .. } => ApiError::SyncStopped,
            SyncError::LeaseLost => ApiError::SyncInProgress,
            SyncError::Api(error) => error,
            SyncError::Store(error) => error.into(),
            SyncError::Graph(error) => {
                tracing::warn!(%error, "a sync session failed at Microsoft Graph");
                ApiError::GraphUnavailable
            }
        }),
        Ok(Err(join)) => Err(ApiError::Internal(anyhow::anyhow!(
            "a sync session panicked: {join}"
        ))),
        Err(_) => Ok((
            StatusCode::ACCEPTED,
            Json(SyncRun {
                running: true,
                report: None,
            }),
        )),
    }
}

pub async fn get_status(State(state): State<AppState>, caller: Caller) -> Result<Json<SyncStatus>> {
    let job = state
        .store
        .sync_job_status(caller.tenant_id(), &caller.user.id)
        .await?;
    Ok(Json(SyncStatus {
        sync_enabled: caller.user.sync_enabled,
        running: job.as_ref().is_some_and(|j| j.running),
        runs: job.as_ref().map_or(0, |j| j.runs),
        last_finished_at: job
            .as_ref()
            .and_then(|j| j.last_finished_at_ms)
            .map(to_rfc3339),
        next_due_at: job.as_ref().map(|j| to_rfc3339(j.due_at_ms)),
        error_code: job.as_ref().and_then(|j| j.last_error_code.clone()),
        error_message: job.as_ref().and_then(|j| j.last_error_message.clone()),
        stopped: job.as_ref().is_some_and(|j| j.breaker_tripped),
    }))
}

/// Deletes a CRM event of the caller's CRM calendar (or one shared with them to edit).
pub async fn delete_event(
    State(state): State<AppState>,
    caller: Caller,
    Path(event_id): Path<String>,
) -> Result<StatusCode> {
    let tenant = caller.tenant_id();
    let organizer = state
        .store
        .event_organizer(tenant, &event_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let share = if organizer == caller.user.id {
        Some(Share::Edit)
    } else {
        state
            .store
            .crm_calendar_share(tenant, &organizer, &caller.user.id)
            .await?
    };
    let mut audit = AuditEntry {
        tenant_id: tenant.to_owned(),
        actor_id: caller.user.id.clone(),
        on_behalf_of_id: (organizer != caller.user.id).then(|| organizer.clone()),
        action: "crm.event.delete".into(),
        target: event_id.clone(),
        allowed: true,
        reason: None,
        detail: None,
    };
    match share {
        Some(Share::Edit) => {}
        Some(Share::View) => {
            audit.allowed = false;
            audit.reason = Some("crm_read_only".into());
            state.store.append_audit(&audit).await?;
            return Err(ApiError::Refused(Reason::CrmReadOnly));
        }
        // Someone who may not see the event learns nothing about it.
        None => return Err(ApiError::NotFound),
    }
    if !state
        .store
        .delete_crm_event(tenant, &event_id, &audit)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    state.sync.schedule(&state, tenant, &organizer).await?;
    Ok(StatusCode::NO_CONTENT)
}
