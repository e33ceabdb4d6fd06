//! The server decides on Microsoft's facts, never on what a client states. Each test plays a
//! client that lies — about the creator, the privacy, the mode, the item itself, a delegation
//! that no longer holds — against the real server and the simulator, and checks the lie is
//! refused or ignored. Each protection here was checked to make its test fail when removed.

use liaison_domain::api::{
    ErrorBody, ErrorCode, ItemContext, SaveItemResponse, SaveOutcome, SyncRun, SyncState,
};
use liaison_domain::permissions::{Action, Level, Reason};
use liaison_e2e::TestApp;
use liaison_e2e::people::items::*;
use liaison_e2e::people::{ANN, ARTHUR, OLGA, OLGA_ID, OTTO, RITA, SAM, day, item, save, seeded};
use liaison_server::store::CountedTable;
use liaison_server::store::{User, UserId};
use m365_sim::outlook::NewMeeting;
use proptest::prelude::*;
use serde_json::{Value, json};

async fn error(res: reqwest::Response) -> (u16, ErrorBody) {
    let status = res.status().as_u16();
    (status, res.json().await.expect("an error body"))
}

async fn events(app: &TestApp) -> i64 {
    app.store.count_rows(CountedTable::CrmEvents).await.unwrap()
}

async fn context(app: &TestApp, who: &str, item: &Value) -> ItemContext {
    let res = app.post_as(who, "/api/items/context", item, None).await;
    assert_eq!(res.status(), 200, "{who}: {:?}", res.text().await);
    res.json().await.unwrap()
}

async fn sync_now(app: &TestApp) -> liaison_domain::api::SyncReport {
    let res = app.post_as(OLGA, "/api/sync/run", &json!({}), None).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    res.json::<SyncRun>().await.unwrap().report.unwrap()
}

#[tokio::test]
async fn a_pane_that_states_facts_gets_a_400_naming_the_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    // What the old pane sent, and an attacker would: the server no longer reads any of it.
    let stated = [
        ("icalUid", json!("040000008200E00074C5B7101A82E008-made-up")),
        ("createdBy", json!("delegate")),
        ("isPrivate", json!(false)),
        ("mode", json!("compose")),
        ("isInboundInvite", json!(false)),
        ("graphEventId", json!("AAkALgAA-someone-elses")),
    ];
    for (field, value) in stated {
        let mut claimed = item(OLGA, &seeded(OLGAS_REVIEW));
        claimed[field] = value;
        for path in ["/api/items/context", "/api/items/save"] {
            let body = if path.ends_with("save") {
                save(claimed.clone(), &[])
            } else {
                claimed.clone()
            };
            let (status, error) = error(app.post_as(ARTHUR, path, &body, None).await).await;
            assert_eq!(status, 400, "{field} on {path}");
            assert_eq!(error.code, ErrorCode::InvalidBody);
            assert!(
                error.field.as_deref().is_some_and(|f| f.ends_with(field)),
                "{field}: {error:?}"
            );
        }
    }
    let mut with_details = save(item(OLGA, &seeded(OLGAS_REVIEW)), &[]);
    with_details["event"] = json!({ "subject": "Mine now", "start": "2026-11-23T09:00:00Z" });
    let (status, error) = error(
        app.post_as(ANN, "/api/items/save", &with_details, None)
            .await,
    )
    .await;
    assert_eq!((status, error.field.as_deref()), (400, Some("event")));
    assert_eq!(events(&app).await, 0);
}

#[tokio::test]
async fn an_author_is_judged_on_who_exchange_says_created_the_item() {
    let app = TestApp::spawn().await;
    let outlook = app.simulator.outlook();
    // Arthur's own item in Olga's calendar, and Olga's.
    let own = app
        .post_as(
            ARTHUR,
            "/api/items/save",
            &save(item(OLGA, &seeded(ARTHURS_FOLLOW_UP)), &[]),
            None,
        )
        .await;
    let olgas = app
        .post_as(
            ARTHUR,
            "/api/items/save",
            &save(item(OLGA, &seeded(OLGAS_REVIEW)), &[]),
            None,
        )
        .await;
    // Exchange keeps no creator on this one: nobody is its creator (least privilege).
    let anonymous = outlook.create_by(
        OLGA,
        ARTHUR,
        &NewMeeting::new("Creator unknown", day(2), 60),
    );
    outlook.edit(&anonymous, |e| e.created_by.clear());
    let unknown = app
        .post_as(
            ARTHUR,
            "/api/items/save",
            &save(item(OLGA, &anonymous), &[]),
            None,
        )
        .await;
    // A second "Arthur Author" among Liaison's users: another person, so the identity Exchange
    // records still tells Arthur's items (the name decides nothing, either way).
    let his = outlook.create_by(
        OLGA,
        ARTHUR,
        &NewMeeting::new("His, namesake or not", day(3), 60),
    );
    app.store
        .upsert_user(&User {
            tenant_id: app.tenant_id(),
            id: UserId::new("0000000a-aaaa-4bbb-8ccc-00000000000a"),
            mailbox: "arthur.author2@contoso.com".into(),
            display_name: "Arthur Author".into(),
            sync_enabled: false,
        })
        .await
        .unwrap();
    let despite_namesake = app
        .post_as(
            ARTHUR,
            "/api/items/save",
            &save(item(OLGA, &his), &[]),
            None,
        )
        .await;

    assert_eq!(own.status(), 200);
    assert_eq!(
        despite_namesake.status(),
        200,
        "{:?}",
        despite_namesake.text().await
    );
    for res in [olgas, unknown] {
        let (status, error) = error(res).await;
        assert_eq!((status, error.code), (403, ErrorCode::AuthorNotCreator));
    }
    let saved = app
        .crm_event(
            OLGA_ID,
            "040000008200E00074C5B7101A82E00800000000000000000000000000000003",
        )
        .await
        .unwrap();
    assert_eq!(saved.created_by_mailbox, ARTHUR);
}

#[tokio::test]
async fn privacy_and_mode_are_graphs_to_say() {
    let app = TestApp::spawn().await;
    // Ann may see private items and saves Olga's private appointment.
    let saved = app
        .post_as(
            ANN,
            "/api/items/save",
            &save(item(OLGA, &seeded(OLGAS_PRIVATE)), &["demo-con-nancy"]),
            None,
        )
        .await;
    assert_eq!(saved.status(), 200);

    // Arthur may not: no details, no CRM event, no save.
    let arthur = context(&app, ARTHUR, &item(OLGA, &seeded(OLGAS_PRIVATE))).await;
    let refused = app
        .post_as(
            ARTHUR,
            "/api/items/save",
            &save(item(OLGA, &seeded(OLGAS_PRIVATE)), &[]),
            None,
        )
        .await;
    // Classic Outlook's "confidential" is private too.
    let confidential = app.simulator.outlook().create(
        OLGA,
        &NewMeeting::new("Board pay review", day(4), 60).sensitivity("confidential"),
    );
    let rita = context(&app, RITA, &item(OLGA, &confidential)).await;
    // Sam sends on Olga's behalf only: an existing meeting he did not compose is closed.
    let sam = app
        .post_as(
            SAM,
            "/api/items/save",
            &save(item(OLGA, &seeded(OLGAS_REVIEW)), &[]),
            None,
        )
        .await;

    assert!(arthur.crm_event.is_none(), "no details of a private item");
    assert_eq!(
        arthur.permissions.actions[&Action::ViewDetails].reason,
        Some(Reason::PrivateItem)
    );
    assert_eq!(error(refused).await.1.code, ErrorCode::PrivateItem);
    assert_eq!(
        rita.permissions.actions[&Action::ViewDetails].reason,
        Some(Reason::PrivateItem)
    );
    assert_eq!(error(sam).await.1.code, ErrorCode::NoCalendarAccess);
    assert_eq!(events(&app).await, 1);
}

#[tokio::test]
async fn an_item_that_does_not_exist_or_is_someone_elses_is_never_written() {
    let app = TestApp::spawn().await;
    let made_up = item(OLGA, "AAMkADemo-made_up=");
    // Otto's item, named as if it were in Olga's calendar.
    let elsewhere = item(OLGA, &seeded(OTTOS_BOARD_PREP));

    let context_made_up = context(&app, ANN, &made_up).await;
    let saved: SaveItemResponse = app
        .post_as(ANN, "/api/items/save", &save(made_up.clone(), &[]), None)
        .await
        .json()
        .await
        .unwrap();
    let other: SaveItemResponse = app
        .post_as(ANN, "/api/items/save", &save(elsewhere, &[]), None)
        .await
        .json()
        .await
        .unwrap();
    // The next sessions find neither in Olga's calendar: they wait, and nothing is written.
    sync_now(&app).await;
    sync_now(&app).await;
    let after = context(&app, ANN, &made_up).await;

    assert!(
        context_made_up
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("not in Olga Organizer's calendar yet"))
    );
    assert_eq!(saved.outcome, SaveOutcome::Queued);
    assert_eq!(other.outcome, SaveOutcome::Queued);
    assert!(saved.crm_event.is_none());
    assert_eq!(events(&app).await, 0);
    assert!(
        after
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("the save waits for it"))
    );
}

/// An item id Graph does not know never lifts a refusal: a Reviewer (who may not create in
/// the calendar) and someone with no access get their refusal, not `queued`, and nothing waits.
#[tokio::test]
async fn made_up_item_ids_from_a_reviewer_or_a_stranger_are_refused_and_nothing_is_queued() {
    let app = TestApp::spawn().await;
    for n in 0..40 {
        let made_up = item(OLGA, &format!("AAMkADemo-made_up_{n}="));
        for (who, reason) in [
            (RITA, ErrorCode::ReviewerReadOnly),
            (OTTO, ErrorCode::NoCalendarAccess),
            (SAM, ErrorCode::NoCalendarAccess),
        ] {
            let res = app
                .post_as(who, "/api/items/save", &save(made_up.clone(), &[]), None)
                .await;
            let (status, body) = error(res).await;
            assert_eq!((status, body.code), (403, reason), "{who}, id {n}");
        }
    }
    assert_eq!(
        app.store
            .count_rows(CountedTable::SaveOutbox)
            .await
            .unwrap(),
        0,
        "nothing queued"
    );
    // Ids Exchange never gives (dot segments, escapes) get a 400 naming the field, and no
    // Graph request is made with them (Rita is signed in already).
    let before = app.simulator.journal().len();
    for not_an_id in ["..", ".", "AAMk.x", "AAMk%2E%2E", "AAMk x", "AAMk?x"] {
        let res = app
            .post_as(
                RITA,
                "/api/items/save",
                &save(item(OLGA, not_an_id), &[]),
                None,
            )
            .await;
        let (status, body) = error(res).await;
        assert_eq!(status, 400, "{not_an_id}");
        assert_eq!(body.field.as_deref(), Some("item.itemId"), "{not_an_id}");
    }
    assert_eq!(app.simulator.journal().len(), before, "no Graph request");
    // Rita's sidebar on such an id says what she may not do, and nothing of a queued save.
    let rita = context(&app, RITA, &item(OLGA, "AAMkADemo-made_up_0=")).await;
    assert_eq!(rita.status.state, SyncState::NotSynced);
    assert_eq!(
        rita.permissions.actions[&Action::SaveToCrm].reason,
        Some(Reason::ReviewerReadOnly)
    );
}

#[tokio::test]
async fn a_delegate_removed_or_lowered_in_outlook_loses_the_access_within_the_cache_time() {
    let ttl = std::time::Duration::from_millis(1500);
    let app = TestApp::builder().delegation_ttl(ttl).spawn().await;
    let review = item(OLGA, &seeded(OLGAS_REVIEW));
    let first = context(&app, ANN, &review).await;
    assert_eq!(first.permissions.level, Level::Editor);

    app.simulator.outlook().remove_delegate(OLGA, ANN);
    app.simulator
        .outlook()
        .set_delegate(OLGA, RITA, 63, false, true);
    let cached = context(&app, ANN, &review).await;
    tokio::time::sleep(ttl + std::time::Duration::from_millis(200)).await;
    let removed = context(&app, ANN, &review).await;
    let refused = app
        .post_as(ANN, "/api/items/save", &save(review.clone(), &[]), None)
        .await;
    let raised = context(&app, RITA, &review).await;

    assert_eq!(
        cached.permissions.level,
        Level::Editor,
        "within the cache time"
    );
    assert_eq!(removed.permissions.level, Level::None);
    assert!(removed.crm_event.is_none());
    assert_eq!(error(refused).await.1.code, ErrorCode::NoCalendarAccess);
    assert_eq!(
        raised.permissions.level,
        Level::Editor,
        "Outlook's word, now"
    );
    assert_eq!(events(&app).await, 0);
}

#[tokio::test]
async fn the_clients_bits_that_claim_more_are_ignored_and_audited_once() {
    let app = TestApp::spawn().await;
    let mut claimed = item(OLGA, &seeded(OLGAS_REVIEW));
    claimed["officeDelegatePermissions"] = json!(63);
    for _ in 0..3 {
        let rita = context(&app, RITA, &claimed).await;
        assert_eq!(rita.permissions.level, Level::Reviewer);
    }
    let audit = app.store.audit_log(&app.tenant_id(), 50).await.unwrap();
    let disagreements: Vec<_> = audit
        .iter()
        .filter(|l| l.action == "delegation.client_disagrees")
        .collect();
    assert_eq!(disagreements.len(), 1, "once per change of the bits");
    assert!(
        disagreements[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("delegatePermissions 63") && d.contains("read"))
    );
}

#[tokio::test]
async fn a_first_save_needs_the_organizers_connection_alive() {
    let app = TestApp::builder()
        .without_connected_organizers()
        .spawn()
        .await;
    let body = save(item(OLGA, &seeded(ANNS_CALL_FOR_OLGA)), &[]);
    let never_connected = app.post_as(ANN, "/api/items/save", &body, None).await;
    let (status, error) = error(never_connected).await;
    assert_eq!(
        (status, error.code),
        (403, ErrorCode::OrganizerSyncDisabled)
    );

    // Olga signs in (her connection works), then Microsoft revokes it.
    app.token(OLGA).await;
    let ok = app.post_as(ANN, "/api/items/save", &body, None).await;
    assert_eq!(ok.status(), 200);
    app.simulator.revoke_grants(OLGA_ID);
    let _ = app
        .post_as(OLGA, "/api/connections/microsoft/check", &json!({}), None)
        .await;
    // Another item Ann made in Olga's calendar (Ann is limited to her own items while Olga's
    // delegate list cannot be read: this one is hers either way).
    let anns = app.simulator.outlook().create_by(
        OLGA,
        ANN,
        &NewMeeting::new("Ann's second call", day(5), 30),
    );
    let other = save(item(OLGA, &anns), &[]);
    let after_revocation = app.post_as(ANN, "/api/items/save", &other, None).await;
    let (status, error) = self::error(after_revocation).await;
    assert_eq!(
        (status, error.code),
        (403, ErrorCode::OrganizerSyncDisabled)
    );
    assert_eq!(events(&app).await, 1);
}

#[tokio::test]
async fn a_crm_deleted_event_answers_crm_no_access_and_stays_deleted() {
    let app = TestApp::spawn().await;
    let review = item(OLGA, &seeded(OLGAS_REVIEW));
    let saved: SaveItemResponse = app
        .post_as(ANN, "/api/items/save", &save(review.clone(), &[]), None)
        .await
        .json()
        .await
        .unwrap();
    let id = saved.crm_event.unwrap().id;
    let deleted = app
        .http
        .delete(format!("{}/api/crm/events/{id}", app.url))
        .bearer_auth(app.token(OLGA).await)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);

    let ann = context(&app, ANN, &review).await;
    let again = app
        .post_as(ANN, "/api/items/save", &save(review.clone(), &[]), None)
        .await;
    let olga = app
        .post_as(OLGA, "/api/items/save", &save(review, &[]), None)
        .await;

    assert!(
        ann.crm_event.is_none(),
        "a deleted CRM event is shown to nobody"
    );
    assert_eq!(error(again).await.1.code, ErrorCode::CrmNoAccess);
    assert_eq!(error(olga).await.1.code, ErrorCode::CrmNoAccess);
    let event = app
        .crm_event(
            OLGA_ID,
            "040000008200E00074C5B7101A82E00800000000000000000000000000000001",
        )
        .await
        .unwrap();
    assert!(event.deleted, "it stays deleted");
}

#[tokio::test]
async fn an_items_status_is_shown_only_to_those_who_may_see_it() {
    let app = TestApp::spawn().await;
    let review = item(OLGA, &seeded(OLGAS_REVIEW));
    assert_eq!(
        app.post_as(ANN, "/api/items/save", &save(review.clone(), &[]), None)
            .await
            .status(),
        200
    );
    let otto = context(&app, OTTO, &review).await;
    let status = app
        .get_as(
            OTTO,
            &format!(
                "/api/items/status?owner=olga%40contoso.com&itemId={}",
                seeded(OLGAS_REVIEW)
            ),
        )
        .await;
    let ann = context(&app, ANN, &review).await;

    assert_eq!(otto.status.state, liaison_domain::api::SyncState::NotSynced);
    assert!(otto.crm_event.is_none());
    assert_eq!(status.status(), 404);
    assert_eq!(ann.status.state, liaison_domain::api::SyncState::Synced);
}

#[tokio::test]
async fn a_sidebar_save_survives_full_sync_rounds_because_links_are_immutable_ids() {
    let app = TestApp::spawn().await;
    let review = item(OLGA, &seeded(OLGAS_REVIEW));
    assert_eq!(
        app.post_as(ANN, "/api/items/save", &save(review, &[]), None)
            .await
            .status(),
        200
    );
    let immutable = m365_sim::seed::immutable_id(&seeded(OLGAS_REVIEW));
    let links = app
        .store
        .graph_links(&app.user(OLGA_ID), &[immutable, seeded(OLGAS_REVIEW)])
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
    assert_ne!(links[0].0, seeded(OLGAS_REVIEW), "never the REST id");

    let first = sync_now(&app).await;
    app.simulator.expire_delta_tokens();
    let second = sync_now(&app).await;

    assert!(first.full && second.full);
    assert_eq!((first.cancelled, second.cancelled), (0, 0));
    let event = app
        .crm_event(
            OLGA_ID,
            "040000008200E00074C5B7101A82E00800000000000000000000000000000001",
        )
        .await
        .unwrap();
    assert!(!event.cancelled);
}

#[tokio::test]
async fn a_removal_graph_sends_for_an_item_outside_the_window_cancels_nothing() {
    let app = TestApp::spawn().await;
    let outlook = app.simulator.outlook();
    // Long before the synced window (30 days back), saved from the sidebar.
    let old = outlook.create(OLGA, &NewMeeting::new("Last spring", day(-200), 60));
    assert_eq!(
        app.post_as(ANN, "/api/items/save", &save(item(OLGA, &old), &[]), None)
            .await
            .status(),
        200
    );
    sync_now(&app).await;
    // Olga edits it: Graph's next round names it `@removed` (it is outside the window).
    outlook.edit(&old, |e| e.subject = "Last spring, notes added".into());
    let report = sync_now(&app).await;

    assert!(!report.full);
    assert_eq!(report.cancelled, 0);
    let uid = outlook
        .events_of(OLGA)
        .into_iter()
        .find(|e| e.has_id(&old))
        .unwrap()
        .ical_uid;
    let event = app.crm_event(OLGA_ID, &uid).await.unwrap();
    assert!(!event.cancelled);
}

/// For every person and item: the actions allowed without client bits.
async fn baseline(app: &TestApp, who: &str, item: &Value) -> Vec<bool> {
    let context = context(app, who, item).await;
    Action::ALL
        .iter()
        .map(|a| context.permissions.actions[a].allowed)
        .collect()
}

#[test]
fn no_client_stated_bits_ever_yield_a_verdict_above_the_one_on_microsofts_facts() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let people = [ANN, ARTHUR, RITA, SAM, OTTO, OLGA];
    let items = [
        OLGAS_REVIEW,
        ANNS_CALL_FOR_OLGA,
        ARTHURS_FOLLOW_UP,
        FABRIKAM_INVITATION,
        OLGAS_PRIVATE,
    ];
    let (app, baselines) = runtime.block_on(async {
        let app = TestApp::spawn().await;
        let mut baselines = Vec::new();
        for who in people {
            for n in items {
                baselines.push(baseline(&app, who, &item(OLGA, &seeded(n))).await);
            }
        }
        (app, baselines)
    });
    let config = ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    };
    proptest!(config, |(p in 0..people.len(), i in 0..items.len(), bits in 0u32..=63)| {
        let mut claimed = item(OLGA, &seeded(items[i]));
        claimed["officeDelegatePermissions"] = json!(bits);
        let with_bits = runtime.block_on(baseline(&app, people[p], &claimed));
        let verified = &baselines[p * items.len() + i];
        for (n, action) in Action::ALL.iter().enumerate() {
            prop_assert!(
                !with_bits[n] || verified[n],
                "{} on item {} with bits {}: {:?} raised", people[p], items[i], bits, action
            );
        }
    });
}
