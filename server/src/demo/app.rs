//! `liaison demo`: the server, an in-process Microsoft 365 simulator seeded with the Contoso
//! tenant, the CRM data that exercises every rule, and a banner with the URLs a person opens.
//! No Microsoft tenant is needed.
//!
//! The demo's people (see `m365_sim::Seed::contoso`): Olga organizes with sync on; Ann is her
//! Editor (sees private items), Arthur her Author, Rita her Reviewer, Sam sends on her behalf
//! only. Otto organizes with sync off, with Ann as his Editor. Olga shares her CRM calendar with
//! Ann, Arthur and Sam (edit) and Rita (view); her records are shared with some of them.

use std::future::Future;

use liaison_domain::api::RecordKind;
use m365_sim::{Seed, Simulator};

use secrecy::SecretString;

use crate::auth::connections::{aad, owner_key};
use crate::auth::scopes;
use crate::auth::secrets::Keyring;
use crate::config::ServerConfig;
use crate::demo::{DemoMailbox, DemoSettings};
use crate::http::public_url::PublicUrl;
use crate::identity::{GoogleSettings, IdentitySettings, MicrosoftSettings};
use crate::startup::Application;
use crate::store::{
    Connection, ConnectionStatus, NewRecord, Provider, Share, Store, StoreError, Tenant, TenantId,
    User, UserId, UserKey,
};

pub async fn run(
    mut config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if let Some(warning) = exposure_warning(config.listen) {
        tracing::warn!("{warning}");
    }
    let seed = Seed::contoso();
    let simulator = Simulator::start(seed.clone()).await?;
    config.demo = Some(settings(&seed, &simulator));
    config.identity = identity_settings(&simulator);
    // The demo runs on this machine: a webhook receiver beside it needs no certificate.
    config.webhooks.allow_http = true;
    let keyring = config.keyring.clone();
    let app = Application::build(config).await?;
    register_redirect_uris(&simulator, app.public_url());
    seed_store(app.store().as_ref(), &seed).await?;
    connect_organizers(app.store().as_ref(), &keyring, &simulator, &seed).await?;
    println!("{}", banner(&app, &simulator));
    app.run_until_stopped(shutdown).await?;
    simulator.stop().await;
    Ok(())
}

/// What to say when the demo listens beyond this machine (it listens on loopback unless told
/// otherwise): its `/dev` routes sign anyone who reaches them in as any demo person.
fn exposure_warning(listen: std::net::SocketAddr) -> Option<String> {
    (!listen.ip().is_loopback()).then(|| {
        format!(
            "the demo listens on {listen}, beyond this machine: anyone who reaches it can sign in \
             as any demo person (its /dev routes mint sign-in tokens). Use it only on a network \
             you trust, or leave --listen at 127.0.0.1"
        )
    })
}

/// Microsoft and Google, both pointed at `simulator`, with the app registration it holds.
pub fn identity_settings(simulator: &Simulator) -> IdentitySettings {
    let app = simulator.app();
    let base = simulator.url();
    IdentitySettings {
        microsoft: Some(MicrosoftSettings {
            authority: base.clone(),
            graph_url: format!("{base}/v1.0"),
            client_id: app.client_id.clone(),
            client_secret: SecretString::from(app.client_secret.clone()),
            app_id_uri: app.app_id_uri.clone(),
            v1_issuer: m365_sim::V1_ISSUER.to_owned(),
            delegation_ttl: crate::identity::MAX_DELEGATION_TTL,
        }),
        google: Some(GoogleSettings {
            issuer: format!("{base}/google"),
            auth_url: format!("{base}/google/o/oauth2/v2/auth"),
            token_url: format!("{base}/google/token"),
            jwks_url: format!("{base}/google/oauth2/v3/certs"),
            calendar_url: format!("{base}/google/calendar/v3"),
            client_id: app.google_client_id.clone(),
            client_secret: SecretString::from(app.google_client_secret),
        }),
    }
}

/// Registers the server's callbacks with the simulator (as an admin registers them in Entra ID).
pub fn register_redirect_uris(simulator: &Simulator, public_url: &PublicUrl) {
    for provider in ["microsoft", "google"] {
        simulator.allow_redirect_uri(&format!("{public_url}/auth/{provider}/callback"));
    }
}

/// The demo settings for `seed` served by `simulator`.
pub fn settings(seed: &Seed, simulator: &Simulator) -> DemoSettings {
    DemoSettings {
        simulator_url: simulator.url(),
        mailboxes: seed
            .tenants
            .iter()
            .flat_map(|t| t.users.iter().map(move |u| (t, u)))
            .map(|(t, u)| DemoMailbox {
                display_name: u.display_name.clone(),
                address: u.mail.to_lowercase(),
                tenant_id: t.id.clone(),
                user_id: u.id.clone(),
            })
            .collect(),
    }
}

/// Writes the demo's tenant, people, delegate access and CRM data. Idempotent: a restarted demo
/// keeps what people did with it.
pub async fn seed_store(store: &dyn Store, seed: &Seed) -> Result<(), StoreError> {
    for tenant in &seed.tenants {
        let tenant_id = TenantId::new(tenant.id.as_str());
        store
            .upsert_tenant(&Tenant::new(&tenant_id, &tenant.display_name))
            .await?;
        let id_of = |mailbox: &str| {
            UserId::new(
                tenant
                    .users
                    .iter()
                    .find(|u| u.mail == mailbox)
                    .map(|u| u.id.clone())
                    .unwrap_or_default(),
            )
        };
        for user in &tenant.users {
            store
                .upsert_user(&User {
                    tenant_id: tenant_id.clone(),
                    id: UserId::new(user.id.as_str()),
                    mailbox: user.mail.clone(),
                    display_name: user.display_name.clone(),
                    sync_enabled: user.mail != "otto@contoso.com",
                })
                .await?;
        }
        let olga = id_of("olga@contoso.com");
        for (delegate, share) in [
            ("ann@contoso.com", Share::Edit),
            ("arthur@contoso.com", Share::Edit),
            ("sam@contoso.com", Share::Edit),
            ("rita@contoso.com", Share::View),
        ] {
            store
                .share_crm_calendar(&tenant_id, &olga, &id_of(delegate), share)
                .await?;
        }
        for (id, kind, name, email, company, owner, shares) in demo_records() {
            let record = NewRecord {
                id: id.to_owned(),
                kind,
                name: name.to_owned(),
                email: email.map(str::to_owned),
                company: company.map(str::to_owned),
                owner_id: id_of(owner),
            };
            match store.insert_record(&tenant_id, &record).await {
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
            for (mailbox, share) in shares {
                store
                    .share_record(&tenant_id, id, &id_of(mailbox), *share)
                    .await?;
            }
        }
    }
    Ok(())
}

/// The Organizers — everyone with delegates — connected their calendars before the demo
/// starts (Otto then turned sync off): a Microsoft connection each, its refresh token issued by
/// the simulator and sealed as a sign-in would seal it. Delegations themselves are not seeded:
/// Liaison verifies them with (simulated) Microsoft when they are used. Idempotent.
pub async fn connect_organizers(
    store: &dyn Store,
    keyring: &Keyring,
    simulator: &Simulator,
    seed: &Seed,
) -> Result<(), StoreError> {
    let mut scopes = scopes::graph_permissions();
    scopes.push("offline_access".into());
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    for tenant in &seed.tenants {
        let mut organizers: Vec<&str> = tenant
            .delegations
            .iter()
            .map(|d| d.owner.as_str())
            .collect();
        organizers.sort_unstable();
        organizers.dedup();
        for mailbox in organizers {
            let Some(user) = tenant.users.iter().find(|u| u.mail == mailbox) else {
                continue;
            };
            let key = UserKey::new(
                TenantId::new(tenant.id.as_str()),
                UserId::new(user.id.as_str()),
            );
            let connected = store.connection(&key, Provider::Microsoft).await?.is_some();
            let Some(refresh_token) = (!connected)
                .then(|| simulator.issue_refresh_token(&user.id, &scopes))
                .flatten()
            else {
                continue;
            };
            let owner = owner_key(&key.user_id, Provider::Microsoft);
            store
                .upsert_connection(&Connection {
                    tenant_id: key.tenant_id.clone(),
                    user_id: key.user_id.clone(),
                    provider: Provider::Microsoft,
                    account: user.id.clone(),
                    account_email: user.mail.clone(),
                    refresh_token: Some(keyring.seal(&refresh_token, aad(&key.tenant_id, &owner))),
                    scopes: scopes.join(" "),
                    status: ConnectionStatus::Connected,
                    status_reason: None,
                })
                .await?;
        }
    }
    Ok(())
}

type DemoRecord = (
    &'static str,
    RecordKind,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    &'static [(&'static str, Share)],
);

/// Olga's CRM, with records shared for editing, for viewing, and not at all.
fn demo_records() -> Vec<DemoRecord> {
    const TEAM: &[(&str, Share)] = &[
        ("ann@contoso.com", Share::Edit),
        ("arthur@contoso.com", Share::View),
        ("sam@contoso.com", Share::View),
        ("rita@contoso.com", Share::View),
    ];
    const ANN: &[(&str, Share)] = &[("ann@contoso.com", Share::Edit)];
    const NOBODY: &[(&str, Share)] = &[];
    let olga = "olga@contoso.com";
    vec![
        (
            "demo-acc-northwind",
            RecordKind::Account,
            "Northwind Traders",
            None,
            Some("Northwind Traders"),
            olga,
            TEAM,
        ),
        (
            "demo-acc-adventure",
            RecordKind::Account,
            "Adventure Works Cycles",
            None,
            Some("Adventure Works"),
            olga,
            TEAM,
        ),
        (
            "demo-acc-fabrikam",
            RecordKind::Account,
            "Fabrikam Pharmaceuticals",
            None,
            Some("Fabrikam"),
            olga,
            ANN,
        ),
        (
            "demo-con-nancy",
            RecordKind::Contact,
            "Nancy Davolio",
            Some("nancy.davolio@northwind.example"),
            Some("Northwind Traders"),
            olga,
            TEAM,
        ),
        (
            "demo-con-andrew",
            RecordKind::Contact,
            "Andrew Fuller",
            Some("andrew.fuller@northwind.example"),
            Some("Northwind Traders"),
            olga,
            TEAM,
        ),
        (
            "demo-con-janet",
            RecordKind::Contact,
            "Janet Leverling",
            Some("janet@adventure-works.example"),
            Some("Adventure Works"),
            olga,
            TEAM,
        ),
        (
            "demo-con-margaret",
            RecordKind::Contact,
            "Margaret Peacock",
            Some("margaret@fabrikam.example"),
            Some("Fabrikam"),
            olga,
            NOBODY,
        ),
        (
            "demo-lead-steven",
            RecordKind::Lead,
            "Steven Buchanan",
            Some("steven@tailspin.example"),
            Some("Tailspin Toys"),
            olga,
            TEAM,
        ),
        (
            "demo-opp-northwind",
            RecordKind::Opportunity,
            "Northwind renewal 2027",
            None,
            Some("Northwind Traders"),
            olga,
            TEAM,
        ),
        (
            "demo-opp-adventure",
            RecordKind::Opportunity,
            "Adventure Works fleet deal",
            None,
            Some("Adventure Works"),
            olga,
            ANN,
        ),
    ]
}

fn banner(app: &Application, simulator: &Simulator) -> String {
    let url = app.public_url();
    format!(
        "\nLiaison demo is running. Open:\n  \
         {url}/dev/outlook      a simulated Outlook: pick a person, open an item, use Liaison\n  \
         {url}/                 the demo's people, the manifest, the task pane\n  \
         {url}/admin/consent    grant consent for the tenant first (sign in as Adele Admin);\n  \
                                  without it, each person accepts in the sidebar's sign-in dialog\n  \
         {url}/permissions      what Liaison asks Microsoft 365 and Google for, and why\n  \
         {url}/manifest.xml     the add-in manifest\n  \
         {url}/healthz          health\n\
         Microsoft 365 simulator: {}\n\
         Stop with Ctrl-C.\n",
        simulator.url()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_warns_when_it_listens_beyond_loopback() {
        assert!(exposure_warning("127.0.0.1:3000".parse().unwrap()).is_none());
        assert!(exposure_warning("[::1]:3000".parse().unwrap()).is_none());
        let warning = exposure_warning("0.0.0.0:3000".parse().unwrap()).unwrap();
        assert!(
            warning.contains("/dev routes mint sign-in tokens"),
            "{warning}"
        );
    }
}
