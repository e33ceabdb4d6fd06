//! The simulator's token-signing keys: RSA 2048, RS256, published as a JWKS document, rotated on
//! demand the way Microsoft rolls its keys (the new key is published and signs; the old one stays
//! published until it is retired).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// One signing key and what is published of it.
pub struct SigningKey {
    pub kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Base64url big-endian modulus and exponent, as in a JWK.
    n: String,
    e: String,
}

impl SigningKey {
    /// A fresh RSA 2048 key.
    pub fn generate() -> Self {
        let private = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
            .expect("RSA key generation with a system RNG");
        let der = private
            .to_pkcs1_der()
            .expect("a generated RSA key encodes as PKCS#1");
        let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        Self {
            kid: uuid::Uuid::new_v4().simple().to_string(),
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            decoding: DecodingKey::from_rsa_components(&n, &e)
                .expect("the components of a generated key"),
            n,
            e,
        }
    }

    /// The JWK of the public half. `issuer` is the templated issuer Microsoft publishes with each
    /// key of a multi-tenant keys document.
    pub fn jwk(&self, issuer: &str) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": self.n,
            "e": self.e,
            "issuer": issuer,
        })
    }

    /// The public modulus and exponent (base64url), for tests that forge tokens with them.
    pub fn public_components(&self) -> (&str, &str) {
        (&self.n, &self.e)
    }
}

/// The published keys: the first signs, all verify.
pub struct KeySet {
    keys: Vec<SigningKey>,
}

impl KeySet {
    pub fn new() -> Self {
        Self {
            keys: vec![SigningKey::generate()],
        }
    }

    pub fn current(&self) -> &SigningKey {
        &self.keys[0]
    }

    /// Publishes a new key and signs with it from now on; earlier keys stay published.
    pub fn rotate(&mut self) -> String {
        self.keys.insert(0, SigningKey::generate());
        self.keys[0].kid.clone()
    }

    /// Stops publishing every key but the current one.
    pub fn retire_old(&mut self) {
        self.keys.truncate(1);
    }

    pub fn jwks(&self, issuer: &str) -> Value {
        json!({ "keys": self.keys.iter().map(|k| k.jwk(issuer)).collect::<Vec<_>>() })
    }

    /// Signs `claims` with the current key (RS256, `kid` in the header).
    pub fn sign(&self, claims: &impl Serialize) -> String {
        let key = self.current();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, &key.encoding).expect("RS256 signing")
    }

    /// Verifies a token this simulator signed (any published key); checks expiry only.
    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Option<T> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.alg != Algorithm::RS256 {
            return None;
        }
        let kid = header.kid?;
        let key = self.keys.iter().find(|k| k.kid == kid)?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        validation.leeway = 0;
        jsonwebtoken::decode::<T>(token, &key.decoding, &validation)
            .ok()
            .map(|d| d.claims)
    }
}

impl Default for KeySet {
    fn default() -> Self {
        Self::new()
    }
}
