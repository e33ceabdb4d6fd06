//! The store's upkeep, on SQLite and (when `TEST_DATABASE_URL` is set, always in CI) on
//! PostgreSQL: bounded audit lines, housekeeping, session expiry, the outbox carried out once and
//! dead-lettered once.

use liaison_domain::api::RecordKind;
use liaison_e2e::store_fixtures::*;
use liaison_e2e::test_db::{TestDatabase, backends};
use liaison_server::clock::now_ms;
use liaison_server::store::{
    self, AuditAction, AuditEntry, CountedTable, EventKey, EventType, Lease, NewRecord, Store,
    SyncWindow, SyncWrite, SyncedItem, Tenant, TenantId, User, UserKey,
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
        a_sync_ends_an_items_failure_and_a_queued_save_keeps_when_it_last_synced(store.as_ref())
            .await;
    }
}

/// Migrations 0009 and 0010 move "synced" from the status rows, and the followed Graph item
/// from `graph_event_links`, onto the CRM events: an installation upgraded from 0008 keeps when
/// each item last synced, its failures, and which item each event follows (of two links, the
/// one still followed).
#[tokio::test]
async fn upgrading_keeps_the_sync_state_on_every_backend() {
    const LEGACY: &[&str] = &[
        "INSERT INTO tenants (id, name, created_at_ms) VALUES ('t', 'T', 0)",
        "INSERT INTO users (tenant_id, id, mailbox, display_name, created_at_ms) \
         VALUES ('t', 'olga', 'olga@t.example', 'Olga', 0)",
        "INSERT INTO crm_events (tenant_id, id, organizer_id, ical_uid, subject, time_zone, \
         created_by_id, modified_by_id, created_at_ms, updated_at_ms) VALUES \
         ('t', 'e1', 'olga', 'uid-synced', 'A', 'UTC', 'olga', 'olga', 0, 0), \
         ('t', 'e2', 'olga', 'uid-failed', 'B', 'UTC', 'olga', 'olga', 0, 0)",
        "INSERT INTO item_sync_status (tenant_id, organizer_id, ical_uid, state, synced_at_ms, \
         error_code, updated_at_ms) VALUES ('t', 'olga', 'uid-synced', 'synced', 42, NULL, 42), \
         ('t', 'olga', 'uid-failed', 'failed', 7, 'graph_error', 43)",
        "INSERT INTO graph_event_links (tenant_id, mailbox_id, graph_event_id, event_id, \
         via_category, following) VALUES ('t', 'olga', 'g-1', 'e1', FALSE, FALSE), \
         ('t', 'olga', 'g-2', 'e1', TRUE, TRUE), ('t', 'olga', 'g2', 'e2', FALSE, TRUE)",
    ];
    const AFTER: &str = "SELECT e.ical_uid, e.synced_at_ms, s.state, e.graph_event_id, \
         e.via_category, e.following FROM crm_events e \
         LEFT JOIN item_sync_status s ON s.tenant_id = e.tenant_id \
         AND s.organizer_id = e.organizer_id AND s.ical_uid = e.ical_uid ORDER BY e.ical_uid";
    for backend in backends() {
        let db = TestDatabase::create(&backend).await;
        let dialect = if db.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        };
        let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../server/migrations")
            .join(dialect);
        let up_to_0008 = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(&all).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".sql") && name.as_str() < "0009" {
                std::fs::copy(&path, up_to_0008.path().join(&name)).unwrap();
            }
        }
        let before = sqlx::migrate::Migrator::new(up_to_0008.path())
            .await
            .unwrap();
        let after = sqlx::migrate::Migrator::new(all.as_path()).await.unwrap();
        type Row = (
            String,
            Option<i64>,
            Option<String>,
            Option<String>,
            bool,
            bool,
        );
        // The same steps on each backend's own pool type: migrate to 0008, write the legacy
        // rows, migrate to the end, read what the upgrade kept.
        macro_rules! upgrade_and_read {
            ($pool:expr) => {{
                let pool = $pool;
                before.run(&pool).await.unwrap();
                for statement in LEGACY {
                    sqlx::query(statement).execute(&pool).await.unwrap();
                }
                after.run(&pool).await.unwrap();
                let rows: Vec<Row> = sqlx::query_as(AFTER).fetch_all(&pool).await.unwrap();
                pool.close().await;
                rows
            }};
        }
        let rows = if db.is_postgres() {
            upgrade_and_read!(sqlx::PgPool::connect(db.url.expose()).await.unwrap())
        } else {
            let options: sqlx::sqlite::SqliteConnectOptions = db.url.expose().parse().unwrap();
            upgrade_and_read!(
                sqlx::SqlitePool::connect_with(options.create_if_missing(true))
                    .await
                    .unwrap()
            )
        };
        assert_eq!(
            rows,
            [
                (
                    "uid-failed".to_owned(),
                    None,
                    Some("failed".to_owned()),
                    Some("g2".to_owned()),
                    false,
                    true
                ),
                (
                    "uid-synced".to_owned(),
                    Some(42),
                    None,
                    Some("g-2".to_owned()),
                    true,
                    true
                ),
            ],
            "{dialect}"
        );
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
    let now = now_ms();
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
    let began = now_ms();
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

    // An administrator's session carries the admin rights it was signed in with for fifteen
    // minutes; then the session lives on, without them, until a new sign-in confirms them.
    let (admin, _) = sessions::start(store, &ann, true, None).await.unwrap();
    let began = now_ms();
    let at = |minutes| resolve_at(store, &admin, began + minutes * MINUTE);
    assert!(at(14).await.unwrap().unwrap().is_admin);
    let later = at(16).await.unwrap().expect("still signed in");
    assert!(!later.is_admin, "admin rights re-checked within minutes");

    let (busy, _) = sessions::start(store, &ann, false, None).await.unwrap();
    let began = now_ms();
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
    let queue = queued_save("ann", "uid-outbox", Some("rest-id-outbox"));
    store
        .save_item(&queue, &audit("ann"), &ok_response)
        .await
        .unwrap();
    let queued = store.queued_saves(&olga, 100).await.unwrap();
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
    let queue = queued_save("ann", "uid-dead", None);
    store
        .save_item(&queue, &audit("ann"), &ok_response)
        .await
        .unwrap();
    let dead = store
        .queued_saves(&olga, 100)
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

/// "Synced" is when the CRM event was last written (no status row per item); a status row holds
/// only the exceptions, and a sync of the item ends them. Runs after the dead letter above:
/// `uid-dead` is failed.
async fn a_sync_ends_an_items_failure_and_a_queued_save_keeps_when_it_last_synced(
    store: &dyn Store,
) {
    let t = TenantId::new(T);
    let olga = UserKey::new(t.clone(), uid("olga"));
    let key = EventKey {
        tenant_id: &t,
        organizer_id: &uid("olga"),
        ical_uid: "uid-dead",
    };
    let status = store.item_status(key).await.unwrap().unwrap();
    assert_eq!(status.state, store::ItemSyncState::Failed);

    // A sync session writes the item: synced, the failure gone.
    let window = SyncWindow {
        start: "2026-01-01T00:00:00Z".into(),
        end: "2027-01-01T00:00:00Z".into(),
    };
    store.ensure_sync_job(&olga, &window, 0).await.unwrap();
    let lease = Lease {
        worker: "store-test".into(),
        until_ms: now_ms() + 600_000,
    };
    let job = store
        .claim_sync_job(Some(&olga), &lease, now_ms())
        .await
        .unwrap()
        .expect("olga's job is claimed");
    let synced_at = now_ms();
    let item = save("olga", "uid-dead", None);
    let write = SyncWrite::Upsert(Box::new(SyncedItem {
        graph_id: "graph-uid-dead".into(),
        ical_uid: "uid-dead".into(),
        write: item.event,
        event_type: EventType::SingleInstance,
        series_master_graph_id: None,
        via_category: true,
        organizer_address: None,
        link_addresses: Vec::new(),
    }));
    assert!(
        store
            .apply_sync(&job, &[write], None, now_ms() + 600_000, synced_at)
            .await
            .unwrap()
    );
    let status = store.item_status(key).await.unwrap().unwrap();
    assert_eq!(status.state, store::ItemSyncState::Synced);
    assert_eq!(status.synced_at_ms, Some(synced_at));
    assert_eq!(status.error_code, None);

    // A save queued afterwards: queued, and still says when the item last reached the CRM.
    let queue = queued_save("ann", "uid-dead", None);
    store
        .save_item(&queue, &audit("ann"), &ok_response)
        .await
        .unwrap();
    let status = store.item_status(key).await.unwrap().unwrap();
    assert_eq!(status.state, store::ItemSyncState::Queued);
    assert_eq!(status.synced_at_ms, Some(synced_at));

    // An item the CRM never had has no status at all.
    let unknown = EventKey {
        ical_uid: "uid-never-seen",
        ..key
    };
    assert!(store.item_status(unknown).await.unwrap().is_none());
}
