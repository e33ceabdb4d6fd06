//! The flow cookie that binds an authorization code flow to the browser that started it: its
//! value (a random secret, kept only as its SHA-256 with the flow), its `Set-Cookie` forms, and
//! finding it among a request's cookies. A leaf: [`crate::auth::flows`] starts flows with it,
//! the sign-in steps that send a browser on ([`crate::auth::sign_in::Finished::Continue`]) hand
//! one to the route.

use crate::auth::sessions;

/// The flow cookie on an HTTPS server: `__Host-` keeps it to this origin (Secure, Path=/).
pub const SECURE_COOKIE: &str = "__Host-liaison-flow";
/// The flow cookie on a plain-HTTP development server (`http://localhost`).
pub const PLAIN_COOKIE: &str = "liaison-flow";

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
        flow_cookie(&self.0, sessions::FLOW_MS / 1000, https)
    }
}

/// The `Set-Cookie` value that removes the flow cookie (a callback used it).
pub fn clear_cookie(https: bool) -> String {
    flow_cookie("", 0, https)
}

/// The flow cookie's name on an HTTPS server or not.
fn cookie_name(https: bool) -> &'static str {
    if https { SECURE_COOKIE } else { PLAIN_COOKIE }
}

/// A `Set-Cookie` value of the flow cookie (`Secure` on an HTTPS server).
fn flow_cookie(value: &str, max_age_s: i64, https: bool) -> String {
    let secure = if https { " Secure;" } else { "" };
    format!(
        "{}={value}; Path=/; Max-Age={max_age_s};{secure} HttpOnly; SameSite=Lax",
        cookie_name(https)
    )
}

/// The flow cookie among a request's `Cookie` headers.
pub fn presented_cookie(headers: &axum::http::HeaderMap, https: bool) -> Option<String> {
    let name = cookie_name(https);
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}
