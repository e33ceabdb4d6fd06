//! Crash and restart: the real `liaison serve` process (built with crash points) is aborted at
//! named points — between a delta page fetch and the cursor commit, after a chunk of CRM writes
//! before the cursor, after the CRM write of a save before its response, after a queued save,
//! after a new refresh token was issued but before it was stored — then started again on the
//! same SQLite file. After every restart: no duplicate CRM event, no accepted save lost, the
//! cursor never ahead of the data (the CRM matches Outlook after one more session), and the
//! Organizer's account either still refreshes or is flagged for reconnecting.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use liaison_e2e::sign_in_with_office_sso;
use liaison_e2e::test_db::{Backend, TestDatabase, backends};
use liaison_server::store::DatabaseUrl;
use liaison_server::store::{self, CountedTable, EventKey, Store, StoredEvent, TenantId, UserId};
use m365_sim::outlook::NewMeeting;
use m365_sim::{Seed, Simulator};
use serde_json::{Value, json};

const OLGA: &str = "olga@contoso.com";
const ANN: &str = "ann@contoso.com";
const OLGA_ID: &str = "00000001-aaaa-4bbb-8ccc-000000000001";
const LEASE: Duration = Duration::from_secs(3);

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `liaison serve` on the data directory, armed to crash at `crash` if given.
async fn start(
    sim: &Simulator,
    data: &Path,
    database: &DatabaseUrl,
    crash: Option<&str>,
) -> Server {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let app = sim.app();
    let mut command = Command::new(env!("CARGO_BIN_EXE_liaison-crashable"));
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data)
        .args(["--database", database.expose()])
        .args(["--public-url", &format!("http://localhost:{port}")])
        .args(["--microsoft-client-id", &app.client_id])
        .args(["--microsoft-client-secret", &app.client_secret])
        .args(["--microsoft-app-id-uri", &app.app_id_uri])
        .args(["--microsoft-authority", &sim.url()])
        .args(["--graph-url", &format!("{}/v1.0", sim.url())])
        .args(["--ui-dir", "/nonexistent", "--no-sync-worker"])
        // A dead worker's lease must expire before the restarted server may take the job.
        .args(["--sync-lease-seconds", &LEASE.as_secs().to_string()])
        .env_remove("LIAISON_CRASH_AT")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(point) = crash {
        command.env("LIAISON_CRASH_AT", point);
    }
    let child = command.spawn().expect("liaison-crashable starts");
    let server = Server { child, url };
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come up");
}

/// Signs `mailbox` in through Office SSO; the session lives in the store, across restarts.
async fn sign_in(sim: &Simulator, server: &Server, mailbox: &str) -> String {
    sign_in_with_office_sso(&reqwest::Client::new(), sim, &server.url, mailbox).await
}

/// `Ok(status)`, or `Err` when the server died before answering.
async fn post(
    server: &Server,
    token: &str,
    path: &str,
    body: &Value,
    key: Option<&str>,
) -> Result<u16, ()> {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", server.url))
        .bearer_auth(token)
        .json(body)
        .timeout(Duration::from_secs(60));
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(drop)
}

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

/// Every CRM-tagged meeting of Olga's Outlook is in the CRM as it is now, cancelled if gone.
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

async fn assert_crm_matches_outlook(store: &dyn Store, sim: &Simulator, tenant: &TenantId) {
    let live = sim.outlook().events_of(OLGA);
    for event in live
        .iter()
        .filter(|e| e.categories.iter().any(|c| c == "CRM"))
    {
        let crm = olgas_event(store, tenant, &event.ical_uid)
            .await
            .unwrap_or_else(|| panic!("{} is not in the CRM", event.subject));
        assert_eq!(
            crm.write.subject, event.subject,
            "the CRM lags behind Outlook"
        );
        assert!(!crm.cancelled);
    }
}

#[tokio::test]
async fn killed_at_every_named_point_the_server_restarts_with_nothing_lost_or_duplicated() {
    for backend in backends() {
        story(&backend).await;
    }
}

async fn story(backend: &Backend) {
    let seed = Seed::contoso();
    let tenant = TenantId::new(seed.tenants[0].id.as_str());
    let sim = Simulator::start(seed).await.unwrap();
    sim.grant_admin_consent(tenant.as_str());
    let data = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend).await;
    let database = db.url.clone();
    let store = store::connect(&database).await.unwrap();
    store.migrate().await.unwrap();
    let outlook = sim.outlook();
    let base = (liaison_server::clock::now_ms() / 86_400_000 + 1) * 86_400;
    let meetings: Vec<NewMeeting> = (0..1_200)
        .map(|n| {
            NewMeeting::new(&format!("Meeting {n:04}"), base + (n % 200) * 86_400, 30)
                .category("CRM")
        })
        .collect();
    let ids = outlook.create_many(OLGA, &meetings);
    // Pages of 100 (Graph may cap below what Liaison asks): several pages for the page points.
    sim.cap_page_size(100);

    // Seeded crash points: (point and passage, what to do while armed).
    let points = [
        "sync.page_fetched:3",
        "sync.chunk_committed:1",
        "sync.cursor_committed:1",
        "items.saved:1",
        "sync.queued_save_written:1",
        "sync.page_fetched:1",
        "sync.chunk_committed:2",
        "connections.refreshed:1",
    ];
    let mut accepted: Vec<String> = Vec::new();
    let mut crashes = 0;
    let server = start(&sim, data.path(), &database, None).await;
    // Ann first, so Olga's sign-in finds her and records her as a verified delegate.
    let ann = sign_in(&sim, &server, ANN).await;
    let olga = sign_in(&sim, &server, OLGA).await;
    let sync_on = reqwest::Client::new()
        .put(format!("{}/api/me/sync", server.url))
        .bearer_auth(&olga)
        .json(&json!({ "syncEnabled": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(sync_on.status(), 200);
    drop(server);

    for (round, point) in points.iter().enumerate() {
        // Outlook changes between rounds, so every session has work.
        // (a chunk point needs more writes than one transaction takes)
        let step = if point.contains("chunk") { 1 } else { 7 };
        for id in ids.iter().skip(round).step_by(step) {
            outlook.edit(id, |e| {
                e.subject = format!(
                    "{} r{round}",
                    e.subject.split(" r").next().unwrap_or_default()
                )
            });
        }
        let insta = !point.starts_with("sync.queued");
        let mut t = store.tenant(&tenant).await.unwrap().unwrap();
        t.insta_sync = insta;
        store.upsert_tenant(&t).await.unwrap();

        let server = start(&sim, data.path(), &database, Some(point)).await;
        // A meeting of Olga's (not tagged) that Ann saves from the sidebar.
        let uid = outlook.create(
            OLGA,
            &NewMeeting::new(&format!("Sidebar save {round}"), base + 3 * 86_400, 30),
        );
        let key = format!("key-{round}");
        let saved = post(&server, &ann, "/api/items/save", &save(&uid), Some(&key)).await;
        assert!(
            matches!(saved, Ok(200) | Err(())),
            "{point}: the save {saved:?}"
        );
        if saved == Ok(200) {
            accepted.push(uid.clone());
        }
        let synced = post(&server, &olga, "/api/sync/run", &json!({}), None).await;
        if saved.is_err() || synced.is_err() {
            crashes += 1;
        }
        drop(server);

        // Restart unarmed: the client retries its save with the same key, then syncs (once
        // the dead process's lease has expired).
        let server = start(&sim, data.path(), &database, None).await;
        if synced.is_err() {
            tokio::time::sleep(LEASE + Duration::from_millis(200)).await;
        }
        let mut ann_flagged = false;
        if saved.is_err() {
            let mut retried = post(&server, &ann, "/api/items/save", &save(&uid), Some(&key)).await;
            if point.starts_with("connections.refreshed") && retried == Ok(409) {
                // Killed between the identity platform's answer and storing the rotated
                // refresh token (Ann's, read first by her save): her account says so…
                let me: Value = reqwest::Client::new()
                    .get(format!("{}/api/me", server.url))
                    .bearer_auth(&ann)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(me["connections"]["microsoft"], "needs_reconnect");
                ann_flagged = true;
                // …she signs in again, and the retried save goes through.
                let ann = sign_in(&sim, &server, ANN).await;
                retried = post(&server, &ann, "/api/items/save", &save(&uid), Some(&key)).await;
            }
            assert_eq!(
                retried,
                Ok(200),
                "the retried save answers as the first would have"
            );
            accepted.push(uid.clone());
        }
        let synced = post(&server, &olga, "/api/sync/run", &json!({}), None)
            .await
            .unwrap();
        if point.starts_with("connections.refreshed") && !ann_flagged {
            // The rotated refresh token was issued and lost: the account must say so.
            assert_eq!(synced, 409, "flagged for reconnecting");
            let me: Value = reqwest::Client::new()
                .get(format!("{}/api/me", server.url))
                .bearer_auth(&olga)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(me["connections"]["microsoft"], "needs_reconnect");
        } else {
            assert_eq!(synced, 200, "after {point}");
            assert_crm_matches_outlook(store.as_ref(), &sim, &tenant).await;
        }
        drop(server);

        // No accepted save lost: each is in the CRM or still in the outbox.
        let outbox = store.count_rows(CountedTable::SaveOutbox).await.unwrap();
        for uid in &accepted {
            let in_crm = olgas_event(store.as_ref(), &tenant, &ical_uid(&sim, uid))
                .await
                .is_some();
            assert!(in_crm || outbox > 0, "{uid} was accepted and is lost");
        }
        // No duplicates: one CRM event per meeting (the unique key), and no more events than
        // meetings and saves.
        let events = store.count_rows(CountedTable::CrmEvents).await.unwrap();
        assert!(
            events as usize <= ids.len() + accepted.len(),
            "{events} CRM events"
        );
    }
    assert_eq!(crashes, points.len(), "every armed point was reached");

    // Two instances on one store, asked to sync the same calendar at once: one runs the
    // session, the other is told it is running (or runs after it); never both at once.
    for id in ids.iter().step_by(3) {
        outlook.edit(id, |e| e.subject.push_str(" (two instances)"));
    }
    let mut t = store.tenant(&tenant).await.unwrap().unwrap();
    t.insta_sync = true;
    store.upsert_tenant(&t).await.unwrap();
    let (a, b) = (
        start(&sim, data.path(), &database, None).await,
        start(&sim, data.path(), &database, None).await,
    );
    let olga = sign_in(&sim, &a, OLGA).await;
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
    assert_crm_matches_outlook(store.as_ref(), &sim, &tenant).await;
    let events = store.count_rows(CountedTable::CrmEvents).await.unwrap();
    assert!(
        events as usize <= ids.len() + accepted.len(),
        "{events} CRM events"
    );
}
