//! Fetch Metadata on the pages that change state without a session (the sign-in pages): a
//! browser says with `Sec-Fetch-Site`, `-Mode` and `-Dest` where a request comes from and what
//! it is for (W3C Fetch Metadata Request Headers). These pages are only ever opened as a
//! top-level page — a link, Office's dialog window, the identity provider's redirect back, all
//! *navigations* to a *document* and often cross-site — so that is what is allowed from another
//! site; an image, script, `fetch` or frame pointing at them from
//! another site is refused before any flow is started or taken (the resource isolation policy
//! of <https://web.dev/articles/fetch-metadata>, with frames refused too: Office's dialog is
//! never opened in an iframe here, `addin-ui/src/office.rs`).
//!
//! A request without `Sec-Fetch-Site` (an older browser, a script) is let through: the flow's
//! one-time state and its browser cookie still protect it ([`crate::auth::flows`]). `Origin`
//! is not used: browsers do not send it on top-level `GET` navigations.

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;

/// Whether a request with these headers may reach a sign-in page.
pub fn allows(headers: &HeaderMap) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match get("sec-fetch-site") {
        None | Some("same-origin" | "same-site" | "none") => true,
        // `cross-site`, or a value this code does not know: a top-level navigation only.
        Some(_) => {
            get("sec-fetch-mode") == Some("navigate") && get("sec-fetch-dest") == Some("document")
        }
    }
}

/// Middleware: refuses what [`allows`] does not, with `403 cross_site_request`.
pub async fn navigations_only(request: Request, next: Next) -> Response {
    if allows(request.headers()) {
        next.run(request).await
    } else {
        tracing::info!(path = %request.uri().path(), "refused a cross-site request that is not a navigation");
        ApiError::CrossSiteRequest.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(site: Option<&str>, mode: Option<&str>, dest: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("sec-fetch-site", site),
            ("sec-fetch-mode", mode),
            ("sec-fetch-dest", dest),
        ] {
            if let Some(value) = value {
                headers.insert(name, value.parse().unwrap());
            }
        }
        headers
    }

    #[test]
    fn navigations_and_same_site_requests_pass_and_cross_site_subresources_do_not() {
        let allowed = [
            (None, None, None),
            (Some("none"), Some("navigate"), Some("document")),
            (Some("same-origin"), Some("cors"), Some("empty")),
            (Some("same-site"), Some("no-cors"), Some("image")),
            (Some("cross-site"), Some("navigate"), Some("document")),
        ];
        for (site, mode, dest) in allowed {
            assert!(
                allows(&headers(site, mode, dest)),
                "{site:?} {mode:?} {dest:?}"
            );
        }
        let refused = [
            (Some("cross-site"), Some("no-cors"), Some("image")),
            (Some("cross-site"), Some("no-cors"), Some("script")),
            (Some("cross-site"), Some("cors"), Some("empty")),
            (Some("cross-site"), Some("navigate"), Some("iframe")),
            (Some("cross-site"), Some("navigate"), Some("object")),
            (Some("cross-site"), None, None),
            (Some("a-future-value"), Some("no-cors"), Some("image")),
        ];
        for (site, mode, dest) in refused {
            assert!(
                !allows(&headers(site, mode, dest)),
                "{site:?} {mode:?} {dest:?}"
            );
        }
    }
}
