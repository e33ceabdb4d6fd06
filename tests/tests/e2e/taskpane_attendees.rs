//! The meeting's attendees in the sidebar (issue 27), in headless Chromium inside the simulated
//! Outlook: each shown with the contact or lead their address matches; Create contact from one
//! that matches none, prefilled from the attendee and linked by the next Save; a meeting synced
//! by its category arriving with its attendees linked; the search's kind filter.

use fantoccini::Locator;
use liaison_e2e::pane::*;
use liaison_e2e::people::{ANN, OLGA, day, item};
use liaison_e2e::{Browser, TestApp, require_built_task_pane};
use m365_sim::outlook::NewMeeting;
use serde_json::Value;

async fn context(app: &TestApp, who: &str, id: &str) -> Value {
    app.post_as(who, "/api/items/context", &item(OLGA, id), None)
        .await
        .json()
        .await
        .unwrap()
}

fn linked_names(context: &Value) -> Vec<String> {
    context["crmEvent"]["records"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn ann_creates_a_contact_from_an_attendee_and_her_save_links_it() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let id = app.simulator.outlook().create(
        OLGA,
        &NewMeeting::new("Pricing with Hopper Labs", day(2), 30)
            .attendee("nancy.davolio@northwind.example")
            .attendee("grace@hopper.example"),
    );
    let browser = Browser::start().await;
    let client = browser.client();
    open_host(
        &app,
        &browser,
        &format!("mailbox={ANN}&item={id}&theme=light"),
    )
    .await;

    // Nancy's address matches her contact; Grace's matches nothing.
    let nancy = text_when(
        client,
        "li[data-attendee='nancy.davolio@northwind.example']",
        |t| t.contains("Contact: Nancy Davolio"),
    )
    .await;
    assert!(nancy.contains("Link"), "{nancy}");
    let organizer = text(client, "li[data-attendee='olga@contoso.com']").await;
    assert!(organizer.contains("Organizer"), "{organizer}");
    click(
        client,
        "button[aria-label='Create a contact for grace@hopper.example']",
    )
    .await;
    let name = client
        .wait()
        .for_element(Locator::Css(".lz-create input[name=name]"))
        .await
        .unwrap();
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("grace"),
        "prefilled from the attendee"
    );
    name.clear().await.unwrap();
    name.send_keys("Grace Hopper").await.unwrap();
    click(client, ".lz-create button[type=submit]").await;
    let grace = text_when(client, "li[data-attendee='grace@hopper.example']", |t| {
        t.contains("Contact: Grace Hopper")
    })
    .await;
    assert!(grace.contains("Links on Save"), "{grace}");

    click(client, ".lz-save__button").await;
    text_when(client, ".lz-result", |t| t.contains("Saved")).await;
    let context = context(&app, ANN, &id).await;
    assert_eq!(linked_names(&context), ["Grace Hopper", "Nancy Davolio"]);
    let grace = context["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["address"] == "grace@hopper.example")
        .cloned()
        .unwrap();
    assert_eq!(grace["record"]["name"], "Grace Hopper", "{grace}");
    let record: Value = app
        .get_as(
            ANN,
            &format!(
                "/api/crm/records/{}",
                grace["record"]["id"].as_str().unwrap()
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        record["emails"],
        serde_json::json!(["grace@hopper.example"])
    );
    assert_eq!(record["owner"]["mailbox"], ANN);
    browser.close().await;
}

#[tokio::test]
async fn a_meeting_synced_by_its_category_shows_its_attendee_linked_and_the_search_filters_by_kind()
{
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let id = app.simulator.outlook().create(
        OLGA,
        &NewMeeting::new("Northwind renewal", day(3), 60)
            .category("CRM")
            .attendee("nancy.davolio@northwind.example"),
    );
    let (status, body) = app.sync_when_free(OLGA).await;
    assert_eq!(status, 200, "{body}");
    let browser = Browser::start().await;
    let client = browser.client();
    open_host(
        &app,
        &browser,
        &format!("mailbox={OLGA}&item={id}&theme=light"),
    )
    .await;
    let linked = text_when(client, ".lz-linked", |t| t.contains("Nancy Davolio")).await;
    assert!(linked.contains("Contact"), "{linked}");

    // The search: "north" finds Nancy (contact) and Northwind (account); Accounts only the latter.
    let search = client
        .wait()
        .for_element(Locator::Css(".lz-search input"))
        .await
        .unwrap();
    search.send_keys("northwind").await.unwrap();
    text_when(client, ".lz-results", |t| t.contains("Nancy Davolio")).await;
    client
        .find(Locator::Css("#lz-search-kind option[value='account']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let results = text_when(client, ".lz-results", |t| !t.contains("Nancy Davolio")).await;
    assert!(results.contains("Account"), "{results}");
    browser.close().await;
}
