//! The Organizer's own settings, shown on items of their own calendar: sync their calendar with
//! the CRM (so that delegates can save their items), "Sync now", and "Reconnect" when the
//! calendar connection needs a new sign-in.

use leptos::prelude::*;

use crate::api::{ApiFailure, Session};
use crate::remote::Remote;
use crate::views::item::scope::ItemScope;

/// The Organizer's own settings: sync their calendar with the CRM (so that delegates can save
/// their items), "Sync now", and the state of their calendar connection.
#[component]
pub fn OrganizerSettings() -> impl IntoView {
    let session = expect_context::<ItemScope>().session.get_value();
    // `me` is the user's settings and connection, as read or as the switch last set them.
    let me = Remote::new();
    let read_me = {
        let session = session.clone();
        move || {
            let session = session.clone();
            me.run(async move { session.me().await });
        }
    };
    read_me();
    let set = Remote::new();
    let start_set = {
        let session = session.clone();
        move |enabled: bool| {
            let session = session.clone();
            set.run(async move {
                let answer = session.set_sync(enabled).await;
                if let Ok(settings) = &answer {
                    me.set_answer(Ok(settings.clone()));
                }
                answer.map(drop)
            });
        }
    };
    let sync_now = Remote::new();
    let start_sync_now = move || {
        let session = session.clone();
        sync_now.run(async move { session.sync_now().await });
    };
    // Signing in again through the dialog stores a fresh connection; then `me` is read again.
    let reconnect = Remote::new();
    let start_reconnect = move || {
        let read_me = read_me.clone();
        reconnect.run(async move {
            let result = Session::sign_in_with_dialog().await.map(drop);
            if result.is_ok() {
                // The refusal that asked for it is answered: forget it, read the state again.
                sync_now.forget();
                read_me();
            }
            result
        });
    };
    let enabled = move || me.answer().and_then(Result::ok).map(|me| me.sync_enabled);
    let needs_reconnect = move || {
        me.answer().and_then(Result::ok).is_some_and(|me| {
            me.connections.microsoft == liaison_domain::api::ConnectionState::NeedsReconnect
        }) || matches!(
            sync_now.answer(),
            Some(Err(ApiFailure::Server(ref body))) if body.code == liaison_domain::api::ErrorCode::NeedsReconnect
        )
    };
    view! {
        <section class="lz-card lz-settings" aria-label="Your settings">
            <label class="lz-switch">
                <input
                    type="checkbox"
                    role="switch"
                    prop:checked=move || enabled().unwrap_or(false)
                    disabled=move || enabled().is_none() || set.running()
                    on:change=move |ev| start_set(event_target_checked(&ev))
                />
                " Sync my calendar with the CRM"
            </label>
            <p class="lz-status">
                {move || match enabled() {
                    Some(true) => "On: you and your delegates can save your items to the CRM.",
                    Some(false) => "Off: your delegates cannot save your items to the CRM.",
                    None => "",
                }}
            </p>
            {move || {
                set.answer()
                    .and_then(Result::err)
                    .map(|f| view! { <p class="lz-status lz-status--error" role="alert">{f.to_string()}</p> })
            }}
            {move || needs_reconnect().then(|| view! {
                <div class="lz-reconnect" role="alert">
                    <p class="lz-status lz-status--error">
                        "Your calendar connection expired or was revoked: sign in again to keep syncing. Queued saves wait until then."
                    </p>
                    <button class="lz-button" disabled=move || reconnect.running() on:click={
                        let start_reconnect = start_reconnect.clone();
                        move |_| start_reconnect()
                    }>
                        "Reconnect"
                    </button>
                    {move || reconnect.answer().and_then(Result::err).map(|f| view! {
                        <p class="lz-status lz-status--error">{format!("Signing in again did not work: {f}")}</p>
                    })}
                </div>
            })}
            {move || (enabled() == Some(true) && !needs_reconnect()).then(|| view! {
                <button class="lz-button lz-sync-now" disabled=move || sync_now.running() on:click={
                    let start_sync_now = start_sync_now.clone();
                    move |_| start_sync_now()
                }>
                    {move || if sync_now.running() { "Syncing…" } else { "Sync now" }}
                </button>
            })}
            <p class="lz-status lz-sync-result" aria-live="polite">
                {move || match sync_now.answer() {
                    Some(Ok(liaison_domain::api::SyncRun { report: Some(report), .. })) => format!(
                        "Synced: {} saved to the CRM, {} cancelled, {} no longer followed.",
                        report.upserted, report.cancelled, report.unfollowed
                    ),
                    Some(Ok(_)) => "Syncing in the background…".to_owned(),
                    Some(Err(failure)) => failure.to_string(),
                    None => String::new(),
                }}
            </p>
        </section>
    }
}
