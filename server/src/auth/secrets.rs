//! Secrets at rest: refresh tokens (and the PKCE verifiers of sign-ins under way) are sealed
//! with AES-256-GCM before they reach the store.
//!
//! - **Envelope** `v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`: versioned, names its key.
//! - **Keys**: a [`Keyring`] of named 256-bit master keys; the first seals, every one opens, so
//!   a key is rotated by putting a new one first, running `liaison doctor --rewrap`, then
//!   dropping the old one. Each master key is stretched with HKDF-SHA256 for this one purpose.
//! - **Binding**: the associated data names the tenant, the owner and the column ([`Aad`]), so
//!   a ciphertext copied to another row or column does not open.
//! - Nonces are random (96 bits) for every seal.
//!
//! Plaintexts come back as [`SecretString`], whose `Debug` prints `[REDACTED]`.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretString};

const VERSION: &str = "v1";
const HKDF_INFO: &[u8] = b"liaison secrets at rest v1";

/// What a sealed value belongs to; opening needs the same.
#[derive(Debug, Clone, Copy)]
pub struct Aad<'a> {
    pub tenant_id: &'a str,
    pub owner_id: &'a str,
    pub column: &'a str,
}

impl Aad<'_> {
    fn bytes(&self) -> Vec<u8> {
        format!(
            "liaison/{VERSION}|{}|{}|{}",
            self.tenant_id, self.owner_id, self.column
        )
        .into_bytes()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("not a sealed value (expected {VERSION}:<key id>:<data>)")]
    Malformed,
    #[error("sealed with key `{0}`, which is not configured")]
    UnknownKey(String),
    #[error("does not open: wrong key, altered, or moved from another row")]
    Corrupt,
}

/// One master key, ready to seal.
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

/// The configured keys; the first seals.
pub struct Keyring {
    keys: Vec<Key>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("key_ids", &self.key_ids())
            .finish()
    }
}

impl Keyring {
    /// Parses `id:base64,id:base64…` (standard base64 of 32 bytes each; ids of letters, digits,
    /// `-` and `_`).
    pub fn parse(spec: &str) -> anyhow::Result<Self> {
        let mut keys = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, material) = part
                .split_once(':')
                .context("each encryption key is written `id:base64`")?;
            anyhow::ensure!(
                !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "the key id `{id}` may hold only letters, digits, `-` and `_`"
            );
            let material = STANDARD
                .decode(material)
                .with_context(|| format!("the key `{id}` is not base64"))?;
            anyhow::ensure!(
                material.len() == 32,
                "the key `{id}` must be 32 bytes (it has {})",
                material.len()
            );
            anyhow::ensure!(
                keys.iter().all(|k: &Key| k.id != id),
                "the key id `{id}` appears twice"
            );
            keys.push(Key::derive(id, &material));
        }
        anyhow::ensure!(!keys.is_empty(), "no encryption key is configured");
        Ok(Self { keys })
    }

    /// A new key line, `id:base64`, named after today's date.
    pub fn generate_key_line() -> String {
        let material: [u8; 32] = rand::random();
        let (y, m, d) = today();
        format!("k{y:04}{m:02}{d:02}:{}", STANDARD.encode(material))
    }

    /// Reads the keyring from `path`, creating it (mode 0600) with one new key if missing.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            write_private(path, &Self::generate_key_line())?;
            tracing::info!(path = %path.display(), "created an encryption key for secrets at rest");
        }
        let spec = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&spec.replace('\n', ","))
    }

    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }

    /// The id of the key that seals.
    pub fn current_key_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Seals `plaintext` for `aad` with the current key.
    pub fn seal(&self, plaintext: &str, aad: Aad<'_>) -> String {
        let key = &self.keys[0];
        let nonce_bytes: [u8; 12] = rand::random();
        let sealed = key
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce_bytes),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad.bytes(),
                },
            )
            .expect("AES-GCM seals any message shorter than 64 GiB");
        let mut data = nonce_bytes.to_vec();
        data.extend_from_slice(&sealed);
        format!("{VERSION}:{}:{}", key.id, URL_SAFE_NO_PAD.encode(data))
    }

    /// Opens an envelope sealed for `aad`.
    pub fn open(&self, envelope: &str, aad: Aad<'_>) -> Result<SecretString, SecretError> {
        let (key_id, data) = Self::parse_envelope(envelope)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == key_id)
            .ok_or_else(|| SecretError::UnknownKey(key_id.to_owned()))?;
        if data.len() < 12 + 16 {
            return Err(SecretError::Malformed);
        }
        let (nonce, sealed) = data.split_at(12);
        let plain = key
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad.bytes(),
                },
            )
            .map_err(|_| SecretError::Corrupt)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| SecretError::Corrupt)
    }

    /// The key id an envelope names.
    pub fn key_id_of(envelope: &str) -> Result<&str, SecretError> {
        Self::parse_envelope(envelope).map(|(id, _)| id)
    }

    fn parse_envelope(envelope: &str) -> Result<(&str, Vec<u8>), SecretError> {
        let mut parts = envelope.splitn(3, ':');
        let (Some(VERSION), Some(key_id), Some(data)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SecretError::Malformed);
        };
        let data = URL_SAFE_NO_PAD
            .decode(data)
            .map_err(|_| SecretError::Malformed)?;
        Ok((key_id, data))
    }

    /// Opens with any key and seals again with the current one.
    pub fn rewrap(&self, envelope: &str, aad: Aad<'_>) -> Result<String, SecretError> {
        let plain = self.open(envelope, aad)?;
        Ok(self.seal(plain.expose_secret(), aad))
    }
}

impl Key {
    fn derive(id: &str, material: &[u8]) -> Self {
        let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(Some(id.as_bytes()), material);
        let mut okm = [0u8; 32];
        hkdf.expand(HKDF_INFO, &mut okm)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self {
            id: id.to_owned(),
            cipher: Aes256Gcm::new_from_slice(&okm).expect("a 32-byte AES-256 key"),
        }
    }
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")?;
    Ok(())
}

fn today() -> (i64, i64, i64) {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64 / 86_400)
        .unwrap_or(0);
    let date = time::Date::from_julian_day((days + 2_440_588) as i32).unwrap_or(time::Date::MIN);
    (
        i64::from(date.year()),
        i64::from(u8::from(date.month())),
        i64::from(date.day()),
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ring(spec: &str) -> Keyring {
        Keyring::parse(spec).unwrap()
    }

    const A: Aad<'static> = Aad {
        tenant_id: "t1",
        owner_id: "u1",
        column: "refresh_token",
    };

    fn key_a() -> String {
        format!("a:{}", STANDARD.encode([7u8; 32]))
    }

    fn key_b() -> String {
        format!("b:{}", STANDARD.encode([9u8; 32]))
    }

    #[test]
    fn sealed_values_name_their_key_and_hide_the_plaintext() {
        let keys = ring(&key_a());
        let sealed = keys.seal("rt-secret-value", A);
        assert!(sealed.starts_with("v1:a:"));
        assert!(!sealed.contains("rt-secret-value"));
        assert_ne!(sealed, keys.seal("rt-secret-value", A), "nonces are fresh");
        assert_eq!(
            keys.open(&sealed, A).unwrap().expose_secret(),
            "rt-secret-value"
        );
        assert_eq!(
            format!("{:?}", keys.open(&sealed, A).unwrap()),
            "SecretBox<str>([REDACTED])"
        );
    }

    #[test]
    fn a_value_moved_to_another_row_or_column_does_not_open() {
        let keys = ring(&key_a());
        let sealed = keys.seal("rt", A);
        for other in [
            Aad {
                tenant_id: "t2",
                ..A
            },
            Aad {
                owner_id: "u2",
                ..A
            },
            Aad {
                column: "code_verifier",
                ..A
            },
        ] {
            assert_eq!(keys.open(&sealed, other).unwrap_err(), SecretError::Corrupt);
        }
    }

    #[test]
    fn rotation_seals_with_the_new_key_and_opens_with_both() {
        let old = ring(&key_a());
        let sealed_old = old.seal("rt", A);
        let rotated = ring(&format!("{},{}", key_b(), key_a()));
        assert_eq!(rotated.open(&sealed_old, A).unwrap().expose_secret(), "rt");
        let rewrapped = rotated.rewrap(&sealed_old, A).unwrap();
        assert_eq!(Keyring::key_id_of(&rewrapped).unwrap(), "b");
        let only_new = ring(&key_b());
        assert_eq!(only_new.open(&rewrapped, A).unwrap().expose_secret(), "rt");
        assert_eq!(
            only_new.open(&sealed_old, A).unwrap_err(),
            SecretError::UnknownKey("a".into())
        );
    }

    #[test]
    fn bad_key_specs_are_refused_with_a_reason() {
        for spec in ["", "nocolon", "a:!!!", "a:AAAA", "a b:AAAA"] {
            assert!(Keyring::parse(spec).is_err(), "{spec}");
        }
        assert!(Keyring::parse(&format!("{},{}", key_a(), key_a())).is_err());
        let line = Keyring::generate_key_line();
        assert!(Keyring::parse(&line).is_ok(), "{line}");
    }

    proptest! {
        #[test]
        fn flipping_any_byte_of_an_envelope_fails_to_open(text in ".{0,40}", at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let keys = ring(&key_a());
            let sealed = keys.seal(&text, A);
            let (_, data) = Keyring::parse_envelope(&sealed).unwrap();
            let mut data = data;
            let i = at.index(data.len());
            data[i] ^= 1 << bit;
            let altered = format!("v1:a:{}", URL_SAFE_NO_PAD.encode(&data));
            prop_assert!(keys.open(&altered, A).is_err());
            let opened = keys.open(&sealed, A).unwrap();
            prop_assert_eq!(opened.expose_secret(), text.as_str());
        }
    }
}
