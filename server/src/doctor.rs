//! `liaison doctor`: checks that every secret in the store still decrypts with the configured
//! keys, counts them per key, and with `--rewrap` seals the old ones again with the newest key
//! (the step between adding a key and dropping the old one).

use std::collections::BTreeMap;
use std::fmt;

use secrecy::ExposeSecret;

use crate::auth::connections::{aad, owner_key};
use crate::auth::secrets::Keyring;
use crate::store::{IdentityStore, StoreError, UserKey};

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    /// Sealed secrets per key id.
    pub per_key: BTreeMap<String, usize>,
    /// `tenant/user/provider: why` for each secret that does not open.
    pub failures: Vec<String>,
    pub rewrapped: usize,
}

impl Report {
    pub fn healthy(&self) -> bool {
        self.failures.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: usize = self.per_key.values().sum();
        writeln!(f, "stored secrets: {total}")?;
        for (key, count) in &self.per_key {
            writeln!(f, "  sealed with key {key}: {count}")?;
        }
        if self.rewrapped > 0 {
            writeln!(f, "re-sealed with the newest key: {}", self.rewrapped)?;
        }
        if self.failures.is_empty() {
            write!(f, "every secret decrypts")
        } else {
            writeln!(f, "secrets that do not decrypt: {}", self.failures.len())?;
            for failure in &self.failures {
                writeln!(f, "  {failure}")?;
            }
            write!(
                f,
                "restore the missing key, or ask these people to connect again"
            )
        }
    }
}

pub async fn check_secrets(
    store: &dyn IdentityStore,
    keyring: &Keyring,
    rewrap: bool,
) -> Result<Report, StoreError> {
    let mut report = Report::default();
    for connection in store.connections().await? {
        let Some(sealed) = &connection.refresh_token else {
            continue;
        };
        let owner = owner_key(&connection.user_id, connection.provider);
        let aad = aad(&connection.tenant_id, &owner);
        let label = format!(
            "{}/{}/{}",
            connection.tenant_id,
            connection.user_id,
            connection.provider.as_str()
        );
        let key = Keyring::key_id_of(sealed).unwrap_or("?").to_owned();
        *report.per_key.entry(key.clone()).or_default() += 1;
        match keyring.open(sealed, aad) {
            Err(error) => report.failures.push(format!("{label}: {error}")),
            Ok(plain) if rewrap && key != keyring.current_key_id() => {
                let resealed = keyring.seal(plain.expose_secret(), aad);
                if store
                    .replace_refresh_token(
                        &UserKey::new(connection.tenant_id.clone(), connection.user_id.clone()),
                        connection.provider,
                        Some(sealed),
                        &resealed,
                    )
                    .await?
                {
                    report.rewrapped += 1;
                }
            }
            Ok(_) => {}
        }
    }
    Ok(report)
}
