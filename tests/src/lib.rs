//! Helpers for Liaison's end-to-end suites: the real server on a random port against a real
//! store and the Microsoft 365 simulator ([`TestApp`]), and headless Chromium driven through
//! chromedriver ([`Browser`]).
//!
//! Nothing here skips: a missing browser or task pane build fails the test with what to do.

mod browser;
pub mod operations;
pub mod pane;
pub mod people;
pub mod redirects;
pub mod store_fixtures;
pub mod test_db;

use std::path::PathBuf;
use std::sync::Arc;

pub use operations::{METRICS_TOKEN, sample};

use liaison_server::config::{ServerConfig, Tls};
use liaison_server::startup::Application;
use m365_sim::{Seed, Simulator};

pub use browser::Browser;
use liaison_server::store::{EventKey, Store, StoredEvent, TenantId, UserId, UserKey};
use test_db::{Backend, TestDatabase};

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where the official Office add-in manifest schemas are kept as test data
/// (`tests/data/office-manifest-xsd/`, sources in its `SOURCES.md`), unless
/// `$LIAISON_MANIFEST_XSD_DIR` names another copy.
pub fn manifest_schema_dir() -> PathBuf {
    std::env::var("LIAISON_MANIFEST_XSD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/office-manifest-xsd")
        })
}

/// Validates `xml` against the official Office add-in manifest schemas with
/// `xmllint --nonet`, returning xmllint's complaint on failure.
pub fn validate_manifest(xml: &str) -> Result<(), String> {
    let schema = manifest_schema_dir().join("OfficeAppManifestV1_1.xsd");
    assert!(
        schema.exists(),
        "{} is missing: the official schemas are kept in tests/data/office-manifest-xsd",
        schema.display()
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), xml).unwrap();
    let output = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(file.path())
        .output()
        .unwrap_or_else(|e| panic!("xmllint cannot run ({e}): apt-get install -y libxml2-utils"));
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Where trunk puts the built task pane.
pub fn ui_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../addin-ui/dist")
}

/// Fails with instructions when the task pane has not been built.
pub fn require_built_task_pane() {
    let index = ui_dir().join("index.html");
    assert!(
        index.exists(),
        "{} is missing: build the task pane first with scripts/build-ui \
         (the README's test command does this)",
        index.display()
    );
}

/// A running Liaison server in demo mode with its own simulator and SQLite file.
pub struct TestApp {
    /// The server's base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    pub simulator: Simulator,
    /// The world the simulator started with (placed in the week the test runs in).
    pub seed: Seed,
    pub http: reqwest::Client,
    /// The server's record store, for arranging data and checking what a request changed.
    pub store: Arc<dyn Store>,
    sessions: tokio::sync::Mutex<std::collections::HashMap<String, String>>,
    _database: TestDatabase,
    _data: tempfile::TempDir,
}

impl TestApp {
    /// Starts the simulator and the server (plain HTTP, demo mode) on random ports.
    pub async fn spawn() -> Self {
        TestAppBuilder::default().spawn().await
    }

    /// Starts the simulator and the server with `tls`; `demo: false` runs it as a deployment
    /// would (no Office.js stand-in).
    pub async fn spawn_with(tls: Tls, demo: bool) -> Self {
        TestAppBuilder {
            tls,
            demo,
            ..TestAppBuilder::default()
        }
        .spawn()
        .await
    }

    /// A server with a custom configuration.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }
}

/// How a [`TestApp`] is configured.
pub struct TestAppBuilder {
    pub tls: Tls,
    pub demo: bool,
    /// Requests per second per client on the public API; high by default so tests never trip it.
    pub rate_limit: u32,
    /// Requests per second per signed-in user; high by default.
    pub user_rate_limit: u32,
    /// Proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: liaison_server::http::rate_limit::TrustedProxies,
    pub max_connections: usize,
    /// Connections from one address (the server's default, a quarter of the maximum, unless
    /// set).
    pub max_connections_per_client: Option<usize>,
    pub header_read_timeout: std::time::Duration,
    pub keep_alive_timeout: std::time::Duration,
    /// How long a request may take before `408` (the server's default unless set).
    pub request_timeout: std::time::Duration,
    pub backend: Backend,
    /// The tenant's administrator consented (so Office SSO works without a dialog).
    pub consented: bool,
    /// Sync settings; the background worker is off so tests run sessions themselves.
    pub sync: liaison_server::sync::SyncSettings,
    /// The Organizers (Olga, Otto) connected their calendars before (as in the demo).
    pub organizers_connected: bool,
    /// How long a verified delegation is kept (the server's default: five minutes).
    pub delegation_ttl: std::time::Duration,
    /// `--public-url`: where browsers reach the server (e.g. a TLS proxy in front of it).
    pub public_url: Option<liaison_server::http::public_url::PublicUrl>,
    /// The simulator's world (default: [`Seed::contoso`]).
    pub seed: Option<Seed>,
    /// Liaison's store starts with the demo's tenant, people and records (default), or empty —
    /// a fresh installation that has seen no tenant yet.
    pub seed_store: bool,
    /// `/metrics` is served (to [`METRICS_TOKEN`]); on by default.
    pub metrics: bool,
}

impl Default for TestAppBuilder {
    fn default() -> Self {
        Self {
            tls: Tls::Off,
            demo: true,
            rate_limit: 100_000,
            user_rate_limit: 100_000,
            trusted_proxies: Default::default(),
            max_connections: 1024,
            max_connections_per_client: None,
            header_read_timeout: liaison_server::http::accept::HEADER_READ_TIMEOUT,
            keep_alive_timeout: liaison_server::http::accept::KEEP_ALIVE_TIMEOUT,
            request_timeout: liaison_server::http::limits::REQUEST_TIMEOUT,
            backend: Backend::Sqlite,
            consented: true,
            sync: liaison_server::sync::SyncSettings {
                worker: false,
                ..Default::default()
            },
            organizers_connected: true,
            delegation_ttl: liaison_server::identity::MAX_DELEGATION_TTL,
            public_url: None,
            seed: None,
            seed_store: true,
            metrics: true,
        }
    }
}

impl TestAppBuilder {
    /// Starts the simulator with `seed` (more people, more delegations) instead of Contoso's.
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Answers `408` to requests (bodies included) that take longer than `limit`.
    pub fn request_timeout(mut self, limit: std::time::Duration) -> Self {
        self.request_timeout = limit;
        self
    }

    /// Serves behind a proxy reached at `url` (`--public-url`).
    pub fn public_url(mut self, url: &str) -> Self {
        self.public_url = Some(url.parse().expect("a public URL"));
        self
    }

    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = per_second;
        self
    }

    pub fn user_rate_limit(mut self, per_second: u32) -> Self {
        self.user_rate_limit = per_second;
        self
    }

    /// Serves at most `connections` at once, and gives clients `header_timeout` for headers.
    pub fn connection_limits(
        mut self,
        connections: usize,
        header_timeout: std::time::Duration,
    ) -> Self {
        self.max_connections = connections;
        self.header_read_timeout = header_timeout;
        self
    }

    /// Connections from one address, and how long a connection may stay silent once answered.
    pub fn per_client_connections(
        mut self,
        per_client: usize,
        keep_alive: std::time::Duration,
    ) -> Self {
        self.max_connections_per_client = Some(per_client);
        self.keep_alive_timeout = keep_alive;
        self
    }

    /// Takes the client's address from `X-Forwarded-For` when the peer is `proxy`.
    pub fn trusted_proxy(mut self, proxy: std::net::IpAddr) -> Self {
        self.trusted_proxies = liaison_server::http::rate_limit::TrustedProxies {
            header: Some(reqwest::header::HeaderName::from_static("x-forwarded-for")),
            proxies: vec![proxy],
        };
        self
    }

    /// Runs the server on this store backend (SQLite by default).
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// Runs the server with these sync settings (the worker is off by default).
    pub fn sync(mut self, settings: liaison_server::sync::SyncSettings) -> Self {
        self.sync = settings;
        self
    }

    /// Starts with no consent in the tenant (the first sign-in must consent).
    /// A fresh installation: an empty store (no tenant, no person, no record) and no consent.
    pub fn fresh_install(mut self) -> Self {
        self.seed_store = false;
        self.without_consent()
    }

    pub fn without_consent(mut self) -> Self {
        self.consented = false;
        // Nobody has consented: nobody has connected a calendar either.
        self.organizers_connected = false;
        self
    }

    /// Starts with nobody connected: the Organizers must sign in themselves.
    pub fn without_connected_organizers(mut self) -> Self {
        self.organizers_connected = false;
        self
    }

    /// Serves no `/metrics` (no token configured).
    pub fn without_metrics(mut self) -> Self {
        self.metrics = false;
        self
    }

    /// Keeps a verified delegation this long (the tests of revocation use a short time).
    pub fn delegation_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.delegation_ttl = ttl;
        self
    }

    pub async fn spawn(self) -> TestApp {
        liaison_server::telemetry::init_for_tests();
        let data = tempfile::tempdir().expect("a temporary directory");
        let database = TestDatabase::create(&self.backend).await;
        let seed = self.seed.clone().unwrap_or_else(Seed::contoso);
        let simulator = Simulator::start(seed.clone())
            .await
            .expect("the simulator starts");
        let tls = match self.tls {
            Tls::SelfSigned { .. } => Tls::SelfSigned {
                dir: data.path().join("tls"),
            },
            other => other,
        };
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            public_url: self.public_url.clone(),
            pane_files: liaison_server::http::pane_files::PaneFiles::Dir(ui_dir()),
            tls,
            database: database.url.clone(),
            rate_limits: liaison_server::http::rate_limit::RateLimitSettings {
                anonymous: std::num::NonZeroU32::new(self.rate_limit).expect("a rate above zero"),
                per_user: std::num::NonZeroU32::new(self.user_rate_limit)
                    .expect("a rate above zero"),
            },
            trusted_proxies: self.trusted_proxies.clone(),
            max_connections: std::num::NonZeroUsize::new(self.max_connections).expect("above zero"),
            max_connections_per_client: std::num::NonZeroUsize::new(
                self.max_connections_per_client
                    .unwrap_or(self.max_connections / 4)
                    .max(1),
            )
            .expect("above zero"),
            header_read_timeout: self.header_read_timeout,
            keep_alive_timeout: self.keep_alive_timeout,
            request_timeout: self.request_timeout,
            demo: self
                .demo
                .then(|| liaison_server::demo::app::settings(&seed, &simulator)),
            identity: if self.demo {
                let mut identity = liaison_server::demo::app::identity_settings(&simulator);
                if let Some(microsoft) = &mut identity.microsoft {
                    microsoft.delegation_ttl = self.delegation_ttl;
                }
                identity
            } else {
                Default::default()
            },
            sync: self.sync.clone(),
            webhooks: liaison_server::webhooks::WebhookSettings {
                allow_http: true,
                attempts: 3,
                first_retry: std::time::Duration::from_millis(50),
                poll: std::time::Duration::from_millis(50),
                timeout: std::time::Duration::from_secs(5),
                ..Default::default()
            },
            keyring: std::sync::Arc::new(
                liaison_server::auth::secrets::Keyring::load_or_create(&data.path().join("keys"))
                    .expect("an encryption key"),
            ),
            metrics_token: self.metrics.then(|| METRICS_TOKEN.to_owned().into()),
        };
        if self.consented {
            simulator.grant_admin_consent(&seed.tenants[0].id);
        }
        let keyring = config.keyring.clone();
        let app = Application::build(config).await.expect("the server starts");
        liaison_server::demo::app::register_redirect_uris(&simulator, app.public_url());
        let url = app.url();
        let store = app.store();
        if self.demo && self.seed_store {
            liaison_server::demo::app::seed_store(store.as_ref(), &seed)
                .await
                .expect("the demo data is written");
            if self.organizers_connected {
                liaison_server::demo::app::connect_organizers(
                    store.as_ref(),
                    &keyring,
                    &simulator,
                    &seed,
                )
                .await
                .expect("the Organizers' connections are written");
            }
        }
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        TestApp {
            url,
            simulator,
            seed,
            http,
            store,
            sessions: Default::default(),
            _database: database,
            _data: data,
        }
    }
}

/// A refusal's status and JSON error body.
pub async fn error_body(res: reqwest::Response) -> (u16, liaison_domain::api::ErrorBody) {
    let status = res.status().as_u16();
    (status, res.json().await.expect("an error body"))
}

impl TestApp {
    /// How many CRM events the store holds.
    pub async fn crm_event_count(&self) -> i64 {
        self.store
            .count_rows(liaison_server::store::CountedTable::CrmEvents)
            .await
            .expect("the store answers")
    }

    /// The store this server uses.
    pub fn database_url(&self) -> &liaison_server::store::DatabaseUrl {
        &self._database.url
    }

    /// The data directory of this server (SQLite file, certificate).
    pub fn data_dir(&self) -> &std::path::Path {
        self._data.path()
    }

    /// The task pane URL as the simulated Outlook host opens it for `mailbox`.
    pub fn task_pane_in_simulated_outlook(&self, mailbox: &str, name: &str) -> String {
        format!(
            "{}/taskpane.html?host=simulator&mailbox={}&name={}",
            self.url,
            encode(mailbox),
            encode(name)
        )
    }

    /// The seeded (Contoso) tenant's id.
    pub fn tenant_id(&self) -> TenantId {
        TenantId::new(Seed::contoso().tenants[0].id.as_str())
    }

    /// The seeded user `user_id` (e.g. `people::OLGA_ID`) as the store keys them.
    pub fn user(&self, user_id: &str) -> UserKey {
        UserKey::new(self.tenant_id(), UserId::new(user_id))
    }

    /// The CRM event of `organizer_id`'s meeting `ical_uid`, as stored.
    pub async fn crm_event(&self, organizer_id: &str, ical_uid: &str) -> Option<StoredEvent> {
        let tenant_id = self.tenant_id();
        let organizer_id = UserId::new(organizer_id);
        self.store
            .find_event(EventKey {
                tenant_id: &tenant_id,
                organizer_id: &organizer_id,
                ical_uid,
            })
            .await
            .expect("the store answers")
    }

    /// The token Office would hand the add-in for `mailbox` (an access token for Liaison's API).
    pub async fn office_sso_token(&self, mailbox: &str) -> String {
        office_sso_token(&self.http, &self.simulator, mailbox).await
    }

    /// A session token of the seeded user `mailbox`, signed in through Office SSO (once per
    /// user and test server).
    pub async fn token(&self, mailbox: &str) -> String {
        if let Some(token) = self.sessions.lock().await.get(mailbox) {
            return token.clone();
        }
        let token = sign_in_with_office_sso(&self.http, &self.simulator, &self.url, mailbox).await;
        self.sessions
            .lock()
            .await
            .insert(mailbox.to_owned(), token.clone());
        token
    }

    /// POSTs `body` as JSON to `path` as the seeded user `mailbox`.
    pub async fn post_as(
        &self,
        mailbox: &str,
        path: &str,
        body: &serde_json::Value,
        idempotency_key: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(self.token(mailbox).await)
            .json(body);
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        request.send().await.expect("the server answers")
    }

    /// GETs `path` as the seeded user `mailbox`.
    pub async fn get_as(&self, mailbox: &str, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(self.token(mailbox).await)
            .send()
            .await
            .expect("the server answers")
    }

    /// POSTs `body` as JSON to `path`.
    pub async fn post_json(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("the server answers")
    }
}

/// The token Office would hand the add-in for `mailbox`, from the simulator.
pub async fn office_sso_token(
    http: &reqwest::Client,
    simulator: &Simulator,
    mailbox: &str,
) -> String {
    let body: serde_json::Value = http
        .get(format!("{}/_office/sso-token", simulator.url()))
        .query(&[
            ("mailbox", mailbox),
            ("resource", &simulator.app().app_id_uri),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().expect("an SSO token").to_owned()
}

/// Signs `mailbox` in to the server at `server_url` through Office SSO; its session token.
pub async fn sign_in_with_office_sso(
    http: &reqwest::Client,
    simulator: &Simulator,
    server_url: &str,
    mailbox: &str,
) -> String {
    let sso = office_sso_token(http, simulator, mailbox).await;
    let response = http
        .post(format!("{server_url}/api/session/sso"))
        .bearer_auth(sso)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "Office SSO signs {mailbox} in");
    let grant: serde_json::Value = response.json().await.unwrap();
    grant["token"].as_str().unwrap().to_owned()
}
