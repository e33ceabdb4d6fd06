//! The crash tests' server process: `liaison-crashable serve` on the simulator, HTTPS with a
//! self-signed certificate, armed to crash at a named point; and the requests that find out
//! whether it died before answering.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use liaison_e2e::sign_in_with_office_sso;
use liaison_server::store::DatabaseUrl;
use m365_sim::Simulator;
use serde_json::Value;

use super::LEASE;

pub(super) struct Server {
    pub(super) child: Arc<Mutex<Child>>,
    pub(super) url: String,
}

impl Server {
    /// `kill -9`.
    pub(super) fn kill(&self) {
        let mut child = self.child.lock().unwrap();
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub(super) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A client of the server's self-signed HTTPS.
pub(super) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Starts `liaison serve` on the data directory, armed to crash at `crash` if given.
pub(super) async fn start(
    sim: &Simulator,
    data: &Path,
    database: &DatabaseUrl,
    crash: Option<&str>,
) -> Server {
    let port = free_port();
    let url = format!("https://127.0.0.1:{port}");
    let app = sim.app();
    let mut command = Command::new(env!("CARGO_BIN_EXE_liaison-crashable"));
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data)
        .args(["--database", database.expose()])
        .args(["--tls-self-signed"])
        .args(["--public-url", &format!("https://localhost:{port}")])
        .args(["--microsoft-client-id", &app.client_id])
        .args(["--microsoft-client-secret", &app.client_secret])
        .args(["--microsoft-app-id-uri", &app.app_id_uri])
        .args(["--microsoft-authority", &sim.url()])
        .args(["--graph-url", &format!("{}/v1.0", sim.url())])
        .args(["--ui-dir", "/nonexistent", "--no-sync-worker"])
        .args(["--rate-limit", "100000", "--user-rate-limit", "100000"])
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
    let server = Server {
        child: Arc::new(Mutex::new(child)),
        url,
    };
    let http = client();
    for _ in 0..300 {
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
pub(super) async fn sign_in(sim: &Simulator, server: &Server, mailbox: &str) -> String {
    sign_in_with_office_sso(&client(), sim, &server.url, mailbox).await
}

/// An Office SSO sign-in: `Ok(status)`, or `Err` when the server died before answering.
pub(super) async fn try_sign_in(
    sim: &Simulator,
    server: &Server,
    mailbox: &str,
) -> Result<u16, ()> {
    let http = client();
    let sso = liaison_e2e::office_sso_token(&http, sim, mailbox).await;
    http.post(format!("{}/api/session/sso", server.url))
        .bearer_auth(sso)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(drop)
}

/// `Ok(status)`, or `Err` when the server died before answering.
pub(super) async fn send(
    server: &Server,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
    key: Option<&str>,
) -> Result<u16, ()> {
    let mut request = client()
        .request(method, format!("{}{path}", server.url))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(drop)
}

pub(super) async fn post(
    server: &Server,
    token: &str,
    path: &str,
    body: &Value,
    key: Option<&str>,
) -> Result<u16, ()> {
    send(server, token, reqwest::Method::POST, path, Some(body), key).await
}
