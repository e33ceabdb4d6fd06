//! Logging set-up. Messages are readable alone; ids go in fields. Secrets are never logged:
//! request spans carry the method and path only, never the query string. [`metrics`]: what the
//! server counts and times, for Prometheus.

pub mod metrics;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Readable lines: time, level, message, fields (colours on a terminal).
    #[default]
    Text,
    /// One JSON object per line (`timestamp`, `level`, `fields.message` and the event's other
    /// fields, `span` and `spans` with theirs), for a log collector.
    Json,
}

/// Installs the process-wide subscriber, writing to stderr (stdout carries command output such
/// as `liaison manifest`): `RUST_LOG` if set, else `info`.
/// Safe to call more than once (later calls do nothing), which tests rely on.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
    };
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
