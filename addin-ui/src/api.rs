//! Calls to Liaison's server, which serves the pane, so every URL is same-origin.

use std::fmt;

use gloo_net::http::Request;
use liaison_domain::api::{ErrorBody, Health};
use serde::de::DeserializeOwned;

/// Why a call to the server failed, in words a person can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The server could not be reached at all.
    Network(String),
    /// The server answered with an error body.
    Server(ErrorBody),
    /// The server answered something this pane does not understand.
    Unexpected(String),
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Network(e) => write!(f, "the Liaison server cannot be reached ({e})"),
            Self::Server(body) => f.write_str(&body.message),
            Self::Unexpected(e) => write!(f, "the Liaison server gave an unexpected answer ({e})"),
        }
    }
}

/// `GET /healthz`
pub async fn health() -> Result<Health, ApiFailure> {
    get_json("/healthz").await
}

async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, ApiFailure> {
    let res = Request::get(url)
        .send()
        .await
        .map_err(|e| ApiFailure::Network(e.to_string()))?;
    if res.ok() {
        return res
            .json()
            .await
            .map_err(|e| ApiFailure::Unexpected(e.to_string()));
    }
    match res.json::<ErrorBody>().await {
        Ok(body) => Err(ApiFailure::Server(body)),
        Err(_) => Err(ApiFailure::Unexpected(format!("HTTP {}", res.status()))),
    }
}
