//! `GET /healthz`: whether the server and its record store answer.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use liaison_domain::api::{Health, HealthStatus};

use crate::state::AppState;

pub async fn get_health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let store = match state.store.ping().await {
        Ok(()) => HealthStatus::Ok,
        Err(error) => {
            tracing::warn!(%error, "health check: the record store does not answer");
            HealthStatus::Degraded
        }
    };
    let status = if store == HealthStatus::Ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let health = Health {
        status: store,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        store,
    };
    (status, Json(health))
}
