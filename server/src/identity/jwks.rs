//! A signing-key cache that follows Microsoft's key-rollover guidance: keys are cached by `kid`
//! and refreshed hourly; a token signed with an unknown `kid` triggers at most one refresh per
//! five minutes; when the keys document cannot be fetched the last good set stays in use.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use tokio::sync::Mutex;

/// Refresh the set this often even when every `kid` is known.
const REFRESH_EVERY: Duration = Duration::from_secs(60 * 60);
/// At most one refresh per this long for an unknown `kid` (forged tokens cannot hammer the IdP).
const UNKNOWN_KID_PAUSE: Duration = Duration::from_secs(5 * 60);
/// After a failed fetch, wait this long before the next attempt.
const AFTER_FAILURE: Duration = Duration::from_secs(60);

/// One verification key and the issuer the keys document binds it to (Microsoft publishes a
/// templated `issuer` per key; Google publishes none).
#[derive(Clone)]
pub struct CachedKey {
    pub decoding: DecodingKey,
    pub issuer: Option<String>,
}

#[derive(Default)]
struct Cached {
    keys: HashMap<String, CachedKey>,
    fetched_at: Option<Instant>,
    failed_at: Option<Instant>,
    unknown_kid_refresh_at: Option<Instant>,
}

pub struct JwksCache {
    url: String,
    http: reqwest::Client,
    cached: Mutex<Cached>,
}

#[derive(Deserialize)]
struct Document {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    n: Option<String>,
    e: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    issuer: Option<String>,
}

impl JwksCache {
    pub fn new(url: String, http: reqwest::Client) -> Self {
        Self {
            url,
            http,
            cached: Mutex::new(Cached::default()),
        }
    }

    /// The key `kid`, refreshing the set when it is stale or the `kid` is new (within limits).
    pub async fn key(&self, kid: &str) -> Option<CachedKey> {
        let mut cached = self.cached.lock().await;
        let failed_lately = cached
            .failed_at
            .is_some_and(|at| at.elapsed() < AFTER_FAILURE);
        let stale = cached
            .fetched_at
            .is_none_or(|at| at.elapsed() >= REFRESH_EVERY)
            && !failed_lately;
        if stale {
            self.refresh(&mut cached).await;
        }
        if let Some(key) = cached.keys.get(kid) {
            return Some(key.clone());
        }
        let may_refresh = cached
            .unknown_kid_refresh_at
            .is_none_or(|at| at.elapsed() >= UNKNOWN_KID_PAUSE);
        if !stale && may_refresh && !failed_lately {
            cached.unknown_kid_refresh_at = Some(Instant::now());
            self.refresh(&mut cached).await;
        }
        cached.keys.get(kid).cloned()
    }

    /// Fetches the keys document; on failure keeps the last good set (and says so).
    async fn refresh(&self, cached: &mut Cached) {
        match self.fetch().await {
            Ok(keys) => {
                cached.keys = keys;
                cached.fetched_at = Some(Instant::now());
                cached.failed_at = None;
            }
            Err(error) => {
                cached.failed_at = Some(Instant::now());
                tracing::warn!(url = %self.url, %error, keys = cached.keys.len(),
                    "cannot refresh the signing keys; keeping the last good set");
            }
        }
    }

    async fn fetch(&self) -> anyhow::Result<HashMap<String, CachedKey>> {
        let response = self
            .http
            .get(&self.url)
            .timeout(Duration::from_secs(10))
            .send()
            .await?
            .error_for_status()?;
        parse_keys(&response.bytes().await?)
    }
}

/// The RSA signing keys of a JWKS document, by `kid` (others, and malformed ones, skipped).
fn parse_keys(body: &[u8]) -> anyhow::Result<HashMap<String, CachedKey>> {
    let document: Document = serde_json::from_slice(body)?;
    {
        let mut keys = HashMap::new();
        for jwk in document.keys {
            if jwk.kty != "RSA" || jwk.usage.as_deref().is_some_and(|u| u != "sig") {
                continue;
            }
            let (Some(kid), Some(n), Some(e)) = (jwk.kid, jwk.n, jwk.e) else {
                continue;
            };
            if let Ok(decoding) = DecodingKey::from_rsa_components(&n, &e) {
                keys.insert(
                    kid,
                    CachedKey {
                        decoding,
                        issuer: jwk.issuer,
                    },
                );
            }
        }
        anyhow::ensure!(
            !keys.is_empty(),
            "the keys document holds no RSA signing key"
        );
        Ok(keys)
    }
}

/// A keys document is outside input: whatever it holds, reading it never panics.
#[cfg(test)]
mod arbitrary_documents {
    use proptest::prelude::*;

    use super::parse_keys;
    use crate::outside_input::document;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_keys_document_gives_keys_or_an_error(bytes in document(
            serde_json::json!({ "keys": [{ "kty": "RSA", "use": "sig", "kid": "k1",
                "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
                "e": "AQAB", "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0" }] }),
            &["keys", "kty", "use", "kid", "n", "e", "issuer", "x5c"],
        )) {
            let _ = parse_keys(&bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use axum::http::StatusCode;

    use super::*;

    const MODULUS: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";

    /// A keys endpoint that serves one key, `k1`, until `failing` is set, then answers `500`;
    /// it counts the fetches.
    async fn keys_endpoint(failing: Arc<AtomicBool>, fetches: Arc<AtomicUsize>) -> String {
        let app = axum::Router::new().fallback(move || {
            let (failing, fetches) = (failing.clone(), fetches.clone());
            async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                if failing.load(Ordering::SeqCst) {
                    return Err(StatusCode::INTERNAL_SERVER_ERROR);
                }
                Ok(axum::Json(serde_json::json!({ "keys": [
                    { "kty": "RSA", "use": "sig", "kid": "k1", "n": MODULUS, "e": "AQAB" }
                ] })))
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/keys", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    /// The keys document failing (a 500 at a due refresh, and at an unknown `kid`'s) keeps the
    /// last good set in use, and the failure is not retried at every token.
    #[tokio::test]
    async fn the_last_good_key_set_stays_when_the_keys_endpoint_fails() {
        let (failing, fetches) = (Arc::new(AtomicBool::new(false)), Arc::default());
        let url = keys_endpoint(failing.clone(), Arc::clone(&fetches)).await;
        let cache = JwksCache::new(url, reqwest::Client::new());
        assert!(cache.key("k1").await.is_some());
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        // The set is due for its hourly refresh, and the endpoint now fails.
        failing.store(true, Ordering::SeqCst);
        cache.cached.lock().await.fetched_at = Some(Instant::now() - REFRESH_EVERY);
        assert!(cache.key("k1").await.is_some(), "the last good key is kept");
        assert_eq!(fetches.load(Ordering::SeqCst), 2, "the refresh was tried");
        // An unknown kid finds nothing, and neither it nor k1 fetches again at once.
        assert!(cache.key("k2").await.is_none());
        assert!(cache.key("k1").await.is_some());
        assert_eq!(fetches.load(Ordering::SeqCst), 2, "no fetch at every token");
    }
}
