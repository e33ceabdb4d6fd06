//! `liaison`, built with the `crash-points` feature: `LIAISON_CRASH_AT=<point>:<n>` aborts the
//! process at a named point (see `liaison_server::crash`). Only the crash tests run it.

use clap::Parser;
use liaison_server::config::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Cli::parse();
    liaison_server::telemetry::init(args.log_format);
    liaison_server::cli::run(args).await
}
