//! Logging set-up. Messages are readable alone; ids go in fields. Secrets are never logged:
//! request spans carry the method and path only, never the query string.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the process-wide subscriber, writing to stderr (stdout carries command output such
/// as `liaison manifest`): `RUST_LOG` if set, else `info`.
/// Safe to call more than once (later calls do nothing), which tests rely on.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// The subscriber for tests: the test harness captures what it writes and shows it only for a
/// test that fails (`RUST_LOG` if set, else `info`).
pub fn init_for_tests() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_test_writer()
        .try_init();
}
