//! The root component: where the pane runs, the Office theme, signing in, then the item.

use leptos::prelude::*;

use crate::api::{self, Session};
use crate::office::{self, Mailbox, OfficeHost, Outlook, Theme};
use crate::remote::Remote;
use crate::views::booking::BookingPanel;
use crate::views::item::ItemView;

/// The task pane.
#[component]
pub fn App() -> impl IntoView {
    let host = Remote::new();
    host.run(office::connect());
    view! {
        <main class="lz-pane">
            <header class="lz-pane__header">
                <img class="lz-pane__logo" src="/assets/icon-32.png" alt="" width="24" height="24" />
                <h1 class="lz-pane__title">"Liaison"</h1>
            </header>
            {move || match host.answer() {
                None => view! { <p class="lz-status" role="status">"Connecting to Outlook…"</p> }.into_any(),
                Some(OfficeHost::Outlook(outlook)) => {
                    apply_theme(outlook.theme.as_ref());
                    view! { <InOutlook outlook=*outlook /> }.into_any()
                }
                Some(OfficeHost::Outside) => view! { <OutsideOutlook /> }.into_any(),
            }}
        </main>
    }
}

/// Follows Outlook's theme: dark or light tokens, and Outlook's own background and text colours.
fn apply_theme(theme: Option<&Theme>) {
    let Some(theme) = theme else { return };
    let Some(root) = document().document_element() else {
        return;
    };
    let _ = root.set_attribute("data-theme", if theme.is_dark() { "dark" } else { "light" });
}

#[component]
fn OutsideOutlook() -> impl IntoView {
    view! {
        <section class="lz-card lz-card--notice" role="note">
            <h2 class="lz-card__title">"Open this in Outlook"</h2>
            <p>
                "Liaison is a sidebar for Outlook. Add it to Outlook with the manifest, then open a calendar item and choose Liaison."
            </p>
            <p>
                <a href="/manifest.xml">"Get the manifest"</a>
            </p>
        </section>
        <ServerStatus />
    }
}

#[component]
fn InOutlook(outlook: Outlook) -> impl IntoView {
    let Some(mailbox) = outlook.mailbox else {
        return view! {
            <section class="lz-card lz-card--notice" role="alert">
                <p>"Outlook did not say which mailbox is signed in."</p>
            </section>
        }
        .into_any();
    };
    let item = outlook.item;
    let message = outlook.message;
    // First silently (Office SSO); after a failure, the person's click opens the sign-in dialog.
    let session = Remote::new();
    session.run(Session::sign_in());
    view! {
        <SignedInAs mailbox=mailbox.clone() />
        {move || match (session.answer(), item.clone()) {
            (None, _) => view! { <p class="lz-status" role="status">"Signing in…"</p> }.into_any(),
            (Some(Ok(session)), Some(item)) => {
                view! { <ItemView session item mailbox=mailbox.clone() /> }.into_any()
            }
            (Some(Ok(session)), None) if message.is_some() => {
                let from = message.as_ref().and_then(|m| m.from.clone());
                view! { <BookingPanel session user=mailbox.clone() from calendar=None /> }.into_any()
            }
            (Some(Ok(_)), None) => {
                view! {
                    <p class="lz-card lz-empty">"Open a calendar item to see it in the CRM."</p>
                }
                .into_any()
            }
            (Some(Err(failure)), _) => {
                let why = if failure.asks_to_sign_in() {
                    failure.to_string()
                } else {
                    format!("Signing in did not work: {failure}")
                };
                view! {
                    <section class="lz-card lz-card--notice" role="alert">
                        <h2 class="lz-card__title">"Sign in to Liaison"</h2>
                        <p>{why}</p>
                        <button
                            class="lz-button lz-button--primary"
                            disabled=move || session.running()
                            on:click=move |_| session.run(Session::sign_in_with_dialog())
                        >
                            "Sign in"
                        </button>
                    </section>
                }
                .into_any()
            }
        }}
    }
    .into_any()
}

#[component]
fn SignedInAs(mailbox: Mailbox) -> impl IntoView {
    view! {
        <p class="lz-mailbox" aria-label="Signed in to Outlook as">
            <span class="lz-mailbox__name">{mailbox.display_name}</span>
            " "
            <span class="lz-mailbox__address">{mailbox.email_address}</span>
        </p>
    }
}

/// Whether the Liaison server answers.
#[component]
fn ServerStatus() -> impl IntoView {
    let health = Remote::new();
    health.run(api::health());
    view! {
        <footer class="lz-pane__footer">
            {move || match health.answer() {
                None => {
                    view! { <p class="lz-status" role="status">"Checking the Liaison server…"</p> }
                        .into_any()
                }
                Some(Ok(health)) => {
                    view! {
                        <p class="lz-status lz-status--ok" role="status">
                            {format!("Connected to the Liaison server {}", health.version)}
                        </p>
                    }
                    .into_any()
                }
                Some(Err(failure)) => {
                    view! {
                        <p class="lz-status lz-status--error" role="alert">
                            {format!("Not connected: {failure}")}
                        </p>
                    }
                    .into_any()
                }
            }}
        </footer>
    }
}
