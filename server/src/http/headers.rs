//! Security headers per route class.
//!
//! - Task pane page: a CSP that lets only the Outlook hosts frame it, runs scripts from this
//!   origin, Microsoft's Office.js CDN and the page's own inline loader (by hash), and allows
//!   WebAssembly compilation.
//! - API (`/api/*`, `/healthz`): nothing may be framed or loaded; responses are never cached.
//! - Everything else: no framing, resources from this origin only.
//!
//! No route sends CORS headers: the task pane is served from this origin and calls the API on
//! it, so no other origin has any business reading the API.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Origins that frame the task pane in Outlook on the web and the new Outlook.
pub const OUTLOOK_FRAME_ANCESTORS: &[&str] = &[
    "https://outlook.office.com",
    "https://outlook.office365.com",
    "https://outlook.cloud.microsoft",
    "https://outlook.live.com",
];

/// Where Microsoft serves Office.js.
pub const OFFICE_JS_ORIGIN: &str = "https://appsforoffice.microsoft.com";

/// The CSP of the task pane page, allowing its inline scripts by their `sha256-…` hashes.
pub fn task_pane_csp(inline_script_hashes: &[String]) -> String {
    let hashes: String = inline_script_hashes
        .iter()
        .map(|h| format!(" '{h}'"))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {OFFICE_JS_ORIGIN}{hashes}; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'self' {}",
        OUTLOOK_FRAME_ANCESTORS.join(" ")
    )
}

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
const PAGE_CSP: &str = "default-src 'self'; object-src 'none'; base-uri 'none'; \
                        form-action 'self'; frame-ancestors 'none'";

/// Whether a response may be gzipped: only the task pane's and the console's static files
/// (wasm, JavaScript, CSS) — never an API answer or a page, which may hold a secret beside what
/// the request sent (BREACH). With tower-http's default predicate (not tiny, not compressed
/// already).
pub fn compressible(
    _: axum::http::StatusCode,
    _: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    const STATIC_FILES: [&str; 4] = [
        "application/wasm",
        "text/javascript",
        "application/javascript",
        "text/css",
    ];
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    STATIC_FILES.iter().any(|t| content_type.starts_with(t))
}

/// Whether browsers reach this server over HTTPS — its own TLS or a TLS proxy (then it sends
/// HSTS).
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

/// Adds the headers every response gets, and the CSP of its route class unless the handler set
/// its own (the task pane does).
pub async fn security_headers(State(https): State<Https>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/") || req.uri().path() == "/healthz";
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if https.0 {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if is_api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = if is_api { API_CSP } else { PAGE_CSP };
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_task_pane_csp_names_outlook_hosts_office_js_and_the_loader_hash() {
        let csp = task_pane_csp(&["sha256-abc".into()]);
        assert!(csp.contains("frame-ancestors 'self' https://outlook.office.com"));
        assert!(csp.contains(OFFICE_JS_ORIGIN));
        assert!(csp.contains("'sha256-abc'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(!csp.contains("'unsafe-eval'"));
    }
}
