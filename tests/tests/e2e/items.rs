//! The sidebar's item API over real HTTP, on the demo's people and the simulator's items: who
//! may save what, queued saves, unlinking, search (idempotent saves: `items_replay.rs`; tenant
//! isolation: `isolation.rs`). The client names an item (owner
//! and REST id); everything else comes from (simulated) Microsoft Graph. The stories that
//! matter for data safety run on every store backend (SQLite, and PostgreSQL when
//! `TEST_DATABASE_URL` is set).

use liaison_domain::api::{
    ErrorBody, ErrorCode, ItemContext, RecordKind, RecordPage, SaveItemResponse, SaveOutcome,
    SyncState,
};
use liaison_domain::permissions::{Action, Level, Reason};
use liaison_e2e::TestApp;
use liaison_e2e::people::items::*;
use liaison_e2e::people::{
    ANN, ARTHUR, OLGA, OTTO, RITA, SAM, day, item, save, seeded, seeded_item,
};
use liaison_server::store::CountedTable;
use m365_sim::outlook::NewMeeting;
use serde_json::{Value, json};

async fn error(res: reqwest::Response) -> (u16, ErrorBody) {
    let status = res.status().as_u16();
    (status, res.json().await.expect("an error body"))
}

async fn events(app: &TestApp) -> i64 {
    app.store.count_rows(CountedTable::CrmEvents).await.unwrap()
}

#[tokio::test]
async fn an_editor_saves_the_organizers_event_into_the_organizers_crm_calendar() {
    let app = TestApp::spawn().await;
    let body = save(seeded_item(OLGA, OLGAS_REVIEW), &["demo-con-nancy"]);

    let res = app.post_as(ANN, "/api/items/save", &body, None).await;

    assert_eq!(res.status(), 200);
    let saved: SaveItemResponse = res.json().await.unwrap();
    assert_eq!(saved.outcome, SaveOutcome::Synced);
    assert_eq!(saved.status.state, SyncState::Synced);
    let event = saved.crm_event.unwrap();
    assert_eq!(event.organizer, OLGA);
    assert_eq!(event.created_by, ANN);
    // What Graph says of the meeting, not what a client stated.
    assert_eq!(event.subject, "Northwind quarterly review");
    assert_eq!(event.start, app.seed.tenants[0].events[0].start);
    assert_eq!(event.time_zone, "W. Europe Standard Time");
    assert_eq!(event.location, "Teams meeting");
    assert_eq!(event.attendees, ["nancy.davolio@northwind.example"]);
    assert_eq!(event.records[0].name, "Nancy Davolio");

    let audit = app.store.audit_log(&app.tenant_id(), 10).await.unwrap();
    let line = &audit[0];
    assert_eq!((line.action.as_str(), line.allowed()), ("items.save", true));
    assert_eq!(
        line.target,
        "olga@contoso.com/040000008200E00074C5B7101A82E00800000000000000000000000000000001"
    );
    assert!(line.on_behalf_of_id.is_some(), "saved on Olga's behalf");
}

#[tokio::test]
async fn each_level_gets_the_rules_verdict_and_every_refusal_is_audited() {
    let app = TestApp::spawn().await;
    // Sam only sends on Olga's behalf. Even an item Exchange says he created in her calendar
    // (which Microsoft never lets him do; a client may write PidTagCreatorName) is not his:
    // no Microsoft source gives him rights there, and a name grants nothing.
    let composed = app.simulator.outlook().create_by(
        OLGA,
        SAM,
        &NewMeeting::new("Composed by Sam", day(1), 30),
    );
    let cases = [
        // (who, owner, item, expected refusal) — who created each item is Graph's to say.
        (
            ARTHUR,
            OLGA,
            seeded(OLGAS_REVIEW),
            Some(Reason::AuthorNotCreator),
        ),
        (ARTHUR, OLGA, seeded(ARTHURS_FOLLOW_UP), None),
        (
            RITA,
            OLGA,
            seeded(OLGAS_REVIEW),
            Some(Reason::ReviewerReadOnly),
        ),
        (
            ANN,
            OTTO,
            seeded(OTTOS_BOARD_PREP),
            Some(Reason::OrganizerSyncDisabled),
        ),
        (
            OTTO,
            OLGA,
            seeded(OLGAS_REVIEW),
            Some(Reason::NoCalendarAccess),
        ),
        (
            SAM,
            OLGA,
            seeded(OLGAS_REVIEW),
            Some(Reason::NoCalendarAccess),
        ),
        (SAM, OLGA, composed, Some(Reason::NoCalendarAccess)),
        (ANN, OLGA, seeded(FABRIKAM_INVITATION), None),
        (
            ARTHUR,
            OLGA,
            seeded(FABRIKAM_INVITATION),
            Some(Reason::AuthorNotCreator),
        ),
        (OLGA, OLGA, seeded(OLGAS_REVIEW), None),
    ];
    let mut refusals = 0;
    for (who, owner, id, refusal) in cases {
        let body = save(item(owner, &id), &[]);
        let res = app.post_as(who, "/api/items/save", &body, None).await;
        match refusal {
            None => assert_eq!(res.status(), 200, "{who} on {owner}'s {id}"),
            Some(reason) => {
                refusals += 1;
                let (status, error) = error(res).await;
                assert_eq!(status, 403, "{who}");
                assert_eq!(error.code, ErrorCode::from(reason), "{who}");
                assert_eq!(error.message, reason.message());
            }
        }
    }
    let audit = app.store.audit_log(&app.tenant_id(), 50).await.unwrap();
    assert_eq!(audit.iter().filter(|l| !l.allowed()).count(), refusals);
}

#[tokio::test]
async fn sync_off_refuses_the_first_save_with_the_articles_words_and_writes_nothing() {
    let app = TestApp::spawn().await;

    let res = app
        .post_as(
            ANN,
            "/api/items/save",
            &save(seeded_item(OTTO, OTTOS_BOARD_PREP), &[]),
            None,
        )
        .await;

    let (status, error) = error(res).await;
    assert_eq!(status, 403);
    assert_eq!(error.message, "Sync is not enabled for the Organizer");
    assert_eq!(events(&app).await, 0);
}

#[tokio::test]
async fn the_clients_bits_can_lower_the_verified_level_but_never_raise_it() {
    let app = TestApp::spawn().await;
    let mut lowered = seeded_item(OLGA, OLGAS_REVIEW);
    lowered["officeDelegatePermissions"] = json!(1);
    let mut raised = seeded_item(OLGA, OLGAS_REVIEW);
    raised["officeDelegatePermissions"] = json!(63);

    let ann: ItemContext = app
        .post_as(ANN, "/api/items/context", &lowered, None)
        .await
        .json()
        .await
        .unwrap();
    let rita: ItemContext = app
        .post_as(RITA, "/api/items/context", &raised, None)
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(ann.permissions.level, Level::Reviewer);
    assert_eq!(rita.permissions.level, Level::Reviewer);
    assert!(!rita.permissions.actions[&Action::SaveToCrm].allowed);
}

/// Whether Graph answers a delegate without private access a private item stripped or refuses
/// it is not documented (the simulator plays both): either way Arthur is told "private item",
/// sees nothing of it and cannot save it.
#[tokio::test]
async fn a_private_item_stays_closed_to_a_delegate_who_may_not_see_private_items() {
    use m365_sim::world::PrivateItemRead;
    for read in [PrivateItemRead::Stripped, PrivateItemRead::Refused] {
        let app = TestApp::spawn().await;
        app.simulator.set_private_item_read(read);
        let private = seeded_item(OLGA, OLGAS_PRIVATE);
        let saved = app
            .post_as(ANN, "/api/items/save", &save(private.clone(), &[]), None)
            .await;
        assert_eq!(saved.status(), 200, "Ann may see private items");

        let context: ItemContext = app
            .post_as(ARTHUR, "/api/items/context", &private, None)
            .await
            .json()
            .await
            .unwrap();
        assert!(context.crm_event.is_none(), "no details of a private item");
        assert_eq!(
            context.permissions.actions[&Action::ViewDetails].reason,
            Some(Reason::PrivateItem),
            "{read:?}"
        );
        let refused = app
            .post_as(ARTHUR, "/api/items/save", &save(private, &[]), None)
            .await;
        let (status, body) = error(refused).await;
        assert_eq!(
            (status, body.code),
            (403, ErrorCode::PrivateItem),
            "{read:?}"
        );
    }
}

#[tokio::test]
async fn an_update_goes_through_on_the_delegates_crm_rights_even_with_sync_off() {
    let app = TestApp::spawn().await;
    let first = save(seeded_item(OLGA, OLGAS_REVIEW), &[]);
    assert_eq!(
        app.post_as(ANN, "/api/items/save", &first, None)
            .await
            .status(),
        200
    );
    let mut olga = app
        .store
        .user_by_mailbox(&app.tenant_id(), OLGA)
        .await
        .unwrap()
        .unwrap();
    olga.sync_enabled = false;
    app.store.upsert_user(&olga).await.unwrap();

    // Olga renames the meeting in Outlook: the update carries what Graph says now.
    app.simulator
        .outlook()
        .edit(&seeded(OLGAS_REVIEW), |e| e.subject = "Moved review".into());
    let update = save(seeded_item(OLGA, OLGAS_REVIEW), &["demo-acc-northwind"]);
    let by_ann = app.post_as(ANN, "/api/items/save", &update, None).await;
    let by_rita = app.post_as(RITA, "/api/items/save", &update, None).await;

    assert_eq!(by_ann.status(), 200);
    let saved: SaveItemResponse = by_ann.json().await.unwrap();
    assert_eq!(saved.crm_event.unwrap().subject, "Moved review");
    let (status, error) = error(by_rita).await;
    assert_eq!(status, 403);
    assert_eq!(error.code, ErrorCode::ReviewerReadOnly);
    assert_eq!(events(&app).await, 1);
}

#[tokio::test]
async fn with_insta_sync_off_a_first_save_is_queued_for_the_next_session() {
    let app = TestApp::spawn().await;
    let mut tenant = app.store.tenant(&app.tenant_id()).await.unwrap().unwrap();
    tenant.insta_sync = false;
    app.store.upsert_tenant(&tenant).await.unwrap();

    let res = app
        .post_as(
            ANN,
            "/api/items/save",
            &save(seeded_item(OLGA, OLGAS_REVIEW), &[]),
            None,
        )
        .await;

    let saved: SaveItemResponse = res.json().await.unwrap();
    assert_eq!(saved.outcome, SaveOutcome::Queued);
    assert_eq!(saved.status.state, SyncState::Queued);
    assert!(saved.crm_event.is_none());
    assert_eq!(events(&app).await, 0);
    assert_eq!(
        app.store
            .count_rows(CountedTable::SaveOutbox)
            .await
            .unwrap(),
        1
    );
    let status: Value = app
        .get_as(
            ANN,
            &format!(
                "/api/items/status?owner=olga%40contoso.com&itemId={}",
                seeded(OLGAS_REVIEW)
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["state"], "queued");
}

#[tokio::test]
async fn without_a_valid_token_every_item_endpoint_answers_401() {
    let app = TestApp::spawn().await;
    let deployment = TestApp::spawn_with(liaison_server::config::Tls::Off, false).await;
    let body = save(seeded_item(OLGA, OLGAS_REVIEW), &[]);

    let none = app.post_json("/api/items/save", body.to_string()).await;
    let forged = app
        .http
        .post(format!("{}/api/items/save", app.url))
        .bearer_auth("dev:6f1c2a5e-2b1d-4c1e-9a57-7c0d3e1b9a01:no-such-user")
        .json(&body)
        .send()
        .await
        .unwrap();
    // A development token means nothing to a deployment.
    let dev_in_production = deployment
        .http
        .post(format!("{}/api/items/save", deployment.url))
        .bearer_auth(app.token(ANN).await)
        .json(&body)
        .send()
        .await
        .unwrap();

    for res in [none, forged, dev_in_production] {
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        let (status, error) = error(res).await;
        assert_eq!(status, 401);
        assert_eq!(error.code, ErrorCode::Unauthenticated);
    }
}

#[tokio::test]
async fn unlinking_removes_a_record_then_detaches_the_item_and_keeps_the_crm_event() {
    let app = TestApp::spawn().await;
    let it = seeded_item(OLGA, OLGAS_REVIEW);
    let saved = app
        .post_as(
            ANN,
            "/api/items/save",
            &save(it.clone(), &["demo-con-nancy", "demo-con-andrew"]),
            None,
        )
        .await;
    assert_eq!(saved.status(), 200);

    let one: ItemContext = app
        .post_as(
            ANN,
            "/api/items/unlink",
            &json!({ "item": it, "recordId": "demo-con-nancy" }),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let again = app
        .post_as(
            ANN,
            "/api/items/unlink",
            &json!({ "item": it, "recordId": "demo-con-nancy" }),
            None,
        )
        .await;
    let detached: ItemContext = app
        .post_as(ANN, "/api/items/unlink", &json!({ "item": it }), None)
        .await
        .json()
        .await
        .unwrap();

    let names: Vec<_> = one
        .crm_event
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["Andrew Fuller"]);
    assert_eq!(error(again).await.0, 404);
    assert_eq!(detached.status.state, SyncState::NotSynced);
    assert_eq!(events(&app).await, 1, "the CRM event and its history stay");
}

#[tokio::test]
async fn search_finds_by_word_prefix_and_kind_pages_and_shows_only_what_the_user_may_see() {
    let app = TestApp::spawn().await;
    let page = |who: &'static str, query: &'static str| {
        let app = &app;
        async move {
            let res = app.get_as(who, &format!("/api/crm/records?{query}")).await;
            assert_eq!(res.status(), 200, "{query}");
            res.json::<RecordPage>().await.unwrap()
        }
    };

    let nan = page(ANN, "q=nan").await;
    let fuller = page(ANN, "q=FULLER").await;
    let northwind_contacts = page(ANN, "q=northwind&kind=contact").await;
    let arthur_fabrikam = page(ARTHUR, "q=fabrikam").await;
    let ann_fabrikam = page(ANN, "q=fabrikam").await;
    let first = page(ANN, "limit=3").await;

    assert_eq!(nan.records[0].name, "Nancy Davolio");
    assert_eq!(fuller.records[0].name, "Andrew Fuller");
    assert_eq!(northwind_contacts.records.len(), 2);
    assert!(
        northwind_contacts
            .records
            .iter()
            .all(|r| r.kind == RecordKind::Contact)
    );
    assert!(arthur_fabrikam.records.is_empty(), "not shared with Arthur");
    assert_eq!(
        ann_fabrikam.records.len(),
        1,
        "shared with Ann; Margaret is shared with nobody"
    );
    // Paging walks every visible record once, in name order.
    let mut seen = first.records.clone();
    let mut cursor = first.next_cursor.clone();
    while let Some(c) = cursor {
        let next: RecordPage = app
            .get_as(ANN, &format!("/api/crm/records?limit=3&cursor={c}"))
            .await
            .json()
            .await
            .unwrap();
        seen.extend(next.records);
        cursor = next.next_cursor;
    }
    let names: Vec<_> = seen.iter().map(|r| r.name.clone()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 9, "Ann sees every record but Margaret's");
}

#[tokio::test]
async fn malformed_item_requests_get_a_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let mut bad_bits = seeded_item(OLGA, OLGAS_REVIEW);
    bad_bits["officeDelegatePermissions"] = json!(64);
    let no_id = item(OLGA, "");
    let unsaved = json!({ "item": { "owner": OLGA }, "linkRecordIds": [] });

    let cases = [
        (
            app.post_as(ANN, "/api/items/context", &bad_bits, None)
                .await,
            "item.officeDelegatePermissions",
        ),
        (
            app.post_as(ANN, "/api/items/context", &no_id, None).await,
            "item.itemId",
        ),
        (
            app.post_as(ANN, "/api/items/save", &unsaved, None).await,
            "item.itemId",
        ),
        (
            app.post_as(
                ANN,
                "/api/items/save",
                &save(seeded_item(OLGA, OLGAS_REVIEW), &[]),
                Some("bad key with spaces"),
            )
            .await,
            "Idempotency-Key",
        ),
        (
            app.get_as(ANN, "/api/crm/records?kind=person").await,
            "kind",
        ),
        (
            app.get_as(ANN, "/api/crm/records?cursor=forged").await,
            "cursor",
        ),
    ];
    for (res, field) in cases {
        let (status, error) = error(res).await;
        assert_eq!(status, 400, "{field}");
        assert_eq!(error.field.as_deref(), Some(field));
    }
    assert_eq!(events(&app).await, 0);
}

#[tokio::test]
async fn an_organizer_who_turns_sync_on_lets_the_delegate_save_and_it_is_audited() {
    let app = TestApp::spawn().await;
    let body = save(seeded_item(OTTO, OTTOS_BOARD_PREP), &[]);
    let before = app.post_as(ANN, "/api/items/save", &body, None).await;
    assert_eq!(error(before).await.1.code, ErrorCode::OrganizerSyncDisabled);

    let turned_on = app
        .http
        .put(format!("{}/api/me/sync", app.url))
        .bearer_auth(app.token(OTTO).await)
        .json(&json!({ "syncEnabled": true }))
        .send()
        .await
        .unwrap();
    let me: Value = turned_on.json().await.unwrap();
    let after = app.post_as(ANN, "/api/items/save", &body, None).await;

    assert_eq!(me["syncEnabled"], true);
    assert_eq!(after.status(), 200);
    let audit = app.store.audit_log(&app.tenant_id(), 10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|l| l.action == "settings.sync" && l.detail.as_deref() == Some("on"))
    );
}
