//! The flow cookie that binds an authorization code flow to the browser that started it: its
//! value (a random secret, kept only as its SHA-256 with the flow), its `Set-Cookie` forms, and
//! finding it among a request's cookies. A leaf: [`crate::auth::flows`] starts flows with it,
//! the sign-in steps that send a browser on ([`crate::auth::sign_in::Finished::Continue`]) hand
//! one to the route.

use crate::auth::cookies::{CookieName, SameSite};
use crate::auth::sessions;

/// The flow cookie: `__Host-liaison-flow` on an HTTPS server, `liaison-flow` on plain HTTP.
/// `Lax`: the provider's redirect back is a navigation from another site, which must carry it.
pub const FLOW_COOKIE: CookieName = CookieName {
    https: "__Host-liaison-flow",
    plain: "liaison-flow",
};

/// The browser binding of a flow just started: the value to put in the flow cookie.
pub struct BrowserBinding(String);

/// A started flow: where to send the browser, and the cookie that binds it.
pub struct StartedFlow {
    pub authorize_url: url::Url,
    pub browser: BrowserBinding,
}

impl BrowserBinding {
    /// A new binding: a random secret for the flow cookie.
    pub fn fresh() -> Self {
        Self(sessions::new_token(""))
    }

    /// The SHA-256 kept with the flow.
    pub fn hash(&self) -> String {
        sessions::hash(&self.0)
    }

    /// The `Set-Cookie` value, for an HTTPS server or not.
    pub fn set_cookie(&self, https: bool) -> String {
        FLOW_COOKIE.set(&self.0, sessions::FLOW_MS / 1000, https, SameSite::Lax)
    }
}

/// The `Set-Cookie` value that removes the flow cookie (a callback used it).
pub fn clear_cookie(https: bool) -> String {
    FLOW_COOKIE.set("", 0, https, SameSite::Lax)
}

/// The flow cookie among a request's `Cookie` headers.
pub fn presented_cookie(headers: &axum::http::HeaderMap, https: bool) -> Option<String> {
    FLOW_COOKIE.presented(headers, https)
}
