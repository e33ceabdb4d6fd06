//! [`CrmEvents`]: the CRM's own work on its events, as a service — deleting one in the CRM: the
//! rule ([`delete_crm_event`]: its Organizer, or a delegate with edit rights on their CRM
//! calendar), the audit line, and the sync session that carries the deletion to Outlook (the
//! CRM category comes off the item).

use std::sync::Arc;

use liaison_domain::permissions::{CrmEventVerdict, delete_crm_event};

use crate::items::ItemError;
use crate::store::{AuditAction, AuditEntry, AuditLog, CrmStore, EventId, Share, User, UserKey};
use crate::sync::SyncEngine;
use crate::telemetry::metrics;

pub struct CrmEvents {
    pub store: Arc<dyn CrmStore>,
    pub audit: Arc<dyn AuditLog>,
    pub sync: Arc<SyncEngine>,
}

impl CrmEvents {
    /// Deletes the CRM event `event_id` of `caller`'s tenant, or says why not: `NotFound` when
    /// there is none the caller may see (someone who may not see it learns nothing of it), a
    /// refusal (audited) when they may see it but not delete it.
    pub async fn delete(&self, caller: &User, event_id: &EventId) -> Result<(), ItemError> {
        let tenant = &caller.tenant_id;
        let organizer = self
            .store
            .event_organizer(tenant, event_id)
            .await?
            .ok_or(ItemError::NotFound)?;
        let is_organizer = organizer == caller.id;
        let share = if is_organizer {
            None
        } else {
            self.store
                .crm_calendar_share(tenant, &organizer, &caller.id)
                .await?
        };
        let mut audit = AuditEntry::allowed(
            tenant,
            &caller.id,
            AuditAction::CrmEventDelete,
            event_id.as_str(),
        );
        audit.on_behalf_of_id = (!is_organizer).then(|| organizer.clone());
        match delete_crm_event(is_organizer, Share::crm_access(share)) {
            CrmEventVerdict::Allowed => {}
            CrmEventVerdict::Refused(reason) => {
                audit.allowed = false;
                audit.reason = Some(reason.as_str().to_owned());
                self.audit.append_audit(&audit).await?;
                metrics::refusal(audit.action.as_str(), reason.as_str());
                return Err(ItemError::Refused(reason));
            }
            CrmEventVerdict::Hidden => return Err(ItemError::NotFound),
        }
        if !self
            .store
            .delete_crm_event(tenant, event_id, &audit)
            .await?
        {
            return Err(ItemError::NotFound);
        }
        self.sync
            .schedule(&UserKey::new(tenant.clone(), organizer))
            .await?;
        Ok(())
    }
}
