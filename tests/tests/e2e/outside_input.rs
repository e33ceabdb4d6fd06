//! Outside input never makes the server fail: arbitrary and mutated request bodies, query
//! strings and header values, sent over real HTTP to every route that reads them, get an answer
//! below 500 — a JSON error with a stable code on `/api/*` — and the server keeps answering.
//! (The parsers of what Microsoft sends — Graph pages and errors, webhook bodies, JWTs, JWKS —
//! and of what Office.js gives the pane have property tests next to them.) Bounded: a few
//! hundred cases per property, a few seconds in all.

use liaison_e2e::TestApp;
use liaison_e2e::people::items::OLGAS_REVIEW;
use liaison_e2e::people::{ADELE, ANN, OLGA, seeded};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;
use serde_json::{Value, json};

/// Valid bodies of each JSON route, the seeds of the mutations.
fn routes() -> Vec<(Method, &'static str, Value)> {
    let item = json!({ "owner": OLGA, "itemId": seeded(OLGAS_REVIEW) });
    vec![
        (
            Method::POST,
            "/api/permissions/resolve",
            json!({ "delegate": ANN, "organizer": OLGA, "delegatePermissions": 63 }),
        ),
        (Method::POST, "/api/session/sso", json!({})),
        (
            Method::POST,
            "/api/session/exchange",
            json!({ "code": "ldc_x" }),
        ),
        (
            Method::POST,
            "/api/graph/notifications",
            json!({ "value": [{ "subscriptionId": "s", "clientState": "c",
                                 "changeType": "updated", "resource": "me/events/x" }] }),
        ),
        (
            Method::POST,
            "/api/graph/lifecycle",
            json!({ "value": [{ "subscriptionId": "s", "clientState": "c",
                                 "lifecycleEvent": "reauthorizationRequired" }] }),
        ),
        (Method::POST, "/api/items/context", item.clone()),
        (
            Method::POST,
            "/api/items/save",
            json!({ "item": item.clone(), "linkRecordIds": ["rec-1"] }),
        ),
        (
            Method::POST,
            "/api/items/unlink",
            json!({ "item": item.clone(), "recordId": "rec-1" }),
        ),
        (Method::POST, "/api/items/categorize", item),
        (Method::POST, "/api/sync/run", json!({})),
        (Method::PUT, "/api/me/sync", json!({ "syncEnabled": true })),
        (
            Method::PUT,
            "/api/admin/settings",
            json!({ "instaSync": true, "syncIntervalMinutes": 15 }),
        ),
    ]
}

/// Query strings of each GET route that reads one.
const QUERIED: [&str; 10] = [
    "/api/items/status",
    "/api/crm/records",
    "/api/admin/audit",
    "/auth/microsoft/callback",
    "/auth/google/callback",
    "/auth/google/start",
    "/auth/microsoft/start",
    "/permissions",
    "/diagnostics/permissions",
    "/api/graph/notifications",
];

/// A body: random bytes, a random JSON document, or a valid body with a few bytes changed.
fn body(valid: String) -> impl Strategy<Value = Vec<u8>> {
    let mutated = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..6)
        .prop_map(move |edits| {
            let mut bytes = valid.clone().into_bytes();
            for (at, byte, kind) in edits {
                let len = bytes.len();
                let i = at.index(len.max(1)).min(len);
                match kind {
                    0 if len > 0 => bytes[i.min(len - 1)] = byte,
                    1 => bytes.insert(i, byte),
                    2 if len > 0 => {
                        bytes.remove(i.min(len - 1));
                    }
                    _ => {
                        let tail = bytes[i..].to_vec();
                        bytes.extend_from_slice(&tail);
                    }
                }
            }
            bytes
        });
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        mutated,
    ]
}

/// Arbitrary JSON, nested a few levels, with the values a body's fields could take.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
            prop::collection::hash_map(
                prop_oneof![
                    Just("item".to_owned()),
                    Just("owner".to_owned()),
                    Just("itemId".to_owned()),
                    Just("linkRecordIds".to_owned()),
                    Just("value".to_owned()),
                    Just("delegate".to_owned()),
                    "[a-zA-Z]{1,12}",
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An answer: below 500, and on `/api/*` a 4xx carries a JSON error with a code.
async fn assert_answered(res: reqwest::Response, what: &str) -> Result<(), TestCaseError> {
    let status = res.status().as_u16();
    let is_api = res.url().path().starts_with("/api/");
    let text = res.text().await.unwrap_or_default();
    prop_assert!(status < 500, "{what}: {status} {text}");
    if is_api && status >= 400 {
        let error: Value = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("{what}: {status} not JSON: {e} {text}")))?;
        prop_assert!(error["code"].is_string(), "{what}: {text}");
    }
    Ok(())
}

#[test]
fn arbitrary_and_mutated_input_never_fails_the_server() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (app, ann, adele) = runtime.block_on(async {
        let app = TestApp::builder()
            .trusted_proxy("127.0.0.1".parse().unwrap())
            .spawn()
            .await;
        let (ann, adele) = (app.token(ANN).await, app.token(ADELE).await);
        (app, ann, adele)
    });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });

    // Bodies, to every JSON route, signed in (the admin route as an administrator).
    let routes = routes();
    let strategy = (0..routes.len()).prop_flat_map(|r| {
        let valid = routes[r].2.to_string();
        (Just(r), body(valid), any::<bool>())
    });
    runner
        .run(&strategy, |(r, body, as_json)| {
            let (method, path, _) = &routes[r];
            let token = if path.contains("admin") { &adele } else { &ann };
            runtime.block_on(async {
                let mut request = http
                    .request(method.clone(), format!("{}{path}", app.url))
                    .bearer_auth(token)
                    .body(body);
                if as_json {
                    request = request.header("content-type", "application/json");
                }
                assert_answered(request.send().await.unwrap(), path).await
            })
        })
        .unwrap();

    // Query strings.
    let strategy = (
        0..QUERIED.len(),
        prop_oneof![
            "[a-zA-Z0-9=&%+._~-]{0,120}",
            "(owner|itemId|q|limit|cursor|code|state|error|dialog|delegate|organizer|validationToken)=[^#]{0,60}(&[a-zA-Z]{1,8}=[^#]{0,30}){0,4}",
            ".{0,80}".prop_map(|s| urlencoding(&s)),
        ],
    );
    runner
        .run(&strategy, |(r, query)| {
            let path = QUERIED[r];
            runtime.block_on(async {
                let method = if path.contains("graph") {
                    Method::POST
                } else {
                    Method::GET
                };
                let res = http
                    .request(method, format!("{}{path}?{query}", app.url))
                    .bearer_auth(&ann)
                    .send()
                    .await
                    .unwrap();
                assert_answered(res, &format!("{path}?{query}")).await
            })
        })
        .unwrap();

    // Header values: the bearer token (a session or an Office SSO token, then parsed as a
    // JWT), cookies, the idempotency key, the client address a trusted proxy names.
    let header = prop::collection::vec(prop_oneof![32u8..127, Just(b'\t'), 128u8..=255], 0..300);
    let strategy = (0..5usize, header, any::<bool>());
    runner
        .run(&strategy, |(which, value, prefixed)| {
            let mut value = value;
            if prefixed {
                let mut bearer = b"Bearer ".to_vec();
                bearer.extend_from_slice(&value);
                value = bearer;
            }
            let Ok(value) = reqwest::header::HeaderValue::from_bytes(&value) else {
                return Ok(());
            };
            let (name, method, path) = [
                ("authorization", Method::GET, "/api/me"),
                ("authorization", Method::POST, "/api/session/sso"),
                (
                    "cookie",
                    Method::GET,
                    "/auth/microsoft/callback?state=x&code=y",
                ),
                ("idempotency-key", Method::POST, "/api/items/save"),
                ("x-forwarded-for", Method::POST, "/api/permissions/resolve"),
            ][which]
                .clone();
            runtime.block_on(async {
                let mut request = http
                    .request(method, format!("{}{path}", app.url))
                    .header(name, value)
                    .json(
                        &json!({ "item": { "owner": OLGA, "itemId": seeded(OLGAS_REVIEW) },
                                   "linkRecordIds": [] }),
                    );
                if name != "authorization" {
                    request = request.bearer_auth(&ann);
                }
                assert_answered(request.send().await.unwrap(), name).await
            })
        })
        .unwrap();

    runtime.block_on(async {
        assert_eq!(app.get("/healthz").await.status(), 200, "still answering");
    });
}

/// Percent-encodes every byte but unreserved ones.
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
