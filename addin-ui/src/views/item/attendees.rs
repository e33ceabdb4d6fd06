//! The meeting's people as the server read them from Microsoft Graph, each with the contact or
//! lead their address matches — Link it on the next Save — or, for one with none, **Create
//! contact** or **Create lead**, prefilled from the attendee and linked on the next Save.

use leptos::prelude::*;
use liaison_domain::api::{Attendee, CrmRecord, RecordKind};

use super::records::Chosen;
use super::scope::ItemScope;
use crate::api::{self, ApiFailure, NewRecord};
use crate::remote::Remote;
use crate::views::text::kind_text;

#[component]
pub fn Attendees(
    /// The organizer and attendees, as the server read them.
    attendees: Vec<Attendee>,
    /// Where records to link go (Save links them).
    chosen: Chosen,
) -> impl IntoView {
    (!attendees.is_empty()).then(|| {
        view! {
            <section class="lz-card lz-attendees" aria-labelledby="lz-attendees-title">
                <h3 id="lz-attendees-title" class="lz-card__title">"Attendees"</h3>
                <ul class="lz-attendee-list">
                    {attendees
                        .into_iter()
                        .map(|attendee| view! { <AttendeeLine attendee chosen /> })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}

/// Adds `record` to those Save links, once.
fn choose(chosen: Chosen, record: CrmRecord) {
    chosen.0.update(|c| {
        if !c.iter().any(|r| r.id == record.id) {
            c.push(record);
        }
    });
}

#[component]
fn AttendeeLine(attendee: Attendee, chosen: Chosen) -> impl IntoView {
    let shown = if attendee.name.is_empty() {
        attendee.address.clone()
    } else {
        attendee.name.clone()
    };
    // The create form open (its kind), and the record made from it.
    let creating = RwSignal::new(None::<RecordKind>);
    let created = RwSignal::new(None::<CrmRecord>);
    let matched = attendee.record.clone();
    let person = StoredValue::new(attendee.clone());
    let label = shown.clone();
    view! {
        <li class="lz-attendee" data-attendee=attendee.address.clone()>
            <span class="lz-record__name">{shown}</span>
            {attendee.is_organizer.then(|| view! { <span class="lz-record__kind">"Organizer"</span> })}
            <span class="lz-attendee__address">{attendee.address.clone()}</span>
            {move || match (matched.clone(), created.get()) {
                (Some(record), _) | (None, Some(record)) => {
                    let aria = format!("Link {} to this meeting", record.name);
                    let name = record.name.clone();
                    let kind = kind_text(record.kind);
                    let picked = chosen.0.with(|c| c.iter().any(|r| r.id == record.id));
                    view! {
                        <span class="lz-attendee__record" data-record=record.id.clone()>
                            {format!("{kind}: {name}")}
                        </span>
                        {if picked {
                            view! { <span class="lz-attendee__chosen">"Links on Save"</span> }.into_any()
                        } else {
                            view! {
                                <button
                                    class="lz-button lz-button--subtle"
                                    aria-label=aria
                                    on:click=move |_| choose(chosen, record.clone())
                                >
                                    "Link"
                                </button>
                            }
                                .into_any()
                        }}
                    }
                        .into_any()
                }
                (None, None) => {
                    match creating.get() {
                        Some(kind) => {
                            view! { <CreateForm person=person.get_value() kind creating created chosen /> }
                                .into_any()
                        }
                        None => {
                            let label = label.clone();
                            view! {
                                <button
                                    class="lz-button lz-button--subtle"
                                    aria-label=format!("Create a contact for {label}")
                                    on:click=move |_| creating.set(Some(RecordKind::Contact))
                                >
                                    "Create contact"
                                </button>
                                <button
                                    class="lz-button lz-button--subtle"
                                    aria-label=format!("Create a lead for {label}")
                                    on:click=move |_| creating.set(Some(RecordKind::Lead))
                                >
                                    "Create lead"
                                </button>
                            }
                                .into_any()
                        }
                    }
                }
            }}
        </li>
    }
}

/// The attendee's name and address (and, for a lead, a company), to create the record with.
#[component]
fn CreateForm(
    person: Attendee,
    kind: RecordKind,
    creating: RwSignal<Option<RecordKind>>,
    created: RwSignal<Option<CrmRecord>>,
    chosen: Chosen,
) -> impl IntoView {
    let scope = expect_context::<ItemScope>();
    let local_part = person.address.split('@').next().unwrap_or_default();
    let name = RwSignal::new(if person.name.is_empty() || person.name == person.address {
        local_part.to_owned()
    } else {
        person.name.clone()
    });
    let company = RwSignal::new(String::new());
    let submit = Remote::<Result<CrmRecord, ApiFailure>>::new();
    // One key per form: a retry of the same click replays instead of creating twice.
    let key = api::new_idempotency_key();
    let is_lead = kind == RecordKind::Lead;
    let what = if is_lead { "lead" } else { "contact" };
    let address = person.address.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if submit.running() {
            return;
        }
        let (name, company) = (name.get_untracked(), company.get_untracked());
        let address = address.clone();
        let session = scope.session.get_value();
        let key = key.clone();
        submit.run(async move {
            let input = NewRecord {
                kind,
                name: name.trim(),
                emails: &[&address],
                company: if is_lead { company.trim() } else { "" },
            };
            let answer = session.create_record(&input, &key).await;
            if let Ok(record) = &answer {
                choose(chosen, record.clone());
                created.try_set(Some(record.clone()));
                creating.try_set(None);
            }
            answer
        });
    };
    view! {
        <form class="lz-create" on:submit=on_submit aria-label=format!("New {what}")>
            <label class="lz-field">
                <span>"Name"</span>
                <input
                    class="lz-input"
                    name="name"
                    required
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </label>
            {is_lead
                .then(|| {
                    view! {
                        <label class="lz-field">
                            <span>"Company"</span>
                            <input
                                class="lz-input"
                                name="company"
                                prop:value=move || company.get()
                                on:input=move |ev| company.set(event_target_value(&ev))
                            />
                        </label>
                    }
                })}
            <button type="submit" class="lz-button lz-button--primary">
                {move || if submit.running() { "Creating…".to_owned() } else { format!("Create {what}") }}
            </button>
            <button type="button" class="lz-button lz-button--subtle" on:click=move |_| creating.set(None)>
                "Cancel"
            </button>
            {move || {
                submit
                    .answer()
                    .and_then(Result::err)
                    .map(|f| view! { <p class="lz-status lz-status--error" role="alert">{f.to_string()}</p> })
            }}
        </form>
    }
}
