//! [`Admin`]: the organization's administration, as a service — its settings (validated,
//! audited), its people (`people.rs`), its sync health and resuming a stopped sync
//! (`sync.rs`), and its audit log as the API shows it. The routes (`routes/admin.rs`) check
//! that the caller holds `Liaison.Admin` and map; the tenant is always the administrator's own.

pub mod audit;
mod mailboxes;
pub mod people;
pub mod settings;
pub mod sync;

use std::sync::Arc;

use liaison_domain::api::{AuditPage, OrgSettings, SyncOverview, UserPage};

use crate::store::{
    AuditAction, AuditEntry, AuditLog, IdentityStore, Operations, StoreError, TenantId, User,
};
use crate::sync::SyncEngine;

pub use settings::Invalid;

/// Why an administrator's request did not go through.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The administrator's tenant is not known to Liaison.
    #[error("no such tenant")]
    NoTenant,
    /// A mailbox the request names is not one Liaison knows in the tenant, or has nothing of
    /// what was asked.
    #[error("{message}")]
    NoSuchMailbox {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Admin {
    pub identity: Arc<dyn IdentityStore>,
    pub audit: Arc<dyn AuditLog>,
    pub operations: Arc<dyn Operations>,
    pub sync: Arc<SyncEngine>,
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

    /// A page of the tenant's people (see [`people::page`]).
    pub async fn people(
        &self,
        tenant_id: &TenantId,
        cursor: Option<String>,
        limit: u32,
        attention_only: bool,
    ) -> Result<UserPage, AdminError> {
        Ok(people::page(
            self.operations.as_ref(),
            tenant_id,
            cursor,
            limit,
            attention_only,
        )
        .await?)
    }

    /// The tenant's sync health (see [`sync::overview`]); `organizer`: a mailbox, only theirs.
    pub async fn sync_overview(
        &self,
        tenant_id: &TenantId,
        organizer: Option<&str>,
        before: Option<String>,
        limit: u32,
    ) -> Result<SyncOverview, AdminError> {
        let organizer = match organizer {
            None => None,
            Some(mailbox) => Some(
                self.user_by_mailbox(tenant_id, "organizer", mailbox)
                    .await?
                    .id,
            ),
        };
        let overview = sync::overview(
            self.operations.as_ref(),
            self.identity.as_ref(),
            tenant_id,
            organizer,
            before,
            limit,
        )
        .await?;
        Ok(overview)
    }

    /// Lets the sync of `mailbox`, which the circuit breaker stopped, run again — what `liaison
    /// sync-resume` does — audited, and its next session starts at once.
    pub async fn resume_sync(&self, admin: &User, mailbox: &str) -> Result<(), AdminError> {
        let organizer = self
            .user_by_mailbox(&admin.tenant_id, "mailbox", mailbox)
            .await?;
        let stopped = self.operations.stopped_sync_jobs(&admin.tenant_id).await?;
        if !stopped.iter().any(|job| job.organizer_id == organizer.id) {
            return Err(AdminError::NoSuchMailbox {
                field: "mailbox",
                message: format!("the sync of {} is not stopped", organizer.mailbox),
            });
        }
        self.sync.resume(&organizer.key()).await?;
        let mut audit = AuditEntry::allowed(
            &admin.tenant_id,
            &admin.id,
            AuditAction::AdminSyncResume,
            &organizer.mailbox,
        );
        audit.on_behalf_of_id = Some(organizer.id.clone());
        self.audit.append_audit(&audit).await?;
        Ok(())
    }

    async fn user_by_mailbox(
        &self,
        tenant_id: &TenantId,
        field: &'static str,
        mailbox: &str,
    ) -> Result<User, AdminError> {
        self.identity
            .user_by_mailbox(tenant_id, mailbox)
            .await?
            .ok_or_else(|| AdminError::NoSuchMailbox {
                field,
                message: format!("Liaison knows no {mailbox} in your organization"),
            })
    }

    /// A page of the tenant's audit log (see [`audit::page`]).
    pub async fn audit_page(
        &self,
        tenant_id: &TenantId,
        checked: &audit::Checked,
    ) -> Result<AuditPage, AdminError> {
        Ok(audit::page(self.audit.as_ref(), tenant_id, checked).await?)
    }

    /// The tenant's audit log the filter keeps, as a stream of CSV or JSON-lines chunks (see
    /// [`audit::export`]).
    pub fn audit_export(
        &self,
        tenant_id: &TenantId,
        checked: audit::Checked,
    ) -> impl futures::Stream<Item = Result<String, StoreError>> + Send + 'static {
        audit::export(
            self.audit.clone(),
            tenant_id.clone(),
            checked.filter,
            checked.format,
        )
    }
}
