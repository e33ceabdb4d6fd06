//! The real `liaison` server as a child process on a free loopback port, with its own data
//! directory, killed when the benchmark ends.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

pub struct Server {
    pub url: String,
    pub binary: PathBuf,
    child: Child,
    _data: tempfile::TempDir,
}

impl Server {
    /// `liaison serve` with the rate limit out of the way.
    pub async fn start(binary: Option<PathBuf>) -> anyhow::Result<Self> {
        Self::launch(binary, "serve", &["--rate-limit", "1000000000"]).await
    }

    /// `liaison serve` with `extra` arguments (a store, limits).
    pub async fn start_with(binary: Option<PathBuf>, extra: &[&str]) -> anyhow::Result<Self> {
        Self::launch(binary, "serve", extra).await
    }

    /// The server process's id (to read its memory from `/proc`).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// `liaison demo`: the simulator, the demo data and the simulated Outlook host.
    pub async fn start_demo(binary: Option<PathBuf>) -> anyhow::Result<Self> {
        Self::launch(binary, "demo", &[]).await
    }

    async fn launch(
        binary: Option<PathBuf>,
        command: &str,
        extra: &[&str],
    ) -> anyhow::Result<Self> {
        let binary = match binary {
            Some(binary) => binary,
            None => std::env::current_exe()?
                .parent()
                .context("the benchmark has no directory")?
                .join("liaison"),
        };
        if !binary.exists() {
            bail!(
                "{} is missing: build it with `cargo build --release -p liaison-server` (scripts/bench does)",
                binary.display()
            );
        }
        let data = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(&binary)
            .args([command, "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data.path())
            // The load comes from one address: the per-client limit must not be what is measured.
            .args(extra)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let server = Self {
            url: format!("http://127.0.0.1:{port}"),
            binary,
            child,
            _data: data,
        };
        server.wait_until_ready().await?;
        Ok(server)
    }

    async fn wait_until_ready(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = reqwest::Client::new();
        loop {
            if let Ok(res) = client.get(format!("{}/healthz", self.url)).send().await
                && res.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the server did not answer /healthz within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Grants the demo tenant's admin consent as its administrator would: `/admin/consent`, the
    /// simulator's sign-in (Adele Admin), then Microsoft's admin consent page — so that Office
    /// SSO signs the task pane in without a dialog.
    pub async fn grant_demo_admin_consent(&self) -> anyhow::Result<()> {
        // A browser: the flow cookie set by the start page goes back with the callback, which
        // is on the public URL (`localhost`), so the flow starts there too.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()?;
        let location = |res: reqwest::Response| -> anyhow::Result<String> {
            res.headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .with_context(|| format!("no redirect from {}", res.url()))
        };
        let pick = [("user", "adele@contoso.com"), ("decision", "accept")];
        let sign_in = location(
            http.get(format!(
                "{}/admin/consent",
                self.url.replace("127.0.0.1", "localhost")
            ))
            .send()
            .await?,
        )?;
        // Adele signs in; Liaison sends her on to Microsoft's admin consent page for her
        // tenant, where she accepts; the callback answers the result.
        let signed_in = location(http.post(&sign_in).form(&pick).send().await?)?;
        let consent_page = location(http.get(&signed_in).send().await?)?;
        let callback = location(http.post(&consent_page).form(&pick).send().await?)?;
        let page = http.get(&callback).send().await?;
        let status = page.status();
        let body = page.text().await?;
        anyhow::ensure!(
            status.is_success() && body.contains("Consent granted"),
            "admin consent: {status}"
        );
        Ok(())
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
