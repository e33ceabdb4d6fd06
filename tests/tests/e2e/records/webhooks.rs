//! The CRM's webhooks through the real server and a real HTTP receiver on loopback: a receiver
//! that fails twice still gets every change once it recovers, each delivery signed with the
//! secret it was given; a batch refused every time becomes a dead letter, which an
//! administrator replays once the receiver is back; bad input, other tenants and
//! non-administrators are refused with nothing written.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use liaison_e2e::TestApp;
use liaison_e2e::people::{ADELE, ANN, OLGA, fiona_admin};
use liaison_e2e::test_db::backends;
use liaison_server::clock::now_ms;
use liaison_server::store::AuditFilter;
use liaison_server::webhooks::verify;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{call, call_with};

/// One request the receiver got: its headers and body, and whether it took it.
#[derive(Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
    taken: bool,
}

#[derive(Default)]
struct Receiver {
    /// Requests still to refuse with `503`.
    refuse: AtomicUsize,
    received: Mutex<Vec<Received>>,
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> AxumStatus {
    let refuse = receiver
        .refuse
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    receiver.received.lock().await.push(Received {
        headers,
        body,
        taken: !refuse,
    });
    if refuse {
        AxumStatus::SERVICE_UNAVAILABLE
    } else {
        AxumStatus::NO_CONTENT
    }
}

/// A receiver on a random loopback port refusing its first `refuse` requests; its URL.
async fn start_receiver(refuse: usize) -> (Arc<Receiver>, String) {
    let receiver = Arc::new(Receiver::default());
    receiver.refuse.store(refuse, Ordering::SeqCst);
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (receiver, url)
}

async fn add_webhook(app: &TestApp, url: &str) -> (String, String) {
    let (status, created, _) = call(
        app,
        ADELE,
        Method::POST,
        "/api/admin/crm/webhooks",
        Some(json!({ "url": url, "description": "the data warehouse" })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() > 40);
    (
        created["webhook"]["id"].as_str().unwrap().to_owned(),
        secret,
    )
}

async fn create_contact(app: &TestApp, name: &str) -> String {
    let (status, record, _) = call(
        app,
        OLGA,
        Method::POST,
        "/api/crm/records",
        Some(json!({ "kind": "contact", "name": name })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{record}");
    record["id"].as_str().unwrap().to_owned()
}

async fn webhooks(app: &TestApp) -> Value {
    let (status, list, _) = call(
        app,
        ADELE,
        Method::GET,
        "/api/admin/crm/webhooks",
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list
}

/// The cursors of the changes in the deliveries the receiver took, in order.
async fn taken_cursors(receiver: &Receiver) -> Vec<String> {
    let mut cursors = Vec::new();
    for delivery in receiver.received.lock().await.iter().filter(|r| r.taken) {
        let body: Value = serde_json::from_slice(&delivery.body).unwrap();
        for change in body["changes"].as_array().unwrap() {
            cursors.push(change["cursor"].as_str().unwrap().to_owned());
        }
    }
    cursors
}

/// Waits (10 s at most) until `done` holds.
async fn until<F: AsyncFn() -> bool>(what: &str, done: F) {
    for _ in 0..200 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("waited 10 s for {what}");
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_every_change_once_it_recovers_signed() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let (receiver, url) = start_receiver(2).await;
        let (webhook_id, secret) = add_webhook(&app, &url).await;
        let mut ids = Vec::new();
        for name in ["Ada Lovelace", "Grace Hopper", "Edsger Dijkstra"] {
            ids.push(create_contact(&app, name).await);
        }
        let (_, feed, _) = call(
            &app,
            ADELE,
            Method::GET,
            "/api/crm/changes?limit=1000",
            None,
            &[],
        )
        .await;
        let expected: Vec<String> = feed["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| ids.iter().any(|id| c["id"] == json!(id)))
            .map(|c| c["cursor"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(expected.len(), 3, "{feed}");

        until("every change delivered", async || {
            taken_cursors(&receiver).await.len() >= 3
        })
        .await;
        // Each change once, in the feed's order, after two refusals.
        assert_eq!(taken_cursors(&receiver).await, expected);
        let received = receiver.received.lock().await.clone();
        assert_eq!(received.iter().filter(|r| !r.taken).count(), 2);
        for delivery in &received {
            let signature = delivery.headers["liaison-signature"].to_str().unwrap();
            assert!(
                verify(&secret, signature, &delivery.body, now_ms() / 1000, 300),
                "every delivery verifies with the secret: {signature}"
            );
            assert!(!verify(
                "whsec_other",
                signature,
                &delivery.body,
                now_ms() / 1000,
                300
            ));
            assert_eq!(delivery.headers["liaison-webhook"], webhook_id.as_str());
        }
        // A refused batch is posted again as it was: same delivery id, same changes.
        let first_id = &received[0].headers["liaison-delivery"];
        assert_eq!(&received[1].headers["liaison-delivery"], first_id);
        assert_eq!(&received[2].headers["liaison-delivery"], first_id);
        assert_eq!(received[0].body, received[2].body);

        // The receiver holds the batch before the server has its answer: the server records
        // the delivery a moment later.
        until("the delivery recorded", async || {
            webhooks(&app).await[0]["lastStatus"] == 200
        })
        .await;
        let list = webhooks(&app).await;
        assert_eq!(list[0]["attempts"], 0, "{list}");
        assert_eq!(list[0]["lastStatus"], 200, "{list}");
        assert_eq!(list[0]["deadLetters"], 0, "{list}");
        assert_eq!(list[0]["cursor"], json!(expected[2]), "{list}");
        assert!(list[0].get("secret").is_none(), "the secret is shown once");
    }
}

#[tokio::test]
async fn a_batch_refused_every_time_is_a_dead_letter_the_administrator_replays() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let (receiver, url) = start_receiver(usize::MAX).await;
        let (webhook_id, secret) = add_webhook(&app, &url).await;
        let record = create_contact(&app, "Ada Lovelace").await;
        until("a dead letter", async || {
            webhooks(&app).await[0]["deadLetters"] == 1
        })
        .await;
        let letters_path = format!("/api/admin/crm/webhooks/{webhook_id}/dead-letters");
        let (status, letters, _) = call(&app, ADELE, Method::GET, &letters_path, None, &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(letters[0]["attempts"], 3, "{letters}");
        assert_eq!(letters[0]["lastStatus"], 503, "{letters}");
        let letter = letters[0]["id"].as_str().unwrap().to_owned();
        let replay = format!("{letters_path}/{letter}/replay");

        // Still refused: 502, and the letter stays.
        let (status, refused, _) = call(&app, ADELE, Method::POST, &replay, None, &[]).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{refused}");
        assert_eq!(refused["code"], "receiver_failed");
        assert_eq!(webhooks(&app).await[0]["deadLetters"], 1);
        // Non-administrators may not replay.
        let (status, _, _) = call(&app, ANN, Method::POST, &replay, None, &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The receiver is back: the replay delivers the change, signed, and the letter goes.
        receiver.refuse.store(0, Ordering::SeqCst);
        let (status, after, _) = call(&app, ADELE, Method::POST, &replay, None, &[]).await;
        assert_eq!(status, StatusCode::OK, "{after}");
        assert_eq!(after["deadLetters"], 0);
        let taken: Vec<Received> = receiver
            .received
            .lock()
            .await
            .iter()
            .filter(|r| r.taken)
            .cloned()
            .collect();
        assert_eq!(taken.len(), 1);
        let body: Value = serde_json::from_slice(&taken[0].body).unwrap();
        assert_eq!(body["changes"][0]["id"], json!(record));
        let signature = taken[0].headers["liaison-signature"].to_str().unwrap();
        assert!(verify(
            &secret,
            signature,
            &taken[0].body,
            now_ms() / 1000,
            300
        ));
        let (status, _, _) = call(&app, ADELE, Method::POST, &replay, None, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "a replayed letter is gone");

        // Delivery went on after the letter: the next change arrives by itself.
        let next = create_contact(&app, "Grace Hopper").await;
        until("the next change delivered", async || {
            receiver
                .received
                .lock()
                .await
                .iter()
                .any(|r| r.taken && String::from_utf8_lossy(&r.body).contains(next.as_str()))
        })
        .await;
        let audit = app
            .store
            .audit_lines(&app.tenant_id(), &AuditFilter::default(), None, 100)
            .await
            .unwrap();
        for action in ["crm.webhook.create", "crm.webhook.replay"] {
            assert!(
                audit.iter().any(|l| l.action.as_str() == action),
                "{action} is audited"
            );
        }
    }
}

#[tokio::test]
async fn webhooks_are_for_the_tenants_administrators_and_bad_receivers_are_named() {
    let app = TestApp::spawn().await;
    let path = "/api/admin/crm/webhooks";
    for (body, field) in [
        (json!({ "url": "ftp://crm.contoso.com/hook" }), "url"),
        (json!({ "url": "not a url" }), "url"),
        (json!({ "url": "https://u:p@crm.contoso.com/" }), "url"),
        (
            json!({ "url": "https://crm.contoso.com/", "description": "x".repeat(201) }),
            "description",
        ),
    ] {
        let (status, error, _) = call(&app, ADELE, Method::POST, path, Some(body), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
        assert_eq!(error["field"], field, "{error}");
    }
    let (status, error, _) = call(
        &app,
        ADELE,
        Method::POST,
        path,
        Some(json!({ "url": "https://crm.contoso.com/", "events": [] })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unknown fields: {error}");
    let (status, _, _) = call(
        &app,
        ANN,
        Method::POST,
        path,
        Some(json!({ "url": "https://crm.contoso.com/" })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(webhooks(&app).await, json!([]), "nothing was written");

    let (id, _) = add_webhook(&app, "https://crm.contoso.com/liaison").await;
    // Another tenant's administrator sees none of it, and cannot remove it.
    let fiona = fiona_admin(&app).await;
    let (_, theirs, _) = call_with(&app, &fiona, Method::GET, path, None, &[]).await;
    assert_eq!(theirs, json!([]));
    for (method, suffix) in [
        (Method::DELETE, String::new()),
        (Method::GET, "/dead-letters".to_owned()),
        (Method::POST, "/dead-letters/1/replay".to_owned()),
    ] {
        let (status, _, _) = call_with(
            &app,
            &fiona,
            method,
            &format!("{path}/{id}{suffix}"),
            None,
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    assert_eq!(webhooks(&app).await.as_array().unwrap().len(), 1);
    let (status, _, _) = call(
        &app,
        ADELE,
        Method::DELETE,
        &format!("{path}/{id}"),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(webhooks(&app).await, json!([]));
}

#[tokio::test]
async fn one_worker_at_a_time_delivers_a_webhook_and_only_it_records_the_outcome() {
    use liaison_server::store::{Attempt, Lease, TenantId};
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        // No change follows the webhook, so the server's own worker leaves it alone.
        let (id, _) = add_webhook(&app, "https://crm.contoso.com/liaison").await;
        let tenant: TenantId = app.tenant_id();
        let now = now_ms();
        let lease = |worker: &str| Lease {
            worker: worker.to_owned(),
            until_ms: now + 600_000,
        };
        let claimed = app
            .store
            .claim_webhook(&tenant, &id, &lease("a"), now)
            .await
            .unwrap();
        assert!(claimed.is_some(), "a free webhook is claimed");
        let again = app
            .store
            .claim_webhook(&tenant, &id, &lease("b"), now)
            .await
            .unwrap();
        assert!(again.is_none(), "a leased webhook is not claimed twice");
        let delivered = Attempt::Delivered {
            last_seq: 0,
            at_ms: now,
        };
        assert!(
            !app.store
                .finish_attempt(&tenant, &id, "b", &delivered)
                .await
                .unwrap(),
            "only the lease holder writes the outcome"
        );
        assert!(
            app.store
                .finish_attempt(&tenant, &id, "a", &delivered)
                .await
                .unwrap()
        );
    }
}

#[tokio::test]
async fn adele_adds_a_webhook_in_the_console_and_sends_its_dead_letter_again() {
    use fantoccini::Locator;
    use liaison_e2e::pane::{click, text_when};
    use liaison_e2e::{Browser, require_built_task_pane};

    use crate::admin_console::{sign_in, type_into};

    require_built_task_pane();
    let app = TestApp::spawn().await;
    let (receiver, url) = start_receiver(usize::MAX).await;
    let browser = Browser::start().await;
    let client = browser.client();
    sign_in(&app, client, ADELE).await;
    click(client, "#tab-records").await;
    text_when(client, "#webhooks-table", |t| t.contains("No webhooks yet")).await;
    type_into(client, "#webhook-url", &url).await;
    type_into(client, "#webhook-description", "the data warehouse").await;
    click(client, "#webhook-form button[type=submit]").await;
    let secret = text_when(client, "#webhook-secret", |t| t.contains("whsec_")).await;
    let secret = secret.split_whitespace().last().unwrap().to_owned();

    let record = create_contact(&app, "Ada Lovelace").await;
    until("a dead letter", async || {
        webhooks(&app).await[0]["deadLetters"] == 1
    })
    .await;
    // The console shows it once the table is read again (the tab reloads it).
    click(client, "#tab-sync").await;
    click(client, "#tab-records").await;
    text_when(client, "#webhooks-table", |t| t.contains("Show")).await;
    click(
        client,
        "#webhooks-table button[aria-label^='Show the dead letters']",
    )
    .await;
    text_when(client, "#dead-letters", |t| t.contains("503")).await;

    receiver.refuse.store(0, Ordering::SeqCst);
    client
        .find(Locator::Css("#dead-letters button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = text_when(client, "#status", |t| t.contains("Delivered")).await;
    assert!(status.contains("dead letter is gone"), "{status}");
    let taken = receiver.received.lock().await;
    let delivered = taken
        .iter()
        .find(|r| r.taken)
        .expect("the replay was taken");
    assert!(String::from_utf8_lossy(&delivered.body).contains(record.as_str()));
    let signature = delivered.headers["liaison-signature"].to_str().unwrap();
    assert!(
        verify(&secret, signature, &delivered.body, now_ms() / 1000, 300),
        "the secret the console showed verifies the delivery"
    );
    drop(taken);
    browser.close().await;
}
