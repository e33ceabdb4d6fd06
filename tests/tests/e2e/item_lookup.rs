//! Items Office.js gives no usable id for — none in a shared calendar, or one Graph does not
//! know (open Outlook issues office-js #5939, #3827, #1394) — are found by what Outlook shows of
//! them (times and subject), read with the caller's own token; only an exact, single match is
//! the item, and the sidebar says what happened. Never a silent queue.

use liaison_domain::api::{ErrorBody, ErrorCode, ItemContext};
use liaison_domain::permissions::Action;
use liaison_e2e::TestApp;
use liaison_e2e::people::{ANN, OLGA, RITA, day, save};
use m365_sim::clock::rfc3339;
use m365_sim::outlook::NewMeeting;
use serde_json::{Value, json};

/// How the pane names an item it has no usable id for: the owner, perhaps an id, and what
/// Outlook shows.
fn shown(id: Option<&str>, start_s: i64, minutes: i64, subject: &str) -> Value {
    let mut item = json!({
        "owner": OLGA,
        "lookup": {
            "start": rfc3339(start_s),
            "end": rfc3339(start_s + minutes * 60),
            "subject": subject,
        },
    });
    if let Some(id) = id {
        item["itemId"] = json!(id);
    }
    item
}

async fn context(app: &TestApp, who: &str, item: &Value) -> ItemContext {
    let res = app.post_as(who, "/api/items/context", item, None).await;
    assert_eq!(res.status(), 200, "{who}: {:?}", res.text().await);
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_item_without_a_usable_id_is_found_by_its_times_and_subject() {
    let app = TestApp::spawn().await;
    let start = day(3);
    let id = app
        .simulator
        .outlook()
        .create(OLGA, &NewMeeting::new("Contoso pricing call", start, 45));

    // Rita reads it in a shared calendar and Outlook gives no itemId: the server finds it.
    let rita = context(&app, RITA, &shown(None, start, 45, "Contoso pricing call")).await;
    assert!(rita.permissions.actions[&Action::ViewDetails].allowed);
    let notice = rita.notice.unwrap_or_default();
    assert!(notice.contains("found it"), "{notice}");
    // The pane names the item by Graph's id from then on.
    let found = rita.item_id.expect("the id of the item found");
    let by_id = context(&app, RITA, &json!({ "owner": OLGA, "itemId": found })).await;
    assert!(by_id.permissions.actions[&Action::ViewDetails].allowed);
    assert_eq!(by_id.item_id, None, "known by its id: nothing to find");

    // Ann's Outlook gives an id Graph does not know: the save finds the item and writes it,
    // as Graph shows it.
    let wrong = shown(
        Some("AAMkUnknownId0123="),
        start,
        45,
        "Contoso pricing call",
    );
    let saved = app
        .post_as(ANN, "/api/items/save", &save(wrong, &[]), Some("lookup-1"))
        .await;
    assert_eq!(saved.status(), 200, "{:?}", saved.text().await);
    let ical_uid = app
        .simulator
        .outlook()
        .events_of(OLGA)
        .into_iter()
        .find(|e| e.id == id)
        .unwrap()
        .ical_uid;
    let event = app
        .crm_event("00000001-aaaa-4bbb-8ccc-000000000001", &ical_uid)
        .await
        .expect("the found item is in the CRM");
    assert_eq!(event.write.subject, "Contoso pricing call");
    assert_eq!(
        app.store
            .count_rows(liaison_server::store::CountedTable::SaveOutbox)
            .await
            .unwrap(),
        0,
        "nothing queued"
    );
}

#[tokio::test]
async fn two_items_with_the_same_times_and_subject_find_nothing_and_the_sidebar_says_so() {
    let app = TestApp::spawn().await;
    let start = day(4);
    let outlook = app.simulator.outlook();
    outlook.create(OLGA, &NewMeeting::new("Weekly sync", start, 30));
    outlook.create(OLGA, &NewMeeting::new("Weekly sync", start, 30));
    let twice = shown(None, start, 30, "Weekly sync");
    let ann = context(&app, ANN, &twice).await;
    let notice = ann.notice.unwrap_or_default();
    assert!(notice.contains("2 meetings"), "{notice}");
    assert!(ann.crm_event.is_none());
    // Nothing is saved: without an item, a save needs one.
    let res = app
        .post_as(ANN, "/api/items/save", &save(twice, &[]), None)
        .await;
    assert_eq!(res.status(), 400);
    let body: ErrorBody = res.json().await.unwrap();
    assert_eq!(
        (body.code, body.field.as_deref()),
        (ErrorCode::InvalidValue, Some("item.itemId"))
    );
    assert_eq!(app.crm_event_count().await, 0);

    // Another subject at those times: no meeting found, and the sidebar says that too.
    let other = context(&app, ANN, &shown(None, start, 30, "Budget")).await;
    assert!(
        other
            .notice
            .unwrap_or_default()
            .contains("no meeting in Olga Organizer's calendar")
    );
}

#[tokio::test]
async fn a_lookup_with_times_that_are_not_times_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let bad = json!({
        "owner": OLGA,
        "lookup": { "start": "tomorrow", "end": "2026-12-07T10:00:00Z", "subject": "x" },
    });
    let res = app.post_as(ANN, "/api/items/context", &bad, None).await;
    assert_eq!(res.status(), 400);
    let body: ErrorBody = res.json().await.unwrap();
    assert_eq!(body.field.as_deref(), Some("item.lookup.start"));
}
