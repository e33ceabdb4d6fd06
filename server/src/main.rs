//! `liaison`: the command line of Liaison's server.

use clap::Parser;
use liaison_server::config::{Cli, Command, ServerConfig};
use liaison_server::{demo, doctor, manifest, scopes, secrets, startup, store, telemetry};

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
        Command::Doctor(args) => {
            let database = args.store.database_url()?;
            let store = store::connect(&database).await?;
            store.migrate().await?;
            let keyring = args.secrets.keyring(&args.store.data_dir())?;
            let report = doctor::check_secrets(store.as_ref(), &keyring, args.rewrap).await?;
            println!("{report}");
            if !report.healthy() {
                std::process::exit(1);
            }
        }
        Command::NewKey => {
            println!("{}", secrets::Keyring::generate_key_line());
        }
        Command::Permissions => {
            print!("{}", scopes::markdown());
        }
        Command::SyncResume(args) => {
            let store = store::connect(&args.store.database_url()?).await?;
            store.migrate().await?;
            let Some(user) = store.user_by_mailbox(&args.tenant, &args.mailbox).await? else {
                anyhow::bail!("no mailbox {} in tenant {}", args.mailbox, args.tenant);
            };
            store.reset_sync_breaker(&user.tenant_id, &user.id).await?;
            println!("sync sessions of {} may run again", user.mailbox);
        }
    }
    Ok(())
}
