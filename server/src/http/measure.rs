//! Every HTTP request counted and timed for the metrics, by route class — a bounded label
//! drawn from the path, never the path itself (which carries ids).

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use crate::telemetry::metrics;

/// Counts and times the request (the outermost layer: time limits and refusals included).
pub async fn measure(request: Request, next: Next) -> Response {
    let class = route_class(request.uri().path());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::http_request(class, response.status().as_u16(), started.elapsed());
    response
}

/// The class of route a path belongs to.
pub fn route_class(path: &str) -> &'static str {
    const CLASSES: &[(&str, &str)] = &[
        ("/api/admin/", "admin_api"),
        ("/api/graph/", "webhooks"),
        ("/api/session/", "sign_in"),
        ("/api/permissions/", "resolve"),
        ("/api/items/", "items"),
        ("/api/", "api"),
        ("/auth/", "sign_in"),
        ("/admin/consent", "sign_in"),
        ("/admin", "admin_console"),
        ("/dev/", "simulator"),
        ("/book/", "booking"),
        ("/metrics", "metrics"),
        ("/healthz", "health"),
        ("/manifest", "manifest"),
        ("/taskpane", "task_pane"),
        ("/assets/", "assets"),
    ];
    if let Some((_, class)) = CLASSES.iter().find(|(prefix, _)| path.starts_with(prefix)) {
        return class;
    }
    // The pane's wasm, JavaScript and CSS, at the root under content-hashed names.
    if [".wasm", ".js", ".css"].iter().any(|e| path.ends_with(e)) {
        return "task_pane";
    }
    "pages"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_falls_in_one_bounded_class() {
        for (path, class) in [
            ("/api/admin/users", "admin_api"),
            ("/api/items/save", "items"),
            ("/api/crm/events/0193-e", "api"),
            ("/api/graph/notifications", "webhooks"),
            ("/api/session/sso", "sign_in"),
            ("/auth/microsoft/callback", "sign_in"),
            ("/admin/consent", "sign_in"),
            ("/admin", "admin_console"),
            ("/taskpane.html", "task_pane"),
            ("/liaison-addin-ui-31c5_bg.wasm", "task_pane"),
            ("/metrics", "metrics"),
            ("/", "pages"),
            ("/permissions", "pages"),
            ("/no/such/page", "pages"),
        ] {
            assert_eq!(route_class(path), class, "{path}");
        }
    }
}
