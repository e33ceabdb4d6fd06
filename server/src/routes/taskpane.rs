//! `GET /taskpane.html`: the task pane page ([`crate::http::taskpane::TaskPane`]).

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::http::pages;
use crate::http::taskpane::TaskPane;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct PaneQuery {
    host: Option<String>,
}

/// `GET /taskpane.html`
pub async fn get_task_pane(
    State(state): State<AppState>,
    Query(query): Query<PaneQuery>,
) -> Response {
    match state.task_pane.as_ref() {
        TaskPane::Built {
            outlook,
            simulated,
            csp,
        } => {
            let wants_simulator = query.host.as_deref() == Some("simulator");
            let page = if wants_simulator && state.demo.is_some() {
                simulated
            } else {
                outlook
            };
            let mut res = Html(page.clone()).into_response();
            res.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, csp.clone());
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            res
        }
        TaskPane::Missing { reason } => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(pages::layout(
                "Task pane",
                "",
                &format!(
                    "<h1>The task pane is not built</h1><p>{}</p>",
                    crate::http::markup::escape(reason)
                ),
            )),
        )
            .into_response(),
    }
}
