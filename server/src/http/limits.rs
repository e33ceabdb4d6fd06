//! Limits every request lives within: body size and handling time.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;

/// The largest request body the server reads. Every API request is a small JSON document.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a request (reading its body included) may take before it is answered `408`.
/// A client that sends its body slowly is cut off here.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a CSV import may take (`POST /api/admin/crm/import`, administrators only): 100,000
/// rows are read and written in batches as they arrive.
pub const IMPORT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Middleware: answers `408 timeout` when handling takes longer than the limit
/// ([`REQUEST_TIMEOUT`] unless configured; [`IMPORT_TIMEOUT`] for an import).
pub async fn time_limit(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    let limit = if req.uri().path() == "/api/admin/crm/import" {
        limit.max(IMPORT_TIMEOUT)
    } else {
        limit
    };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::Timeout.into_response(),
    }
}
