//! The `liaison` command line and the configuration it resolves to.
//!
//! Every flag is also an environment variable (`LIAISON_*`), so a deployment configures the
//! server without a file. [`ServerConfig`] is what the server runs on; tests build it directly.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::secrets::Keyring;
use crate::demo::DemoSettings;
use crate::http::pane_files::PaneFiles;
use crate::http::public_url::PublicUrl;
pub use crate::http::tls::Tls;
use crate::identity::{GoogleSettings, IdentitySettings, MicrosoftSettings};
use crate::store::DatabaseUrl;
use crate::sync::SyncSettings;
use crate::synced_window::SyncedWindow;
use crate::telemetry::LogFormat;

/// Liaison: a CRM sidebar for Outlook, and its server.
#[derive(Debug, Parser)]
#[command(name = "liaison", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// How log lines are written to stderr: readable text, or one JSON object per line.
    #[arg(
        long,
        global = true,
        env = "LIAISON_LOG_FORMAT",
        value_enum,
        default_value_t
    )]
    pub log_format: LogFormat,
}

// Parsed once per process: the size of its largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Run the server with an in-process Microsoft 365 simulator and demo data: no tenant needed.
    #[cfg(feature = "demo")]
    Demo(ServeArgs),
    /// Apply the record store's migrations and exit.
    Migrate(StoreArgs),
    /// Print the add-in manifest with the public URL filled in.
    Manifest(ManifestArgs),
    /// Check that every stored secret still decrypts (and, with --rewrap, re-encrypt them with
    /// the newest key).
    Doctor(DoctorArgs),
    /// Print a new encryption key line for LIAISON_ENCRYPTION_KEYS.
    NewKey,
    /// Print docs/PERMISSIONS.md, generated from the scope registry.
    Permissions,
    /// Let an Organizer's sync sessions run again after the circuit breaker stopped them.
    SyncResume(SyncResumeArgs),
    /// Ask a running server whether it is healthy (`/healthz`): exit status 0 when it answers
    /// 2xx. A container's health check, with nothing but this binary in the image.
    HealthCheck(HealthCheckArgs),
    /// Ask a Microsoft 365 tenant every behaviour Liaison relies on (docs/MICROSOFT.md), with
    /// a calendar owner and their Editor delegate: what Microsoft answers, and whether each
    /// assumption holds. Creates two meetings in the owner's calendar and deletes them.
    TenantCheck(TenantCheckArgs),
}

#[derive(Debug, Args)]
pub struct TenantCheckArgs {
    /// The calendar owner's mailbox.
    #[arg(long)]
    pub owner: String,
    /// A file holding a delegated Graph access token of the owner (User.Read,
    /// Calendars.ReadWrite, Calendars.Read.Shared), e.g. copied from Graph Explorer.
    #[arg(long, env = "LIAISON_CHECK_OWNER_TOKEN_FILE")]
    pub owner_token_file: std::path::PathBuf,
    /// The mailbox of a delegate the owner made an Editor, without access to private items.
    #[arg(long)]
    pub delegate: String,
    /// A file holding a delegated Graph access token of the delegate.
    #[arg(long, env = "LIAISON_CHECK_DELEGATE_TOKEN_FILE")]
    pub delegate_token_file: std::path::PathBuf,
    /// Microsoft Graph's base URL.
    #[arg(
        long,
        env = "LIAISON_GRAPH_URL",
        default_value = "https://graph.microsoft.com/v1.0"
    )]
    pub graph_url: String,
}

#[derive(Debug, Args)]
pub struct HealthCheckArgs {
    /// The server's health endpoint.
    #[arg(long, default_value = "http://127.0.0.1:3000/healthz")]
    pub url: url::Url,
}

#[derive(Debug, Args)]
pub struct SyncResumeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The Organizer's mailbox, e.g. `olga@contoso.com`.
    #[arg(long)]
    pub mailbox: String,
    /// The directory tenant id (`tid`) of the mailbox.
    #[arg(long)]
    pub tenant: String,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Seconds between the sync worker's looks for due jobs ("Sync now" and turning sync on
    /// wake it at once). Each Organizer's interval is the tenant's setting (15 minutes).
    #[arg(long, env = "LIAISON_SYNC_POLL_SECONDS", default_value = "30")]
    pub sync_poll_seconds: u64,
    /// How long a worker holds a job without renewing it before another may take it over.
    #[arg(long, env = "LIAISON_SYNC_LEASE_SECONDS", default_value = "120")]
    pub sync_lease_seconds: u64,
    /// The synced window: days back from today…
    #[arg(long, env = "LIAISON_SYNC_DAYS_BACK", default_value = "30")]
    pub sync_days_back: i64,
    /// …and days ahead.
    #[arg(long, env = "LIAISON_SYNC_DAYS_AHEAD", default_value = "365")]
    pub sync_days_ahead: i64,
    /// Sessions of different Organizers this instance's worker runs at once.
    #[arg(long, env = "LIAISON_SYNC_SESSIONS", default_value = "4")]
    pub sync_sessions: usize,
    /// The longest one Organizer's session may run (it is stopped and tried again later).
    #[arg(
        long,
        env = "LIAISON_SYNC_SESSION_DEADLINE_SECONDS",
        default_value = "900"
    )]
    pub sync_session_deadline_seconds: u64,
    /// Do not run the sync worker in this instance (another instance on the same store does).
    #[arg(long, env = "LIAISON_NO_SYNC_WORKER")]
    pub no_sync_worker: bool,
}

impl SyncArgs {
    pub fn settings(&self) -> crate::sync::SyncSettings {
        crate::sync::SyncSettings {
            worker: !self.no_sync_worker,
            poll: std::time::Duration::from_secs(self.sync_poll_seconds.max(1)),
            lease: std::time::Duration::from_secs(self.sync_lease_seconds.max(1)),
            window: SyncedWindow {
                days_back: self.sync_days_back.clamp(0, 3650),
                days_ahead: self.sync_days_ahead.clamp(1, 3650),
            },
            concurrent_sessions: self.sync_sessions.clamp(1, 64),
            session_deadline: std::time::Duration::from_secs(
                self.sync_session_deadline_seconds.max(10),
            ),
        }
    }
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub secrets: SecretArgs,
    /// Re-encrypt every secret sealed with an older key with the newest one.
    #[arg(long)]
    pub rewrap: bool,
}

#[derive(Debug, Args)]
pub struct SecretArgs {
    /// Keys that encrypt secrets at rest, `id:base64,id:base64…` (32 bytes each; the first
    /// encrypts, all decrypt). Defaults to a key file created in the data directory.
    /// `liaison new-key` prints a new one.
    #[arg(long, env = "LIAISON_ENCRYPTION_KEYS", hide_env_values = true)]
    pub encryption_keys: Option<SecretString>,
}

impl SecretArgs {
    /// The keyring: the flag, else `encryption-keys` in the data directory (created if missing).
    pub fn keyring(&self, data_dir: &std::path::Path) -> anyhow::Result<Keyring> {
        match &self.encryption_keys {
            Some(spec) => Keyring::parse(spec.expose_secret()),
            None => Keyring::load_or_create(&data_dir.join("encryption-keys")),
        }
    }
}

#[derive(Debug, Args)]
pub struct IdentityArgs {
    /// Liaison's application (client) id in Microsoft Entra ID. Enables Microsoft sign-in.
    #[arg(
        long,
        env = "LIAISON_MICROSOFT_CLIENT_ID",
        requires = "microsoft_client_secret"
    )]
    pub microsoft_client_id: Option<String>,
    /// Its client secret.
    #[arg(long, env = "LIAISON_MICROSOFT_CLIENT_SECRET", hide_env_values = true)]
    pub microsoft_client_secret: Option<SecretString>,
    /// The Application ID URI of Liaison's API (the manifest's WebApplicationInfo resource).
    /// Defaults to `api://{public host}/{client id}`.
    #[arg(long, env = "LIAISON_MICROSOFT_APP_ID_URI")]
    pub microsoft_app_id_uri: Option<String>,
    /// The identity platform's base URL.
    #[arg(
        long,
        env = "LIAISON_MICROSOFT_AUTHORITY",
        default_value = "https://login.microsoftonline.com"
    )]
    pub microsoft_authority: String,
    /// Microsoft Graph's base URL, with its version.
    #[arg(
        long,
        env = "LIAISON_GRAPH_URL",
        default_value = "https://graph.microsoft.com/v1.0"
    )]
    pub graph_url: String,
    /// The issuer prefix of v1.0 access tokens (`{prefix}/{tid}/`).
    #[arg(
        long,
        env = "LIAISON_MICROSOFT_V1_ISSUER",
        default_value = "https://sts.windows.net"
    )]
    pub microsoft_v1_issuer: String,
    /// Seconds a delegation Microsoft confirmed is trusted before Liaison asks again (0–300).
    #[arg(long, env = "LIAISON_DELEGATION_CACHE_SECONDS", default_value = "300")]
    pub delegation_cache_seconds: u64,
    /// Liaison's OAuth client id with Google. Enables Google calendar connections.
    #[arg(
        long,
        env = "LIAISON_GOOGLE_CLIENT_ID",
        requires = "google_client_secret"
    )]
    pub google_client_id: Option<String>,
    #[arg(long, env = "LIAISON_GOOGLE_CLIENT_SECRET", hide_env_values = true)]
    pub google_client_secret: Option<SecretString>,
}

impl IdentityArgs {
    pub fn settings(&self, public_url: Option<&PublicUrl>) -> IdentitySettings {
        let microsoft = self
            .microsoft_client_id
            .clone()
            .zip(self.microsoft_client_secret.clone())
            .map(|(client_id, client_secret)| {
                let host = public_url
                    .and_then(|u| url::Url::parse(u.as_str()).ok())
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_else(|| "localhost".into());
                MicrosoftSettings {
                    app_id_uri: self
                        .microsoft_app_id_uri
                        .clone()
                        .unwrap_or_else(|| format!("api://{host}/{client_id}")),
                    authority: self.microsoft_authority.trim_end_matches('/').to_owned(),
                    graph_url: self.graph_url.trim_end_matches('/').to_owned(),
                    v1_issuer: self.microsoft_v1_issuer.trim_end_matches('/').to_owned(),
                    delegation_ttl: std::time::Duration::from_secs(self.delegation_cache_seconds)
                        .min(crate::identity::MAX_DELEGATION_TTL),
                    client_id,
                    client_secret,
                }
            });
        let google = self
            .google_client_id
            .clone()
            .zip(self.google_client_secret.clone())
            .map(|(client_id, client_secret)| GoogleSettings {
                issuer: "https://accounts.google.com".into(),
                auth_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
                token_url: "https://oauth2.googleapis.com/token".into(),
                jwks_url: "https://www.googleapis.com/oauth2/v3/certs".into(),
                calendar_url: "https://www.googleapis.com/calendar/v3".into(),
                client_id,
                client_secret,
            });
        IdentitySettings { microsoft, google }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub identity: IdentityArgs,
    #[command(flatten)]
    pub secrets: SecretArgs,
    #[command(flatten)]
    pub sync: SyncArgs,
    #[command(flatten)]
    pub webhooks: crate::webhooks::WebhookArgs,
}

#[derive(Debug, Args)]
pub struct HttpArgs {
    /// Address to listen on.
    #[arg(long, env = "LIAISON_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// The URL Outlook and people reach this server at, e.g. `https://liaison.contoso.com`.
    /// Defaults to the listen address (`https://localhost:PORT` with TLS).
    #[arg(long, env = "LIAISON_PUBLIC_URL")]
    pub public_url: Option<PublicUrl>,
    /// Directory of the built task pane (trunk's output). Without it, the pane built into this
    /// binary (a release build after scripts/build-ui), else `addin-ui/dist`.
    #[arg(long, env = "LIAISON_UI_DIR")]
    pub ui_dir: Option<PathBuf>,
    /// Serve HTTPS with a self-signed `localhost` certificate, created once in the data directory
    /// and reused. For development and sideloading; trust the certificate once (the log says how).
    #[arg(long, env = "LIAISON_TLS_SELF_SIGNED", conflicts_with_all = ["tls_cert", "tls_key"])]
    pub tls_self_signed: bool,
    /// PEM certificate chain to serve HTTPS with (needs --tls-key).
    #[arg(long, env = "LIAISON_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "LIAISON_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Requests per second each client may make to each class of endpoints that need no
    /// session — sign-in, the permission resolver, Graph's webhooks — (bursts of twice that);
    /// a quarter of it for bearer tokens that are not a session.
    #[arg(long, env = "LIAISON_RATE_LIMIT", default_value = "20")]
    pub rate_limit: NonZeroU32,
    /// Requests per second each signed-in user may make (bursts of twice that).
    #[arg(long, env = "LIAISON_USER_RATE_LIMIT", default_value = "20")]
    pub user_rate_limit: NonZeroU32,
    /// A reverse proxy in front of the server (repeatable): requests from it are attributed to
    /// the client it names in --client-ip-header, not to the proxy.
    #[arg(
        long = "trusted-proxy",
        env = "LIAISON_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The header a trusted proxy names the client in (the right-most address not itself a
    /// trusted proxy counts).
    #[arg(
        long,
        env = "LIAISON_CLIENT_IP_HEADER",
        default_value = "x-forwarded-for"
    )]
    pub client_ip_header: axum::http::HeaderName,
    /// Most connections served at once; more wait in the kernel's queue.
    #[arg(long, env = "LIAISON_MAX_CONNECTIONS", default_value = "1024")]
    pub max_connections: std::num::NonZeroUsize,
    /// Most connections served at once from one client address (trusted proxies excepted);
    /// a quarter of --max-connections unless set (a company's users may share one address).
    #[arg(long, env = "LIAISON_MAX_CONNECTIONS_PER_CLIENT")]
    pub max_connections_per_client: Option<std::num::NonZeroUsize>,
    /// Serve `GET /metrics` (Prometheus' text format) to a scraper sending `Authorization:
    /// Bearer <this token>` (at least 32 characters); without it the endpoint is off.
    #[arg(long, env = "LIAISON_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<SecretString>,
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Record store: `sqlite://PATH` (embedded, the default) or `postgres://USER@HOST/DB`.
    /// Defaults to `liaison.db` (`demo.db` for the demo) in the data directory.
    #[arg(long, env = "LIAISON_DATABASE")]
    pub database: Option<DatabaseUrl>,
    /// Directory for the default SQLite store and the development certificate.
    /// Defaults to the platform's data directory (`~/.local/share/liaison` on Linux).
    #[arg(long, env = "LIAISON_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// The public HTTPS URL of the server, e.g. `https://liaison.contoso.com`.
    #[arg(long, env = "LIAISON_PUBLIC_URL")]
    pub public_url: PublicUrl,
    /// `xml`: the add-in only manifest; `json`: the unified manifest for Microsoft 365.
    #[arg(long, value_enum, default_value_t)]
    pub format: ManifestFormat,
}

/// Which manifest `liaison manifest` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ManifestFormat {
    #[default]
    Xml,
    Json,
}

impl StoreArgs {
    /// The data directory: the flag, else the platform's data directory, else `./.liaison`.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| {
            dirs::data_dir()
                .map(|d| d.join("liaison"))
                .unwrap_or_else(|| PathBuf::from(".liaison"))
        })
    }

    /// The store URL: the flag, else `liaison.db` in the data directory.
    pub fn database_url(&self) -> anyhow::Result<DatabaseUrl> {
        self.database_url_or("liaison.db")
    }

    fn database_url_or(&self, default_file: &str) -> anyhow::Result<DatabaseUrl> {
        match &self.database {
            Some(url) => Ok(url.clone()),
            None => DatabaseUrl::sqlite_file(&self.data_dir().join(default_file)),
        }
    }
}

/// Everything the server runs on.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The URL Outlook reaches the server at; `None` derives it from the bound address.
    pub public_url: Option<PublicUrl>,
    /// Where the task pane's files are read from (`--ui-dir`, or built into the binary).
    pub pane_files: PaneFiles,
    pub tls: Tls,
    pub database: DatabaseUrl,
    /// Requests per second per client (and route class) and per signed-in user.
    pub rate_limits: crate::http::rate_limit::RateLimitSettings,
    /// Proxies whose word on the client's address is taken.
    pub trusted_proxies: crate::http::rate_limit::TrustedProxies,
    /// Most connections served at once.
    pub max_connections: std::num::NonZeroUsize,
    /// Most connections served at once from one client address (trusted proxies excepted).
    pub max_connections_per_client: std::num::NonZeroUsize,
    /// How long a client may take to send a request's headers, and a new connection its first
    /// bytes.
    pub header_read_timeout: std::time::Duration,
    /// How long an answered connection may stay silent before its next request.
    pub keep_alive_timeout: std::time::Duration,
    /// How long a request (its body included) may take before it is answered `408`.
    pub request_timeout: std::time::Duration,
    /// `Some` only in `liaison demo` and in tests; never in a deployment.
    pub demo: Option<DemoSettings>,
    /// The identity providers; none configured means nobody can sign in.
    pub identity: IdentitySettings,
    /// Seals refresh tokens and PKCE verifiers at rest.
    pub keyring: std::sync::Arc<Keyring>,
    pub sync: SyncSettings,
    pub webhooks: crate::webhooks::WebhookSettings,
    /// The token `/metrics` asks for; `None`: the endpoint is off.
    pub metrics_token: Option<SecretString>,
}

impl ServerConfig {
    /// The configuration of `liaison serve`.
    pub fn for_serve(args: ServeArgs) -> anyhow::Result<Self> {
        let database = args.store.database_url()?;
        Self::from_args(args, database)
    }

    /// The configuration of `liaison demo` before its simulator starts: its own SQLite file, so
    /// a demo never touches a real store by accident.
    pub fn for_demo(args: ServeArgs) -> anyhow::Result<Self> {
        let database = args.store.database_url_or("demo.db")?;
        Self::from_args(args, database)
    }

    fn from_args(args: ServeArgs, database: DatabaseUrl) -> anyhow::Result<Self> {
        let keyring = args.secrets.keyring(&args.store.data_dir())?;
        let identity = args.identity.settings(args.http.public_url.as_ref());
        if let Some(token) = &args.http.metrics_token {
            let chars = token.expose_secret().chars().count();
            if chars < crate::telemetry::metrics::MIN_TOKEN_CHARS {
                anyhow::bail!(
                    "--metrics-token must have at least {} characters (it has {chars})",
                    crate::telemetry::metrics::MIN_TOKEN_CHARS
                );
            }
        }
        let tls = match (
            args.http.tls_self_signed,
            args.http.tls_cert,
            args.http.tls_key,
        ) {
            (true, _, _) => Tls::SelfSigned {
                dir: args.store.data_dir().join("tls"),
            },
            (false, Some(cert), Some(key)) => Tls::Files { cert, key },
            _ => Tls::Off,
        };
        Ok(Self {
            listen: args.http.listen,
            public_url: args.http.public_url,
            pane_files: PaneFiles::choose(args.http.ui_dir),
            tls,
            database,
            rate_limits: crate::http::rate_limit::RateLimitSettings {
                anonymous: args.http.rate_limit,
                per_user: args.http.user_rate_limit,
            },
            trusted_proxies: crate::http::rate_limit::TrustedProxies {
                header: (!args.http.trusted_proxies.is_empty())
                    .then_some(args.http.client_ip_header),
                proxies: args.http.trusted_proxies,
            },
            max_connections_per_client: args
                .http
                .max_connections_per_client
                .unwrap_or_else(|| quarter_of(args.http.max_connections)),
            max_connections: args.http.max_connections,
            header_read_timeout: crate::http::accept::HEADER_READ_TIMEOUT,
            keep_alive_timeout: crate::http::accept::KEEP_ALIVE_TIMEOUT,
            request_timeout: crate::http::limits::REQUEST_TIMEOUT,
            demo: None,
            identity,
            keyring: std::sync::Arc::new(keyring),
            sync: args.sync.settings(),
            webhooks: args.webhooks.settings(),
            metrics_token: args.http.metrics_token,
        })
    }
}

/// A quarter of `n`, at least one.
fn quarter_of(n: std::num::NonZeroUsize) -> std::num::NonZeroUsize {
    std::num::NonZeroUsize::new(n.get() / 4).unwrap_or(std::num::NonZeroUsize::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_parses_from_the_command_line() {
        let cli = Cli::try_parse_from([
            "liaison",
            "serve",
            "--listen",
            "0.0.0.0:8443",
            "--public-url",
            "https://crm.contoso.com",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--database",
            "sqlite:///tmp/x.db",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("expected serve")
        };
        let config = ServerConfig::for_serve(args).unwrap();
        assert_eq!(config.listen.port(), 8443);
        assert_eq!(
            config.tls,
            Tls::Files {
                cert: "c.pem".into(),
                key: "k.pem".into()
            }
        );
        assert_eq!(config.database.expose(), "sqlite:///tmp/x.db");
    }

    #[test]
    fn tls_flags_that_contradict_each_other_are_refused() {
        assert!(
            Cli::try_parse_from(["liaison", "serve", "--tls-self-signed", "--tls-cert", "c"])
                .is_err()
        );
        assert!(Cli::try_parse_from(["liaison", "serve", "--tls-cert", "c"]).is_err());
    }
}
