//! One story of the record store, run on SQLite and (when `TEST_DATABASE_URL` is set, always in
//! CI) on PostgreSQL: each run on a database of its own.

use liaison_domain::api::RecordKind;
use liaison_domain::permissions::GraphRole;
use liaison_e2e::store_fixtures::*;
use liaison_e2e::test_db::{TestDatabase, backends};
use liaison_server::store::{
    self, CalendarView, CountedTable, Delegation, DelegationCheck, EventKey, IdempotencyKey,
    Idempotent, ItemSyncState, NewRecord, RecordCursor, RecordQuery, Share, Store, StoredResponse,
    Tenant, TenantId, User,
};

const OTHER: &str = "tenant-b";

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

#[tokio::test]
async fn the_store_story_holds_on_every_backend() {
    for backend in backends() {
        let db = TestDatabase::create(&backend).await;
        let store = store::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        store.migrate().await.unwrap();
        story(store.as_ref()).await;
        append_only_audit(&db).await;
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

    // The owner and a caller's standing in their calendar, in one read: Ann has the check kept
    // above and an edit share; Rita neither; Olga's connection holds no refresh token yet.
    let ann = store
        .owner_standing(&t, "OLGA@a.example", &ann_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ann.owner.id, olga_id);
    assert_eq!(
        ann.delegation_check,
        store.delegation_check(delegation(&t)).await.unwrap()
    );
    assert_eq!(ann.crm_share, Some(Share::Edit));
    let tenant = store.tenant(&t).await.unwrap().unwrap();
    assert_eq!(
        (ann.crm_category.name, ann.crm_category.color),
        (tenant.crm_category_name, tenant.crm_category_color)
    );
    let rita = store
        .owner_standing(&t, "olga@a.example", &rita_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((rita.delegation_check, rita.crm_share), (None, None));
    assert_eq!(rita.refreshable_connection, None);
    assert!(
        store
            .owner_standing(&other, "olga@a.example", &ann_id)
            .await
            .unwrap()
            .is_none()
    );
    let mut connection = store::Connection {
        tenant_id: t.clone(),
        user_id: olga_id.clone(),
        provider: store::Provider::Microsoft,
        account: "olga".into(),
        account_email: "olga@a.example".into(),
        refresh_token: None,
        scopes: String::new(),
        status: store::ConnectionStatus::Connected,
        status_reason: None,
    };
    store.upsert_connection(&connection).await.unwrap();
    let standing = |who| store.owner_standing(&t, "olga@a.example", who);
    assert_eq!(
        standing(&ann_id)
            .await
            .unwrap()
            .unwrap()
            .refreshable_connection,
        None
    );
    connection.refresh_token = Some("sealed".into());
    store.upsert_connection(&connection).await.unwrap();
    assert_eq!(
        standing(&ann_id)
            .await
            .unwrap()
            .unwrap()
            .refreshable_connection,
        Some(store::ConnectionStatus::Connected)
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
    // The saved event follows its Outlook item; detached, it follows none (a sync no longer
    // cancels it when the item goes).
    let olga = store::UserKey::new(t.clone(), uid("olga"));
    let followed = |links: Vec<(String, store::GraphLink)>| {
        links
            .into_iter()
            .map(|(graph_id, link)| (graph_id, link.event_id, link.following))
            .collect::<Vec<_>>()
    };
    let graph_id = ["graph-uid-1".to_owned()];
    assert_eq!(
        followed(store.graph_links(&olga, &graph_id).await.unwrap()),
        [("graph-uid-1".to_owned(), event.id.clone(), true)]
    );
    store
        .detach_item(key(&t, "uid-1"), &event.id, &audit("ann"))
        .await
        .unwrap();
    assert!(store.item_status(key(&t, "uid-1")).await.unwrap().is_none());
    assert!(
        store
            .graph_links(&olga, &graph_id)
            .await
            .unwrap()
            .is_empty()
    );
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
