//! The `liaison` command line: each subcommand, carried out. `main.rs` parses the arguments and
//! calls [`run`]; the crash-and-restart tests build the same command line with crash points.

use crate::auth::{scopes, secrets};
use crate::config::{Cli, Command, ManifestFormat, ServerConfig};
use crate::http::manifest;
use crate::store::TenantId;
use crate::{doctor, startup, store, tenant_check};

/// Carries out one `liaison` command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let config = ServerConfig::for_serve(args)?;
            let app = startup::Application::build(config).await?;
            app.run_until_stopped(startup::shutdown_signal()).await?;
        }
        #[cfg(feature = "demo")]
        Command::Demo(args) => {
            let config = ServerConfig::for_demo(args)?;
            crate::demo::app::run(config, startup::shutdown_signal()).await?;
        }
        Command::Migrate(args) => {
            let database = args.database_url()?;
            let store = store::connect(&database).await?;
            store.migrate().await?;
            tracing::info!(store = %database, "migrations applied");
        }
        Command::Manifest(args) => match args.format {
            ManifestFormat::Xml => print!("{}", manifest::render(&args.public_url)),
            ManifestFormat::Json => {
                let json = crate::http::unified_manifest::render(&args.public_url, None);
                println!("{}", serde_json::to_string_pretty(&json)?);
            }
        },
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
        Command::TenantCheck(args) => {
            let token = |path: &std::path::Path| -> anyhow::Result<secrecy::SecretString> {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                Ok(secrecy::SecretString::from(text.trim().to_owned()))
            };
            let owner = tenant_check::Mailbox {
                address: args.owner.clone(),
                token: token(&args.owner_token_file)?,
            };
            let delegate = tenant_check::Mailbox {
                address: args.delegate.clone(),
                token: token(&args.delegate_token_file)?,
            };
            let http = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()?;
            let graph = crate::graph::client::GraphClient::new(http.clone(), &args.graph_url);
            let findings = tenant_check::run(&graph, &http, &owner, &delegate).await;
            for finding in &findings {
                println!("{finding}");
            }
            if findings
                .iter()
                .any(|f| f.verdict == tenant_check::Verdict::Differs)
            {
                println!(
                    "\nSome behaviour differs from what Liaison assumes: see docs/MICROSOFT.md."
                );
                std::process::exit(1);
            }
        }
        Command::HealthCheck(args) => {
            let answer = reqwest::Client::new()
                .get(args.url.clone())
                .timeout(std::time::Duration::from_secs(5))
                .send()
                .await?;
            if !answer.status().is_success() {
                anyhow::bail!("{} answered {}", args.url, answer.status());
            }
            println!("{} answered {}", args.url, answer.status());
        }
        Command::SyncResume(args) => {
            let store = store::connect(&args.store.database_url()?).await?;
            store.migrate().await?;
            let tenant = TenantId::new(args.tenant.as_str());
            let Some(user) = store.user_by_mailbox(&tenant, &args.mailbox).await? else {
                anyhow::bail!("no mailbox {} in tenant {}", args.mailbox, args.tenant);
            };
            store.reset_sync_breaker(&user.key()).await?;
            println!("sync sessions of {} may run again", user.mailbox);
        }
    }
    Ok(())
}
