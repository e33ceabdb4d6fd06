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

/// Middleware: answers `408 timeout` when handling takes longer than the limit
/// ([`REQUEST_TIMEOUT`] unless configured).
pub async fn time_limit(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::Timeout.into_response(),
    }
}
