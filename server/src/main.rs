//! `liaison`: the command line of Liaison's server.

use clap::Parser;
use liaison_server::config::{Cli, Command, ServerConfig};
use liaison_server::{demo, manifest, startup, store, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init();
    match cli.command {
        Command::Serve(args) => {
            let config = ServerConfig::for_serve(args)?;
            let app = startup::Application::build(config).await?;
            app.run_until_stopped(startup::shutdown_signal()).await?;
        }
        Command::Demo(args) => {
            let config = ServerConfig::for_demo(args)?;
            demo::run(config, startup::shutdown_signal()).await?;
        }
        Command::Migrate(args) => {
            let database = args.database_url()?;
            let store = store::connect(&database).await?;
            store.migrate().await?;
            tracing::info!(store = %database, "migrations applied");
        }
        Command::Manifest(args) => {
            print!("{}", manifest::render(&args.public_url));
        }
    }
    Ok(())
}
