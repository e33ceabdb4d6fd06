//! `liaison`: the command line of Liaison's server.

use clap::Parser;
use liaison_server::config::Cli;
use liaison_server::{cli, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Cli::parse();
    telemetry::init(args.log_format);
    cli::run(args).await
}
