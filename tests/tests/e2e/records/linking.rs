//! Automatic linking: a meeting saved from the sidebar, or synced through the CRM category,
//! comes with the contacts and leads its people's addresses match — only records its Organizer
//! may see, never one a person unlinked from it, none of a domain the organization never
//! matches, nothing when its policy says none. The sync's path on both stores.

use liaison_e2e::TestApp;
use liaison_e2e::people::items::{FABRIKAM_INVITATION, OLGAS_REVIEW};
use liaison_e2e::people::{ADELE, ANN, ARTHUR, OLGA, OLGA_ID, day, item, save, seeded_item};
use liaison_e2e::test_db::backends;
use m365_sim::outlook::NewMeeting;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::call;

/// The ids of the records linked to the item's CRM event, as a save answers.
fn linked(answer: &Value) -> Vec<String> {
    answer["crmEvent"]["records"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn saved(app: &TestApp, who: &str, item: Value, records: &[&str]) -> Value {
    let res = app
        .post_as(who, "/api/items/save", &save(item, records), None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn settings(app: &TestApp, change: Value) {
    let (_, mut current, _) = call(app, ADELE, Method::GET, "/api/admin/settings", None, &[]).await;
    for (key, value) in change.as_object().unwrap() {
        current[key] = value.clone();
    }
    let (status, body, _) = call(
        app,
        ADELE,
        Method::PUT,
        "/api/admin/settings",
        Some(current),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_saved_meeting_links_its_attendees_records_the_organizer_may_see() {
    let app = TestApp::spawn().await;
    // Nancy (demo-con-nancy, Olga's contact) attends every seeded meeting. Ann's own lead with
    // Nancy's address is not shared with Olga: never linked to Olga's meetings.
    let (status, lead, _) = call(
        &app,
        ANN,
        Method::POST,
        "/api/crm/records",
        Some(json!({ "kind": "lead", "name": "Nancy (Ann's lead)",
                     "emails": ["Nancy.Davolio@northwind.example"] })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let answer = saved(&app, OLGA, seeded_item(OLGA, OLGAS_REVIEW), &[]).await;
    assert_eq!(linked(&answer), ["demo-con-nancy"], "{answer}");

    // Unlinked by a person: a later save (and sync) leaves it out.
    let res = app
        .post_as(
            OLGA,
            "/api/items/unlink",
            &json!({ "item": seeded_item(OLGA, OLGAS_REVIEW), "recordId": "demo-con-nancy" }),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let answer = saved(&app, OLGA, seeded_item(OLGA, OLGAS_REVIEW), &[]).await;
    assert!(linked(&answer).is_empty(), "{answer}");
    // Linked by hand again, it stays.
    let answer = saved(
        &app,
        OLGA,
        seeded_item(OLGA, OLGAS_REVIEW),
        &["demo-con-nancy"],
    )
    .await;
    assert_eq!(linked(&answer), ["demo-con-nancy"]);

    // The organization's domain list and policy.
    settings(
        &app,
        json!({ "autoLinkBlockedDomains": ["Northwind.example"] }),
    )
    .await;
    let answer = saved(&app, OLGA, seeded_item(OLGA, FABRIKAM_INVITATION), &[]).await;
    // The invitation's organizer (Margaret of Fabrikam) is matched; Nancy's domain is not.
    assert_eq!(linked(&answer), ["demo-con-margaret"], "{answer}");
    settings(
        &app,
        json!({ "autoLinkBlockedDomains": [], "autoLinkPolicy": "none" }),
    )
    .await;
    let id = app.simulator.outlook().create(
        OLGA,
        &NewMeeting::new("Pricing", day(2), 30).attendee("nancy.davolio@northwind.example"),
    );
    let answer = saved(&app, OLGA, item(OLGA, &id), &[]).await;
    assert!(linked(&answer).is_empty(), "policy none: {answer}");
}

#[tokio::test]
async fn a_meeting_synced_by_its_category_arrives_with_its_attendees_linked() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let meeting = NewMeeting::new("Quarterly review with Northwind", day(3), 60)
            .category("CRM")
            .attendee("nancy.davolio@northwind.example")
            .attendee("someone@unknown.example");
        let id = app.simulator.outlook().create(OLGA, &meeting);
        let (status, body) = app.sync_when_free(OLGA).await;
        assert_eq!(status, 200, "{body}");
        let ical_uid = app
            .simulator
            .outlook()
            .events_of(OLGA)
            .into_iter()
            .find(|e| e.has_id(&id))
            .map(|e| e.ical_uid)
            .expect("the meeting");
        let event = app.crm_event(OLGA_ID, &ical_uid).await.expect("synced");
        let ids: Vec<&str> = event.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["demo-con-nancy"]);
    }
}

/// The attendees of `id` in Olga's calendar as `who`'s sidebar gets them: address → the
/// matched record's name.
async fn attendees(app: &TestApp, who: &str, id: &str) -> Vec<(String, Option<String>)> {
    let context: Value = app
        .post_as(who, "/api/items/context", &item(OLGA, id), None)
        .await
        .json()
        .await
        .unwrap();
    context["attendees"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| {
            (
                a["address"].as_str().unwrap().to_owned(),
                a["record"]["name"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_sidebar_shows_each_attendee_with_only_the_records_its_reader_may_see() {
    let app = TestApp::spawn().await;
    let id = app.simulator.outlook().create(
        OLGA,
        &NewMeeting::new("Pricing with Hopper Labs", day(2), 30)
            .attendee("Nancy.Davolio@northwind.example")
            .attendee("grace@hopper.example"),
    );
    let (status, _, _) = call(
        &app,
        ANN,
        Method::POST,
        "/api/crm/records",
        Some(json!({ "kind": "lead", "name": "Grace Hopper", "emails": ["grace@hopper.example"] })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let nancy = (
        "nancy.davolio@northwind.example".to_owned(),
        Some("Nancy Davolio".to_owned()),
    );
    // Ann's own lead matches for her; Olga, with whom it is not shared, sees Grace unmatched.
    assert_eq!(
        attendees(&app, ANN, &id).await,
        [
            ("olga@contoso.com".to_owned(), None),
            nancy.clone(),
            (
                "grace@hopper.example".to_owned(),
                Some("Grace Hopper".to_owned())
            ),
        ]
    );
    assert_eq!(
        attendees(&app, OLGA, &id).await,
        [
            ("olga@contoso.com".to_owned(), None),
            nancy,
            ("grace@hopper.example".to_owned(), None),
        ]
    );
}

#[tokio::test]
async fn a_delegate_who_may_not_see_a_private_item_gets_none_of_its_attendees() {
    let app = TestApp::spawn().await;
    let id = app.simulator.outlook().create(
        OLGA,
        &NewMeeting::new("Doctor", day(2), 30)
            .sensitivity("private")
            .attendee("nancy.davolio@northwind.example"),
    );
    // Arthur (Author) may not see Olga's private items; Olga sees her own.
    assert!(attendees(&app, ARTHUR, &id).await.is_empty());
    assert_eq!(attendees(&app, OLGA, &id).await.len(), 2);
}
