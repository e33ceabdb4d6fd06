//! Pages for people that are neither the home page nor the task pane:
//!
//! - `GET /permissions`: every scope Liaison asks for, what it allows, and why (public).
//! - `GET /auth/dialog.js`: the script of the sign-in dialog's last page, which hands the
//!   page's message (a one-time code, or an outcome) to the task pane through Office.js.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::scopes;
use crate::http::markup::escape;
use crate::http::pages::layout;
use crate::store::Provider;

/// `GET /permissions`
pub async fn get_permissions_page() -> Html<String> {
    let mut rows = String::new();
    for scope in scopes::SCOPES {
        let provider = match scope.provider {
            Provider::Microsoft => "Microsoft 365",
            Provider::Google => "Google Workspace",
        };
        let used: Vec<&str> = scope.used_by.iter().map(|f| f.describe()).collect();
        rows.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            provider,
            escape(scope.name),
            escape(scope.allows),
            escape(scope.why),
            escape(&used.join(", "))
        ));
    }
    Html(layout(
        "Permissions",
        "",
        &format!(
            "<h1>Permissions Liaison asks for</h1><p>Liaison asks for the least it needs: no \
             mail access, no application permissions. Each permission below is used by a \
             feature.</p><table id=\"scopes\"><thead><tr><th>Service</th><th>Permission</th>\
             <th>What it allows</th><th>Why Liaison needs it</th><th>Used by</th></tr></thead>\
             <tbody>{rows}</tbody></table>"
        ),
    ))
}

/// `GET /auth/dialog.js`. Loaded with `defer`: it reads `#result`, which the parser has not
/// reached in `<head>`.
pub async fn get_dialog_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("dialog.js"),
    )
        .into_response()
}
