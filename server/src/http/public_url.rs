//! [`PublicUrl`]: where Outlook and people reach the server — in the manifest, in redirect
//! URIs, in change-notification URLs.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// An absolute `http(s)` URL with no query or fragment, kept without a trailing slash so that
/// paths can be appended (`{public_url}/taskpane.html`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// The URL a server bound to `addr` is reached at: `localhost` for loopback and unspecified
    /// addresses (what the development certificate names), the address itself otherwise.
    pub fn for_bound_address(addr: SocketAddr, https: bool) -> Self {
        let scheme = if https { "https" } else { "http" };
        let host = match addr.ip() {
            ip if ip.is_loopback() || ip.is_unspecified() => "localhost".to_owned(),
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        Self(format!("{scheme}://{host}:{}", addr.port()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// The origin browsers name pages of this URL by (`Origin`): scheme, host and port.
    pub fn origin(&self) -> String {
        url::Url::parse(&self.0)
            .map(|url| url.origin().ascii_serialization())
            .unwrap_or_default()
    }
}

impl FromStr for PublicUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = url::Url::parse(s).map_err(|e| format!("not an absolute URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(
                "the public URL must start with https:// (or http:// behind a proxy)".into(),
            );
        }
        if url.host_str().is_none() {
            return Err("the public URL needs a host".into());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("the public URL cannot have a query or a fragment".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("the public URL cannot carry credentials".into());
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_drops_the_trailing_slash_and_refuses_queries() {
        assert_eq!(
            "https://crm.contoso.com/"
                .parse::<PublicUrl>()
                .unwrap()
                .as_str(),
            "https://crm.contoso.com"
        );
        assert!("https://crm.contoso.com/?a=b".parse::<PublicUrl>().is_err());
        assert!("ftp://crm.contoso.com".parse::<PublicUrl>().is_err());
        assert!("crm.contoso.com".parse::<PublicUrl>().is_err());
    }

    #[test]
    fn the_public_url_of_a_loopback_address_is_localhost() {
        let url = PublicUrl::for_bound_address("127.0.0.1:3000".parse().unwrap(), true);
        assert_eq!(url.as_str(), "https://localhost:3000");
        let url = PublicUrl::for_bound_address("10.1.2.3:80".parse().unwrap(), false);
        assert_eq!(url.as_str(), "http://10.1.2.3:80");
    }
}
