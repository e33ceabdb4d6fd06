//! [`Admin`]: the organization's administration, as a service — its settings (validated,
//! audited), its people (`people.rs`), its sync health and resuming a stopped sync
//! (`sync.rs`), and its audit log as the API shows it. The routes (`routes/admin.rs`) check
//! that the caller holds `Liaison.Admin` and map; the tenant is always the administrator's own.

pub mod audit;
pub mod deploy;
pub mod people;
pub mod settings;
pub mod sync;

use std::sync::Arc;

use liaison_domain::api::{AuditPage, Diagnosis, ItemRef, OrgSettings, SyncOverview, UserPage};

use crate::items::{ItemError, Items};
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
    /// Looking the facts up for a delegate failed (their connection, Graph).
    #[error(transparent)]
    Item(#[from] ItemError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Admin {
    pub identity: Arc<dyn IdentityStore>,
    pub audit: Arc<dyn AuditLog>,
    pub operations: Arc<dyn Operations>,
    pub sync: Arc<SyncEngine>,
    pub items: Arc<Items>,
}

impl Admin {
    /// The tenant's settings.
    pub async fn settings(&self, tenant_id: &TenantId) -> Result<OrgSettings, AdminError> {
        let tenant = self
            .identity
            .tenant(tenant_id)
            .await?
            .ok_or(AdminError::NoTenant)?;
        Ok(settings::of(&tenant, self.sync.settings.window))
    }

    /// Replaces the tenant's settings with `wanted`, once every field is valid, and audits the
    /// change; sync sessions and sidebars read them from their next start. A new category name
    /// has every Organizer's next session find that category (in a full round), at once.
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
        let renamed = !valid.names_the_category(&tenant.crm_category_name);
        valid.apply_to(&mut tenant);
        self.identity.upsert_tenant(&tenant).await?;
        if renamed {
            self.sync.crm_category_renamed(&tenant.id).await?;
        }
        let mut audit = AuditEntry::allowed(
            &tenant.id,
            &admin.id,
            AuditAction::AdminSettings,
            tenant.id.as_str(),
        );
        audit.detail = Some(valid.describe());
        self.audit.append_audit(&audit).await?;
        Ok(settings::of(&tenant, self.sync.settings.window))
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

    /// What the sidebar would show `delegate` on `owner`'s item `item_id`: the server looks
    /// the facts up with the delegate's own connection, as it does for their sidebar
    /// (Microsoft's answers, not what anyone states). Audited.
    pub async fn diagnose(
        &self,
        admin: &User,
        delegate: &str,
        owner: &str,
        item_id: &str,
    ) -> Result<Diagnosis, AdminError> {
        let delegate = self
            .user_by_mailbox(&admin.tenant_id, "delegate", delegate)
            .await?;
        let owner = self
            .user_by_mailbox(&admin.tenant_id, "owner", owner)
            .await?;
        let item = ItemRef {
            owner: owner.mailbox.clone(),
            item_id: Some(item_id.to_owned()),
            office_delegate_permissions: None,
            lookup: None,
        };
        let context = self.items.context(&delegate, &item).await?;
        let mut audit = AuditEntry::allowed(
            &admin.tenant_id,
            &admin.id,
            AuditAction::AdminDiagnose,
            format!("{} on {}/{item_id}", delegate.mailbox, owner.mailbox),
        );
        audit.on_behalf_of_id = Some(delegate.id.clone());
        self.audit.append_audit(&audit).await?;
        Ok(Diagnosis {
            delegate: delegate.mailbox,
            context,
        })
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
            checked.before_id,
            checked.format,
        )
    }
}
