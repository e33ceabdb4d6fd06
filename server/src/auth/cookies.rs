//! The server's cookies, written and found one way: `HttpOnly` always (no script reads them),
//! `Secure` and the `__Host-` name on an HTTPS server (kept to this origin, `Path=/`), the
//! plain name on a plain-HTTP development server (`http://localhost`).

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// A cookie's two names: on an HTTPS server, and on plain HTTP.
#[derive(Debug, Clone, Copy)]
pub struct CookieName {
    pub https: &'static str,
    pub plain: &'static str,
}

/// How far a cookie goes with requests other sites start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Sent on top-level navigations from other sites (a sign-in coming back).
    Lax,
    /// Never sent with a request another site started.
    Strict,
}

impl CookieName {
    pub fn on(self, https: bool) -> &'static str {
        if https { self.https } else { self.plain }
    }

    /// The `Set-Cookie` value giving the cookie `value` for `max_age_s` seconds (0 removes it).
    pub fn set(self, value: &str, max_age_s: i64, https: bool, same_site: SameSite) -> String {
        let secure = if https { " Secure;" } else { "" };
        let same_site = match same_site {
            SameSite::Lax => "Lax",
            SameSite::Strict => "Strict",
        };
        format!(
            "{}={value}; Path=/; Max-Age={max_age_s};{secure} HttpOnly; SameSite={same_site}",
            self.on(https)
        )
    }

    /// The cookie among a request's `Cookie` headers.
    pub fn presented(self, headers: &HeaderMap, https: bool) -> Option<String> {
        let name = self.on(https);
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    const NAME: CookieName = CookieName {
        https: "__Host-x",
        plain: "x",
    };

    #[test]
    fn a_cookie_is_http_only_and_secure_with_its_host_name_on_https() {
        assert_eq!(
            NAME.set("v", 60, true, SameSite::Strict),
            "__Host-x=v; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Strict"
        );
        assert_eq!(
            NAME.set("", 0, false, SameSite::Lax),
            "x=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn the_cookie_is_found_by_its_exact_name() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("xx=no; __Host-x=yes"));
        headers.append(COOKIE, HeaderValue::from_static("x=plain"));
        assert_eq!(NAME.presented(&headers, true).as_deref(), Some("yes"));
        assert_eq!(NAME.presented(&headers, false).as_deref(), Some("plain"));
        assert_eq!(NAME.presented(&HeaderMap::new(), true), None);
    }
}
