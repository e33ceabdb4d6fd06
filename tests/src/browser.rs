//! Headless Chromium through chromedriver, for end-to-end tests of the task pane.
//!
//! chromedriver runs in its own process group, which is killed when the [`Browser`] is dropped,
//! so a failing test never leaves Chromium behind.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};

/// The Chromium flags this machine needs (root, no GPU, no network but loopback).
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=360,800",
];

/// A chromedriver process and one browser session.
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session. The binaries are
    /// `$CHROMEDRIVER` (default `/usr/bin/chromedriver`) and `$CHROMIUM` (default
    /// `/usr/bin/chromium`); a missing one fails the test. The browser runs in this process's
    /// time zone (`TZ`, UTC on CI).
    pub async fn start() -> Self {
        Self::start_with_zone(None).await
    }

    /// [`Browser::start`] with the browser in the IANA time zone `zone` (`Asia/Tokyo`), as a
    /// person there has it: Chromium takes its zone from `TZ`.
    pub async fn start_in_zone(zone: &str) -> Self {
        Self::start_with_zone(Some(zone)).await
    }

    async fn start_with_zone(zone: Option<&str>) -> Self {
        let driver_path =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium_path =
            std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        for path in [&driver_path, &chromium_path] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: install Chromium and its driver \
                 (apt-get install -y chromium chromium-driver, or run scripts/setup test)"
            );
        }
        let port = free_port();
        // The profile, and Chromium's own temporary files (its `org.chromium.Chromium.*`
        // folders, ~50 MB each, left behind when it is killed), under one folder removed on drop.
        let profile = tempfile::tempdir().unwrap();
        let scratch = profile.path().join("tmp");
        std::fs::create_dir(&scratch).unwrap();
        let mut command = Command::new(&driver_path);
        if let Some(zone) = zone {
            command.env("TZ", zone);
        }
        command
            .env("TMPDIR", &scratch)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command.spawn().expect("chromedriver starts");

        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": chromium_path, "args": args }),
        );

        // The driver is owned by `Self` before the first await, so a failed connection still
        // kills it on drop.
        let mut browser = Self {
            client: None,
            driver,
            _profile: profile,
        };
        browser.client = Some(connect(port, capabilities).await);
        browser
    }

    /// The WebDriver session.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("a connected session")
    }

    /// Ends the session (closing Chromium); the driver stops on drop.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Chromium and its helpers share chromedriver's process group: end them all. A direct
        // killpg(2) with a typed group id, never a `kill` command line: procps-ng 4.0.2 misreads
        // `kill -KILL -<pgid>` and signals every process the user may signal.
        #[cfg(unix)]
        if let Ok(pid) = i32::try_from(self.driver.id())
            && pid > 1
        {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

async fn connect(port: u16, capabilities: serde_json::Map<String, serde_json::Value>) -> Client {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let attempt = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match attempt {
            Ok(client) => return client,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("chromedriver did not start a Chromium session: {e}"),
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
