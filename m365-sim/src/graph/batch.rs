//! `$batch`: up to 20 requests, each through the same routes.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::response::IntoResponse;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use tower::ServiceExt;

use crate::state::SimState;
use crate::traffic::graph_error;

use super::access::*;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRequest {
    requests: Vec<BatchItem>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchItem {
    id: String,
    method: String,
    url: String,
    #[serde(default)]
    headers: HashMap<String, String>,
    body: Option<Value>,
    #[serde(default)]
    depends_on: Vec<String>,
}

/// `POST /v1.0/$batch`: up to 20 requests, each through the same routes (and so the same
/// throttling) as if sent alone; unordered batches run at most 4 at a time, `dependsOn` runs in
/// order and a failed dependency gives `424`.
pub async fn batch(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> GraphResult {
    let request: BatchRequest = serde_json::from_slice(&body)
        .map_err(|e| bad_request("BadRequest", &format!("Invalid batch payload: {e}")))?;
    if request.requests.len() > MAX_BATCH {
        return Err(bad_request(
            "BadRequest",
            "Batch request exceeds the limit of 20 requests.",
        ));
    }
    let mut ids: Vec<String> = request
        .requests
        .iter()
        .map(|r| r.id.to_lowercase())
        .collect();
    ids.sort();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(bad_request(
            "BadRequest",
            "Batch request ids must be unique.",
        ));
    }
    let Some(router) = state.router.get().cloned() else {
        return Err(graph_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "Starting.",
            None,
        ));
    };
    let authorization = headers.get(header::AUTHORIZATION).cloned();
    let run = |item: BatchItem| {
        let router = router.clone();
        let authorization = authorization.clone();
        async move {
            let mut builder = Request::builder()
                .method(Method::from_bytes(item.method.as_bytes()).unwrap_or(Method::GET))
                .uri(format!("/v1.0{}", item.url));
            if let Some(auth) = authorization {
                builder = builder.header(header::AUTHORIZATION, auth);
            }
            for (name, value) in &item.headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            let body = item
                .body
                .as_ref()
                .map(|b| Body::from(b.to_string()))
                .unwrap_or_else(Body::empty);
            let response = match builder.body(body) {
                Ok(req) => router
                    .oneshot(rewrite_me(req))
                    .await
                    .unwrap_or_else(|e| match e {}),
                Err(_) => bad_request("BadRequest", "Invalid inner request."),
            };
            let status = response.status().as_u16();
            let mut inner_headers = serde_json::Map::new();
            for name in [header::CONTENT_TYPE, header::RETRY_AFTER, header::LOCATION] {
                if let Some(v) = response.headers().get(&name).and_then(|v| v.to_str().ok()) {
                    inner_headers.insert(name.to_string(), json!(v));
                }
            }
            let bytes = axum::body::to_bytes(response.into_body(), 4 << 20)
                .await
                .unwrap_or_default();
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            (item.id, status, Value::Object(inner_headers), body)
        }
    };
    let sequential = request.requests.iter().any(|r| !r.depends_on.is_empty());
    let mut results = Vec::new();
    if sequential {
        let mut failed: Vec<String> = Vec::new();
        for item in request.requests {
            if item.depends_on.iter().any(|d| failed.contains(d)) {
                failed.push(item.id.clone());
                results.push((item.id, 424, json!({}), json!({ "error": { "code": "FailedDependency", "message": "A dependency failed." } })));
                continue;
            }
            let result = run(item).await;
            if result.1 >= 400 {
                failed.push(result.0.clone());
            }
            results.push(result);
        }
    } else {
        results = futures::stream::iter(request.requests.into_iter().map(run))
            .buffer_unordered(crate::traffic::MAX_IN_FLIGHT_PER_MAILBOX as usize)
            .collect()
            .await;
    }
    let responses: Vec<Value> = results
        .into_iter()
        .map(|(id, status, headers, body)| json!({ "id": id, "status": status, "headers": headers, "body": body }))
        .collect();
    Ok(Json(json!({ "responses": responses })).into_response())
}
