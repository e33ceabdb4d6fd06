//! The simulated Graph over real HTTP: delegated access, delta rounds, faults, the in-flight
//! limit, `$batch`.

use std::time::Duration;

use base64::Engine;
use m365_sim::seed::{demo_event_id, immutable_id};
use m365_sim::{Fault, FaultRule, Seed, Simulator};
use serde_json::{Value, json};

const TENANT: &str = "6f1c2a5e-2b1d-4c1e-9a57-7c0d3e1b9a01";
const OLGA: &str = "00000001-aaaa-4bbb-8ccc-000000000001";
const ANN: &str = "00000002-aaaa-4bbb-8ccc-000000000002";
const RITA: &str = "00000004-aaaa-4bbb-8ccc-000000000004";
const ARTHUR: &str = "00000003-aaaa-4bbb-8ccc-000000000003";
/// A calendarView window around today holding every seeded item (the seed lives in the current
/// week; its weekly series runs four weeks on).
fn window() -> String {
    use m365_sim::clock::{DAY_S, now_s, rfc3339};
    let today = now_s();
    format!(
        "startDateTime={}&endDateTime={}",
        rfc3339(today - 30 * DAY_S),
        rfc3339(today + 60 * DAY_S)
    )
}

async fn get(sim: &Simulator, token: &str, path: &str) -> (u16, Value) {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{}/v1.0{path}", sim.url())
    };
    let res = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .header("Prefer", "odata.maxpagesize=4")
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn delegates_reach_the_owners_calendar_by_their_level() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let shared = "Calendars.ReadWrite.Shared";
    let ann = sim.graph_token(TENANT, ANN, shared);
    let (status, body) = get(
        &sim,
        &ann,
        &format!("/users/{OLGA}/calendarView?{}", window()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"][0]["subject"], "Northwind quarterly review");
    let (_, private) = get(
        &sim,
        &ann,
        &format!("/users/{OLGA}/events/{}", demo_event_id(5)),
    )
    .await;
    assert_eq!(
        private["subject"], "Doctor's appointment",
        "Ann sees private items"
    );

    // Arthur (Author, no private access) sees the private item as free/busy only.
    let arthur = sim.graph_token(TENANT, ARTHUR, shared);
    let (_, body) = get(
        &sim,
        &arthur,
        &format!("/users/olga@contoso.com/events/{}", demo_event_id(5)),
    )
    .await;
    assert!(
        body.get("subject").is_none() && body["sensitivity"] == "private",
        "{body}"
    );

    // Rita (Reviewer) may read but not create.
    let rita = sim.graph_token(TENANT, RITA, shared);
    let res = reqwest::Client::new()
        .post(format!("{}/v1.0/users/{OLGA}/calendar/events", sim.url()))
        .bearer_auth(&rita)
        .json(&json!({ "subject": "x", "start": { "dateTime": "2026-12-01T10:00:00", "timeZone": "UTC" }, "end": { "dateTime": "2026-12-01T11:00:00", "timeZone": "UTC" } }))
        .send().await.unwrap();
    assert_eq!(res.status(), 403);

    // Without a .Shared scope nobody reads another mailbox; calendarPermissions is owner-only.
    let own_only = sim.graph_token(TENANT, ANN, "Calendars.ReadWrite");
    assert_eq!(
        get(&sim, &own_only, &format!("/users/{OLGA}/calendar"))
            .await
            .0,
        403
    );
    let (_, perms) = get(
        &sim,
        &ann,
        &format!("/users/{OLGA}/calendar/calendarPermissions"),
    )
    .await;
    assert_eq!(perms["value"].as_array().unwrap().len(), 0);
    let olga = sim.graph_token(TENANT, OLGA, "Calendars.ReadWrite");
    let (_, perms) = get(&sim, &olga, "/me/calendar/calendarPermissions").await;
    let roles: Vec<&str> = perms["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "freeBusyRead",
            "delegateWithPrivateEventAccess",
            "custom",
            "read"
        ]
    );
}

#[tokio::test]
async fn delta_rounds_page_then_go_quiet_then_carry_changes_and_removals() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let olga = sim.graph_token(TENANT, OLGA, "Calendars.ReadWrite");
    let mut link = format!("/me/calendarView/delta?{}", window());
    let mut seen = Vec::new();
    let mut pages = 0;
    let delta_link = loop {
        let (status, body) = get(&sim, &olga, &link).await;
        assert_eq!(status, 200);
        pages += 1;
        seen.extend(
            body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned()),
        );
        match (
            body["@odata.nextLink"].as_str(),
            body["@odata.deltaLink"].as_str(),
        ) {
            (Some(next), None) => link = next.to_owned(),
            (None, Some(delta)) => break delta.to_owned(),
            other => panic!("a page ends with exactly one link: {other:?}"),
        }
    };
    // Olga's 4 single events + 4 occurrences of the weekly series, in pages of 4.
    assert_eq!((seen.len(), pages), (9, 3), "{seen:?}");
    assert!(
        !seen.contains(&demo_event_id(9)),
        "series masters are not instances"
    );

    let (_, quiet) = get(&sim, &olga, &delta_link).await;
    assert_eq!(quiet["value"].as_array().unwrap().len(), 0);
    let next_round = quiet["@odata.deltaLink"].as_str().unwrap().to_owned();

    let client = reqwest::Client::new();
    let patched = client
        .patch(format!("{}/v1.0/me/events/{}", sim.url(), demo_event_id(1)))
        .bearer_auth(&olga)
        .json(&json!({ "categories": ["CRM"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let deleted = client
        .delete(format!("{}/v1.0/me/events/{}", sim.url(), demo_event_id(2)))
        .bearer_auth(&olga)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let (_, changes) = get(&sim, &olga, &next_round).await;
    let items = changes["value"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{changes}");
    assert_eq!(items[0]["categories"], json!(["CRM"]));
    assert_eq!(items[1]["@removed"]["reason"], "deleted");

    sim.expire_delta_tokens();
    let res = client
        .get(changes["@odata.deltaLink"].as_str().unwrap())
        .bearer_auth(&olga)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410);
    assert!(res.headers().contains_key("location"));
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "syncStateNotFound"
    );
}

#[tokio::test]
async fn injected_faults_answer_with_retry_after_and_are_journalled() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let olga = sim.graph_token(TENANT, OLGA, "Calendars.Read");
    sim.inject(FaultRule::new(
        "/calendarView",
        2,
        Fault::Status {
            status: 429,
            retry_after: Some("2.128".into()),
        },
    ));
    let client = reqwest::Client::new();
    let url = format!("{}/v1.0/me/calendarView?{}", sim.url(), window());
    for expected in [429, 429, 200] {
        let res = client.get(&url).bearer_auth(&olga).send().await.unwrap();
        assert_eq!(res.status(), expected);
        if expected == 429 {
            assert_eq!(res.headers()["retry-after"], "2.128");
            assert_eq!(
                res.json::<Value>().await.unwrap()["error"]["code"],
                "TooManyRequests"
            );
        }
    }
    let journal = sim.journal();
    let statuses: Vec<u16> = journal.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
    assert_eq!(journal[0].mailbox.as_deref(), Some(OLGA));
    assert_eq!(journal[0].injected.as_deref(), Some("status"));
}

#[tokio::test]
async fn a_fifth_request_in_flight_for_one_mailbox_is_throttled() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let olga = sim.graph_token(TENANT, OLGA, "Calendars.Read");
    sim.inject(FaultRule::new(
        "/calendar",
        4,
        Fault::Delay(Duration::from_millis(400)),
    ));
    let client = reqwest::Client::new();
    let url = format!("{}/v1.0/users/{OLGA}/calendar", sim.url());
    let slow: Vec<_> = (0..4)
        .map(|_| tokio::spawn(client.get(&url).bearer_auth(&olga).send()))
        .collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let fifth = client.get(&url).bearer_auth(&olga).send().await.unwrap();
    assert_eq!(fifth.status(), 429);
    for request in slow {
        assert_eq!(request.await.unwrap().unwrap().status(), 200);
    }
    assert_eq!(sim.peak_in_flight(OLGA), 4);
    assert!(
        sim.journal()
            .iter()
            .any(|e| e.injected.as_deref() == Some("mailbox_concurrency"))
    );
}

#[tokio::test]
async fn batch_runs_inner_requests_and_refuses_more_than_twenty() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let olga = sim.graph_token(TENANT, OLGA, "Calendars.Read User.Read");
    let client = reqwest::Client::new();
    let batch = |n: usize| json!({ "requests": (0..n).map(|i| json!({ "id": i.to_string(), "method": "GET", "url": if i == 0 { "/me".to_owned() } else { format!("/me/events/{}", demo_event_id((i % 8 + 1) as u8)) } })).collect::<Vec<_>>() });
    let res = client
        .post(format!("{}/v1.0/$batch", sim.url()))
        .bearer_auth(&olga)
        .json(&batch(3))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let mut responses = body["responses"].as_array().unwrap().clone();
    responses.sort_by_key(|r| r["id"].as_str().unwrap().to_owned());
    assert_eq!(responses[0]["body"]["id"], OLGA);
    assert_eq!(responses[1]["body"]["id"], demo_event_id(2));
    assert_eq!(responses[2]["status"], 200);

    let res = client
        .post(format!("{}/v1.0/$batch", sim.url()))
        .bearer_auth(&olga)
        .json(&batch(21))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn items_have_two_id_forms_and_the_prefer_header_chooses_the_one_answered() {
    // Microsoft, "Obtain immutable identifiers for Outlook resources": the header applies to
    // the request it is sent with; the REST id and the immutable id are different strings.
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let olga = sim.graph_token(TENANT, OLGA, "Calendars.ReadWrite");
    let rest = demo_event_id(1);
    let immutable = immutable_id(&rest);
    assert_ne!(rest, immutable);
    let client = reqwest::Client::new();
    let read = |id: String, prefer: Option<&'static str>| {
        let mut request = client
            .get(format!("{}/v1.0/me/events/{id}", sim.url()))
            .bearer_auth(&olga);
        if let Some(prefer) = prefer {
            request = request.header("Prefer", prefer);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let plain = read(rest.clone(), None).await;
    let by_rest = read(
        rest.clone(),
        Some("IdType=\"ImmutableId\", outlook.timezone=\"UTC\""),
    )
    .await;
    let by_immutable = read(immutable.clone(), Some("IdType=\"ImmutableId\"")).await;
    assert_eq!(plain["id"], rest);
    assert_eq!(
        by_rest["id"], immutable,
        "read by its REST id, answered immutable"
    );
    assert_eq!(by_immutable["id"], immutable);

    // Delta answers in the form asked for, removals included.
    let (_, round) = get(&sim, &olga, &format!("/me/calendarView/delta?{}", window())).await;
    assert!(
        round["value"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("AAMk")
    );
    let res = client
        .get(format!(
            "{}/v1.0/me/calendarView/delta?{}",
            sim.url(),
            window()
        ))
        .bearer_auth(&olga)
        .header("Prefer", "IdType=\"ImmutableId\"")
        .send()
        .await
        .unwrap();
    let round: Value = res.json().await.unwrap();
    assert!(
        round["value"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("AAkALg")
    );
}

#[tokio::test]
async fn an_item_made_by_a_delegate_is_organized_by_the_owner_and_exchange_names_its_creator() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let ann = sim.graph_token(TENANT, ANN, "Calendars.Read.Shared");
    let expand = "$expand=singleValueExtendedProperties($filter=id%20eq%20'String%200x3FF8')";
    // Seeded item 2: made by Ann in Olga's calendar.
    let (_, made_by_ann) = get(
        &sim,
        &ann,
        &format!("/users/{OLGA}/events/{}?{expand}", demo_event_id(2)),
    )
    .await;
    assert_eq!(made_by_ann["isOrganizer"], true);
    assert_eq!(
        made_by_ann["organizer"]["emailAddress"]["address"],
        "olga@contoso.com"
    );
    assert_eq!(
        made_by_ann["singleValueExtendedProperties"][0]["value"],
        "Ann Editor"
    );
    // Without `$expand` the property is not there; an invitation is not organized by Olga.
    let (_, plain) = get(
        &sim,
        &ann,
        &format!("/users/{OLGA}/events/{}", demo_event_id(2)),
    )
    .await;
    assert!(plain.get("singleValueExtendedProperties").is_none());
    let (_, invitation) = get(
        &sim,
        &ann,
        &format!("/users/{OLGA}/events/{}", demo_event_id(4)),
    )
    .await;
    assert_eq!(invitation["isOrganizer"], false);

    // Her identity: `PidTagCreatorEntryId`, base64 of an Address Book EntryID whose DN is the
    // one on an item Ann creates in her own calendar — and not the namesake-proof name.
    let entry = "$expand=singleValueExtendedProperties($filter=id%20eq%20'Binary%200x3FF9')";
    let (_, by_id) = get(
        &sim,
        &ann,
        &format!("/users/{OLGA}/events/{}?{entry}", demo_event_id(2)),
    )
    .await;
    let property = &by_id["singleValueExtendedProperties"][0];
    assert_eq!(property["id"], "Binary 0x3ff9");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(property["value"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes[..4], [0, 0, 0, 0]);
    assert_eq!(bytes[4..8], [0xDC, 0xA7, 0x40, 0xC8]);
    let own = sim.graph_token(TENANT, ANN, "Calendars.ReadWrite");
    let created: Value = reqwest::Client::new()
        .post(format!("{}/v1.0/me/events", sim.url()))
        .bearer_auth(&own)
        .json(&json!({ "subject": "Mine", "start": { "dateTime": "2000-01-01T00:00:00", "timeZone": "UTC" },
            "end": { "dateTime": "2000-01-01T00:15:00", "timeZone": "UTC" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (_, mine) = get(
        &sim,
        &own,
        &format!("/me/events/{}?{entry}", created["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        mine["singleValueExtendedProperties"][0]["value"],
        property["value"]
    );
    // One property per `$filter` with `eq`, as documented: an `or` names none.
    let either = "$expand=singleValueExtendedProperties($filter=id%20eq%20'Binary%200x3FF9'%20or%20id%20eq%20'String%200x3FF8')";
    let (_, neither) = get(
        &sim,
        &ann,
        &format!("/users/{OLGA}/events/{}?{either}", demo_event_id(2)),
    )
    .await;
    assert!(neither.get("singleValueExtendedProperties").is_none());
}

#[tokio::test]
async fn outlook_saves_a_composed_meeting_only_for_who_may_write_there() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let client = reqwest::Client::new();
    let compose = |creator: &'static str| {
        client
            .post(format!("{}/_outlook/events", sim.url()))
            .json(&json!({ "owner": "olga@contoso.com", "creator": creator,
                "subject": "Composed", "start": "2026-12-01T10:00:00Z", "end": "2026-12-01T11:00:00Z" }))
            .send()
    };
    // Ann edits Olga's calendar; Sam only sends on her behalf, which creates nothing in her
    // calendar (MS-OXCPERM `Create`); Rita only reviews; Otto has no access at all.
    assert_eq!(compose("ann@contoso.com").await.unwrap().status(), 200);
    assert_eq!(compose("sam@contoso.com").await.unwrap().status(), 403);
    assert_eq!(compose("rita@contoso.com").await.unwrap().status(), 403);
    assert_eq!(compose("otto@contoso.com").await.unwrap().status(), 403);
    let made = sim
        .outlook()
        .events_of("olga@contoso.com")
        .into_iter()
        .find(|e| e.subject == "Composed")
        .unwrap();
    assert_eq!(made.creator_name, "Ann Editor");
    assert_eq!(made.organizer_address, "olga@contoso.com");
}

/// Graph may hold a page below `odata.maxpagesize` (`concepts/paging.md`); the simulator honours
/// up to 1000 (`MAX_PAGE_SIZE`) and a test can lower the cap.
#[tokio::test]
async fn pages_hold_what_maxpagesize_asks_up_to_the_cap() {
    use m365_sim::outlook::NewMeeting;
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let start = m365_sim::clock::now_s();
    let meetings: Vec<NewMeeting> = (0..1_100)
        .map(|n| NewMeeting::new(&format!("M{n}"), start + n * 60, 30))
        .collect();
    sim.outlook().create_many(OLGA, &meetings);
    let olga = sim.graph_token(TENANT, OLGA, "Calendars.ReadWrite");
    let page = |size: usize| {
        let url = format!("{}/v1.0/me/calendarView/delta?{}", sim.url(), window());
        let token = olga.clone();
        async move {
            let body: Value = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .header("Prefer", format!("odata.maxpagesize={size}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (
                body["value"].as_array().unwrap().len(),
                body["@odata.nextLink"].is_string(),
            )
        }
    };
    assert_eq!(page(7).await, (7, true));
    assert_eq!(page(5_000).await, (m365_sim::MAX_PAGE_SIZE, true));
    sim.cap_page_size(3);
    assert_eq!(page(7).await, (3, true));
}

/// A delegate's rights are on their copy of the calendar, listed in their `/me/calendars` once
/// they added it; the owner's calendar itself shows the owner's values to whoever may open it
/// (outlook-share-or-delegate-calendar.md documents only those).
#[tokio::test]
async fn a_delegates_view_is_their_copy_and_the_owners_calendar_shows_the_owners_values() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let scopes = "Calendars.Read.Shared Calendars.ReadWrite";
    let rita = sim.graph_token(TENANT, RITA, scopes);
    let (status, owners) = get(&sim, &rita, &format!("/users/{OLGA}/calendar")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            owners["canEdit"].clone(),
            owners["canViewPrivateItems"].clone()
        ),
        (json!(true), json!(true)),
        "the owner's values, though Rita only reads"
    );
    let copies = |body: Value| -> Vec<(String, bool, bool)> {
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["owner"]["address"] != "rita@contoso.com")
            .map(|c| {
                (
                    c["owner"]["address"].as_str().unwrap().to_owned(),
                    c["canEdit"].as_bool().unwrap(),
                    c["canViewPrivateItems"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let (status, mine) = get(&sim, &rita, "/me/calendars").await;
    assert_eq!(status, 200);
    assert_eq!(
        copies(mine),
        vec![("olga@contoso.com".to_owned(), false, false)]
    );
    // Not accepted yet: not listed.
    sim.set_calendar_added("rita@contoso.com", "olga@contoso.com", false);
    let (_, mine) = get(&sim, &rita, "/me/calendars").await;
    assert!(copies(mine).is_empty());
    // Ann is Olga's delegate with private access: her copy says so.
    let ann = sim.graph_token(TENANT, ANN, scopes);
    let (_, mine) = get(&sim, &ann, "/me/calendars").await;
    let listed = mine["value"].as_array().unwrap().clone();
    let olgas = listed
        .iter()
        .find(|c| c["owner"]["address"] == "olga@contoso.com")
        .unwrap();
    assert_eq!(
        (
            olgas["canEdit"].clone(),
            olgas["canViewPrivateItems"].clone()
        ),
        (json!(true), json!(true))
    );
    // Nobody lists another user's calendars.
    let (status, _) = get(&sim, &rita, &format!("/users/{OLGA}/calendars")).await;
    assert_eq!(status, 403);
}
