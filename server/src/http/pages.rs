//! The one HTML layout of the server's pages (home, sign-in results, permissions, the
//! permission check, the missing task pane): the same head, stylesheet and icon everywhere.
//! Bodies are built by their routes with [`crate::http::markup::escape`] on every value.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::http::headers::OFFICE_JS_ORIGIN;
use crate::http::markup::escape;

/// A whole page: `title` (escaped here), extra `head` markup (scripts), and `body` markup.
pub fn layout(title: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — Liaison</title><link rel=\"stylesheet\" href=\"/assets/site.css\">\
         <link rel=\"icon\" href=\"/assets/icon-32.png\">{head}</head><body><main>{body}</main>\
         </body></html>",
        escape(title)
    )
}

/// The page a browser lands on after a sign-in redirect: `title` and `text` (both escaped).
/// In the sign-in dialog, `dialog_message` (a one-time code, or an outcome) goes to the task
/// pane through Office.js (`office_js`: Microsoft's, or the demo's stand-in); the page allows
/// no other script, is never framed and never cached.
pub fn redirect_result(
    status: StatusCode,
    title: &str,
    text: &str,
    dialog_message: Option<&str>,
    office_js: &str,
) -> Response {
    let scripts = match dialog_message {
        Some(_) => format!(
            "<script src=\"{}\"></script><script defer src=\"/auth/dialog.js\"></script>",
            escape(office_js)
        ),
        None => String::new(),
    };
    let body = format!(
        "<div id=\"result\" data-dialog-message=\"{}\"><h1>{}</h1><p>{}</p></div>",
        escape(dialog_message.unwrap_or("")),
        escape(title),
        escape(text),
    );
    let mut response = (status, Html(layout(title, &scripts, &body))).into_response();
    let csp = format!(
        "default-src 'none'; script-src 'self' {OFFICE_JS_ORIGIN}; style-src 'self'; \
         img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_escapes_the_title_and_keeps_the_body() {
        let page = layout("<Sign in>", "", "<p>ok</p>");
        assert!(page.contains("<title>&lt;Sign in&gt; — Liaison</title>"));
        assert!(page.contains("<main><p>ok</p></main>"));
        assert!(page.contains("/assets/site.css"));
    }
}
