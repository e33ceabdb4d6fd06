//! [`Application`]: opens the store, binds the socket, builds the router and serves until told
//! to stop. Tests build it on port 0 and read [`Application::url`]; the socket is bound before
//! `build` returns, so nothing needs to wait for it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum_server::accept::DefaultAcceptor;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use hyper_util::rt::{TokioExecutor, TokioTimer};

#[cfg(doc)]
use crate::http::accept::HEADER_READ_TIMEOUT;
use crate::http::accept::{ConnectionLimits, Limited};

use crate::accounts::Accounts;
use crate::admin::Admin;
use crate::auth::connections::TokenSource;
use crate::auth::sign_in::SignIn;
use crate::config::ServerConfig;
use crate::crm_events::CrmEvents;
use crate::crm_records::Records;
use crate::graph::client::GraphClient;
use crate::http::public_url::PublicUrl;
use crate::http::rate_limit::RateLimits;
use crate::http::taskpane::TaskPane;
use crate::http::{manifest, tls, unified_manifest};
use crate::identity::{self, Identity, MAX_DELEGATION_TTL};
use crate::items::Items;
use crate::state::AppState;
use crate::store::Store;
use crate::sync::SyncEngine;
use crate::telemetry::metrics::MetricsAccess;
use crate::webhooks::Webhooks;
use crate::{router, store};

/// A bound, ready server.
pub struct Application {
    listener: std::net::TcpListener,
    tls: Option<RustlsConfig>,
    router: Router,
    local_addr: SocketAddr,
    public_url: PublicUrl,
    store: Arc<dyn Store>,
    connection_limits: ConnectionLimits,
    header_read_timeout: Duration,
}

impl Application {
    pub async fn build(config: ServerConfig) -> anyhow::Result<Self> {
        let store = store::connect(&config.database)
            .await
            .with_context(|| format!("cannot open the record store {}", config.database))?;
        store.migrate().await?;
        let tls = tls::rustls_config(&config.tls).await?;

        let listener = std::net::TcpListener::bind(config.listen)
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        let https = tls.is_some();
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| PublicUrl::for_bound_address(local_addr, https));
        if !public_url.is_https() {
            tracing::warn!(
                "the public URL {public_url} is not HTTPS: Outlook loads add-ins only over HTTPS \
                 (use --tls-self-signed, --tls-cert/--tls-key, or a TLS proxy and --public-url)"
            );
        }
        let task_pane = TaskPane::load(&config.pane_files);
        if let TaskPane::Missing { reason } = &task_pane {
            tracing::warn!("the task pane is not available: {reason}");
        }

        let http = identity::http_client();
        let graph = config
            .identity
            .microsoft
            .as_ref()
            .map(|ms| Arc::new(GraphClient::new(http.clone(), &ms.graph_url)));
        let web_application = config
            .identity
            .microsoft
            .as_ref()
            .map(|ms| (ms.client_id.clone(), ms.app_id_uri.clone()));
        // Graph reaches only HTTPS endpoints; the demo's simulator reaches the demo server.
        let notification_base = (public_url.is_https() || config.demo.is_some())
            .then(|| format!("{public_url}/api/graph"));
        let identity = Arc::new(Identity::new(config.identity.clone(), http));
        let tokens = Arc::new(TokenSource::new(
            store.clone(),
            config.keyring.clone(),
            identity.clone(),
        ));
        let items = Arc::new(Items {
            store: store.clone(),
            graph: graph.clone(),
            tokens: tokens.clone(),
            delegation_ttl: config
                .identity
                .microsoft
                .as_ref()
                .map_or(MAX_DELEGATION_TTL, |ms| ms.delegation_ttl),
            synced_window: config.sync.window,
        });
        let sync = Arc::new(SyncEngine::new(
            store.clone(),
            graph.clone(),
            tokens.clone(),
            items.clone(),
            config.sync.clone(),
            notification_base,
        ));
        sync.spawn_worker();
        crate::housekeeping::spawn(store.clone());
        let webhooks = Arc::new(Webhooks::new(
            store.clone(),
            store.clone(),
            config.keyring.clone(),
            config.webhooks.clone(),
        ));
        webhooks.spawn_worker();
        let state = AppState {
            store: store.clone(),
            manifest: manifest::render_with(&public_url, web_application.as_ref()).into(),
            unified_manifest: Arc::new(unified_manifest::render(
                &public_url,
                web_application.as_ref(),
            )),
            public_url: Arc::new(public_url.clone()),
            task_pane: Arc::new(task_pane),
            demo: config.demo.map(Arc::new),
            sign_in: Arc::new(SignIn {
                store: store.clone(),
                identity: identity.clone(),
                tokens: tokens.clone(),
                keyring: config.keyring.clone(),
                graph: graph.clone(),
                public_url: public_url.to_string(),
                refused: Default::default(),
            }),
            identity,
            graph,
            tokens,
            items: items.clone(),
            bookings: Arc::new(crate::booking::Bookings::new(items.clone())),
            accounts: Arc::new(Accounts {
                identity: store.clone(),
                audit: store.clone(),
                sync: sync.clone(),
            }),
            admin: Arc::new(Admin {
                identity: store.clone(),
                audit: store.clone(),
                operations: store.clone(),
                sync: sync.clone(),
                items: items.clone(),
            }),
            crm_events: Arc::new(CrmEvents {
                store: store.clone(),
                audit: store.clone(),
                sync: sync.clone(),
            }),
            records: Arc::new(Records {
                records: store.clone(),
                crm: store.clone(),
                identity: store.clone(),
                feed: store.clone(),
                calendars: store.clone(),
                maintenance: store.clone(),
                growth: crate::store::GrowthWatch::default(),
            }),
            sync,
            webhooks,
            limits: RateLimits::new(config.rate_limits, config.trusted_proxies.clone()),
            metrics: config
                .metrics_token
                .as_ref()
                .map(|token| Arc::new(MetricsAccess::new(token))),
        };
        // HSTS whenever browsers reach Liaison over HTTPS: its own TLS, or a TLS proxy in front
        // (an `https://` public URL). Browsers ignore the header on plain HTTP.
        let router = router::build(
            state,
            &config.pane_files,
            https || public_url.is_https(),
            config.request_timeout,
        );
        let scheme = if https { "https" } else { "http" };
        tracing::info!("listening on {scheme}://{local_addr}");
        Ok(Self {
            listener,
            tls,
            router,
            local_addr,
            public_url,
            connection_limits: ConnectionLimits {
                max: config.max_connections.get(),
                per_client: config.max_connections_per_client.get(),
                exempt: config.trusted_proxies.proxies.clone(),
                first_bytes: config.header_read_timeout,
                keep_alive: config.keep_alive_timeout,
            },
            header_read_timeout: config.header_read_timeout,
            store,
        })
    }

    /// The record store the server runs on.
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL of the bound socket, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.local_addr)
    }

    /// The URL Outlook and people are told to use.
    pub fn public_url(&self) -> &PublicUrl {
        &self.public_url
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish (10 s at most).
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            shutdown.await;
            stopper.graceful_shutdown(Some(Duration::from_secs(10)));
        });
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let admitted = Limited::new(DefaultAcceptor, self.connection_limits);
        match self.tls {
            None => {
                let mut server = axum_server::from_tcp(self.listener)?.acceptor(admitted);
                slow_clients_cut_off(server.http_builder(), self.header_read_timeout);
                server.handle(handle).serve(service).await
            }
            Some(config) => {
                let mut server = axum_server::from_tcp(self.listener)?
                    .acceptor(RustlsAcceptor::new(config).acceptor(admitted));
                slow_clients_cut_off(server.http_builder(), self.header_read_timeout);
                server.handle(handle).serve(service).await
            }
        }
    }
}

/// A client gets `timeout` (by default [`HEADER_READ_TIMEOUT`]) to send a request's headers.
/// HTTP/2 (which a client may speak, h2c or by ALPN) is held to the same: a peer that stops
/// answering pings is dropped, and its streams and headers are bounded.
fn slow_clients_cut_off(
    builder: &mut hyper_util::server::conn::auto::Builder<TokioExecutor>,
    timeout: Duration,
) {
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(20))
        .keep_alive_timeout(timeout)
        .max_concurrent_streams(100)
        .max_header_list_size(64 * 1024);
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
