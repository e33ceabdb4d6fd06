//! Fixtures of the store suites (`tests/store*.rs`): a tenant, users by id, a save command, an
//! audit line, a stored answer.

use liaison_server::store::{
    self, AuditAction, AuditEntry, EventTime, EventType, EventWrite, IdempotencyKey, SaveCommand,
    StoredResponse, TenantId, UserId,
};

/// The tenant the store stories write in.
pub const T: &str = "tenant-a";

pub fn uid(id: &str) -> UserId {
    UserId::new(id)
}

pub fn save(actor: &str, ical_uid: &str, key: Option<&str>) -> SaveCommand {
    SaveCommand {
        tenant_id: TenantId::new(T),
        actor_id: uid(actor),
        organizer_id: uid("olga"),
        ical_uid: ical_uid.into(),
        graph_event_id: Some(format!("graph-{ical_uid}")),
        event: EventWrite {
            subject: "Review".into(),
            time: EventTime::Timed {
                start_ms: 1_795_420_800_000,
                end_ms: 1_795_424_400_000,
            },
            time_zone: "Europe/Paris".into(),
            location: String::new(),
            attendees: vec!["nancy@northwind.example".into()],
            is_private: false,
        },
        event_type: EventType::SingleInstance,
        series_master_graph_id: None,
        link_addresses: Vec::new(),
        link_record_ids: vec!["r1".into()],
        queue: None,
        idempotency: key.map(|k| IdempotencyKey {
            key: k.into(),
            request_hash: "hash-1".into(),
        }),
        outbox_id: None,
    }
}

/// A save of `actor`'s queued in the outbox (insta-sync off), for the item `item_id` if known.
pub fn queued_save(actor: &str, ical_uid: &str, item_id: Option<&str>) -> SaveCommand {
    SaveCommand {
        queue: Some(store::QueueWrite {
            payload: "{}".into(),
            item_id: item_id.map(str::to_owned),
        }),
        ..save(actor, ical_uid, None)
    }
}

pub fn audit(actor: &str) -> AuditEntry {
    AuditEntry {
        tenant_id: TenantId::new(T),
        actor_id: uid(actor),
        on_behalf_of_id: Some(uid("olga")),
        action: AuditAction::ItemSave,
        target: "olga@a.example/uid".into(),
        allowed: true,
        reason: None,
        detail: None,
    }
}

pub fn ok_response(_: Option<&store::StoredEvent>, _: &store::StoredStatus) -> StoredResponse {
    StoredResponse {
        status: 200,
        body: "{\"saved\":true}".into(),
    }
}
