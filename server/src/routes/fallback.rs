//! Answers for paths and methods no route takes: JSON under `/api/`.

use crate::http::error::ApiError;

/// Any unknown `/api/*` path.
pub async fn api_not_found() -> ApiError {
    ApiError::NoSuchEndpoint
}

/// A known `/api/*` path with a method it does not answer.
pub async fn api_method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
