//! Secrets are never logged: the real server binary runs with every log level on (`trace`),
//! its output captured, through Office SSO, the sign-in dialog's code flow (code, PKCE
//! verifier, ID token, one-time dialog code), a forced refresh (a rotated refresh token), Graph
//! calls with access tokens, and a session in use — and no token, code or secret the simulator
//! issued, nor a session token, appears in what it wrote (SQL statements are logged, their
//! bound values never).

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use liaison_e2e::people::{ANN, OLGA};
use liaison_e2e::sign_in_with_office_sso;
use m365_sim::{Seed, Simulator};
use serde_json::json;

#[tokio::test]
async fn a_full_sign_in_refresh_and_graph_story_logs_no_secret() {
    let logged = sign_in_refresh_and_graph_story("text").await;
    assert!(
        logged.contains("TRACE") || logged.contains("DEBUG"),
        "the server logged at every level"
    );
}

/// `--log-format json`: every line is one JSON object with a time, a level and the event's
/// fields, and the same story logs no secret either (span fields are written too).
#[tokio::test]
async fn json_logs_are_one_object_per_line_and_hold_no_secret() {
    let logged = sign_in_refresh_and_graph_story("json").await;
    let mut levels = std::collections::BTreeSet::new();
    for line in logged.lines() {
        let object: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON object ({e}): {line}"));
        assert!(object["timestamp"].is_string(), "{line}");
        assert!(object["fields"].is_object(), "{line}");
        levels.insert(object["level"].as_str().unwrap().to_owned());
    }
    assert!(
        levels.contains("TRACE") && levels.contains("INFO"),
        "{levels:?}"
    );
    assert!(
        logged.contains(r#""message":"listening on http://"#),
        "the start-up line is there"
    );
}

/// Runs the story with the logs in `format` and returns what the server wrote, once checked to
/// hold no secret.
async fn sign_in_refresh_and_graph_story(format: &str) -> String {
    let seed = Seed::contoso();
    let tenant = seed.tenants[0].id.clone();
    let sim = Simulator::start(seed).await.unwrap();
    sim.grant_admin_consent(&tenant);
    let data = tempfile::tempdir().unwrap();
    let log_path = data.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = sim.app();
    let mut child = Command::new(env!("CARGO_BIN_EXE_liaison-crashable"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data.path())
        .args(["--public-url", &format!("http://localhost:{port}")])
        .args(["--microsoft-client-id", &app.client_id])
        .args(["--microsoft-client-secret", &app.client_secret])
        .args(["--microsoft-app-id-uri", &app.app_id_uri])
        .args(["--microsoft-authority", &sim.url()])
        .args(["--graph-url", &format!("{}/v1.0", sim.url())])
        .args(["--ui-dir", "/nonexistent", "--no-sync-worker"])
        .args(["--log-format", format])
        .env("RUST_LOG", "trace")
        .env_remove("LIAISON_CRASH_AT")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let url = format!("http://localhost:{port}");
    sim.allow_redirect_uri(&format!("{url}/auth/microsoft/callback"));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    for _ in 0..200 {
        if http
            .get(format!("{url}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for mailbox in [OLGA, ANN] {
        let start = http
            .get(format!("{url}/auth/microsoft/start?dialog=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(start.status(), 303);
        let authorize = start.headers()["location"].to_str().unwrap().to_owned();
        let consent = http
            .post(&authorize)
            .form(&[("user", mailbox), ("decision", "accept")])
            .send()
            .await
            .unwrap();
        let callback = consent.headers()["location"].to_str().unwrap().to_owned();
        let page = http.get(&callback).send().await.unwrap();
        assert_eq!(page.status(), 200);
    }
    let sso = sign_in_with_office_sso(&http, &sim, &url, ANN).await;
    let olga = sign_in_with_office_sso(&http, &sim, &url, OLGA).await;
    for (token, path, body) in [
        (&olga, "/api/connections/microsoft/check", json!({})),
        (
            &sso,
            "/api/items/context",
            json!({ "owner": OLGA, "itemId": m365_sim::seed::demo_event_id(1) }),
        ),
        (
            &sso,
            "/api/items/save",
            json!({ "item": { "owner": OLGA, "itemId": m365_sim::seed::demo_event_id(1) },
                    "linkRecordIds": [] }),
        ),
        (&olga, "/api/sync/run", json!({})),
    ] {
        let res = http
            .post(format!("{url}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        // (Without the demo's CRM shares a save is refused, after the Graph reads it needs.)
        assert!(!res.status().is_server_error(), "{path}: {}", res.status());
    }
    let _ = child.kill();
    let _ = child.wait();

    let logged = std::fs::read_to_string(&log_path).unwrap();
    for secret in [
        "sim.rt.",   // refresh tokens
        "sim.code.", // authorization codes
        "eyJ",       // access and ID tokens (JWTs)
        "lsn_",      // session tokens
        "ldc_",      // one-time dialog codes
        app.client_secret.as_str(),
        sso.as_str(),
        olga.as_str(),
    ] {
        assert!(
            !logged.contains(secret),
            "`{secret}` is in the server's log:\n{}",
            logged
                .lines()
                .filter(|l| l.contains(secret))
                .take(3)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    logged
}
