//! The root component and the pane's first screen: who is signed in, and whether the server
//! answers.

use leptos::prelude::*;

use crate::api;
use crate::office::{self, OfficeHost};

/// The task pane.
#[component]
pub fn App() -> impl IntoView {
    let host = LocalResource::new(office::connect);
    let health = LocalResource::new(api::health);
    view! {
        <main class="lz-pane">
            <header class="lz-pane__header">
                <img class="lz-pane__logo" src="/assets/icon-32.png" alt="" width="24" height="24" />
                <h1 class="lz-pane__title">"Liaison"</h1>
            </header>
            <Suspense fallback=|| {
                view! { <p class="lz-status" role="status">"Connecting to Outlook…"</p> }
            }>{move || host.get().map(|host| view! { <HostView host /> })}</Suspense>
            <footer class="lz-pane__footer">
                <Suspense fallback=|| {
                    view! { <p class="lz-status" role="status">"Checking the Liaison server…"</p> }
                }>{move || health.get().map(|health| view! { <ServerStatus health /> })}</Suspense>
            </footer>
        </main>
    }
}

/// What the pane knows about its Office host.
#[component]
fn HostView(host: OfficeHost) -> impl IntoView {
    match host {
        OfficeHost::Outlook {
            mailbox: Some(mailbox),
        } => view! {
            <section class="lz-card" aria-labelledby="lz-signed-in">
                <h2 id="lz-signed-in" class="lz-card__title">"Signed in to Outlook as"</h2>
                <p class="lz-mailbox">
                    <span class="lz-mailbox__name">{mailbox.display_name}</span>
                    <span class="lz-mailbox__address">{mailbox.email_address}</span>
                </p>
            </section>
        }
        .into_any(),
        OfficeHost::Outlook { mailbox: None } => view! {
            <section class="lz-card">
                <p>"Outlook did not say which mailbox is signed in."</p>
            </section>
        }
        .into_any(),
        OfficeHost::Outside => view! {
            <section class="lz-card lz-card--notice" role="note">
                <h2 class="lz-card__title">"Open this in Outlook"</h2>
                <p>
                    "Liaison is a sidebar for Outlook. Add it to Outlook with the manifest, then open a calendar item and choose Liaison."
                </p>
                <p>
                    <a href="/manifest.xml">"Get the manifest"</a>
                </p>
            </section>
        }
        .into_any(),
    }
}

/// Whether the Liaison server answers.
#[component]
fn ServerStatus(health: Result<liaison_domain::api::Health, api::ApiFailure>) -> impl IntoView {
    match health {
        Ok(health) => view! {
            <p class="lz-status lz-status--ok" role="status">
                {format!("Connected to the Liaison server {}", health.version)}
            </p>
        }
        .into_any(),
        Err(failure) => view! {
            <p class="lz-status lz-status--error" role="alert">
                {format!("Not connected: {failure}")}
            </p>
        }
        .into_any(),
    }
}
