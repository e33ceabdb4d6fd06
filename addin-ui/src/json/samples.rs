//! One sample of every answer the pane reads from the server, with its optional parts present
//! and absent and its fields holding values that differ from each other, so a field read in
//! another's place shows. The browser tests read them with `JSON.parse`, the native tests as
//! `serde_json::Value` beside serde_json's own reading.

use std::fmt::Debug;

use liaison_domain::api::{
    Attendee, BookingCalendars, ConnectionState, Connections, CrmCategory, CrmEvent, CrmRecord,
    ErrorBody, ErrorCode, FreeSlots, Health, HealthStatus, ItemContext, ItemStatus, Me, Person,
    RecordKind, RecordPage, ResolveRequest, ResolveResponse, SaveItemResponse, SaveOutcome,
    SessionGrant, Slot, SyncReport, SyncRun, SyncState,
};
use liaison_domain::permissions::resolve;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What a test does with one answer.
pub trait Check {
    fn answer<T: Serialize + DeserializeOwned + PartialEq + Debug>(&mut self, value: &T);
}

/// Hands `check` every answer the pane reads.
pub fn every_answer(check: &mut impl Check) {
    let permissions = permissions();
    check.answer(&permissions);
    check.answer(&me());
    let status = ItemStatus {
        state: SyncState::Failed,
        synced_at: Some("2026-11-30T08:00:00Z".into()),
        error_code: Some("graph_unavailable".into()),
        error_message: Some("Graph did not answer".into()),
    };
    let context = ItemContext {
        owner: Person {
            mailbox: "olga@contoso.com".into(),
            display_name: "Olga Žukauskienė".into(),
        },
        permissions: permissions.clone(),
        crm_event: Some(event()),
        status: status.clone(),
        crm_category: CrmCategory {
            name: "CRM".into(),
            color: "Preset7".into(),
        },
        notice: Some("Olga's sync is off".into()),
        item_id: Some("AAkALgAA-found_id=".into()),
        attendees: vec![
            Attendee {
                address: "olga@contoso.com".into(),
                name: "Olga Žukauskienė".into(),
                is_organizer: true,
                record: None,
            },
            Attendee {
                address: "ada@analytical.example".into(),
                name: "Ada".into(),
                is_organizer: false,
                record: event().records.first().cloned(),
            },
        ],
    };
    check.answer(&context);
    check.answer(&ItemContext {
        crm_event: None,
        notice: None,
        item_id: None,
        attendees: Vec::new(),
        status: ItemStatus {
            state: SyncState::NotSynced,
            synced_at: None,
            error_code: None,
            error_message: None,
        },
        ..context
    });
    check.answer(&SaveItemResponse {
        outcome: SaveOutcome::Queued,
        crm_event: Some(event()),
        status,
    });
    check.answer(&FreeSlots {
        slots: vec![Slot {
            start: "2026-12-08T09:00:00Z".into(),
            end: "2026-12-08T09:30:00Z".into(),
        }],
    });
    check.answer(&BookingCalendars {
        calendars: vec![Person {
            mailbox: "ann@contoso.com".into(),
            display_name: "Ann Editor".into(),
        }],
    });
    check.answer(&RecordPage {
        records: vec![record("r1", None)],
        next_cursor: Some("c2".into()),
    });
    check.answer(&RecordPage {
        records: Vec::new(),
        next_cursor: None,
    });
    check.answer(&SessionGrant {
        token: "opaque".into(),
        expires_at_ms: 1_796_000_000_000,
        me: me(),
    });
    check.answer(&SyncRun {
        running: false,
        report: Some(SyncReport {
            full: true,
            graph_requests: 14,
            changed_items: 10_000,
            upserted: 9_998,
            cancelled: 1,
            unfollowed: 1,
            queued_saves_written: 0,
            categories_removed: u32::MAX,
        }),
    });
    check.answer(&Health {
        status: HealthStatus::Degraded,
        version: "0.1.0".into(),
        store: HealthStatus::Ok,
    });
    check.answer(&ErrorBody {
        code: ErrorCode::AuthorNotCreator,
        message: "Only the items you created".into(),
        field: Some("item.owner".into()),
    });
}

fn record(id: &str, email: Option<&str>) -> CrmRecord {
    CrmRecord {
        id: id.into(),
        kind: RecordKind::Opportunity,
        name: "Contoso \"renewal\" \u{1F4C5}".into(),
        email: email.map(str::to_owned),
        company: None,
    }
}

fn event() -> CrmEvent {
    CrmEvent {
        id: "0193-e".into(),
        subject: "Quarterly review\n(line two)".into(),
        start: "2026-12-01T09:00:00".into(),
        end: "2026-12-01T10:00:00".into(),
        time_zone: "W. Europe Standard Time".into(),
        is_all_day: false,
        location: String::new(),
        attendees: vec!["ann@contoso.com".into(), "bo@fabrikam.com".into()],
        is_private: true,
        cancelled: false,
        organizer: "olga@contoso.com".into(),
        created_by: "ann@contoso.com".into(),
        modified_by: "ann@contoso.com".into(),
        records: vec![record("r1", Some("c@contoso.com")), record("r2", None)],
    }
}

/// The permission core's own answer for the spec's example: every action, refusals with reasons.
pub fn permissions() -> ResolveResponse {
    let facts = ResolveRequest::example().to_facts().unwrap();
    ResolveResponse::from(resolve(&facts))
}

fn me() -> Me {
    Me {
        mailbox: "olga@contoso.com".into(),
        display_name: "Olga".into(),
        sync_enabled: true,
        connections: Connections {
            microsoft: ConnectionState::NeedsReconnect,
            google: ConnectionState::NotConnected,
        },
    }
}
