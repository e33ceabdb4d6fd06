//! A mailbox's master category list (the owner only).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::SimState;
use crate::traffic::graph_error;
use crate::world::Category;

use super::access::*;

/// `GET /v1.0/users/{user}/outlook/masterCategories` (the owner only: there is no `.Shared`
/// mailbox-settings scope).
pub async fn list_categories(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    if !(user == "me" || user == claims.oid) {
        return Err(denied());
    }
    if !has_scope(
        &claims,
        &["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
    ) {
        return Err(denied());
    }
    let world = state.world();
    let value: Vec<Value> = world
        .categories
        .get(&claims.oid)
        .into_iter()
        .flatten()
        .map(|c| json!({ "id": c.id, "displayName": c.display_name, "color": c.color }))
        .collect();
    Ok(Json(json!({ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/outlook/masterCategories", "value": value })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryWrite {
    display_name: String,
    color: Option<String>,
}

/// `POST /v1.0/users/{user}/outlook/masterCategories`: `201`; a taken name is `409`.
pub async fn create_category(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
    body: axum::body::Bytes,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    if !(user == "me" || user == claims.oid) || !has_scope(&claims, &["MailboxSettings.ReadWrite"])
    {
        return Err(denied());
    }
    let write: CategoryWrite = serde_json::from_slice(&body)
        .map_err(|e| bad_request("RequestBodyRead", &e.to_string()))?;
    let mut world = state.world();
    let list = world.categories.entry(claims.oid.clone()).or_default();
    if list
        .iter()
        .any(|c| c.display_name.eq_ignore_ascii_case(&write.display_name))
    {
        return Err(graph_error(
            StatusCode::CONFLICT,
            "ErrorDuplicateCategoryName",
            "A category with that name already exists.",
            None,
        ));
    }
    let category = Category {
        id: uuid::Uuid::new_v4().to_string(),
        display_name: write.display_name,
        color: write.color.unwrap_or_else(|| "none".into()),
    };
    let json =
        json!({ "id": category.id, "displayName": category.display_name, "color": category.color });
    list.push(category);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}
