//! Who is calling the administrators' API: [`ConsoleCaller`], a session from a bearer token or
//! from the console's cookie, and [`AdminCaller`], one holding `Liaison.Admin`.
//!
//! The console runs in an ordinary browser, its session in an `HttpOnly`, `SameSite=Strict`
//! cookie ([`crate::auth::sessions::CONSOLE_COOKIE`]) no script reads. A request carrying it is
//! taken only from this origin: `Sec-Fetch-Site`, when the browser sends it, must be
//! `same-origin`, and a request that changes anything must carry an `Origin` that is the public
//! URL's (OWASP's "verify the origin with standard headers"). Everyone else is refused every
//! administrators' route with `403 admin_required`, and the refusal is audited.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{Method, header};

use crate::auth::sessions::CONSOLE_COOKIE;
use crate::http::caller::{Caller, NoCaller, bearer};
use crate::http::error::ApiError;
use crate::http::public_url::PublicUrl;
use crate::http::rate_limit::RateLimits;
use crate::store::{AuditAction, AuditEntry, Store};

/// A signed-in caller of the administrators' API, administrator or not.
pub struct ConsoleCaller {
    pub caller: Caller,
    /// The session came in the console's cookie (not a bearer token).
    pub from_cookie: bool,
}

/// A caller holding `Liaison.Admin`.
pub struct AdminCaller(pub Caller);

/// Any state the store, the rate limits and the public URL can be had from (the server's).
impl<S> FromRequestParts<S> for ConsoleCaller
where
    S: Send + Sync,
    Arc<dyn Store>: FromRef<S>,
    RateLimits: FromRef<S>,
    Arc<PublicUrl>: FromRef<S>,
{
    type Rejection = NoCaller;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, NoCaller> {
        if let Some(token) = bearer(&parts.headers) {
            let token = token.to_owned();
            return Ok(Self {
                caller: Caller::with_token(parts, state, &token).await?,
                from_cookie: false,
            });
        }
        let public_url = Arc::<PublicUrl>::from_ref(state);
        let token = CONSOLE_COOKIE
            .presented(&parts.headers, public_url.is_https())
            .ok_or(ApiError::Unauthenticated)?;
        if !from_this_origin(parts, &public_url.origin()) {
            return Err(ApiError::CrossSiteRequest.into());
        }
        Ok(Self {
            caller: Caller::with_token(parts, state, &token).await?,
            from_cookie: true,
        })
    }
}

impl<S> FromRequestParts<S> for AdminCaller
where
    S: Send + Sync,
    Arc<dyn Store>: FromRef<S>,
    RateLimits: FromRef<S>,
    Arc<PublicUrl>: FromRef<S>,
{
    type Rejection = NoCaller;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, NoCaller> {
        let ConsoleCaller { caller, .. } = ConsoleCaller::from_request_parts(parts, state).await?;
        if caller.is_admin {
            return Ok(Self(caller));
        }
        let mut audit = AuditEntry::allowed(
            caller.tenant_id(),
            &caller.user.id,
            AuditAction::AdminRefused,
            // The path as sent: a nested router sees it without its prefix.
            format!("{} {}", parts.method, original_path(parts)),
        );
        audit.allowed = false;
        audit.reason = Some("admin_required".into());
        Arc::<dyn Store>::from_ref(state)
            .append_audit(&audit)
            .await?;
        Err(ApiError::AdminRequired.into())
    }
}

/// The request's path as the client sent it.
fn original_path(parts: &Parts) -> String {
    parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| parts.uri.path().to_owned(), |uri| uri.path().to_owned())
}

/// Whether a cookie-carrying request came from the console's own pages.
fn from_this_origin(parts: &Parts, origin: &str) -> bool {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site").is_some_and(|site| site != "same-origin") {
        return false;
    }
    let reads_only = matches!(parts.method, Method::GET | Method::HEAD);
    reads_only
        || parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            == Some(origin)
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(method: Method, headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::builder().method(method).uri("/api/admin/settings");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    const ORIGIN: &str = "https://liaison.contoso.com";

    #[test]
    fn a_cookie_counts_only_on_requests_from_the_consoles_own_origin() {
        let cases = [
            (Method::GET, vec![], true),
            (Method::GET, vec![("sec-fetch-site", "same-origin")], true),
            (Method::GET, vec![("sec-fetch-site", "cross-site")], false),
            (Method::GET, vec![("sec-fetch-site", "same-site")], false),
            (Method::PUT, vec![("origin", ORIGIN)], true),
            (
                Method::POST,
                vec![("origin", ORIGIN), ("sec-fetch-site", "same-origin")],
                true,
            ),
            (Method::PUT, vec![], false),
            (Method::PUT, vec![("origin", "https://evil.example")], false),
            (Method::DELETE, vec![("origin", "null")], false),
        ];
        for (method, headers, accepted) in cases {
            let parts = parts(method.clone(), &headers);
            assert_eq!(
                from_this_origin(&parts, ORIGIN),
                accepted,
                "{method} {headers:?}"
            );
        }
    }
}
