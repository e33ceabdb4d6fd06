//! The sidebar's work on a calendar item: its CRM context, saving it, unlinking it, giving it
//! the CRM category, and carrying out the saves the outbox holds.
//!
//! **The server decides on Microsoft's facts.** The client names the item (owner mailbox and
//! REST id); [`facts::gather`] learns the rest from Graph and the CRM and lets
//! `liaison_domain::permissions` decide. What goes into the CRM is Graph's account of the
//! meeting, never the client's. Every refusal is written to the audit log; every allowed change
//! too, in the same transaction as the change.

mod delegation;
pub mod facts;

use std::collections::HashSet;

use liaison_domain::api::{
    CrmCategory, CrmEvent, ItemContext, ItemRef, ItemStatus, Person, ResolveResponse,
    SaveItemRequest, SaveItemResponse, SaveOutcome, SyncState, UnlinkRequest,
};
use liaison_domain::permissions::{Action, Reason, Verdict};
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::error::{ApiError, Result};
use crate::graph::client::GraphError;
use crate::instant::to_rfc3339;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::model::{
    AuditEntry, EventTime, IdempotencyKey, Idempotent, QueueWrite, QueuedSave, SaveCommand,
    StoredEvent, StoredResponse, StoredStatus, User,
};
use facts::{Gathered, Sighting, gather, invalid};

/// How many records one save may link.
const MAX_LINKS: usize = 50;
/// The longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The item's context for `caller`: the verdicts, the CRM event and the status they may see.
pub async fn context(state: &AppState, caller: &Caller, item: &ItemRef) -> Result<ItemContext> {
    let gathered = gather(state, &caller.user, item).await?;
    context_of(state, &gathered).await
}

async fn context_of(state: &AppState, gathered: &Gathered) -> Result<ItemContext> {
    let store = state.store.as_ref();
    let tenant = store
        .tenant(&gathered.owner.tenant_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let resolution = &gathered.resolution;
    let status = match (gathered.ical_uid(), &gathered.sighting) {
        (Some(uid), _) if resolution.shows_item_status() => {
            store
                .item_status(&gathered.owner.tenant_id, &gathered.owner.id, uid)
                .await?
        }
        (None, Sighting::NotFound) => match &gathered.item_id {
            Some(id)
                if store
                    .pending_save(&gathered.owner.tenant_id, &gathered.owner.id, id)
                    .await? =>
            {
                Some(queued_status())
            }
            _ => None,
        },
        _ => None,
    };
    Ok(ItemContext {
        owner: Person {
            mailbox: gathered.owner.mailbox.clone(),
            display_name: gathered.owner.display_name.clone(),
        },
        permissions: ResolveResponse::from(resolution.clone()),
        crm_event: gathered
            .event
            .as_ref()
            .filter(|e| !e.deleted && resolution.shows_crm_event())
            .map(crm_event),
        status: item_status(status.as_ref()),
        crm_category: CrmCategory {
            name: tenant.crm_category_name,
            color: tenant.crm_category_color,
        },
        notice: gathered.notice.clone(),
    })
}

/// Saves the item to the CRM: `(status, JSON body)`, replayed as first given under the same key.
pub async fn save(
    state: &AppState,
    caller: &Caller,
    request: &SaveItemRequest,
    idempotency_key: Option<&str>,
) -> Result<StoredResponse> {
    let store = state.store.as_ref();
    let key = idempotency_key
        .map(|key| idempotency(key, request))
        .transpose()?;
    if let Some(key) = &key {
        match store
            .check_idempotency(caller.tenant_id(), &caller.user.id, key)
            .await?
        {
            Some(Idempotent::Replayed(response)) => return Ok(response),
            Some(Idempotent::KeyReused) => return Err(ApiError::IdempotencyKeyReused),
            Some(Idempotent::Fresh(_)) | None => {}
        }
    }
    let links = unique_links(&request.link_record_ids)?;
    if request.item.item_id.is_none() {
        return Err(invalid(
            "item.itemId",
            "save the meeting in Outlook first: a meeting without an id is not in the calendar",
        ));
    }
    let gathered = gather(state, &caller.user, &request.item).await?;
    let mut audit = audit(&caller.user, &gathered, "items.save");
    if let Verdict::Refused(reason) = gathered.resolution.actions[&Action::SaveToCrm] {
        return refuse(state, audit, key.as_ref(), ApiError::Refused(reason)).await;
    }
    let visible = store
        .visible_records(caller.tenant_id(), &caller.user.id, &links)
        .await?;
    if visible.len() != links.len() {
        let error = ApiError::NotFoundField {
            field: "linkRecordIds".into(),
            message: "a CRM record to link does not exist or is not one you may see".into(),
        };
        audit.detail = Some("a record to link is unknown to the caller".into());
        return refuse(state, audit, key.as_ref(), error).await;
    }
    let tenant = store
        .tenant(caller.tenant_id())
        .await?
        .ok_or(ApiError::NotFound)?;
    let cmd = match &gathered.sighting {
        Sighting::Seen(event) => {
            let (Some(ical_uid), Some(write)) = (event.ical_uid(), event.to_write()) else {
                // Graph hid the item's details (a private item): the rules refused it above.
                return refuse(
                    state,
                    audit,
                    key.as_ref(),
                    ApiError::Refused(Reason::PrivateItem),
                )
                .await;
            };
            // The first save waits for the next sync session when insta-sync is off; updates
            // of an existing CRM event go straight through.
            let queue = (gathered.event.is_none() && !tenant.insta_sync).then(|| QueueWrite {
                payload: serde_json::to_string(request).unwrap_or_default(),
                item_id: None,
            });
            SaveCommand {
                tenant_id: caller.tenant_id().to_owned(),
                actor_id: caller.user.id.clone(),
                organizer_id: gathered.owner.id.clone(),
                ical_uid: ical_uid.to_owned(),
                graph_event_id: Some(event.id.clone()),
                event: write,
                event_type: event.event_type().to_owned(),
                series_master_graph_id: event.series_master_id.clone(),
                link_record_ids: links,
                queue,
                idempotency: key.clone(),
                outbox_id: None,
            }
        }
        // Not in the calendar yet: the save waits for the item (the rules allowed it for a
        // meeting the user creates; they are applied again on Graph's facts when it appears).
        Sighting::NotFound => SaveCommand {
            tenant_id: caller.tenant_id().to_owned(),
            actor_id: caller.user.id.clone(),
            organizer_id: gathered.owner.id.clone(),
            ical_uid: String::new(),
            graph_event_id: None,
            event: placeholder_write(),
            event_type: "singleInstance".into(),
            series_master_graph_id: None,
            link_record_ids: links,
            queue: Some(QueueWrite {
                payload: serde_json::to_string(request).unwrap_or_default(),
                item_id: gathered.item_id.clone(),
            }),
            idempotency: key.clone(),
            outbox_id: None,
        },
        Sighting::New | Sighting::Denied => {
            return refuse(
                state,
                audit,
                key.as_ref(),
                ApiError::Refused(Reason::NoCalendarAccess),
            )
            .await;
        }
    };
    let queued = cmd.queue.is_some();
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
        Ok(Idempotent::Fresh(response) | Idempotent::Replayed(response)) => Ok(response),
        Ok(Idempotent::KeyReused) => Err(ApiError::IdempotencyKeyReused),
        Err(StoreError::Deleted) => Err(ApiError::Refused(Reason::CrmNoAccess)),
        Err(error) => Err(error.into()),
    }
}

/// How a queued save ended when a sync session tried it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueuedOutcome {
    Written,
    /// The rules refuse it now (a delegation was removed, the CRM event deleted…): dropped,
    /// with the refusal audited.
    Refused,
    /// The item is not in the calendar yet, or the requester cannot be asked now: kept.
    Waiting,
}

/// Carries out a save the outbox held, for the Organizer's sync session: the facts are
/// gathered again with the requester's own token and the rules applied again, then it is
/// written (its outbox row removed in the same transaction), refused (removed, audited) or left
/// waiting.
pub async fn carry_out_queued(
    state: &AppState,
    organizer: &User,
    queued: &QueuedSave,
) -> Result<QueuedOutcome> {
    let store = state.store.as_ref();
    let Ok(request) = serde_json::from_str::<SaveItemRequest>(&queued.payload) else {
        store
            .drop_queued_save(&organizer.tenant_id, &queued.id, None)
            .await?;
        return Ok(QueuedOutcome::Refused);
    };
    let Some(requester) = store
        .user(&organizer.tenant_id, &queued.requested_by_id)
        .await?
    else {
        store
            .drop_queued_save(&organizer.tenant_id, &queued.id, None)
            .await?;
        return Ok(QueuedOutcome::Refused);
    };
    let gathered = match gather(state, &requester, &request.item).await {
        Ok(gathered) => gathered,
        Err(ApiError::NeedsReconnect | ApiError::GraphUnavailable | ApiError::Unavailable(_)) => {
            return Ok(QueuedOutcome::Waiting);
        }
        Err(error) => return Err(error),
    };
    let mut audit = audit(&requester, &gathered, "items.save");
    let event = match (
        &gathered.sighting,
        gathered.resolution.actions[&Action::SaveToCrm],
    ) {
        (Sighting::NotFound, _) => return Ok(QueuedOutcome::Waiting),
        (Sighting::Seen(event), Verdict::Allowed) => event,
        (_, verdict) => {
            audit.reason = verdict.reason().map(|r| r.code().to_owned());
            audit.detail = Some("a queued save refused when carried out".into());
            store
                .drop_queued_save(&organizer.tenant_id, &queued.id, Some(&audit))
                .await?;
            return Ok(QueuedOutcome::Refused);
        }
    };
    let (Some(ical_uid), Some(write)) = (event.ical_uid(), event.to_write()) else {
        return Ok(QueuedOutcome::Waiting);
    };
    let links = unique_links(&request.link_record_ids).unwrap_or_default();
    let visible = store
        .visible_records(&organizer.tenant_id, &requester.id, &links)
        .await?;
    let cmd = SaveCommand {
        tenant_id: organizer.tenant_id.clone(),
        actor_id: requester.id.clone(),
        organizer_id: organizer.id.clone(),
        ical_uid: ical_uid.to_owned(),
        graph_event_id: Some(event.id.clone()),
        event: write,
        event_type: event.event_type().to_owned(),
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
            store
                .drop_queued_save(&organizer.tenant_id, &queued.id, None)
                .await?;
            Ok(QueuedOutcome::Refused)
        }
        Err(error) => Err(error.into()),
    }
}

/// Removes one record from the item's CRM event, or detaches the item from it; the context
/// after the change.
pub async fn unlink(
    state: &AppState,
    caller: &Caller,
    request: &UnlinkRequest,
) -> Result<ItemContext> {
    let store = state.store.as_ref();
    let gathered = gather(state, &caller.user, &request.item).await?;
    let mut audit = audit(&caller.user, &gathered, "items.unlink");
    if let Verdict::Refused(reason) = gathered.resolution.actions[&Action::UnlinkFromCrm] {
        return refuse(state, audit, None, ApiError::Refused(reason)).await;
    }
    let (Some(event), Some(ical_uid)) = (gathered.event.as_ref(), gathered.ical_uid()) else {
        return Err(ApiError::Refused(Reason::NotFound));
    };
    audit.allowed = true;
    match &request.record_id {
        Some(record_id) => {
            let record_id: String = record_id.chars().take(256).collect();
            audit.detail = Some(format!("record {record_id}"));
            let removed = store
                .unlink_record(caller.tenant_id(), &event.id, &record_id, &audit)
                .await?;
            if !removed {
                return Err(ApiError::NotFoundField {
                    field: "recordId".into(),
                    message: "this record is not linked to this CRM event".into(),
                });
            }
        }
        None => {
            audit.detail = Some("item detached; the CRM event stays".to_owned());
            store
                .detach_item(
                    caller.tenant_id(),
                    &gathered.owner.id,
                    ical_uid,
                    &event.id,
                    &audit,
                )
                .await?;
        }
    }
    context(state, caller, &request.item).await
}

/// The item's sync status, for those who may see the item's details (else "not found").
pub async fn status(state: &AppState, caller: &Caller, item: &ItemRef) -> Result<ItemStatus> {
    let gathered = gather(state, &caller.user, item).await?;
    let context = context_of(state, &gathered).await?;
    if !gathered.resolution.shows_item_status() {
        return Err(ApiError::NotFound);
    }
    Ok(context.status)
}

/// Gives the item the CRM category through Graph, with the Organizer's connection (Outlook on
/// the web and the new Outlook cannot change categories from the pane in compose mode; a
/// delegate cannot add to the Organizer's category list). The next sync session — started at
/// once — brings it into the CRM.
pub async fn categorize(state: &AppState, caller: &Caller, item: &ItemRef) -> Result<ItemContext> {
    let gathered = gather(state, &caller.user, item).await?;
    let mut audit = audit(&caller.user, &gathered, "items.categorize");
    if let Verdict::Refused(reason) = gathered.resolution.actions[&Action::CategorizeForSync] {
        return refuse(state, audit, None, ApiError::Refused(reason)).await;
    }
    let Some(event) = gathered.event_seen() else {
        return Err(invalid(
            "item.itemId",
            "save the meeting in Outlook first: only a saved meeting carries categories",
        ));
    };
    let owner = &gathered.owner;
    let tenant = state
        .store
        .tenant(&owner.tenant_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let token = facts::own_token(state, owner).await?;
    let graph = state.graph()?;
    let name = tenant.crm_category_name.clone();
    let in_list = graph
        .master_categories(&token, &owner.id)
        .await
        .map_err(graph_failure)?
        .iter()
        .any(|c| c.display_name.trim().eq_ignore_ascii_case(name.trim()));
    if !in_list {
        graph
            .create_master_category(&token, &owner.id, &name, &tenant.crm_category_color)
            .await
            .map_err(graph_failure)?;
    }
    let mut categories = graph
        .event_categories(&token, &owner.id, &event.id)
        .await
        .map_err(graph_failure)?;
    if !categories
        .iter()
        .any(|c| c.trim().eq_ignore_ascii_case(name.trim()))
    {
        categories.push(name);
        graph
            .write_categories(&token, &owner.id, &event.id, &categories)
            .await
            .map_err(graph_failure)?;
    }
    audit.allowed = true;
    state.store.append_audit(&audit).await?;
    state
        .sync
        .schedule(state, &owner.tenant_id, &owner.id)
        .await?;
    state
        .store
        .request_sync(&owner.tenant_id, &owner.id)
        .await?;
    state.sync.wake();
    context(state, caller, item).await
}

fn graph_failure(error: GraphError) -> ApiError {
    match error {
        GraphError::Unauthorized => ApiError::NeedsReconnect,
        GraphError::Forbidden { .. } | GraphError::NotFound { .. } => {
            ApiError::Refused(Reason::NoCalendarAccess)
        }
        other => {
            tracing::warn!(error = %other, "a category write through Graph failed");
            ApiError::GraphUnavailable
        }
    }
}

/// Writes the refusal (and its answer under the key) and answers with the error.
async fn refuse<T>(
    state: &AppState,
    mut audit: AuditEntry,
    key: Option<&IdempotencyKey>,
    error: ApiError,
) -> Result<T> {
    audit.allowed = false;
    audit.reason = Some(
        serde_json::to_value(error.body().code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
    );
    let response = StoredResponse {
        status: error.status().as_u16(),
        body: serde_json::to_string(&error.body()).unwrap_or_default(),
    };
    state
        .store
        .record_refusal(&audit, key.map(|k| (k, &response)))
        .await?;
    Err(error)
}

fn audit(actor: &User, gathered: &Gathered, action: &str) -> AuditEntry {
    AuditEntry {
        tenant_id: actor.tenant_id.clone(),
        actor_id: actor.id.clone(),
        on_behalf_of_id: (gathered.owner.id != actor.id).then(|| gathered.owner.id.clone()),
        action: action.to_owned(),
        target: gathered.target(),
        allowed: false,
        reason: None,
        detail: None,
    }
}

/// The records to link, each once. The count is bounded before any work that grows with it.
fn unique_links(ids: &[String]) -> Result<Vec<String>> {
    let too_many = || {
        invalid(
            "linkRecordIds",
            format!("link at most {MAX_LINKS} records at once"),
        )
    };
    if ids.len() > MAX_LINKS * 4 {
        return Err(too_many());
    }
    let mut seen = HashSet::with_capacity(ids.len());
    let unique: Vec<String> = ids
        .iter()
        .filter(|id| seen.insert(id.as_str()))
        .cloned()
        .collect();
    if unique.len() > MAX_LINKS {
        return Err(too_many());
    }
    if unique.iter().any(|id| id.is_empty() || id.len() > 256) {
        return Err(invalid(
            "linkRecordIds",
            "a record id is 1 to 256 characters",
        ));
    }
    Ok(unique)
}

fn idempotency(key: &str, request: &SaveItemRequest) -> Result<IdempotencyKey> {
    if key.is_empty()
        || key.len() > MAX_IDEMPOTENCY_KEY
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(invalid(
            "Idempotency-Key",
            format!("must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
        ));
    }
    let canonical = serde_json::to_vec(request).unwrap_or_default();
    Ok(IdempotencyKey {
        key: key.to_owned(),
        request_hash: hex(&Sha256::digest(&canonical)),
    })
}

/// The event fields of a save that waits for its item (nothing of it is written).
fn placeholder_write() -> crate::store::model::EventWrite {
    crate::store::model::EventWrite {
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

fn crm_event(event: &StoredEvent) -> CrmEvent {
    let (start, end, is_all_day) = match &event.write.time {
        EventTime::Timed { start_ms, end_ms } => {
            (to_rfc3339(*start_ms), to_rfc3339(*end_ms), false)
        }
        EventTime::AllDay {
            start_date,
            end_date,
        } => (start_date.clone(), end_date.clone(), true),
    };
    CrmEvent {
        id: event.id.clone(),
        subject: event.write.subject.clone(),
        start,
        end,
        time_zone: event.write.time_zone.clone(),
        is_all_day,
        location: event.write.location.clone(),
        attendees: event.write.attendees.clone(),
        is_private: event.write.is_private,
        cancelled: event.cancelled,
        organizer: event.organizer_mailbox.clone(),
        created_by: event.created_by_mailbox.clone(),
        modified_by: event.modified_by_mailbox.clone(),
        records: event.records.clone(),
    }
}

fn queued_status() -> StoredStatus {
    StoredStatus {
        state: "queued".into(),
        synced_at_ms: None,
        error_code: None,
        error_message: None,
    }
}

fn item_status(status: Option<&StoredStatus>) -> ItemStatus {
    let Some(status) = status else {
        return ItemStatus {
            state: SyncState::NotSynced,
            synced_at: None,
            error_code: None,
            error_message: None,
        };
    };
    ItemStatus {
        state: match status.state.as_str() {
            "queued" => SyncState::Queued,
            "synced" => SyncState::Synced,
            _ => SyncState::Failed,
        },
        synced_at: status.synced_at_ms.map(to_rfc3339),
        error_code: status.error_code.clone(),
        error_message: status.error_message.clone(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

    #[test]
    fn a_queued_save_reads_as_queued() {
        assert_eq!(item_status(Some(&queued_status())).state, SyncState::Queued);
        assert_eq!(item_status(None).state, SyncState::NotSynced);
    }
}
