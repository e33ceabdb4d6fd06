//! The JSON reader in a real browser (`scripts/test` runs these with wasm-bindgen-test): every
//! answer the pane reads comes back as the server's serde_json wrote it, and what is not an
//! acceptable answer is refused with its reason.

use std::fmt::Debug;

use liaison_domain::api::{
    Connections, ErrorBody, Health, Me, RecordPage, ResolveResponse, SaveItemResponse, SaveOutcome,
    SessionGrant, SyncRun,
};
use liaison_domain::permissions::{Action, Reason};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use super::samples::{Check, every_answer, permissions};
use super::{Invalid, parse};

wasm_bindgen_test_configure!(run_in_browser);

/// What the server writes for every answer (serde_json, as axum's `Json` does), read by the pane.
struct RoundTrip;

impl Check for RoundTrip {
    fn answer<T: Serialize + DeserializeOwned + PartialEq + Debug>(&mut self, value: &T) {
        let text = serde_json::to_string(value).unwrap();
        assert_eq!(parse::<T>(&text).as_ref(), Ok(value), "{text}");
    }
}

#[wasm_bindgen_test]
fn every_answer_the_pane_reads_comes_back_as_the_server_wrote_it() {
    every_answer(&mut RoundTrip);
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
