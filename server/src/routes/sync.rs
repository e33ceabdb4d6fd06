//! `POST /api/sync/run` ("Sync now"), `GET /api/sync`: the signed-in Organizer's sync sessions.
//! `DELETE /api/crm/events/{id}`: deleting a CRM event in the CRM, which the next session
//! carries to Outlook (the CRM category comes off the item).

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use liaison_domain::api::{SyncRun, SyncStatus};
use liaison_domain::permissions::Reason;

use crate::clock::to_rfc3339;
use crate::http::caller::Caller;
use crate::http::error::{ApiError, Result};
use crate::state::AppState;
use crate::store::EventId;
use crate::sync::SyncError;

/// How long "Sync now" waits for its session before answering `202` (it goes on regardless).
const WAIT: Duration = Duration::from_secs(20);

/// `POST /api/sync/run`
#[utoipa::path(
    post,
    path = "/sync/run",
    tag = "sync",
    responses((status = 200, body = liaison_domain::api::SyncRun), (status = 202, description = "still running", body = liaison_domain::api::SyncRun), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn run_sync_now(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<(StatusCode, Json<SyncRun>)> {
    if !caller.user.sync_enabled {
        return Err(ApiError::Refused(Reason::OrganizerSyncDisabled));
    }
    let organizer = caller.user.key();
    let job = match state.sync.claim(&organizer).await {
        Ok(job) => job,
        Err(SyncError::InProgress) => {
            let status = state.sync.status(&organizer).await?;
            return Err(if status.is_some_and(|s| s.breaker_tripped) {
                ApiError::SyncStopped
            } else {
                ApiError::SyncInProgress
            });
        }
        Err(error) => return Err(error.into()),
    };
    // The session runs on its own task: a client that gives up does not cut it short.
    let engine = state.sync.clone();
    let session = tokio::spawn(async move { engine.run(job).await });
    match tokio::time::timeout(WAIT, session).await {
        Ok(Ok(Ok(report))) => Ok((
            StatusCode::OK,
            Json(SyncRun {
                running: false,
                report: Some(report),
            }),
        )),
        Ok(Ok(Err(error))) => Err(error.into()),
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

/// `GET /api/sync`
#[utoipa::path(
    get,
    path = "/sync",
    tag = "sync",
    responses((status = 200, body = liaison_domain::api::SyncStatus), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn get_sync_status(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SyncStatus>> {
    let job = state.sync.status(&caller.user.key()).await?;
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

/// `DELETE /api/crm/events/{id}`: a CRM event of the caller's CRM calendar, or of one shared
/// with them to edit ([`crate::crm_events::CrmEvents::delete`] decides).
#[utoipa::path(
    delete,
    path = "/crm/events/{id}",
    tag = "crm",
    params(("id" = String, Path)),
    responses((status = 204), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn delete_event(
    State(state): State<AppState>,
    caller: Caller,
    Path(event_id): Path<String>,
) -> Result<StatusCode> {
    state
        .crm_events
        .delete(&caller.user, &EventId::new(event_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
