//! The store's upkeep, on SQLite and (when `TEST_DATABASE_URL` is set, always in CI) on
//! PostgreSQL: bounded audit lines, housekeeping, session expiry, the outbox carried out once and
//! dead-lettered once.

use liaison_domain::api::RecordKind;
use liaison_e2e::store_fixtures::*;
use liaison_e2e::test_db::{TestDatabase, backends};
use liaison_server::store::{
    self, AuditAction, AuditEntry, CountedTable, EventKey, NewRecord, Store, Tenant, TenantId, User,
};

#[tokio::test]
async fn the_store_keeps_itself_in_shape_on_every_backend() {
    for backend in backends() {
        let db = TestDatabase::create(&backend).await;
        let store = store::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        people_a_record_and_a_keyed_save(store.as_ref()).await;
        audit_lines_are_bounded_whatever_the_caller_passes(store.as_ref()).await;
        housekeeping_deletes_only_what_has_run_its_course(store.as_ref()).await;
        sessions_end_when_idle_an_hour_or_eight_hours_after_they_began(store.as_ref()).await;
        a_queued_save_is_carried_out_once_and_dead_lettered_once(store.as_ref()).await;
    }
}

/// Olga and Ann of tenant A, Olga's record `r1`, and a save of Ann's with an idempotency key.
async fn people_a_record_and_a_keyed_save(store: &dyn Store) {
    let t = TenantId::new(T);
    store.upsert_tenant(&Tenant::new(&t, "A")).await.unwrap();
    for id in ["olga", "ann"] {
        store
            .upsert_user(&User {
                tenant_id: t.clone(),
                id: uid(id),
                mailbox: format!("{id}@a.example"),
                display_name: id.into(),
                sync_enabled: true,
            })
            .await
            .unwrap();
    }
    store
        .insert_record(
            &t,
            &NewRecord {
                id: "r1".into(),
                kind: RecordKind::Contact,
                name: "Nancy Davolio".into(),
                email: None,
                company: None,
                owner_id: uid("olga"),
            },
        )
        .await
        .unwrap();
    store
        .save_item(
            &save("ann", "uid-keyed", Some("key-1")),
            &audit("ann"),
            &ok_response,
        )
        .await
        .unwrap();
}

/// The audit log is append-only, so what a request can put in a line is bounded in the store.
async fn audit_lines_are_bounded_whatever_the_caller_passes(store: &dyn Store) {
    let tenant = TenantId::new("tenant-bounded");
    let huge = "é".repeat(100_000);
    store
        .append_audit(&AuditEntry {
            tenant_id: tenant.clone(),
            actor_id: uid("someone"),
            on_behalf_of_id: None,
            action: AuditAction::ItemSave,
            target: huge.clone(),
            allowed: false,
            reason: Some(huge.clone()),
            detail: Some(huge),
        })
        .await
        .unwrap();
    let line = &store.audit_log(&tenant, 1).await.unwrap()[0];
    assert!(line.target.chars().count() <= 513, "{}", line.target.len());
    assert!(line.reason.as_ref().unwrap().chars().count() <= 65);
    assert!(line.detail.as_ref().unwrap().chars().count() <= 1025);
    assert!(line.target.ends_with('…'));
}

/// Idempotency keys are kept at least a day (two, in fact); sessions go when idle or over;
/// nothing live is touched.
async fn housekeeping_deletes_only_what_has_run_its_course(store: &dyn Store) {
    use liaison_server::auth::sessions;
    use liaison_server::housekeeping::purge_once;
    const HOUR: i64 = 60 * 60 * 1000;
    let now = liaison_server::clock::now_ms();
    let ann = liaison_server::store::UserKey::new(TenantId::new(T), uid("ann"));
    let (token, _) = sessions::start(store, &ann, false, None).await.unwrap();

    let soon = purge_once(store, now + HOUR / 2).await.unwrap();
    assert_eq!((soon.sessions, soon.idempotency_keys), (0, 0));
    assert!(sessions::resolve(store, &token).await.unwrap().is_some());

    let idle = purge_once(store, now + 2 * HOUR).await.unwrap();
    assert_eq!(
        idle.sessions, 1,
        "an hour unused ends a session; it is deleted"
    );
    assert_eq!(idle.idempotency_keys, 0);
    assert_eq!(
        purge_once(store, now + 47 * HOUR)
            .await
            .unwrap()
            .idempotency_keys,
        0,
        "keys answer replays for at least a day"
    );
    assert!(
        purge_once(store, now + 49 * HOUR)
            .await
            .unwrap()
            .idempotency_keys
            >= 1
    );
}

/// A session ends an hour after its last use however recent its start, and eight hours after
/// its start however often it is used.
async fn sessions_end_when_idle_an_hour_or_eight_hours_after_they_began(store: &dyn Store) {
    use liaison_server::auth::sessions::{self, resolve_at};
    const MINUTE: i64 = 60 * 1000;
    let ann = liaison_server::store::UserKey::new(TenantId::new(T), uid("ann"));

    let (idle, _) = sessions::start(store, &ann, false, None).await.unwrap();
    let began = liaison_server::clock::now_ms();
    assert!(
        resolve_at(store, &idle, began + 50 * MINUTE)
            .await
            .unwrap()
            .is_some()
    );
    // Used at +50 min, so still alive at +50 + 59 min (past an hour since its start)…
    assert!(
        resolve_at(store, &idle, began + 109 * MINUTE)
            .await
            .unwrap()
            .is_some()
    );
    // …and over 61 minutes after its last use.
    assert!(
        resolve_at(store, &idle, began + 171 * MINUTE)
            .await
            .unwrap()
            .is_none()
    );

    let (busy, _) = sessions::start(store, &ann, false, None).await.unwrap();
    let began = liaison_server::clock::now_ms();
    let mut at = began;
    while at < began + 8 * 60 * MINUTE - 40 * MINUTE {
        at += 40 * MINUTE;
        assert!(
            resolve_at(store, &busy, at).await.unwrap().is_some(),
            "used every 40 minutes, alive at +{} min",
            (at - began) / MINUTE
        );
    }
    assert!(
        resolve_at(store, &busy, began + 8 * 60 * MINUTE + MINUTE)
            .await
            .unwrap()
            .is_none(),
        "eight hours after it began, however busy"
    );
}

/// Two sessions carrying out one queued save (a lease taken over mid-way): the second writes
/// nothing — its transaction begins by taking the outbox row. Giving up on it happens once too.
async fn a_queued_save_is_carried_out_once_and_dead_lettered_once(store: &dyn Store) {
    let olga = liaison_server::store::UserKey::new(TenantId::new(T), uid("olga"));
    let mut queue = save("ann", "uid-outbox", None);
    queue.queue = Some(store::QueueWrite {
        payload: "{}".into(),
        item_id: Some("rest-id-outbox".into()),
    });
    store
        .save_item(&queue, &audit("ann"), &ok_response)
        .await
        .unwrap();
    let queued = store.queued_saves(&olga).await.unwrap();
    let queued = queued
        .iter()
        .find(|q| q.ical_uid == "uid-outbox")
        .expect("the queued save")
        .clone();
    assert_eq!(queued.item_id.as_deref(), Some("rest-id-outbox"));
    assert_eq!(queued.attempts, 0);

    let audit_lines = || async { store.count_rows(CountedTable::AuditLog).await.unwrap() };
    let mut carry_out = save("ann", "uid-outbox", None);
    carry_out.outbox_id = Some(queued.id.clone());
    let before = audit_lines().await;
    store
        .save_item(&carry_out, &audit("ann"), &ok_response)
        .await
        .unwrap();
    let again = store
        .save_item(&carry_out, &audit("ann"), &ok_response)
        .await;
    assert!(
        matches!(again, Err(store::StoreError::OutboxTaken)),
        "{again:?}"
    );
    assert_eq!(audit_lines().await, before + 1, "one audit line, one write");

    // Another queued save fails twice, then is given up on — once.
    let mut queue = save("ann", "uid-dead", None);
    queue.queue = Some(store::QueueWrite {
        payload: "{}".into(),
        item_id: None,
    });
    store
        .save_item(&queue, &audit("ann"), &ok_response)
        .await
        .unwrap();
    let dead = store
        .queued_saves(&olga)
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.ical_uid == "uid-dead")
        .unwrap();
    let t = TenantId::new(T);
    assert_eq!(
        store
            .note_queued_save_failure(&t, &dead.id, "Graph")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .note_queued_save_failure(&t, &dead.id, "Graph")
            .await
            .unwrap(),
        2
    );
    assert!(
        store
            .dead_letter_queued_save(&olga, &dead, "gave up", &audit("ann"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .dead_letter_queued_save(&olga, &dead, "gave up", &audit("ann"))
            .await
            .unwrap()
    );
    let status = store
        .item_status(EventKey {
            tenant_id: &t,
            organizer_id: &uid("olga"),
            ical_uid: "uid-dead",
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.state, store::ItemSyncState::Failed);
    assert_eq!(status.error_code.as_deref(), Some("queued_save_failed"));
    assert_eq!(status.error_message.as_deref(), Some("gave up"));
}
