//! An item's context (what the user may do with it, its CRM event and status), its sync
//! status alone, and unlinking a record or the item from its CRM event.

use liaison_domain::api::{
    ItemContext, ItemRef, ItemStatus, Person, ResolveResponse, SyncState, UnlinkRequest,
};
use liaison_domain::permissions::{Action, Reason, Verdict};

use crate::clock::now_ms;
use crate::graph::model::GraphEvent;
use crate::items::error::ItemError;
use crate::items::facts::{Gathered, Sighting, gather};
use crate::items::present::{crm_event, item_status, outside_window_status, queued_status};
use crate::items::refusal::{Refusal, audit};
use crate::items::service::Items;
use crate::store::{AuditAction, EventKey, User};
use crate::synced_window::WindowPosition;

impl Items {
    /// The item's context for `caller`: the verdicts, the CRM event and the status they may see.
    pub async fn context(&self, caller: &User, item: &ItemRef) -> Result<ItemContext, ItemError> {
        let gathered = gather(self, caller, item).await?;
        self.context_of(caller, &gathered).await
    }

    /// The item's sync status, for those who may see the item's details (else "not found").
    pub async fn status(&self, caller: &User, item: &ItemRef) -> Result<ItemStatus, ItemError> {
        let gathered = gather(self, caller, item).await?;
        if !gathered.resolution.shows_item_status() {
            return Err(ItemError::NotFound);
        }
        self.status_of(&gathered).await
    }

    /// Removes one record from the item's CRM event, or detaches the item from it; the context
    /// after the change.
    pub async fn unlink(
        &self,
        caller: &User,
        request: &UnlinkRequest,
    ) -> Result<ItemContext, ItemError> {
        let gathered = gather(self, caller, &request.item).await?;
        let mut audit = audit(caller, &gathered, AuditAction::ItemUnlink);
        if let Verdict::Refused(reason) = gathered.resolution.actions[&Action::UnlinkFromCrm] {
            return self.refuse(audit, None, Refusal::Rule(reason)).await;
        }
        let (Some(event), Some(ical_uid)) = (gathered.event.as_ref(), gathered.ical_uid()) else {
            return Err(ItemError::Refused(Reason::NotFound));
        };
        audit.allowed = true;
        match &request.record_id {
            Some(record_id) => {
                let record_id: String = record_id.chars().take(256).collect();
                audit.detail = Some(format!("record {record_id}"));
                let removed = self
                    .store
                    .unlink_record(&caller.tenant_id, &event.id, &record_id, &audit)
                    .await?;
                if !removed {
                    return Err(ItemError::NotFoundField {
                        field: "recordId".into(),
                        message: "this record is not linked to this CRM event".into(),
                    });
                }
            }
            None => {
                audit.detail = Some("item detached; the CRM event stays".to_owned());
                let key = EventKey {
                    tenant_id: &caller.tenant_id,
                    organizer_id: &gathered.owner.id,
                    ical_uid,
                };
                self.store.detach_item(key, &event.id, &audit).await?;
            }
        }
        self.context(caller, &request.item).await
    }

    /// `status`, or — for an item not in the CRM that lies outside the window sync reads, to
    /// those who may see its status — why the CRM category alone will not bring it in.
    fn window_status(&self, gathered: &Gathered, status: ItemStatus) -> ItemStatus {
        if status.state != SyncState::NotSynced || !gathered.resolution.shows_item_status() {
            return status;
        }
        let position = gathered
            .event_seen()
            .and_then(GraphEvent::time)
            .map(|time| gathered.synced_window.position(&time, now_ms()));
        match position {
            Some(outside @ (WindowPosition::Before | WindowPosition::After)) => {
                outside_window_status(outside, &gathered.synced_window)
            }
            _ => status,
        }
    }

    /// The item's sync status, for those who may see it (else "not synced").
    async fn status_of(&self, gathered: &Gathered) -> Result<ItemStatus, ItemError> {
        let store = self.store.as_ref();
        let owner = &gathered.owner;
        let resolution = &gathered.resolution;
        let status = match (gathered.ical_uid(), &gathered.sighting) {
            // Read with the event: no second statement.
            (Some(_), _) if resolution.shows_item_status() && gathered.event.is_some() => {
                gathered.event.as_ref().and_then(|e| e.status.clone())
            }
            (Some(ical_uid), _) if resolution.shows_item_status() => {
                store
                    .item_status(EventKey {
                        tenant_id: &owner.tenant_id,
                        organizer_id: &owner.id,
                        ical_uid,
                    })
                    .await?
            }
            (None, Sighting::NotFound) if resolution.shows_item_status() => match &gathered.item_id
            {
                Some(id) if store.pending_save(&owner.tenant_id, &owner.id, id).await? => {
                    Some(queued_status())
                }
                _ => None,
            },
            _ => None,
        };
        Ok(self.window_status(gathered, item_status(status.as_ref())))
    }

    pub(super) async fn context_of(
        &self,
        caller: &User,
        gathered: &Gathered,
    ) -> Result<ItemContext, ItemError> {
        let owner = &gathered.owner;
        let resolution = &gathered.resolution;
        Ok(ItemContext {
            owner: Person {
                mailbox: owner.mailbox.clone(),
                display_name: owner.display_name.clone(),
            },
            permissions: ResolveResponse::from(resolution.clone()),
            crm_event: gathered
                .event
                .as_ref()
                .filter(|e| !e.deleted && resolution.shows_crm_event())
                .map(crm_event),
            status: self.status_of(gathered).await?,
            crm_category: gathered.crm_category.clone(),
            notice: gathered.notice.clone(),
            item_id: gathered.found_id.clone(),
            attendees: self.attendees(caller, gathered).await?,
        })
    }
}
