//! The JSON reader in a real browser (`scripts/test` runs these with wasm-bindgen-test): every
//! answer the pane reads comes back as the server's serde_json wrote it, and what is not an
//! acceptable answer is refused with its reason.

use std::fmt::Debug;

use liaison_domain::api::{
    ConnectionState, Connections, CrmCategory, CrmEvent, CrmRecord, ErrorBody, ErrorCode, Health,
    HealthStatus, ItemContext, ItemStatus, Me, Person, RecordKind, RecordPage, ResolveRequest,
    ResolveResponse, SaveItemResponse, SaveOutcome, SessionGrant, SyncReport, SyncRun, SyncState,
};
use liaison_domain::permissions::{Action, Reason, resolve};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use super::{Invalid, parse};

wasm_bindgen_test_configure!(run_in_browser);

/// What the server writes for `value` (serde_json, as axum's `Json` does), read by the pane.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let text = serde_json::to_string(value).unwrap();
    assert_eq!(parse::<T>(&text).as_ref(), Ok(value), "{text}");
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
fn permissions() -> ResolveResponse {
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

#[wasm_bindgen_test]
fn every_answer_the_pane_reads_comes_back_as_the_server_wrote_it() {
    let permissions = permissions();
    assert!(permissions.actions.values().any(|v| v.reason.is_some()));
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
    };
    round_trip(&context);
    round_trip(&ItemContext {
        crm_event: None,
        notice: None,
        item_id: None,
        status: ItemStatus {
            state: SyncState::NotSynced,
            synced_at: None,
            error_code: None,
            error_message: None,
        },
        ..context
    });
    round_trip(&SaveItemResponse {
        outcome: SaveOutcome::Queued,
        crm_event: Some(event()),
        status,
    });
    round_trip(&RecordPage {
        records: vec![record("r1", None)],
        next_cursor: Some("c2".into()),
    });
    round_trip(&RecordPage {
        records: Vec::new(),
        next_cursor: None,
    });
    round_trip(&SessionGrant {
        token: "opaque".into(),
        expires_at_ms: 1_796_000_000_000,
        me: me(),
    });
    round_trip(&SyncRun {
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
    round_trip(&Health {
        status: HealthStatus::Degraded,
        version: "0.1.0".into(),
        store: HealthStatus::Ok,
    });
    round_trip(&ErrorBody {
        code: ErrorCode::AuthorNotCreator,
        message: "Only the items you created".into(),
        field: Some("item.owner".into()),
    });
}

#[wasm_bindgen_test]
fn absent_fields_are_none_or_their_default_and_unknown_fields_are_ignored() {
    let me: Me =
        parse(r#"{"mailbox":"m","displayName":"M","syncEnabled":false,"new":[1]}"#).unwrap();
    assert_eq!(me.connections, Connections::default());
    let page: RecordPage = parse(r#"{"records":[]}"#).unwrap();
    assert_eq!(page.next_cursor, None);
    // `crmEvent` has no serde default: absent, it reads as None, as serde_json reads it.
    let saved: SaveItemResponse =
        parse(r#"{"outcome":"synced","status":{"state":"synced"}}"#).unwrap();
    assert_eq!(
        (saved.outcome, saved.crm_event),
        (SaveOutcome::Synced, None)
    );
}

#[wasm_bindgen_test]
fn a_required_field_that_is_absent_is_named() {
    assert_eq!(
        parse::<ErrorBody>(r#"{"code":"not_found"}"#),
        Err(Invalid::MissingField("message"))
    );
    assert_eq!(
        parse::<Health>(r#"{"status":"ok","store":"ok"}"#),
        Err(Invalid::MissingField("version"))
    );
    // A nested struct names its own field.
    assert_eq!(
        parse::<SessionGrant>(r#"{"token":"t","expiresAtMs":1,"me":{"mailbox":"m"}}"#),
        Err(Invalid::MissingField("displayName"))
    );
}

#[wasm_bindgen_test]
fn a_value_of_the_wrong_type_or_out_of_range_is_refused() {
    let refused = [
        r#"{"running":"no"}"#,
        r#"{"running":false,"report":{"full":true,"graphRequests":1.5}}"#,
        r#"{"running":false,"report":{"full":true,"graphRequests":-1}}"#,
        r#"{"running":false,"report":{"full":true,"graphRequests":4294967296}}"#,
        r#"{"running":false,"report":[]}"#,
        r#"{"running":null}"#,
        r#"[false]"#,
        r#""running""#,
    ];
    for text in refused {
        assert_eq!(parse::<SyncRun>(text), Err(Invalid::WrongValue), "{text}");
    }
    assert_eq!(
        parse::<Health>(r#"{"status":"sleeping","version":"1","store":"ok"}"#),
        Err(Invalid::WrongValue)
    );
    assert_eq!(parse::<Health>("<html>"), Err(Invalid::NotJson));
}

#[wasm_bindgen_test]
fn an_action_map_reads_its_keys_as_actions() {
    let permissions = permissions();
    let text = serde_json::to_string(&permissions).unwrap();
    let read: ResolveResponse = parse(&text).unwrap();
    assert_eq!(read.actions.len(), Action::ALL.len());
    let unknown = text.replace("\"viewSidebar\"", "\"flyToTheMoon\"");
    assert_eq!(parse::<ResolveResponse>(&unknown), Err(Invalid::WrongValue));
    assert!(
        read.actions
            .values()
            .filter_map(|v| v.reason)
            .all(|r| Reason::ALL.contains(&r))
    );
}

/// A field named like one of Object's own methods reads as absent when the answer lacks it,
/// not as the function every JavaScript object inherits.
#[wasm_bindgen_test]
fn a_field_is_never_read_from_the_objects_prototype() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        constructor: Option<String>,
        to_string: Option<String>,
    }
    assert_eq!(
        parse::<Probe>("{}"),
        Ok(Probe {
            constructor: None,
            to_string: None
        })
    );
}
