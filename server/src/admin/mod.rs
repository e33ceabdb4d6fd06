//! [`Admin`]: the organization's administration, as a service — its settings (validated,
//! audited) and its audit log as the API shows it. The routes (`routes/admin.rs`) check that the
//! caller holds `Liaison.Admin` and map; the tenant is always the administrator's own.

mod settings;

use std::collections::HashMap;
use std::sync::Arc;

use liaison_domain::api::{AuditLine, AuditPage, OrgSettings};

use crate::clock::to_rfc3339;
use crate::store::{
    AuditAction, AuditEntry, AuditLog, IdentityStore, StoreError, TenantId, User, UserId,
};

pub use settings::Invalid;

/// Why an administrator's request did not go through.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The administrator's tenant is not known to Liaison.
    #[error("no such tenant")]
    NoTenant,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Admin {
    pub identity: Arc<dyn IdentityStore>,
    pub audit: Arc<dyn AuditLog>,
}

impl Admin {
    /// The tenant's settings.
    pub async fn settings(&self, tenant_id: &TenantId) -> Result<OrgSettings, AdminError> {
        let tenant = self
            .identity
            .tenant(tenant_id)
            .await?
            .ok_or(AdminError::NoTenant)?;
        Ok(settings::of(&tenant))
    }

    /// Replaces the tenant's settings with `wanted`, once every field is valid, and audits the
    /// change; sync sessions and sidebars read them from their next start.
    pub async fn update_settings(
        &self,
        admin: &User,
        wanted: &OrgSettings,
    ) -> Result<OrgSettings, AdminError> {
        let valid = settings::validate(wanted)?;
        let mut tenant = self
            .identity
            .tenant(&admin.tenant_id)
            .await?
            .ok_or(AdminError::NoTenant)?;
        valid.apply_to(&mut tenant);
        self.identity.upsert_tenant(&tenant).await?;
        let mut audit = AuditEntry::allowed(
            &tenant.id,
            &admin.id,
            AuditAction::AdminSettings,
            tenant.id.as_str(),
        );
        audit.detail = Some(valid.describe());
        self.audit.append_audit(&audit).await?;
        Ok(settings::of(&tenant))
    }

    /// The tenant's newest `limit` audit lines (1 to 500), people shown by mailbox.
    pub async fn audit_page(
        &self,
        tenant_id: &TenantId,
        limit: u32,
    ) -> Result<AuditPage, AdminError> {
        let records = self.audit.audit_log(tenant_id, limit.clamp(1, 500)).await?;
        let mut mailboxes = Mailboxes {
            identity: self.identity.as_ref(),
            tenant_id,
            known: HashMap::new(),
        };
        let mut lines = Vec::with_capacity(records.len());
        for record in records {
            let allowed = record.allowed();
            let on_behalf_of = match record.on_behalf_of_id {
                Some(id) => Some(mailboxes.of(id).await?),
                None => None,
            };
            lines.push(AuditLine {
                at: to_rfc3339(record.at_ms),
                actor: mailboxes.of(record.actor_id).await?,
                on_behalf_of,
                action: record.action,
                target: record.target,
                allowed,
                reason: record.reason,
                detail: record.detail,
            });
        }
        Ok(AuditPage { lines })
    }
}

/// People's mailboxes by directory id, each looked up once; someone Liaison does not know is
/// shown by their directory id.
struct Mailboxes<'a> {
    identity: &'a dyn IdentityStore,
    tenant_id: &'a TenantId,
    known: HashMap<UserId, String>,
}

impl Mailboxes<'_> {
    async fn of(&mut self, id: UserId) -> Result<String, StoreError> {
        if let Some(mailbox) = self.known.get(&id) {
            return Ok(mailbox.clone());
        }
        let mailbox = match self.identity.user(self.tenant_id, &id).await? {
            Some(user) => user.mailbox,
            None => id.to_string(),
        };
        self.known.insert(id, mailbox.clone());
        Ok(mailbox)
    }
}
