//! A Microsoft 365 simulator: a real HTTP server speaking the subset of the Microsoft identity
//! platform and Microsoft Graph that Liaison uses, over seeded tenants, users and calendars.
//!
//! Liaison's demo and its tests point their Microsoft base URLs at [`Simulator::url`]; production
//! points them at Microsoft. Nothing here is a mock of Liaison's own code: the seam is the URL.
//!
//! # Layout
//! - [`seed`]: the tenants, users and delegate grants a simulator starts with.
//! - `routes`: the HTTP surface (OpenID discovery, Graph users).
//! - [`office_host`]: the stand-in for Office.js that the simulated Outlook host page uses.

pub mod office_host;
mod routes;
pub mod seed;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use seed::Seed;

/// A running simulator. Dropping it stops the server.
pub struct Simulator {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Binds `127.0.0.1` on a free port and serves `seed` until dropped.
    pub async fn start(seed: Seed) -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), seed).await
    }

    /// Binds `addr` and serves `seed` until dropped.
    pub async fn start_on(addr: SocketAddr, seed: Seed) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let router = routes::router(Arc::new(seed));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "the Microsoft 365 simulator stopped");
            }
        });
        Ok(Self {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server and waits until it has closed its socket.
    pub async fn stop(mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn signal_stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.signal_stop();
    }
}
