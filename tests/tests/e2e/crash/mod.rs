//! Crash and restart: the real `liaison serve` process (built with crash points, HTTPS so that
//! Graph's change notifications are subscribed) is killed while it works — at every named
//! crash point (`server/src/crash.rs`: each boundary between an external call and a store write
//! in saves, sync sessions, token refresh, sign-in and subscription upkeep), then at seeded
//! random instants (`LIAISON_CRASH_SEED` picks another sequence) — and started again on the
//! same store, on SQLite and on PostgreSQL. Each round's work: a sign-in, a CRM event deleted
//! (its category owed back to Outlook), a sidebar save with an idempotency key, a sync session.
//! After every restart the client retries what failed, and: no accepted save is lost, there is
//! exactly one CRM event per meeting (no duplicate), the cursor is never ahead of the data (the
//! CRM matches Outlook after one more session), and an account whose rotated refresh token was
//! lost with the process says so and reconnects.

use std::time::{Duration, Instant};

use liaison_e2e::test_db::{Backend, TestDatabase, backends};
use liaison_server::store::DatabaseUrl;
use liaison_server::store::{self, CountedTable, EventKey, Store, StoredEvent, TenantId, UserId};
use m365_sim::outlook::NewMeeting;
use m365_sim::{Seed, Simulator};
use serde_json::{Value, json};

mod process;
use process::{Server, client, post, send, sign_in, start, try_sign_in};

const OLGA: &str = "olga@contoso.com";
const ANN: &str = "ann@contoso.com";
const SAM: &str = "sam@contoso.com";
const OLGA_ID: &str = "00000001-aaaa-4bbb-8ccc-000000000001";
const LEASE: Duration = Duration::from_secs(1);
/// Kills at seeded random instants that interrupt the work, per store.
const RANDOM_KILLS: usize = 12;

/// Every named point, in the order the rounds arm them, with its passage.
const NAMED_POINTS: [&str; 14] = [
    // The first session: a full round, the category created, the subscription made.
    "sync.subscription_created:1",
    // Delta links evicted before this round: a full round of twelve pages.
    "sync.page_fetched:3",
    "sync.chunk_committed:1",
    "sync.cursor_committed:1",
    "items.facts_read:1",
    "items.saved:1",
    "sync.queued_save_written:1",
    "sync.category_ready:1",
    "sync.category_removed:1",
    "sync.page_fetched:1",
    "sync.chunk_committed:2",
    "sign_in.connected:1",
    "connections.refreshed:1",
    "connections.stored:1",
];

/// Ann's Save of one of Olga's items (by its REST id).
fn save(item_id: &str) -> Value {
    json!({ "item": { "owner": OLGA, "itemId": item_id }, "linkRecordIds": [] })
}

/// The `iCalUId` of one of Olga's items.
fn ical_uid(sim: &Simulator, item_id: &str) -> String {
    sim.outlook()
        .events_of(OLGA)
        .into_iter()
        .find(|e| e.has_id(item_id))
        .map(|e| e.ical_uid)
        .expect("the item is in Olga's calendar")
}

/// The CRM event of Olga's meeting `ical_uid` in `store`.
async fn olgas_event(store: &dyn Store, tenant: &TenantId, ical_uid: &str) -> Option<StoredEvent> {
    let olga = UserId::new(OLGA_ID);
    store
        .find_event(EventKey {
            tenant_id: tenant,
            organizer_id: &olga,
            ical_uid,
        })
        .await
        .unwrap()
}

/// Every CRM-tagged meeting of Olga's Outlook is in the CRM as it is now.
async fn assert_crm_matches_outlook(store: &dyn Store, sim: &Simulator, tenant: &TenantId) {
    let live = sim.outlook().events_of(OLGA);
    for event in live
        .iter()
        .filter(|e| e.categories.iter().any(|c| c == "CRM"))
    {
        let crm = olgas_event(store, tenant, &event.ical_uid)
            .await
            .unwrap_or_else(|| panic!("{} is not in the CRM", event.subject));
        assert!(
            !crm.deleted,
            "{}: deleted in the CRM, still tagged",
            event.subject
        );
        assert_eq!(
            crm.write.subject, event.subject,
            "the CRM lags behind Outlook"
        );
        assert!(!crm.cancelled);
    }
}

/// A small seeded generator (SplitMix64): the random instants are the same on every run of a
/// seed, so a failure can be replayed.
struct Instants(u64);

impl Instants {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % bound.max(1)
    }
}

/// How a round's server dies.
#[derive(Debug, Clone, Copy)]
enum Kill {
    At(&'static str),
    After(Duration),
}

/// What a round's work came to (each `Err` when the server died first).
struct Work {
    signed_in: Result<u16, ()>,
    deleted: Result<u16, ()>,
    saved: Result<u16, ()>,
    synced: Result<u16, ()>,
}

impl Work {
    fn interrupted(&self) -> bool {
        [self.signed_in, self.deleted, self.saved, self.synced]
            .iter()
            .any(Result::is_err)
    }
}

struct World {
    sim: Simulator,
    tenant: TenantId,
    store: std::sync::Arc<dyn Store>,
    data: tempfile::TempDir,
    database: DatabaseUrl,
    /// Olga's CRM-tagged meetings.
    ids: Vec<String>,
    base: i64,
    ann: String,
    olga: String,
    /// Meetings whose sidebar save was accepted.
    accepted: Vec<String>,
    _db: TestDatabase,
}

#[tokio::test]
async fn killed_at_every_named_point_and_at_random_instants_nothing_is_lost_or_duplicated() {
    let seed: u64 = std::env::var("LIAISON_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_129);
    let mut kills = 0;
    for backend in backends() {
        kills += story(&backend, seed).await;
    }
    eprintln!("{kills} kills (seed {seed})");
    if backends().len() > 1 {
        assert!(kills >= 50, "{kills} kills across both stores");
    }
}

async fn story(backend: &Backend, seed: u64) -> usize {
    let mut world = set_up(backend).await;
    let mut kills = 0;
    for (round, point) in NAMED_POINTS.iter().enumerate() {
        let (interrupted, _) = crash_round(&mut world, round, Kill::At(point)).await;
        assert!(interrupted, "{point} was reached");
        kills += 1;
    }
    // Random instants within the time a round's work takes (measured on the rounds the kill
    // came too late for); a kill that finds the work done does not count.
    let mut instants = Instants(seed);
    let mut typical = Duration::from_millis(300);
    let mut round = NAMED_POINTS.len();
    let mut random_kills = 0;
    while random_kills < RANDOM_KILLS {
        assert!(
            round < NAMED_POINTS.len() + 3 * RANDOM_KILLS,
            "too few kills landed"
        );
        let delay = Duration::from_millis(instants.next_below(typical.as_millis() as u64));
        let (interrupted, took) = crash_round(&mut world, round, Kill::After(delay)).await;
        if interrupted {
            random_kills += 1;
        } else {
            typical = took;
        }
        round += 1;
    }
    two_instances(&world).await;
    kills + random_kills
}

async fn set_up(backend: &Backend) -> World {
    let seed = Seed::contoso();
    let tenant = TenantId::new(seed.tenants[0].id.as_str());
    let sim = Simulator::start(seed).await.unwrap();
    sim.grant_admin_consent(tenant.as_str());
    let data = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend).await;
    let database = db.url.clone();
    let store = store::connect(&database).await.unwrap();
    store.migrate().await.unwrap();
    let base = (liaison_server::clock::now_ms() / 86_400_000 + 1) * 86_400;
    let meetings: Vec<NewMeeting> = (0..1_200)
        .map(|n| {
            NewMeeting::new(&format!("Meeting {n:04}"), base + (n % 200) * 86_400, 30)
                .category("CRM")
        })
        .collect();
    let ids = sim.outlook().create_many(OLGA, &meetings);
    // Pages of 100 (Graph may cap below what Liaison asks): several pages for the page points.
    sim.cap_page_size(100);

    let server = start(&sim, data.path(), &database, None).await;
    // Ann first, so Olga's sign-in finds her and records her as a verified delegate.
    let ann = sign_in(&sim, &server, ANN).await;
    let olga = sign_in(&sim, &server, OLGA).await;
    let sync_on = send(
        &server,
        &olga,
        reqwest::Method::PUT,
        "/api/me/sync",
        Some(&json!({ "syncEnabled": true })),
        None,
    )
    .await;
    assert_eq!(sync_on, Ok(200));
    drop(server);
    World {
        sim,
        tenant,
        store,
        data,
        database,
        ids,
        base,
        ann,
        olga,
        accepted: Vec::new(),
        _db: db,
    }
}

/// One round: Outlook changes, the server starts armed (or is killed at a random instant) and
/// does the round's work, dies, restarts, the client retries; then the invariants. Whether
/// the kill interrupted the work, and how long the work took.
async fn crash_round(w: &mut World, round: usize, kill: Kill) -> (bool, Duration) {
    let outlook = w.sim.outlook();
    let point = match kill {
        Kill::At(point) => point,
        Kill::After(_) => "random",
    };
    let step = if point.contains("chunk") { 1 } else { 7 };
    for id in w.ids.iter().skip(round % 7).step_by(step) {
        outlook.edit(id, |e| {
            e.subject = format!(
                "{} r{round}",
                e.subject.split(" r").next().unwrap_or_default()
            )
        });
    }
    if point.starts_with("sync.page_fetched:3") {
        w.sim.expire_delta_tokens();
    }
    let mut t = w.store.tenant(&w.tenant).await.unwrap().unwrap();
    t.insta_sync = !point.starts_with("sync.queued");
    w.store.upsert_tenant(&t).await.unwrap();
    // A CRM event Olga deletes in the CRM this round (its category is owed back to Outlook),
    // once the first session has written them.
    let doomed = olgas_event(
        w.store.as_ref(),
        &w.tenant,
        &ical_uid(&w.sim, &w.ids[1_000 + round]),
    )
    .await
    .map(|event| event.id.as_str().to_owned());
    // A meeting of Olga's (not tagged) that Ann saves from the sidebar.
    let uid = outlook.create(
        OLGA,
        &NewMeeting::new(&format!("Sidebar save {round}"), w.base + 3 * 86_400, 30),
    );
    let key = format!("key-{round}");

    let armed = match kill {
        Kill::At(point) => Some(point),
        Kill::After(_) => None,
    };
    let server = start(&w.sim, w.data.path(), &w.database, armed).await;
    if let Kill::After(delay) = kill {
        let child = server.child.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = child.lock().unwrap().kill();
        });
    }
    let working = Instant::now();
    let work = Work {
        signed_in: try_sign_in(&w.sim, &server, SAM).await,
        deleted: match &doomed {
            Some(doomed) => {
                send(
                    &server,
                    &w.olga,
                    reqwest::Method::DELETE,
                    &format!("/api/crm/events/{doomed}"),
                    None,
                    None,
                )
                .await
            }
            None => Ok(204),
        },
        saved: post(&server, &w.ann, "/api/items/save", &save(&uid), Some(&key)).await,
        synced: post(&server, &w.olga, "/api/sync/run", &json!({}), None).await,
    };
    let took = working.elapsed();
    let context = format!("round {round}, {kill:?}");
    assert!(
        matches!(work.saved, Ok(200) | Err(())),
        "{context}: the save {:?}",
        work.saved
    );
    if work.saved == Ok(200) {
        w.accepted.push(uid.clone());
    }
    server.kill();
    drop(server);

    let server = start(&w.sim, w.data.path(), &w.database, None).await;
    retry(w, &server, &work, &uid, &key, doomed.as_deref(), &context).await;
    drop(server);
    check(w, &context).await;
    (work.interrupted(), took)
}

/// After the restart, the client does again what did not get an answer.
async fn retry(
    w: &mut World,
    server: &Server,
    work: &Work,
    uid: &str,
    key: &str,
    doomed: Option<&str>,
    context: &str,
) {
    if work.synced.is_err() {
        // The dead process's lease must expire first.
        tokio::time::sleep(LEASE + Duration::from_millis(200)).await;
    }
    if work.signed_in.is_err() {
        assert_eq!(try_sign_in(&w.sim, server, SAM).await, Ok(200), "{context}");
    }
    if let (Err(()), Some(doomed)) = (work.deleted, doomed) {
        let again = send(
            server,
            &w.olga,
            reqwest::Method::DELETE,
            &format!("/api/crm/events/{doomed}"),
            None,
            None,
        )
        .await;
        assert!(
            matches!(again, Ok(204 | 404)),
            "{context}: delete {again:?}"
        );
    }
    if work.saved.is_err() {
        let mut retried = post(server, &w.ann, "/api/items/save", &save(uid), Some(key)).await;
        if retried == Ok(409) {
            // Killed between the identity platform's answer and storing Ann's rotated refresh
            // token: her account says so; she signs in again and the save goes through.
            assert_needs_reconnect(server, &w.ann, context).await;
            w.ann = sign_in(&w.sim, server, ANN).await;
            retried = post(server, &w.ann, "/api/items/save", &save(uid), Some(key)).await;
        }
        assert_eq!(
            retried,
            Ok(200),
            "{context}: the retried save answers as the first would have"
        );
        w.accepted.push(uid.to_owned());
    }
    let mut synced = post(server, &w.olga, "/api/sync/run", &json!({}), None).await;
    if synced == Ok(409) {
        // Olga's rotated refresh token was issued and lost with the process: flagged.
        assert_needs_reconnect(server, &w.olga, context).await;
        w.olga = sign_in(&w.sim, server, OLGA).await;
        synced = post(server, &w.olga, "/api/sync/run", &json!({}), None).await;
    }
    assert_eq!(synced, Ok(200), "{context}: the session after the restart");
    // Down-sync owed from a removal cut short is done by now, or by one more session.
    post(server, &w.olga, "/api/sync/run", &json!({}), None)
        .await
        .unwrap();
}

async fn assert_needs_reconnect(server: &Server, token: &str, context: &str) {
    let me: Value = client()
        .get(format!("{}/api/me", server.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["connections"]["microsoft"], "needs_reconnect",
        "{context}"
    );
}

/// The invariants after a round.
async fn check(w: &World, context: &str) {
    let store = w.store.as_ref();
    assert_crm_matches_outlook(store, &w.sim, &w.tenant).await;
    // No accepted save lost: each is in the CRM (queued ones were written by the sessions).
    assert_eq!(
        store.count_rows(CountedTable::SaveOutbox).await.unwrap(),
        0,
        "{context}: the outbox is empty after a session"
    );
    for uid in &w.accepted {
        let in_crm = olgas_event(store, &w.tenant, &ical_uid(&w.sim, uid))
            .await
            .is_some();
        assert!(in_crm, "{context}: {uid} was accepted and is lost");
    }
    // No duplicates: exactly one CRM event per tagged meeting and per accepted save.
    let events = store.count_rows(CountedTable::CrmEvents).await.unwrap();
    assert_eq!(
        events as usize,
        w.ids.len() + w.accepted.len(),
        "{context}: CRM events"
    );
}

/// Two instances on one store, asked to sync the same calendar at once: one runs the session,
/// the other is told it is running (or runs after it); never both at once.
async fn two_instances(w: &World) {
    let outlook = w.sim.outlook();
    for id in w.ids.iter().step_by(3) {
        outlook.edit(id, |e| e.subject.push_str(" (two instances)"));
    }
    let mut t = w.store.tenant(&w.tenant).await.unwrap().unwrap();
    t.insta_sync = true;
    w.store.upsert_tenant(&t).await.unwrap();
    let (a, b) = (
        start(&w.sim, w.data.path(), &w.database, None).await,
        start(&w.sim, w.data.path(), &w.database, None).await,
    );
    let olga = sign_in(&w.sim, &a, OLGA).await;
    let empty = json!({});
    let (first, second) = tokio::join!(
        post(&a, &olga, "/api/sync/run", &empty, None),
        post(&b, &olga, "/api/sync/run", &empty, None),
    );
    let mut statuses = [first.unwrap(), second.unwrap()];
    statuses.sort_unstable();
    assert!(
        statuses == [200, 409] || statuses == [200, 200],
        "two instances: {statuses:?}"
    );
    assert_crm_matches_outlook(w.store.as_ref(), &w.sim, &w.tenant).await;
    check(w, "two instances").await;
}
