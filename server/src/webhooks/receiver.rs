//! Which receiver URLs an administrator may give: `https://` (or `http://` where the operator
//! allows it, for development), with a host, no credentials and no fragment. Deliveries follow
//! no redirects (`deliver.rs`), so a receiver cannot send them elsewhere.

use url::Url;

/// The longest URL kept.
const MAX_URL: usize = 2048;

/// The receiver URL, checked; why not otherwise.
pub fn receiver_url(text: &str, allow_http: bool) -> Result<Url, &'static str> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_URL {
        return Err("must be an https:// URL of at most 2048 characters");
    }
    let url = Url::parse(text).map_err(|_| "must be an absolute https:// URL")?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(
                "must be an https:// URL: changes and their signatures are not sent \
                        in clear",
            );
        }
        _ => return Err("must be an https:// URL"),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "must not carry a user name or password: the signature authenticates \
                    Liaison to the receiver",
        );
    }
    if url.fragment().is_some() {
        return Err("must not have a #fragment");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_urls_with_a_host_and_no_credentials_are_receivers() {
        assert!(receiver_url("https://crm.fabrikam.com/liaison", false).is_ok());
        assert!(receiver_url("http://127.0.0.1:9000/hook", false).is_err());
        assert!(receiver_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(receiver_url("ftp://crm.fabrikam.com/", true).is_err());
        assert!(receiver_url("https://user:pw@crm.fabrikam.com/", false).is_err());
        assert!(receiver_url("https://crm.fabrikam.com/#x", false).is_err());
        assert!(receiver_url("crm.fabrikam.com", false).is_err());
        assert!(receiver_url("", false).is_err());
        assert!(receiver_url(&format!("https://a.com/{}", "x".repeat(3000)), false).is_err());
    }
}
