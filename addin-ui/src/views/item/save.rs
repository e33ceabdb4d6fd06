//! Save: links the chosen records and saves the item to the CRM, from what Microsoft Graph says
//! of it. A meeting being composed is saved in Outlook first (`saveAsync`), so that it exists in
//! the owner's calendar when the server reads it; until Graph shows it, the save waits (queued).

use leptos::prelude::*;
use liaison_domain::api::{Attendee, SaveOutcome};

use super::attendees::Attendees;
use super::records::{Chosen, Search};
use super::scope::{ItemScope, SaveAnswer};
use crate::api::{self, ApiFailure};
use crate::item::save_request;
use crate::office;
use crate::remote::Remote;

/// What a Save answered.
/// The search for records to link, and Save.
#[component]
pub fn SaveBox(
    /// Whether the server lets the user save the item.
    may_save: bool,
    /// Why not, in the server's words, and its code.
    refusal: String,
    refusal_code: String,
    /// The meeting's people, to link or create records from.
    attendees: Vec<Attendee>,
) -> impl IntoView {
    if !may_save {
        return view! {
            <p class="lz-card lz-card--notice lz-refusal" role="alert" data-code=refusal_code>
                {refusal}
            </p>
        }
        .into_any();
    }
    let scope = expect_context::<ItemScope>();
    let chosen = Chosen(RwSignal::new(Vec::new()));
    // One key per Save click: a network retry of that click replays, the next click is new.
    // The answer goes to `last_save`, above the context that reloads after the save.
    let save = Remote::<()>::new();
    let start_save = move || {
        let ids = chosen.0.get().into_iter().map(|r| r.id).collect();
        let session = scope.session.get_value();
        let key = api::new_idempotency_key();
        save.run(async move {
            let mut target = scope.target.get_untracked();
            if target.item_id.is_none() {
                // A new meeting: Outlook saves it in the calendar first (no invitation is sent
                // for a meeting never saved before), and gives its id.
                match office::save_composed_item().await {
                    Ok(id) => {
                        target.item_id = Some(id);
                        scope.target.try_set(target.clone());
                    }
                    Err(error) => {
                        scope
                            .last_save
                            .try_set(Some(Err(ApiFailure::Office(error.message))));
                        return;
                    }
                }
            }
            let answer = session.save(&save_request(target, ids), &key).await;
            if answer.is_ok() {
                chosen.0.try_set(Vec::new());
                scope.reload();
            }
            scope.last_save.try_set(Some(answer));
        });
    };
    view! {
        <Attendees attendees chosen />
        <Search chosen />
        <div class="lz-save">
            <button
                class="lz-button lz-button--primary lz-save__button"
                id="lz-save"
                // Not `disabled`: a disabled button loses the keyboard focus.
                aria-disabled=move || save.running().to_string()
                on:click=move |_| {
                    if !save.running() {
                        start_save();
                    }
                }
            >
                {move || if save.running() { "Saving…" } else { "Save to CRM" }}
            </button>
            {move || scope.last_save.get().map(|result| view! { <SaveResult result /> })}
        </div>
    }
    .into_any()
}

#[component]
pub fn SaveResult(
    /// The Save's answer, or why it failed.
    result: SaveAnswer,
) -> impl IntoView {
    match result {
        Ok(saved) => {
            let text = match saved.outcome {
                SaveOutcome::Synced => match &saved.crm_event {
                    Some(event) => format!("Saved to {}'s CRM calendar", event.organizer),
                    None => "Saved to the CRM".to_owned(),
                },
                SaveOutcome::Queued => {
                    "Queued: the next sync session saves it to the CRM".to_owned()
                }
            };
            view! { <p class="lz-result lz-result--ok" role="status">{text}</p> }.into_any()
        }
        Err(failure) => {
            let code = match &failure {
                ApiFailure::Server(body) => body.code.as_str(),
                _ => "",
            };
            view! {
                <p class="lz-result lz-result--error" role="alert" data-code=code>
                    {failure.to_string()}
                </p>
            }
            .into_any()
        }
    }
}
