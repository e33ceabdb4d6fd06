//! `GET /metrics`: the server's metrics in Prometheus' text format, for a scraper holding the
//! metrics token (`--metrics-token`; Prometheus' `authorization: { credentials_file: … }`).
//! Without a token configured the endpoint does not exist (404); a wrong or missing token is
//! `401`. The gauges of work waiting are read from the store at each scrape.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::clock::now_ms;
use crate::http::error::{ApiError, Result};
use crate::state::AppState;
use crate::telemetry::metrics;

/// Prometheus' text exposition format, version 0.0.4.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub async fn get_metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let access = state.metrics.as_ref().ok_or(ApiError::NotFound)?;
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthenticated)?;
    if !access.admits(presented) {
        return Err(ApiError::Unauthenticated);
    }
    let depth = state.store.queue_depth(now_ms()).await?;
    metrics::queue_depth(depth.due_jobs, depth.queued_saves);
    let mut response = access.render().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    Ok(response)
}
