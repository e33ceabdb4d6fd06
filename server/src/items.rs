//! The sidebar's work on a calendar item: its CRM context, saving it, unlinking it.
//!
//! The server gathers the facts itself — the delegate access it verified, the Organizer's
//! sync, the CRM event and the delegate's CRM rights — and lets `liaison_domain::permissions`
//! decide. The client's Office.js bits can only lower the verified access. Every refusal is
//! written to the audit log; every allowed change too, in the same transaction as the change.

use liaison_domain::api::{
    CrmCategory, CrmEvent, EventDetails, ItemContext, ItemRef, ItemStatus, Person, ResolveResponse,
    SaveItemRequest, SaveItemResponse, SaveOutcome, SyncState, UnlinkRequest,
};
use liaison_domain::permissions::{
    AccessSource, Action, CrmFacts, Facts, ItemFacts, OfficeBits, Resolution, Verdict, resolve,
    sources_conflict,
};
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::error::{ApiError, Result};
use crate::instant::{from_rfc3339, to_rfc3339};
use crate::store::Store;
use crate::store::model::{
    AuditEntry, EventTime, EventWrite, IdempotencyKey, Idempotent, QueuedSave, SaveCommand, Share,
    StoredEvent, StoredResponse, StoredStatus, User,
};

/// The longest `iCalUId` accepted (Exchange's are about 100 characters).
const MAX_ICAL_UID: usize = 1024;
/// How many records one save may link.
const MAX_LINKS: usize = 50;
/// The longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// An item with everything the rules need, gathered by the server.
struct Item {
    owner: User,
    event: Option<StoredEvent>,
    resolution: Resolution,
}

impl Item {
    fn verdict(&self, action: Action) -> Verdict {
        self.resolution.actions[&action]
    }

    fn target(&self, ical_uid: &str) -> String {
        format!("{}/{ical_uid}", self.owner.mailbox)
    }
}

/// `POST /api/items/context`
pub async fn context(store: &dyn Store, caller: &Caller, item: &ItemRef) -> Result<ItemContext> {
    let loaded = load(store, caller, item).await?;
    let status = store
        .item_status(caller.tenant_id(), &loaded.owner.id, &item.ical_uid)
        .await?;
    let tenant = store
        .tenant(caller.tenant_id())
        .await?
        .ok_or(ApiError::NotFound)?;
    let category = CrmCategory {
        name: tenant.crm_category_name,
        color: tenant.crm_category_color,
    };
    Ok(item_context(&loaded, status.as_ref(), category))
}

/// `POST /api/items/save`: `(status, JSON body)`, replayed as first given under the same key.
pub async fn save(
    store: &dyn Store,
    caller: &Caller,
    request: &SaveItemRequest,
    idempotency_key: Option<&str>,
) -> Result<StoredResponse> {
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
    let event = event_write(&request.event, request.item.is_private)?;
    let links = unique(&request.link_record_ids);
    if links.len() > MAX_LINKS {
        return Err(invalid(
            "linkRecordIds",
            format!("link at most {MAX_LINKS} records at once"),
        ));
    }
    let item = load(store, caller, &request.item).await?;
    let mut audit = audit(caller, &item, "items.save", &request.item.ical_uid);
    if let Verdict::Refused(reason) = item.verdict(Action::SaveToCrm) {
        return refuse(store, audit, key.as_ref(), ApiError::Refused(reason)).await;
    }
    let visible = store
        .visible_records(caller.tenant_id(), &caller.user.id, &links)
        .await?;
    if visible.len() != links.len() {
        let missing = links
            .iter()
            .find(|id| !visible.iter().any(|r| &r.id == *id))
            .cloned()
            .unwrap_or_default();
        let error = ApiError::NotFoundField {
            field: "linkRecordIds".into(),
            message: format!("no CRM record {missing} that you may see"),
        };
        audit.detail = Some(format!("unknown record {missing}"));
        return refuse(store, audit, key.as_ref(), error).await;
    }
    let tenant = store
        .tenant(caller.tenant_id())
        .await?
        .ok_or(ApiError::NotFound)?;
    // The first save waits for the next sync session when insta-sync is off; updates of an
    // existing CRM event go straight through.
    let queue = item.event.is_none() && !tenant.insta_sync;
    let cmd = SaveCommand {
        tenant_id: caller.tenant_id().to_owned(),
        actor_id: caller.user.id.clone(),
        organizer_id: item.owner.id.clone(),
        ical_uid: request.item.ical_uid.clone(),
        graph_event_id: request.item.graph_event_id.clone(),
        event,
        link_record_ids: links,
        queue_payload: queue.then(|| serde_json::to_string(request).unwrap_or_default()),
        idempotency: key.clone(),
        outbox_id: None,
    };
    audit.allowed = true;
    audit.detail = Some(if queue { "queued" } else { "synced" }.to_owned());
    let outcome = if queue {
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
    match store.save_item(&cmd, &audit, &respond).await? {
        Idempotent::Fresh(response) | Idempotent::Replayed(response) => Ok(response),
        Idempotent::KeyReused => Err(ApiError::IdempotencyKeyReused),
    }
}

/// Carries out a save the outbox held, for the Organizer's sync session: written as the
/// requester asked (the rules were applied when it was accepted), its outbox row removed in
/// the same transaction, audited under the requester on the Organizer's behalf.
pub async fn carry_out_queued(
    store: &dyn Store,
    organizer: &User,
    queued: &QueuedSave,
) -> Result<()> {
    let request: SaveItemRequest = serde_json::from_str(&queued.payload)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("a queued save cannot be read: {e}")))?;
    let event = event_write(&request.event, request.item.is_private)?;
    let cmd = SaveCommand {
        tenant_id: organizer.tenant_id.clone(),
        actor_id: queued.requested_by_id.clone(),
        organizer_id: organizer.id.clone(),
        ical_uid: request.item.ical_uid.clone(),
        graph_event_id: request.item.graph_event_id.clone(),
        event,
        link_record_ids: unique(&request.link_record_ids),
        queue_payload: None,
        idempotency: None,
        outbox_id: Some(queued.id.clone()),
    };
    let audit = AuditEntry {
        tenant_id: organizer.tenant_id.clone(),
        actor_id: queued.requested_by_id.clone(),
        on_behalf_of_id: (queued.requested_by_id != organizer.id).then(|| organizer.id.clone()),
        action: "items.save".to_owned(),
        target: format!("{}/{}", organizer.mailbox, request.item.ical_uid),
        allowed: true,
        reason: None,
        detail: Some("queued save written by the sync session".to_owned()),
    };
    let respond = |_: Option<&StoredEvent>, _: &StoredStatus| StoredResponse {
        status: 200,
        body: String::new(),
    };
    store.save_item(&cmd, &audit, &respond).await?;
    Ok(())
}

/// `POST /api/items/unlink`: the item's context after the change.
pub async fn unlink(
    store: &dyn Store,
    caller: &Caller,
    request: &UnlinkRequest,
) -> Result<ItemContext> {
    let item = load(store, caller, &request.item).await?;
    let ical_uid = &request.item.ical_uid;
    let mut audit = audit(caller, &item, "items.unlink", ical_uid);
    if let Verdict::Refused(reason) = item.verdict(Action::UnlinkFromCrm) {
        return refuse(store, audit, None, ApiError::Refused(reason)).await;
    }
    let event = item.event.as_ref().ok_or(ApiError::Refused(
        liaison_domain::permissions::Reason::NotFound,
    ))?;
    audit.allowed = true;
    match &request.record_id {
        Some(record_id) => {
            audit.detail = Some(format!("record {record_id}"));
            let removed = store
                .unlink_record(caller.tenant_id(), &event.id, record_id, &audit)
                .await?;
            if !removed {
                return Err(ApiError::NotFoundField {
                    field: "recordId".into(),
                    message: format!("record {record_id} is not linked to this CRM event"),
                });
            }
        }
        None => {
            audit.detail = Some("item detached; the CRM event stays".to_owned());
            store
                .detach_item(
                    caller.tenant_id(),
                    &item.owner.id,
                    ical_uid,
                    &event.id,
                    &audit,
                )
                .await?;
        }
    }
    context(store, caller, &request.item).await
}

/// `GET /api/items/status`: the item's sync status, for anyone who may see the calendar.
pub async fn status(
    store: &dyn Store,
    caller: &Caller,
    owner: &str,
    ical_uid: &str,
) -> Result<ItemStatus> {
    let owner = owner_in_tenant(store, caller, owner).await?;
    let may_see = owner.id == caller.user.id
        || store
            .delegation(caller.tenant_id(), &owner.id, &caller.user.id)
            .await?
            .is_some_and(|d| d.calendar_bits & OfficeBits::READ != 0 || d.send_on_behalf);
    if !may_see {
        return Err(ApiError::NotFound);
    }
    let status = store
        .item_status(caller.tenant_id(), &owner.id, ical_uid)
        .await?;
    Ok(item_status(status.as_ref()))
}

/// Writes the refusal (and its answer under the key) and answers with the error.
async fn refuse<T>(
    store: &dyn Store,
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
    store
        .record_refusal(&audit, key.map(|k| (k, &response)))
        .await?;
    Err(error)
}

/// Gathers the facts about `item` for `caller` and applies the rules.
async fn load(store: &dyn Store, caller: &Caller, item: &ItemRef) -> Result<Item> {
    if item.ical_uid.trim().is_empty() || item.ical_uid.len() > MAX_ICAL_UID {
        return Err(invalid("item.icalUid", "must be the item's iCalUId"));
    }
    let client_bits = item
        .office_delegate_permissions
        .map(|bits| {
            OfficeBits::new(bits).ok_or_else(|| {
                invalid(
                    "item.officeDelegatePermissions",
                    "DelegatePermissions is a bit set from 0 to 63",
                )
            })
        })
        .transpose()?;
    let owner = owner_in_tenant(store, caller, &item.owner).await?;
    let is_owner = owner.id == caller.user.id;
    let tenant = caller.tenant_id();
    let delegation = if is_owner {
        None
    } else {
        store.delegation(tenant, &owner.id, &caller.user.id).await?
    };
    // The server's verified access first; the client's bits only ever add a lower bound. With
    // nothing verified there is no access at all, whatever the client says.
    let mut access = Vec::new();
    if let Some(delegation) = &delegation {
        access.push(AccessSource::Office(OfficeBits::masked(
            delegation.calendar_bits,
        )));
        access.extend(client_bits.map(AccessSource::Office));
    }
    if sources_conflict(&access) {
        tracing::warn!(
            tenant.id = tenant,
            delegate.id = %caller.user.id,
            owner.id = %owner.id,
            "the client's delegate permissions differ from the verified ones; using the lower"
        );
    }
    let event = store.find_event(tenant, &owner.id, &item.ical_uid).await?;
    let crm_share = if is_owner {
        Some(Share::Edit)
    } else {
        store
            .crm_calendar_share(tenant, &owner.id, &caller.user.id)
            .await?
    };
    let facts = Facts {
        is_owner,
        owner: owner.mailbox.clone(),
        access,
        can_view_private_items: delegation.is_some_and(|d| d.can_view_private),
        send_on_behalf: delegation.is_some_and(|d| d.send_on_behalf),
        item: ItemFacts {
            mode: item.mode,
            created_by: item.created_by,
            is_private: item.is_private,
            is_inbound_invite: item.is_inbound_invite,
        },
        organizer_sync_enabled: owner.sync_enabled,
        crm: CrmFacts {
            event_exists: event.is_some(),
            delegate_access: Share::crm_access(crm_share),
        },
    };
    let resolution = resolve(&facts);
    Ok(Item {
        owner,
        event,
        resolution,
    })
}

/// The owner named by mailbox, in the caller's tenant only: another tenant's is "not found",
/// and the attempt is audited (it may be a probe across tenants).
async fn owner_in_tenant(store: &dyn Store, caller: &Caller, mailbox: &str) -> Result<User> {
    if let Some(owner) = store.user_by_mailbox(caller.tenant_id(), mailbox).await? {
        return Ok(owner);
    }
    store
        .append_audit(&AuditEntry {
            tenant_id: caller.tenant_id().to_owned(),
            actor_id: caller.user.id.clone(),
            on_behalf_of_id: None,
            action: "items.owner".to_owned(),
            target: mailbox.chars().take(320).collect(),
            allowed: false,
            reason: Some("not_found".to_owned()),
            detail: Some("no such mailbox in the caller's tenant".to_owned()),
        })
        .await?;
    Err(ApiError::NotFoundField {
        field: "item.owner".into(),
        message: "no such mailbox in your organization".into(),
    })
}

fn item_context(
    item: &Item,
    status: Option<&StoredStatus>,
    crm_category: CrmCategory,
) -> ItemContext {
    let may_see_event = item.verdict(Action::ViewDetails).is_allowed()
        && item.resolution.actions[&Action::UpdateCrmEvent].reason()
            != Some(liaison_domain::permissions::Reason::CrmNoAccess);
    ItemContext {
        owner: Person {
            mailbox: item.owner.mailbox.clone(),
            display_name: item.owner.display_name.clone(),
        },
        permissions: ResolveResponse::from(item.resolution.clone()),
        crm_event: item.event.as_ref().filter(|_| may_see_event).map(crm_event),
        status: item_status(status),
        crm_category,
    }
}

fn audit(caller: &Caller, item: &Item, action: &str, ical_uid: &str) -> AuditEntry {
    AuditEntry {
        tenant_id: caller.tenant_id().to_owned(),
        actor_id: caller.user.id.clone(),
        on_behalf_of_id: (item.owner.id != caller.user.id).then(|| item.owner.id.clone()),
        action: action.to_owned(),
        target: item.target(ical_uid),
        allowed: false,
        reason: None,
        detail: None,
    }
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

fn event_write(details: &EventDetails, is_private: bool) -> Result<EventWrite> {
    if details.subject.chars().count() > 1000 {
        return Err(invalid("event.subject", "at most 1000 characters"));
    }
    if details.time_zone.trim().is_empty() || details.time_zone.len() > 100 {
        return Err(invalid("event.timeZone", "must name the event's time zone"));
    }
    let time = if details.is_all_day {
        let date = |field: &str, text: &str| {
            time::Date::parse(
                text,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map(|_| text.to_owned())
            .map_err(|_| invalid(field, "must be a date such as 2026-11-23"))
        };
        let (start_date, end_date) = (
            date("event.start", &details.start)?,
            date("event.end", &details.end)?,
        );
        if end_date < start_date {
            return Err(invalid("event.end", "must not be before the start"));
        }
        EventTime::AllDay {
            start_date,
            end_date,
        }
    } else {
        let instant = |field: &str, text: &str| {
            from_rfc3339(text).ok_or_else(|| {
                invalid(
                    field,
                    "must be an RFC 3339 time such as 2026-11-23T09:00:00Z",
                )
            })
        };
        let (start_ms, end_ms) = (
            instant("event.start", &details.start)?,
            instant("event.end", &details.end)?,
        );
        if end_ms < start_ms {
            return Err(invalid("event.end", "must not be before the start"));
        }
        EventTime::Timed { start_ms, end_ms }
    };
    Ok(EventWrite {
        subject: details.subject.clone(),
        time,
        time_zone: details.time_zone.clone(),
        location: details.location.chars().take(1000).collect(),
        is_private,
    })
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
        is_private: event.write.is_private,
        cancelled: event.cancelled,
        organizer: event.organizer_mailbox.clone(),
        created_by: event.created_by_mailbox.clone(),
        modified_by: event.modified_by_mailbox.clone(),
        records: event.records.clone(),
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

fn unique(ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    out
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        code: liaison_domain::api::ErrorCode::InvalidValue,
        message: message.into(),
        field: Some(field.to_owned()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(start: &str, end: &str, all_day: bool) -> EventDetails {
        EventDetails {
            subject: "Quarterly review".into(),
            start: start.into(),
            end: end.into(),
            time_zone: "Europe/Paris".into(),
            is_all_day: all_day,
            location: String::new(),
        }
    }

    #[test]
    fn timed_events_are_stored_as_utc_instants_with_their_zone() {
        let write = event_write(
            &details(
                "2026-11-23T09:00:00+01:00",
                "2026-11-23T10:00:00+01:00",
                false,
            ),
            false,
        )
        .unwrap();
        assert_eq!(
            write.time,
            EventTime::Timed {
                start_ms: 1_795_420_800_000,
                end_ms: 1_795_424_400_000
            }
        );
        assert_eq!(to_rfc3339(1_795_420_800_000), "2026-11-23T08:00:00Z");
        assert_eq!(write.time_zone, "Europe/Paris");
    }

    #[test]
    fn all_day_events_are_stored_as_dates() {
        let write = event_write(&details("2026-11-23", "2026-11-24", true), false).unwrap();
        assert_eq!(
            write.time,
            EventTime::AllDay {
                start_date: "2026-11-23".into(),
                end_date: "2026-11-24".into()
            }
        );
    }

    #[test]
    fn bad_times_name_their_field() {
        for (start, end, all_day, field) in [
            ("tomorrow", "2026-11-23T10:00:00Z", false, "event.start"),
            (
                "2026-11-23T10:00:00Z",
                "2026-11-23T09:00:00Z",
                false,
                "event.end",
            ),
            ("2026-11-23T10:00:00Z", "2026-11-24", true, "event.start"),
        ] {
            let Err(ApiError::BadRequest { field: Some(f), .. }) =
                event_write(&details(start, end, all_day), false)
            else {
                panic!("{start} {end} must be refused")
            };
            assert_eq!(f, field);
        }
    }
}
