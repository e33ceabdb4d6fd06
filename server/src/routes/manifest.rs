//! `GET /manifest.xml`: the add-in manifest for this server's public URL, for sideloading and
//! central deployment.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

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
