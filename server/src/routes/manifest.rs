//! `GET /manifest.xml`: the add-in manifest for this server's public URL, for sideloading and
//! central deployment; `GET /manifest.json`: the same add-in in the unified manifest, and `GET
//! /manifest.zip` its app package ([`crate::http::unified_manifest`]).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::unified_manifest;

use crate::state::AppState;

pub async fn get_manifest(State(state): State<AppState>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"manifest.xml\"",
            ),
        ],
        state.manifest.to_string(),
    )
}

/// `GET /manifest.json`
pub async fn get_unified_manifest(State(state): State<AppState>) -> impl IntoResponse {
    Json(state.unified_manifest.as_ref().clone())
}

/// `GET /manifest.zip`: the manifest and its icons, for the admin center's *Upload custom apps*.
pub async fn get_app_package(State(state): State<AppState>) -> Response {
    match unified_manifest::package(&state.unified_manifest) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/zip"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"liaison.zip\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "the app package could not be written");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
