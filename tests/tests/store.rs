//! One story of the record store, run on SQLite and (when `TEST_DATABASE_URL` is set, always in
//! CI) on PostgreSQL: each run on a database of its own.

use liaison_domain::api::RecordKind;
use liaison_domain::permissions::GraphRole;
use liaison_e2e::test_db::{TestDatabase, backends};
use liaison_server::store::{
    self, AuditAction, AuditEntry, CalendarView, CountedTable, Delegation, DelegationCheck,
    EventKey, EventTime, EventType, EventWrite, IdempotencyKey, Idempotent, ItemSyncState,
    NewRecord, RecordCursor, RecordQuery, SaveCommand, Share, Store, StoredResponse, Tenant,
    TenantId, User, UserId,
};

const T: &str = "tenant-a";
const OTHER: &str = "tenant-b";

fn uid(id: &str) -> UserId {
    UserId::new(id)
}

fn user(tenant: &str, id: &str, mailbox: &str) -> User {
    User {
        tenant_id: TenantId::new(tenant),
        id: uid(id),
        mailbox: mailbox.into(),
        display_name: id.into(),
        sync_enabled: true,
    }
}

fn record(id: &str, kind: RecordKind, name: &str, owner: &str) -> NewRecord {
    NewRecord {
        id: id.into(),
        kind,
        name: name.into(),
        email: Some(format!(
            "{}@example.com",
            name.to_lowercase().replace(' ', ".")
        )),
        company: Some("Northwind Traders".into()),
        owner_id: uid(owner),
    }
}

fn save(actor: &str, ical_uid: &str, key: Option<&str>) -> SaveCommand {
    SaveCommand {
        tenant_id: TenantId::new(T),
        actor_id: uid(actor),
        organizer_id: uid("olga"),
        ical_uid: ical_uid.into(),
        graph_event_id: Some(format!("graph-{ical_uid}")),
        event: EventWrite {
            subject: "Review".into(),
            time: EventTime::Timed {
                start_ms: 1_795_420_800_000,
                end_ms: 1_795_424_400_000,
            },
            time_zone: "Europe/Paris".into(),
            location: String::new(),
            attendees: vec!["nancy@northwind.example".into()],
            is_private: false,
        },
        event_type: EventType::SingleInstance,
        series_master_graph_id: None,
        link_record_ids: vec!["r1".into()],
        queue: None,
        idempotency: key.map(|k| IdempotencyKey {
            key: k.into(),
            request_hash: "hash-1".into(),
        }),
        outbox_id: None,
    }
}

fn audit(actor: &str) -> AuditEntry {
    AuditEntry {
        tenant_id: TenantId::new(T),
        actor_id: uid(actor),
        on_behalf_of_id: Some(uid("olga")),
        action: AuditAction::ItemSave,
        target: "olga@a.example/uid".into(),
        allowed: true,
        reason: None,
        detail: None,
    }
}

fn ok_response(_: Option<&store::StoredEvent>, _: &store::StoredStatus) -> StoredResponse {
    StoredResponse {
        status: 200,
        body: "{\"saved\":true}".into(),
    }
}

#[tokio::test]
async fn the_store_story_holds_on_every_backend() {
    for backend in backends() {
        let db = TestDatabase::create(&backend).await;
        let store = store::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        store.migrate().await.unwrap();
        story(store.as_ref()).await;
        append_only_audit(&db).await;
        audit_lines_are_bounded_whatever_the_caller_passes(store.as_ref()).await;
        housekeeping_deletes_only_what_has_run_its_course(store.as_ref()).await;
        sessions_end_when_idle_an_hour_or_eight_hours_after_they_began(store.as_ref()).await;
        a_queued_save_is_carried_out_once_and_dead_lettered_once(store.as_ref()).await;
        bulk_written_parents_have_one_index_led_by_tenant(&db).await;
    }
}

async fn story(store: &dyn Store) {
    let (t, other) = (TenantId::new(T), TenantId::new(OTHER));
    let (olga_id, ann_id, rita_id) = (uid("olga"), uid("ann"), uid("rita"));
    let delegation = |tenant_id| Delegation {
        tenant_id,
        owner_id: &olga_id,
        delegate_id: &ann_id,
    };
    let key = |tenant_id, ical_uid| EventKey {
        tenant_id,
        organizer_id: &olga_id,
        ical_uid,
    };
    // Tenants and people, keyed by tenant and object id.
    store.upsert_tenant(&Tenant::new(&t, "A")).await.unwrap();
    store
        .upsert_tenant(&Tenant::new(&other, "B"))
        .await
        .unwrap();
    for (id, mailbox) in [
        ("olga", "Olga@A.example"),
        ("ann", "ann@a.example"),
        ("rita", "rita@a.example"),
    ] {
        store.upsert_user(&user(T, id, mailbox)).await.unwrap();
    }
    store
        .upsert_user(&user(OTHER, "olga", "olga@b.example"))
        .await
        .unwrap();
    let olga = store
        .user_by_mailbox(&t, "OLGA@a.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (olga.id.as_str(), olga.mailbox.as_str()),
        ("olga", "olga@a.example")
    );
    assert!(
        store
            .user_by_mailbox(&other, "olga@a.example")
            .await
            .unwrap()
            .is_none()
    );

    let editor = DelegationCheck {
        graph_role: Some(GraphRole::DelegateWithPrivateEventAccess),
        view: Some(CalendarView {
            can_edit: true,
            can_view_private: true,
        }),
        checked_at_ms: 1_000,
        client_bits_audited: None,
    };
    store
        .put_delegation_check(delegation(&t), &editor)
        .await
        .unwrap();
    assert_eq!(
        store.delegation_check(delegation(&t)).await.unwrap(),
        Some(editor)
    );
    assert_eq!(
        store.delegation_check(delegation(&other)).await.unwrap(),
        None
    );
    // An owner's list that could not be read, and a delegate who cannot open the calendar.
    let unknown = DelegationCheck {
        graph_role: None,
        view: None,
        checked_at_ms: 2_000,
        client_bits_audited: None,
    };
    store
        .put_delegation_check(delegation(&t), &unknown)
        .await
        .unwrap();
    assert_eq!(
        store.delegation_check(delegation(&t)).await.unwrap(),
        Some(unknown)
    );

    // Records, sharing, search.
    for r in [
        record("r1", RecordKind::Contact, "Nancy Davolio", "olga"),
        record("r2", RecordKind::Contact, "Andrew Fuller", "olga"),
        record("r3", RecordKind::Account, "Northwind Traders", "olga"),
        record("r4", RecordKind::Lead, "Private Lead", "olga"),
    ] {
        store.insert_record(&t, &r).await.unwrap();
    }
    assert!(matches!(
        store
            .insert_record(&t, &record("r1", RecordKind::Contact, "Again", "olga"))
            .await,
        Err(store::StoreError::Conflict(_))
    ));
    for id in ["r1", "r2", "r3"] {
        store
            .share_record(&t, id, &ann_id, Share::View)
            .await
            .unwrap();
    }
    let query = |words: &[&str], kind, limit, after| RecordQuery {
        words: words.iter().map(|w| (*w).to_owned()).collect(),
        kind,
        limit,
        after,
    };
    let names = |records: Vec<liaison_domain::api::CrmRecord>| -> Vec<String> {
        records.into_iter().map(|r| r.name).collect()
    };
    assert_eq!(
        names(
            store
                .search_records(&t, &ann_id, &query(&["dav"], None, 10, None))
                .await
                .unwrap()
        ),
        ["Nancy Davolio"]
    );
    assert_eq!(
        names(
            store
                .search_records(
                    &t,
                    &ann_id,
                    &query(&["north", "trad"], Some(RecordKind::Account), 10, None)
                )
                .await
                .unwrap()
        ),
        ["Northwind Traders"]
    );
    assert_eq!(
        store
            .search_records(&t, &ann_id, &query(&["private"], None, 10, None))
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        store
            .search_records(&t, &olga_id, &query(&["private"], None, 10, None))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .search_records(&t, &ann_id, &query(&["100%"], None, 10, None))
            .await
            .unwrap()
            .len(),
        0,
        "LIKE wildcards are literal"
    );
    let first = store
        .search_records(&t, &ann_id, &query(&[], None, 2, None))
        .await
        .unwrap();
    let last = first.last().unwrap();
    let second = store
        .search_records(
            &t,
            &ann_id,
            &query(
                &[],
                None,
                2,
                Some(RecordCursor {
                    name: last.name.clone(),
                    id: last.id.clone(),
                }),
            ),
        )
        .await
        .unwrap();
    assert_eq!(names(first), ["Andrew Fuller", "Nancy Davolio"]);
    assert_eq!(names(second), ["Northwind Traders"]);
    assert_eq!(
        store
            .search_records(&other, &olga_id, &query(&[], None, 10, None))
            .await
            .unwrap()
            .len(),
        0
    );
    let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        store
            .visible_records(&t, &ann_id, &ids(&["r1", "r4", "nope"]))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .visible_records(&other, &olga_id, &ids(&["r1"]))
            .await
            .unwrap()
            .len(),
        0
    );

    // CRM calendar sharing.
    store
        .share_crm_calendar(&t, &olga_id, &ann_id, Share::Edit)
        .await
        .unwrap();
    assert_eq!(
        store
            .crm_calendar_share(&t, &olga_id, &ann_id)
            .await
            .unwrap(),
        Some(Share::Edit)
    );
    assert_eq!(
        store
            .crm_calendar_share(&t, &olga_id, &rita_id)
            .await
            .unwrap(),
        None
    );

    // Saves: one event per organizer + iCalUId, replay under a key, a reused key refused.
    let first = store
        .save_item(
            &save("ann", "uid-1", Some("k1")),
            &audit("ann"),
            &ok_response,
        )
        .await
        .unwrap();
    assert_eq!(first, Idempotent::Fresh(ok_response(None, &dummy_status())));
    let replay = store
        .save_item(
            &save("ann", "uid-1", Some("k1")),
            &audit("ann"),
            &ok_response,
        )
        .await
        .unwrap();
    assert_eq!(
        replay,
        Idempotent::Replayed(ok_response(None, &dummy_status()))
    );
    let mut reused = save("ann", "uid-1", Some("k1"));
    reused.idempotency.as_mut().unwrap().request_hash = "hash-2".into();
    assert_eq!(
        store
            .save_item(&reused, &audit("ann"), &ok_response)
            .await
            .unwrap(),
        Idempotent::KeyReused
    );
    store
        .save_item(&save("olga", "uid-1", None), &audit("olga"), &ok_response)
        .await
        .unwrap();
    assert_eq!(store.count_rows(CountedTable::CrmEvents).await.unwrap(), 1);
    let event = store.find_event(key(&t, "uid-1")).await.unwrap().unwrap();
    assert_eq!(event.created_by_mailbox, "ann@a.example");
    assert_eq!(event.modified_by_mailbox, "olga@a.example");
    assert_eq!(event.records.len(), 1);
    assert!(
        store
            .find_event(key(&other, "uid-1"))
            .await
            .unwrap()
            .is_none()
    );
    let status = store.item_status(key(&t, "uid-1")).await.unwrap().unwrap();
    assert_eq!(status.state, ItemSyncState::Synced);

    // Unlink and detach; the event stays.
    assert!(
        store
            .unlink_record(&t, &event.id, "r1", &audit("ann"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .unlink_record(&t, &event.id, "r1", &audit("ann"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .unlink_record(&other, &event.id, "r1", &audit("ann"))
            .await
            .unwrap()
    );
    store
        .detach_item(key(&t, "uid-1"), &event.id, &audit("ann"))
        .await
        .unwrap();
    assert!(store.item_status(key(&t, "uid-1")).await.unwrap().is_none());
    assert_eq!(store.count_rows(CountedTable::CrmEvents).await.unwrap(), 1);

    // Refusals are audited, with their answer kept under the key.
    let mut refusal = audit("rita");
    refusal.allowed = false;
    refusal.reason = Some("reviewer_read_only".into());
    let idempotency = IdempotencyKey {
        key: "k2".into(),
        request_hash: "h".into(),
    };
    let answer = StoredResponse {
        status: 403,
        body: "{}".into(),
    };
    assert_eq!(
        store
            .record_refusal(&refusal, Some((&idempotency, &answer)))
            .await
            .unwrap(),
        Idempotent::Fresh(())
    );
    assert_eq!(
        store
            .check_idempotency(&t, &rita_id, &idempotency)
            .await
            .unwrap(),
        Some(Idempotent::Replayed(answer))
    );
    let log = store.audit_log(&t, 100).await.unwrap();
    assert_eq!(log[0].reason.as_deref(), Some("reviewer_read_only"));
    assert!(log.iter().all(|l| l.tenant_id == t));
    assert!(store.audit_log(&other, 100).await.unwrap().is_empty());
}

fn dummy_status() -> store::StoredStatus {
    store::StoredStatus {
        state: ItemSyncState::Queued,
        synced_at_ms: None,
        error_code: None,
        error_message: None,
    }
}

/// The audit log refuses changes to what it holds, whoever asks.
async fn append_only_audit(db: &TestDatabase) {
    let url = db.url.expose().to_owned();
    let (update, delete) = if db.is_postgres() {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let update = sqlx::query("UPDATE audit_log SET outcome = 'allowed'")
            .execute(&pool)
            .await;
        let delete = sqlx::query("DELETE FROM audit_log").execute(&pool).await;
        pool.close().await;
        (update.is_err(), delete.is_err())
    } else {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let update = sqlx::query("UPDATE audit_log SET outcome = 'allowed'")
            .execute(&pool)
            .await;
        let delete = sqlx::query("DELETE FROM audit_log").execute(&pool).await;
        pool.close().await;
        (update.is_err(), delete.is_err())
    };
    assert!(update && delete, "UPDATE and DELETE on audit_log must fail");
}

/// PostgreSQL keeps a foreign-key check's plan per connection; on a table not yet analysed, a
/// second index led by `tenant_id` costs the same as the primary key on paper and, when chosen,
/// scans the whole tenant for every check (migration 0005). The parents a sync writes in bulk
/// have their primary key as the only index led by `tenant_id`.
async fn bulk_written_parents_have_one_index_led_by_tenant(db: &TestDatabase) {
    if !db.is_postgres() {
        return;
    }
    let pool = sqlx::PgPool::connect(db.url.expose()).await.unwrap();
    let led_by_tenant: Vec<(String, String)> = sqlx::query_as(
        "SELECT tablename::text, indexname::text FROM pg_indexes \
         WHERE tablename IN ('crm_events', 'users') AND indexdef LIKE '%(tenant_id,%' \
         ORDER BY tablename",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(
        led_by_tenant,
        [
            ("crm_events".to_owned(), "crm_events_pkey".to_owned()),
            ("users".to_owned(), "users_pkey".to_owned())
        ]
    );
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
