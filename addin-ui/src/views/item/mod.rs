//! The item view: whose calendar, what the user may do in it and why not, the item's CRM event
//! and records, linking records, saving, unlinking, the item's sync status, the CRM category.
//!
//! Every verdict shown comes from the server's answer (the permission core, run
//! authoritatively there on Microsoft's facts); the pane only displays it. The components share
//! the item through [`ItemScope`] (Leptos context), not through long lists of props.
//!
//! - [`records`]: the linked records (Unlink) and the search that picks more to link;
//! - [`attendees`]: the meeting's people with the records they match, Create contact or lead;
//! - [`save`]: Save, and what it answered;
//! - [`category`]: "Add the CRM category";
//! - [`status`]: the item's sync status.

mod attendees;
mod category;
mod records;
mod save;
pub mod scope;
mod status;

use leptos::prelude::*;
use liaison_domain::api::{ItemContext, SyncState};
use liaison_domain::permissions::{Action, Level};

use crate::api::Session;
use crate::focus;
use crate::item::item_ref;
use crate::office::{Appointment, Mailbox};
use crate::perf;
use crate::remote::Remote;
use crate::views::booking::BookingPanel;
use crate::views::settings::OrganizerSettings;
use crate::views::text::{action_text, level_text};
use category::CategoryButton;
use records::Records;
use save::SaveBox;
pub use save::SaveResult;
pub use scope::{ItemScope, LINKED_TITLE, SaveAnswer};
pub use status::Status;

#[component]
pub fn ItemView(session: Session, item: Appointment, mailbox: Mailbox) -> impl IntoView {
    let scope = ItemScope {
        session: StoredValue::new(session),
        target: RwSignal::new(item_ref(&item, &mailbox)),
        item: StoredValue::new(item),
        mailbox: StoredValue::new(mailbox),
        version: RwSignal::new(0),
        last_save: RwSignal::new(None),
    };
    provide_context(scope);
    // Read now, and again after each change (the previous context stays shown meanwhile).
    let context = Remote::new();
    Effect::new(move || {
        scope.version.track();
        let target = scope.target.get();
        let session = scope.session.get_value();
        context.run(async move { session.context(&target).await });
    });
    view! {
        <h2 class="lz-item__subject">{scope.item.with_value(|i| i.subject.clone())}</h2>
        {move || {
            // A reload replaces the controls: the focused one (by id) gets the focus back.
            if let Some(id) = focus::focused_id() {
                focus::restore(id, LINKED_TITLE);
            }
            match context.answer() {
                None => {
                    view! { <p class="lz-status" role="status">"Loading the item…"</p> }.into_any()
                }
                Some(Ok(context)) => view! { <Context context /> }.into_any(),
                Some(Err(failure)) => {
                    view! {
                        <p class="lz-card lz-card--error" role="alert">
                            {format!("Liaison could not load this item: {failure}")}
                        </p>
                    }
                    .into_any()
                }
            }
        }}
    }
}

/// The loaded context of the item.
#[component]
fn Context(
    /// The server's answer: verdicts, the CRM event, the status, the CRM category.
    context: ItemContext,
) -> impl IntoView {
    perf::mark_context_shown();
    let scope = expect_context::<ItemScope>();
    let verdicts = &context.permissions.actions;
    let allowed = |action: Action| verdicts[&action].allowed;
    let verdict_message = |action: Action| verdicts[&action].message.clone().unwrap_or_default();
    let verdict_code = |action: Action| {
        verdicts[&action]
            .reason
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default()
    };
    let is_owner = context.permissions.level == Level::Owner;
    let whose = if is_owner {
        "Your calendar".to_owned()
    } else {
        format!("{}'s calendar", context.owner.display_name)
    };
    let may_view = allowed(Action::ViewDetails);
    let linked = context
        .crm_event
        .as_ref()
        .map(|e| e.records.clone())
        .unwrap_or_default();
    let refused: Vec<(String, String)> = Action::ALL
        .iter()
        .filter(|a| !allowed(**a))
        .map(|a| (action_text(*a).to_owned(), verdict_message(*a)))
        .collect();
    // Found by its times (Office.js gave no usable id): from now on the item is named by
    // Graph's id — quietly, so that the context is not read again for it.
    if let Some(found) = &context.item_id {
        scope.target.update_untracked(|t| {
            if t.item_id.is_none() {
                t.item_id = Some(found.clone());
            }
        });
    }
    let unsaved = scope.target.with_untracked(|t| t.item_id.is_none());
    let categorized = scope
        .item
        .with_value(|i| i.categories.contains(&context.crm_category.name));
    view! {
        {is_owner.then(|| view! { <OrganizerSettings /> })}
        <section class="lz-card lz-context" aria-label="Your access">
            <p class="lz-whose">{whose}</p>
            <p class="lz-level" data-level=context.permissions.level.as_str()>
                {level_text(context.permissions.level)}
            </p>
            <Status status=context.status.clone() />
        </section>
        {context
            .notice
            .clone()
            .map(|notice| view! { <p class="lz-card lz-card--notice lz-notice" role="note">{notice}</p> })}
        {(unsaved && may_view)
            .then(|| {
                view! {
                    <p class="lz-card lz-card--notice lz-unsaved" role="note">
                        "This meeting is not saved yet: Save to CRM saves it in Outlook first."
                    </p>
                }
            })}
        {(!may_view)
            .then(|| {
                view! {
                    <p
                        class="lz-card lz-card--notice lz-refusal"
                        role="alert"
                        data-code=verdict_code(Action::ViewDetails)
                    >
                        {verdict_message(Action::ViewDetails)}
                    </p>
                }
            })}
        {may_view
            .then(|| {
                view! {
                    <Records linked may_unlink=allowed(Action::UnlinkFromCrm) />
                    <SaveBox
                        may_save=allowed(Action::SaveToCrm)
                        refusal=verdict_message(Action::SaveToCrm)
                        refusal_code=verdict_code(Action::SaveToCrm)
                        attendees=context.attendees.clone()
                    />
                    <CategoryButton
                        may_categorize=allowed(Action::CategorizeForSync) && !unsaved
                        categorized
                        category=context.crm_category.name.clone()
                        outside_window=context.status.state == SyncState::OutsideWindow
                    />
                }
            })}
        {(scope.item.with_value(|i| i.is_compose) && allowed(Action::SendAvailability))
            .then(|| {
                view! {
                    <BookingPanel
                        session=scope.session.get_value()
                        user=scope.mailbox.get_value()
                        from=scope.item.with_value(|i| i.organizer.clone())
                        calendar=Some(context.owner.mailbox.clone())
                    />
                }
            })}
        <details class="lz-card lz-refused">
            <summary>"What you can't do here, and why"</summary>
            <ul>
                {refused
                    .into_iter()
                    .map(|(action, message)| view! { <li><strong>{action}</strong>": "{message}</li> })
                    .collect_view()}
            </ul>
        </details>
    }
}
