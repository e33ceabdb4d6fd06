//! The administrators' API over real HTTP: who may call it (every route, not one), the
//! settings, the people, sync health and resuming a stopped sync, the audit log's filters,
//! paging and exports, and the console's cookie session (its sign-in and its CSRF defence).
//! The console's pages in Chromium: `admin_console.rs`.

mod access;
mod log;
mod organization;

use liaison_e2e::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

/// Every administrators' route, with a body where it takes one.
pub(super) fn admin_routes() -> Vec<(Method, &'static str, Option<Value>)> {
    let settings = json!({ "crmCategoryName": "Taken over", "crmCategoryColor": "Preset1",
        "instaSync": true, "syncIntervalMinutes": 5 });
    vec![
        (Method::GET, "/api/admin/settings", None),
        (Method::PUT, "/api/admin/settings", Some(settings)),
        (Method::GET, "/api/admin/users", None),
        (Method::GET, "/api/admin/users?attention=true", None),
        (Method::GET, "/api/admin/sync", None),
        (
            Method::POST,
            "/api/admin/sync/olga@contoso.com/resume",
            None,
        ),
        (Method::GET, "/api/admin/audit", None),
        (Method::GET, "/api/admin/audit?format=csv", None),
        (Method::GET, "/api/admin/audit?format=jsonl", None),
        (
            Method::GET,
            "/api/admin/diagnose?delegate=ann@contoso.com&owner=olga@contoso.com&itemId=x",
            None,
        ),
        (Method::GET, "/api/admin/deploy", None),
    ]
}

pub(super) async fn call(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app.http.request(method, format!("{}{path}", app.url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}
