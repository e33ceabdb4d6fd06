//! `liaison demo`: the server, an in-process Microsoft 365 simulator seeded with the Contoso
//! tenant, and a banner with the URLs a person opens. No Microsoft tenant is needed.

use std::future::Future;

use m365_sim::{Seed, Simulator};

use crate::config::{DemoMailbox, DemoSettings, ServerConfig};
use crate::startup::Application;

pub async fn run(
    mut config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let seed = Seed::contoso();
    let simulator = Simulator::start(seed.clone()).await?;
    config.demo = Some(settings(&seed, &simulator));
    let app = Application::build(config).await?;
    println!("{}", banner(&app, &simulator));
    app.run_until_stopped(shutdown).await?;
    simulator.stop().await;
    Ok(())
}

/// The demo settings for `seed` served by `simulator`.
pub fn settings(seed: &Seed, simulator: &Simulator) -> DemoSettings {
    DemoSettings {
        simulator_url: simulator.url(),
        mailboxes: seed
            .tenants
            .iter()
            .flat_map(|t| &t.users)
            .map(|u| DemoMailbox {
                display_name: u.display_name.clone(),
                address: u.mail.clone(),
            })
            .collect(),
    }
}

fn banner(app: &Application, simulator: &Simulator) -> String {
    let url = app.public_url();
    format!(
        "\nLiaison demo is running. Open:\n  \
         {url}/                 start here: the demo's people, the manifest, the task pane\n  \
         {url}/manifest.xml     the add-in manifest\n  \
         {url}/healthz          health\n\
         Microsoft 365 simulator: {}\n\
         Stop with Ctrl-C.\n",
        simulator.url()
    )
}
