//! `POST /api/permissions/resolve` and the diagnostic page over real HTTP: the answers, and a
//! clear 4xx for every malformed input — never a 500.

use liaison_domain::api::{ErrorBody, ErrorCode, ResolveRequest, ResolveResponse};
use liaison_domain::permissions::{Action, Level, Reason};
use liaison_e2e::TestApp;
use serde_json::{Value, json};

const RESOLVE: &str = "/api/permissions/resolve";

/// The spec's example request (§2), as JSON.
fn spec_request() -> Value {
    serde_json::to_value(ResolveRequest::example()).unwrap()
}

async fn refused(app: &TestApp, body: impl Into<reqwest::Body>) -> (u16, ErrorBody) {
    let res = app.post_json(RESOLVE, body).await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: {text}: {e}"));
    (status, body)
}

fn with(mut request: Value, pointer: &str, value: Value) -> String {
    *request.pointer_mut(pointer).unwrap() = value;
    request.to_string()
}

#[tokio::test]
async fn the_spec_example_gets_the_spec_answer() {
    let app = TestApp::spawn().await;

    let res = app.post_json(RESOLVE, spec_request().to_string()).await;

    assert_eq!(res.status(), 200);
    let answer: ResolveResponse = res.json().await.unwrap();
    assert_eq!(answer.level, Level::Author);
    assert_eq!(answer.destination.as_deref(), Some("olga@contoso.com"));
    assert!(answer.actions[&Action::SaveToCrm].allowed);
    assert_eq!(
        answer.actions[&Action::UpdateCrmEvent].reason,
        Some(Reason::NotFound)
    );
}

#[tokio::test]
async fn organizer_sync_off_refuses_the_initial_save_with_the_articles_words() {
    let app = TestApp::spawn().await;
    let body = with(spec_request(), "/organizerSyncEnabled", json!(false));

    let answer: ResolveResponse = app.post_json(RESOLVE, body).await.json().await.unwrap();

    let save = &answer.actions[&Action::SaveToCrm];
    assert!(!save.allowed);
    assert_eq!(save.reason, Some(Reason::OrganizerSyncDisabled));
    assert_eq!(
        save.message.as_deref(),
        Some("Sync is not enabled for the Organizer")
    );
}

#[tokio::test]
async fn every_malformed_body_gets_a_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let mut missing_owner = spec_request();
    missing_owner.as_object_mut().unwrap().remove("owner");
    let mut unknown_field = spec_request();
    unknown_field["isAdmin"] = json!(true);
    let cases = [
        (
            with(spec_request(), "/canViewPrivateItems", json!("no")),
            ErrorCode::InvalidBody,
            "canViewPrivateItems",
        ),
        (
            with(spec_request(), "/item/mode", json!("edit")),
            ErrorCode::InvalidBody,
            "item.mode",
        ),
        (
            with(spec_request(), "/crm/delegateAccess", json!("owner")),
            ErrorCode::InvalidBody,
            "crm.delegateAccess",
        ),
        (
            with(
                spec_request(),
                "/access",
                json!({ "graphRole": "write", "ewsLevel": "Editor" }),
            ),
            ErrorCode::InvalidValue,
            "access",
        ),
        (
            with(spec_request(), "/access", json!({})),
            ErrorCode::InvalidValue,
            "access",
        ),
        (
            with(
                spec_request(),
                "/access",
                json!({ "officeDelegatePermissions": 64 }),
            ),
            ErrorCode::InvalidValue,
            "access.officeDelegatePermissions",
        ),
        (
            with(
                spec_request(),
                "/access",
                json!({ "officeDelegatePermissions": -1 }),
            ),
            ErrorCode::InvalidBody,
            "access.officeDelegatePermissions",
        ),
        (
            with(
                spec_request(),
                "/access",
                json!({ "officeDelegatePermissions": 99999999999u64 }),
            ),
            ErrorCode::InvalidBody,
            "access.officeDelegatePermissions",
        ),
        (
            with(spec_request(), "/access", json!({ "graphRole": "owner" })),
            ErrorCode::InvalidBody,
            "access.graphRole",
        ),
        (
            with(spec_request(), "/delegate", json!("not an address")),
            ErrorCode::InvalidValue,
            "delegate",
        ),
        (missing_owner.to_string(), ErrorCode::InvalidBody, "owner"),
        (unknown_field.to_string(), ErrorCode::InvalidBody, "isAdmin"),
    ];
    for (body, code, field) in cases {
        let (status, error) = refused(&app, body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error.code, code, "{body}: {error:?}");
        assert_eq!(error.field.as_deref(), Some(field), "{body}: {error:?}");
        assert!(!error.message.is_empty());
    }
}

#[tokio::test]
async fn a_nested_array_where_an_object_belongs_is_refused_at_that_field() {
    let app = TestApp::spawn().await;
    let body = with(
        spec_request(),
        "/item",
        json!([[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]),
    );

    let (status, error) = refused(&app, body).await;

    assert_eq!(status, 400);
    assert!(error.field.unwrap().starts_with("item"));
}

#[tokio::test]
async fn what_is_not_json_gets_a_400_and_deep_nesting_does_not_crash_the_server() {
    let app = TestApp::spawn().await;
    for body in [
        "".to_owned(),
        "{".to_owned(),
        "not json".to_owned(),
        format!("{} {}", spec_request(), spec_request()),
        // Deeper than serde_json's limit of 128, yet under the body limit.
        "[".repeat(60_000),
        "{\"a\":".repeat(12_000),
    ] {
        let (status, error) = refused(&app, body).await;
        assert_eq!(status, 400);
        assert!(
            matches!(error.code, ErrorCode::InvalidJson | ErrorCode::InvalidBody),
            "{error:?}"
        );
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn no_truncation_of_a_valid_request_gets_anything_but_a_400() {
    let app = TestApp::spawn().await;
    let full = spec_request().to_string();
    for end in 0..full.len() {
        let res = app.post_json(RESOLVE, full[..end].to_owned()).await;
        assert_eq!(res.status(), 400, "{}", &full[..end]);
    }
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_with_or_without_a_length() {
    let app = TestApp::spawn().await;
    // Over Liaison's 64 KiB and under axum's own 2 MiB default: only Liaison's limit refuses it.
    let huge = format!("{{\"delegate\":\"{}\"}}", "a".repeat(100 * 1024));
    // Just under the limit, the body is read (and refused for what it says, not its size).
    let under = format!("{{\"delegate\":\"{}\"}}", "a".repeat(60 * 1024));
    let (status, _) = refused(&app, under).await;
    assert_eq!(status, 400);

    let (status, error) = refused(&app, huge.clone()).await;
    assert_eq!(status, 413);
    assert_eq!(error.code, ErrorCode::BodyTooLarge);

    let chunks: Vec<Result<_, std::io::Error>> = huge
        .into_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let streamed = reqwest::Body::wrap_stream(futures_util_stream(chunks));
    let (status, error) = refused(&app, streamed).await;
    assert_eq!(status, 413);
    assert_eq!(error.code, ErrorCode::BodyTooLarge);
}

fn futures_util_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + Sync + 'static {
    tokio_stream::iter(chunks)
}

#[tokio::test]
async fn a_body_that_is_not_sent_as_json_gets_415() {
    let app = TestApp::spawn().await;

    let res = app
        .http
        .post(format!("{}{RESOLVE}", app.url))
        .header("content-type", "text/plain")
        .body(spec_request().to_string())
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), 415);
    let error: ErrorBody = res.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::UnsupportedMediaType);
}

#[tokio::test]
async fn the_wrong_method_gets_a_json_405() {
    let app = TestApp::spawn().await;

    let res = app.get(RESOLVE).await;

    assert_eq!(res.status(), 405);
    let error: ErrorBody = res.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::MethodNotAllowed);
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_with_retry_after() {
    let app = TestApp::builder().rate_limit(1).spawn().await;
    let body = spec_request().to_string();

    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..5 {
        let res = app.post_json(RESOLVE, body.clone()).await;
        statuses.push(res.status().as_u16());
        if res.status() == 429 {
            retry_after = res.headers().get("retry-after").cloned();
            let error: ErrorBody = res.json().await.unwrap();
            assert_eq!(error.code, ErrorCode::RateLimited);
        }
    }

    assert_eq!(&statuses[..2], [200, 200], "a burst of two is allowed");
    assert!(statuses[2..].contains(&429), "{statuses:?}");
    let seconds: u64 = retry_after.unwrap().to_str().unwrap().parse().unwrap();
    assert!(seconds >= 1);
}

#[tokio::test]
async fn the_diagnostic_page_explains_a_refusal() {
    let app = TestApp::spawn().await;

    let example = app
        .get("/diagnostics/permissions")
        .await
        .text()
        .await
        .unwrap();
    let reviewer = app
        .get(
            "/diagnostics/permissions?delegate=rita%40contoso.com&owner=olga%40contoso.com\
             &accessSource=ewsLevel&accessValue=Reviewer&mode=read&createdBy=owner\
             &delegateAccess=none&organizerSyncEnabled=on",
        )
        .await;
    let bad = app
        .get(
            "/diagnostics/permissions?delegate=rita%40contoso.com&owner=olga%40contoso.com\
             &accessSource=officeDelegatePermissions&accessValue=99&mode=read&createdBy=owner\
             &delegateAccess=none",
        )
        .await
        .text()
        .await
        .unwrap();

    assert!(
        example.contains("<strong id=\"level\">Author</strong>"),
        "{example}"
    );
    assert_eq!(reviewer.status(), 200);
    let reviewer = reviewer.text().await.unwrap();
    assert!(reviewer.contains("<strong id=\"level\">Reviewer</strong>"));
    assert!(reviewer.contains("reviewer_read_only"));
    assert!(reviewer.contains(Reason::ReviewerReadOnly.message()));
    assert!(bad.contains("access.officeDelegatePermissions"), "{bad}");
}
