//! Saving an item to the CRM — at once, or queued for the next sync session — and carrying out
//! the saves the outbox holds, judged again on Graph's facts when they are written.

use std::collections::HashSet;

use liaison_domain::api::{SaveItemRequest, SaveItemResponse, SaveOutcome};
use liaison_domain::linking::{AutoLinkPolicy, addresses_to_match};
use liaison_domain::permissions::{Action, Reason, Verdict};

use crate::graph::model::GraphEvent;
use crate::items::error::ItemError;
use crate::items::facts::{Sighting, gather};
use crate::items::present::{crm_event, item_status};
use crate::items::refusal::{Refusal, audit};
use crate::items::service::Items;
use crate::store::{
    AuditAction, DomainList, EventTime, EventType, EventWrite, IdempotencyKey, Idempotent,
    QueueWrite, QueuedSave, SaveCommand, StoreError, StoredEvent, StoredResponse, StoredStatus,
    User,
};
use crate::telemetry::metrics;

/// How many records one save may link.
const MAX_LINKS: usize = 50;
/// The longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = IdempotencyKey::MAX;

/// How a queued save ended when a sync session tried it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueuedOutcome {
    Written,
    /// The rules refuse it now (a delegation was removed, the CRM event deleted…): dropped,
    /// with the refusal audited.
    Refused,
    /// The item is not in the calendar yet, or the requester cannot be asked now: kept.
    Waiting,
    /// Another session carried it out meanwhile (its outbox row was gone).
    Taken,
}

/// Saves one requester may have waiting for one Organizer's items.
pub const MAX_QUEUED_PER_REQUESTER: i64 = 50;
/// Saves that may wait for one Organizer's items in all (each costs Graph reads in a session).
pub const MAX_QUEUED_PER_ORGANIZER: i64 = 500;

impl Items {
    /// Saves the item to the CRM: the answer `(status, JSON body)`, replayed as first given
    /// under the same idempotency key.
    pub async fn save(
        &self,
        caller: &User,
        request: &SaveItemRequest,
        idempotency_key: Option<&str>,
    ) -> Result<StoredResponse, ItemError> {
        let store = self.store.as_ref();
        let key = idempotency_key
            .map(|key| idempotency(key, request))
            .transpose()?;
        if let Some(key) = &key {
            match store
                .check_idempotency(&caller.tenant_id, &caller.id, key)
                .await?
            {
                Some(Idempotent::Replayed(response)) => return Ok(response),
                Some(Idempotent::KeyReused) => return Err(ItemError::IdempotencyKeyReused),
                Some(Idempotent::Fresh(_)) | None => {}
            }
        }
        let links = unique_links(&request.link_record_ids)?;
        if request.item.item_id.is_none() {
            return Err(ItemError::invalid(
                "item.itemId",
                "save the meeting in Outlook first: a meeting without an id is not in the calendar",
            ));
        }
        let gathered = gather(self, caller, &request.item).await?;
        crate::crash::point("items.facts_read");
        let mut audit = audit(caller, &gathered, AuditAction::ItemSave);
        if let Verdict::Refused(reason) = gathered.resolution.actions[&Action::SaveToCrm] {
            return self
                .refuse(audit, key.as_ref(), Refusal::Rule(reason))
                .await;
        }
        let visible = store
            .visible_records(&caller.tenant_id, &caller.id, &links)
            .await?;
        if visible.len() != links.len() {
            audit.detail = Some("a record to link is unknown to the caller".into());
            return self
                .refuse(audit, key.as_ref(), Refusal::RecordNotVisible)
                .await;
        }
        let cmd = match &gathered.sighting {
            Sighting::Seen(event) => {
                let (Some(ical_uid), Some(write)) = (event.ical_uid(), event.to_write()) else {
                    // Graph hid the item's details (a private item): the rules refused it above.
                    return self
                        .refuse(audit, key.as_ref(), Refusal::Rule(Reason::PrivateItem))
                        .await;
                };
                // The first save waits for the next sync session when insta-sync is off;
                // updates of an existing CRM event go straight through.
                let queue =
                    (gathered.event.is_none() && !gathered.insta_sync).then(|| QueueWrite {
                        payload: serde_json::to_string(request).unwrap_or_default(),
                        item_id: gathered.item_id.clone(),
                    });
                SaveCommand {
                    tenant_id: caller.tenant_id.clone(),
                    actor_id: caller.id.clone(),
                    organizer_id: gathered.owner.id.clone(),
                    ical_uid: ical_uid.to_owned(),
                    graph_event_id: Some(event.id.clone()),
                    link_addresses: to_match(&gathered.auto_link, event, &write),
                    event: write,
                    event_type: EventType::of_graph(event.event_type()),
                    series_master_graph_id: event.series_master_id.clone(),
                    link_record_ids: links,
                    queue,
                    idempotency: key.clone(),
                    outbox_id: None,
                }
            }
            // Not in the calendar yet: the save waits for the item (the rules allowed it for a
            // meeting the user creates; they are applied again on Graph's facts when it
            // appears).
            Sighting::NotFound => SaveCommand {
                tenant_id: caller.tenant_id.clone(),
                actor_id: caller.id.clone(),
                organizer_id: gathered.owner.id.clone(),
                ical_uid: String::new(),
                graph_event_id: None,
                event: placeholder_write(),
                event_type: EventType::SingleInstance,
                series_master_graph_id: None,
                link_record_ids: links,
                link_addresses: Vec::new(),
                queue: Some(QueueWrite {
                    payload: serde_json::to_string(request).unwrap_or_default(),
                    item_id: gathered.item_id.clone(),
                }),
                idempotency: key.clone(),
                outbox_id: None,
            },
            Sighting::New | Sighting::Denied => {
                return self
                    .refuse(audit, key.as_ref(), Refusal::Rule(Reason::NoCalendarAccess))
                    .await;
            }
        };
        let queued = cmd.queue.is_some();
        if let Some(queue) = &cmd.queue {
            self.room_in_the_outbox(caller, &gathered.owner, queue.item_id.as_deref())
                .await?;
        }
        audit.allowed = true;
        audit.detail = Some(
            if cmd.queue.as_ref().is_some_and(|q| q.item_id.is_some()) {
                "queued until the item is in the calendar"
            } else if queued {
                "queued"
            } else {
                "synced"
            }
            .to_owned(),
        );
        let outcome = if queued {
            SaveOutcome::Queued
        } else {
            SaveOutcome::Synced
        };
        let respond = move |event: Option<&StoredEvent>, status: &StoredStatus| {
            let body = SaveItemResponse {
                outcome,
                crm_event: event.map(crm_event),
                status: item_status(Some(status)),
            };
            StoredResponse {
                status: 200,
                body: serde_json::to_string(&body).unwrap_or_default(),
            }
        };
        match store.save_item(&cmd, &audit, &respond).await {
            Ok(Idempotent::Fresh(response)) => {
                metrics::save(outcome.as_str());
                // Saved now where a queued save of it was given up on: the flag comes off.
                if let (false, Sighting::Seen(event)) = (queued, &gathered.sighting) {
                    self.clear_failed_flag(&gathered.owner, &event.id, &event.categories)
                        .await;
                }
                Ok(response)
            }
            Ok(Idempotent::Replayed(response)) => Ok(response),
            Ok(Idempotent::KeyReused) => Err(ItemError::IdempotencyKeyReused),
            Err(StoreError::Deleted) => Err(ItemError::Refused(Reason::CrmNoAccess)),
            Err(error) => Err(error.into()),
        }
    }

    /// Whether one more save may wait for `owner`'s items: a save of an item that waits already
    /// replaces that one; otherwise each requester has [`MAX_QUEUED_PER_REQUESTER`] places per
    /// Organizer, and the Organizer's outbox [`MAX_QUEUED_PER_ORGANIZER`].
    async fn room_in_the_outbox(
        &self,
        caller: &User,
        owner: &User,
        item_id: Option<&str>,
    ) -> Result<(), ItemError> {
        let store = self.store.as_ref();
        if let Some(item_id) = item_id
            && store
                .pending_save(&owner.tenant_id, &owner.id, item_id)
                .await?
        {
            return Ok(());
        }
        let (all, yours) = store
            .queued_counts(&owner.tenant_id, &owner.id, &caller.id)
            .await?;
        if yours >= MAX_QUEUED_PER_REQUESTER || all >= MAX_QUEUED_PER_ORGANIZER {
            return Err(ItemError::TooManyQueued(format!(
                "{} saves already wait for {}'s next sync session ({} of them yours): they are \
                 carried out as their meetings appear in the calendar; save more once they have \
                 (Sync now runs a session)",
                all, owner.display_name, yours
            )));
        }
        Ok(())
    }

    /// Carries out a save the outbox held, for the Organizer's sync session: the facts are
    /// gathered again with the requester's own token and the rules applied again, then it is
    /// written (its outbox row removed in the same transaction), refused (removed, audited) or
    /// left waiting.
    pub async fn carry_out_queued(
        &self,
        organizer: &User,
        queued: &QueuedSave,
    ) -> Result<QueuedOutcome, ItemError> {
        let store = self.store.as_ref();
        let tenant_id = &organizer.tenant_id;
        let Ok(request) = serde_json::from_str::<SaveItemRequest>(&queued.payload) else {
            store.drop_queued_save(tenant_id, &queued.id, None).await?;
            return Ok(QueuedOutcome::Refused);
        };
        let Some(requester) = store.user(tenant_id, &queued.requested_by_id).await? else {
            store.drop_queued_save(tenant_id, &queued.id, None).await?;
            return Ok(QueuedOutcome::Refused);
        };
        let gathered = match gather(self, &requester, &request.item).await {
            Ok(gathered) => gathered,
            // Graph failing on this item counts as a failed attempt (see `sync::outbox`); a
            // connection that needs a new sign-in, or the provider away, is a wait.
            Err(error @ ItemError::GraphUnavailable) => return Err(error),
            Err(error) if error.is_temporary() => return Ok(QueuedOutcome::Waiting),
            Err(error) => return Err(error),
        };
        let mut audit = audit(&requester, &gathered, AuditAction::ItemSave);
        if gathered.owner.id != organizer.id {
            // The mailbox the save names is someone else's now (taken over by a new sign-in):
            // it was judged for this Organizer and is carried out for no other.
            audit.reason = Some("not_found".into());
            audit.detail = Some("a queued save's mailbox now names another person".into());
            store
                .drop_queued_save(tenant_id, &queued.id, Some(&audit))
                .await?;
            return Ok(QueuedOutcome::Refused);
        }
        let event = match (
            &gathered.sighting,
            gathered.resolution.actions[&Action::SaveToCrm],
        ) {
            (Sighting::NotFound, _) => return Ok(QueuedOutcome::Waiting),
            (Sighting::Seen(event), Verdict::Allowed) => event,
            (_, verdict) => {
                audit.reason = verdict.reason().map(|r| r.as_str().to_owned());
                audit.detail = Some("a queued save refused when carried out".into());
                store
                    .drop_queued_save(tenant_id, &queued.id, Some(&audit))
                    .await?;
                return Ok(QueuedOutcome::Refused);
            }
        };
        let (Some(ical_uid), Some(write)) = (event.ical_uid(), event.to_write()) else {
            return Ok(QueuedOutcome::Waiting);
        };
        let links = unique_links(&request.link_record_ids).unwrap_or_default();
        let visible = store
            .visible_records(tenant_id, &requester.id, &links)
            .await?;
        let cmd = SaveCommand {
            tenant_id: tenant_id.clone(),
            actor_id: requester.id.clone(),
            organizer_id: organizer.id.clone(),
            ical_uid: ical_uid.to_owned(),
            graph_event_id: Some(event.id.clone()),
            link_addresses: to_match(&gathered.auto_link, event, &write),
            event: write,
            event_type: EventType::of_graph(event.event_type()),
            series_master_graph_id: event.series_master_id.clone(),
            link_record_ids: visible.into_iter().map(|r| r.id).collect(),
            queue: None,
            idempotency: None,
            outbox_id: Some(queued.id.clone()),
        };
        audit.allowed = true;
        audit.detail = Some("queued save written by the sync session".to_owned());
        let respond = |_: Option<&StoredEvent>, _: &StoredStatus| StoredResponse {
            status: 200,
            body: String::new(),
        };
        match store.save_item(&cmd, &audit, &respond).await {
            Ok(_) => Ok(QueuedOutcome::Written),
            Err(StoreError::Deleted) => {
                store.drop_queued_save(tenant_id, &queued.id, None).await?;
                Ok(QueuedOutcome::Refused)
            }
            Err(StoreError::OutboxTaken) => Ok(QueuedOutcome::Taken),
            Err(error) => Err(error.into()),
        }
    }
}

/// The meeting's addresses automatic linking matches, under the tenant's policy.
fn to_match(
    (policy, blocked): &(AutoLinkPolicy, DomainList),
    event: &GraphEvent,
    write: &EventWrite,
) -> Vec<String> {
    addresses_to_match(
        *policy,
        event.organizer_address(),
        &write.attendees,
        &blocked.0,
    )
}

/// The records to link, each once. The count is bounded before any work that grows with it.
fn unique_links(ids: &[String]) -> Result<Vec<String>, ItemError> {
    let too_many = || {
        ItemError::invalid(
            "linkRecordIds",
            format!("link at most {MAX_LINKS} records at once"),
        )
    };
    if ids.len() > MAX_LINKS * 4 {
        return Err(too_many());
    }
    let unique: Vec<String> = first_of_each(ids).into_iter().cloned().collect();
    if unique.len() > MAX_LINKS {
        return Err(too_many());
    }
    if unique.iter().any(|id| id.is_empty() || id.len() > 256) {
        return Err(ItemError::invalid(
            "linkRecordIds",
            "a record id is 1 to 256 characters",
        ));
    }
    Ok(unique)
}

/// Each distinct item once, in the order first seen: one hash and (barring collisions) no
/// comparison per item — linear, whatever the input repeats.
fn first_of_each<T: std::hash::Hash + Eq>(items: &[T]) -> Vec<&T> {
    let mut seen = HashSet::with_capacity(items.len());
    items.iter().filter(|item| seen.insert(*item)).collect()
}

fn idempotency(key: &str, request: &SaveItemRequest) -> Result<IdempotencyKey, ItemError> {
    IdempotencyKey::of(key, &serde_json::to_vec(request).unwrap_or_default())
        .map_err(|message| ItemError::invalid("Idempotency-Key", message))
}

/// The event fields of a save that waits for its item (nothing of it is written).
fn placeholder_write() -> EventWrite {
    EventWrite {
        subject: String::new(),
        time: EventTime::Timed {
            start_ms: 0,
            end_ms: 0,
        },
        time_zone: "UTC".into(),
        location: String::new(),
        attendees: Vec::new(),
        is_private: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_bounded_before_they_are_deduplicated() {
        let many: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
        assert!(unique_links(&many).is_err());
        let repeated = vec!["a".to_owned(); 60];
        assert_eq!(unique_links(&repeated).unwrap(), ["a"]);
        assert!(unique_links(&[String::new()]).is_err());
    }

    /// An id that counts how often it is compared.
    struct Counted<'a>(u32, &'a std::cell::Cell<usize>);

    impl std::hash::Hash for Counted<'_> {
        fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
            self.0.hash(state);
        }
    }

    impl PartialEq for Counted<'_> {
        fn eq(&self, other: &Self) -> bool {
            self.1.set(self.1.get() + 1);
            self.0 == other.0
        }
    }
    impl Eq for Counted<'_> {}

    #[test]
    fn deduplication_compares_each_link_a_bounded_number_of_times() {
        for n in [10u32, 100, 1_000, 10_000] {
            let compared = std::cell::Cell::new(0);
            // All distinct, then all the same: the two worst cases of a pairwise search.
            let distinct: Vec<Counted> = (0..n).map(|i| Counted(i, &compared)).collect();
            assert_eq!(first_of_each(&distinct).len(), n as usize);
            let same: Vec<Counted> = (0..n).map(|_| Counted(7, &compared)).collect();
            assert_eq!(first_of_each(&same).len(), 1);
            // A pairwise search would compare n² / 2 times for the distinct ones alone.
            assert!(
                compared.get() <= 2 * n as usize,
                "{} comparisons for {n} links",
                compared.get()
            );
        }
    }
}
