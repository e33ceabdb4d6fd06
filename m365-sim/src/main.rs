//! `m365-sim`: runs the Microsoft 365 simulator on its own, with the demo seed.

use std::net::SocketAddr;

use clap::Parser;

/// Runs the Microsoft 365 simulator with the Contoso demo seed.
#[derive(Debug, Parser)]
#[command(name = "m365-sim", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "M365_SIM_LISTEN", default_value = "127.0.0.1:3001")]
    listen: SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let sim = m365_sim::Simulator::start_on(args.listen, m365_sim::Seed::contoso()).await?;
    tracing::info!("Microsoft 365 simulator listening on {}", sim.url());
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(())
}
