//! Refused Office SSO tokens in the audit log, where the tenant they name will see them: a line
//! with the refusal's code and the subject the token states (unverified: no actor is named),
//! never any of the token. The
//! log stays bounded: only a tenant Liaison knows gets lines, at most one per (tenant, reason) a
//! minute from this server, so forged tokens cannot fill it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::identity::tokens::{TokenError, unverified_claims};
use crate::store::{AuditAction, AuditEntry, Store, StoreError, TenantId, UserId};

/// At most one line per (tenant, reason) this often.
const EVERY: Duration = Duration::from_secs(60);
/// The (tenant, reason) pairs remembered; past this, the oldest are forgotten.
const REMEMBERED: usize = 4096;

/// When each (tenant, reason) was last written to the audit log.
#[derive(Default)]
pub struct RefusedTokens {
    noted: Mutex<HashMap<(String, &'static str), Instant>>,
}

impl RefusedTokens {
    /// Writes the refusal of `token` to the audit log of the tenant it names, when Liaison
    /// knows that tenant and no line of this kind was written for it in the last minute.
    pub async fn note(
        &self,
        store: &dyn Store,
        token: &str,
        refusal: &TokenError,
    ) -> Result<(), StoreError> {
        let claims = unverified_claims(token).unwrap_or_default();
        let Some(tenant) = claims.tid.filter(|t| is_guid(t)) else {
            return Ok(());
        };
        let reason = refusal.code();
        if !self.due(&tenant, reason) {
            return Ok(());
        }
        let tenant_id = TenantId::new(tenant);
        if store.tenant(&tenant_id).await?.is_none() {
            return Ok(());
        }
        // Nobody is proven the actor of a refused token: its subject is only what it states.
        let subject = claims.oid.filter(|o| is_guid(o));
        store
            .append_audit(&AuditEntry {
                tenant_id,
                actor_id: UserId::new("-"),
                on_behalf_of_id: None,
                action: AuditAction::SignInSsoRefused,
                target: "an Office SSO token".into(),
                allowed: false,
                reason: Some(reason.into()),
                detail: Some(format!(
                    "the subject it states, unverified: {}; further refusals of this kind for \
                     this tenant in the next minute are not written",
                    subject.as_deref().unwrap_or("none")
                )),
            })
            .await
    }

    /// Whether a line for (tenant, reason) is due, marking it written if so.
    fn due(&self, tenant: &str, reason: &'static str) -> bool {
        let mut noted = self.noted.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if noted.len() >= REMEMBERED {
            noted.retain(|_, at| now.duration_since(*at) < EVERY);
        }
        match noted.get(&(tenant.to_owned(), reason)) {
            Some(at) if now.duration_since(*at) < EVERY => false,
            _ if noted.len() >= REMEMBERED => false,
            _ => {
                noted.insert((tenant.to_owned(), reason), now);
                true
            }
        }
    }
}

/// `8-4-4-4-12` hexadecimal digits: the shape of Entra's tenant and object ids.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_tenant_and_reason_a_minute() {
        let refused = RefusedTokens::default();
        assert!(refused.due("t1", "invalid"));
        assert!(!refused.due("t1", "invalid"));
        assert!(refused.due("t1", "issuer"));
        assert!(refused.due("t2", "invalid"));
        assert!(is_guid("6f1c2a5e-2b1d-4c1e-9a57-7c0d3e1b9a01"));
        assert!(!is_guid("common"));
    }
}
