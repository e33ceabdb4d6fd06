//! The records linked to the item's CRM event (with Unlink), and the search that picks more to
//! link on the next Save.

use leptos::prelude::*;
use liaison_domain::api::{CrmRecord, RecordKind, UnlinkRequest};

use super::scope::{ItemScope, LINKED_TITLE};
use crate::remote::{Remote, sleep};
use crate::views::text::kind_text;

/// Records chosen to link, shared by the search and the Save button.
#[derive(Clone, Copy)]
pub struct Chosen(pub RwSignal<Vec<CrmRecord>>);

/// Linked records with Unlink, and the search that links more (on the next Save).
#[component]
pub fn Records(
    /// The records linked to the item's CRM event.
    linked: Vec<CrmRecord>,
    /// Whether the server lets the user unlink them.
    may_unlink: bool,
) -> impl IntoView {
    let scope = expect_context::<ItemScope>();
    let unlink = Remote::new();
    let start_unlink = move |record_id: String| {
        let request = UnlinkRequest {
            item: scope.target.get_untracked(),
            record_id: Some(record_id),
        };
        let session = scope.session.get_value();
        unlink.run(async move {
            let answer = session.unlink(&request).await;
            if answer.is_ok() {
                scope.reload();
            }
            answer.map(drop)
        });
    };
    view! {
        <section class="lz-card" aria-labelledby=LINKED_TITLE>
            // Focusable from script only: where the focus goes when its Unlink button is gone.
            <h3 id=LINKED_TITLE class="lz-card__title" tabindex="-1">"Linked CRM records"</h3>
            {if linked.is_empty() {
                view! { <p class="lz-empty">"None yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="lz-linked">
                        {linked
                            .into_iter()
                            .map(|record| {
                                let id = record.id.clone();

                                view! {
                                    <li data-record=record.id.clone()>
                                        <span class="lz-record__name">{record.name.clone()}</span>
                                        <span class="lz-record__kind">{kind_text(record.kind)}</span>
                                        {may_unlink
                                            .then(|| {
                                                view! {
                                                    <button
                                                        class="lz-button lz-button--subtle"
                                                        id=format!("lz-unlink-{}", record.id)
                                                        aria-label=format!("Unlink {}", record.name)
                                                        on:click=move |_| start_unlink(id.clone())
                                                    >
                                                        "Unlink"
                                                    </button>
                                                }
                                            })}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            {move || {
                unlink
                    .answer()
                    .and_then(Result::err)
                    .map(|f| view! { <p class="lz-status lz-status--error" role="alert">{f.to_string()}</p> })
            }}
        </section>
    }
}

/// How long typing must pause before the search asks the server.
const SEARCH_DEBOUNCE_MS: i32 = 250;

#[component]
pub fn Search(
    /// Where the records picked to link go (Save links them).
    chosen: Chosen,
) -> impl IntoView {
    let session = expect_context::<ItemScope>().session;
    let query = RwSignal::new(String::new());
    let kind = RwSignal::new(None::<RecordKind>);
    let results = Remote::new();
    let search = move |q: String| {
        query.set(q.clone());
        let session = session.get_value();
        let kind = kind.get_untracked();
        results.run(async move {
            if q.trim().is_empty() {
                return Ok(Vec::new());
            }
            // Debounce: a keystroke within the pause makes this search stale; the newer one
            // asks instead (and only the latest call's answer is shown anyway).
            sleep(SEARCH_DEBOUNCE_MS).await;
            if query.try_get_untracked().as_ref() != Some(&q) {
                return Ok(Vec::new());
            }
            session.search(&q, kind).await.map(|page| page.records)
        });
    };
    view! {
        <section class="lz-card lz-search" aria-labelledby="lz-search-title">
            <h3 id="lz-search-title" class="lz-card__title">"Link CRM records"</h3>
            <label class="lz-field">
                <span>"Search contacts, accounts, leads, opportunities"</span>
                <input
                    type="search"
                    class="lz-input"
                    placeholder="Name, e-mail or company"
                    prop:value=move || query.get()
                    on:input=move |ev| search(event_target_value(&ev))
                />
            </label>
            <label class="lz-field">
                <span>"Kind"</span>
                <select
                    class="lz-input"
                    id="lz-search-kind"
                    on:change=move |ev| {
                        kind.set(RecordKind::parse(&event_target_value(&ev)));
                        search(query.get_untracked());
                    }
                >
                    <option value="">"All kinds"</option>
                    <option value="contact">"Contacts"</option>
                    <option value="account">"Accounts"</option>
                    <option value="lead">"Leads"</option>
                    <option value="opportunity">"Opportunities"</option>
                </select>
            </label>
            {move || {
                results
                    .answer()
                    .map(|found| match found {
                        Ok(records) if records.is_empty() && !query.get().trim().is_empty() => {
                            view! { <p class="lz-empty">"No records match."</p> }.into_any()
                        }
                        Ok(records) => {
                            view! {
                                <ul class="lz-results">
                                    {records
                                        .into_iter()
                                        .map(|record| {
                                            let label = format!("Link {}", record.name);
                                            let kind = kind_text(record.kind);
                                            let name = record.name.clone();
                                            let id = record.id.clone();
                                            view! {
                                                <li class="lz-record-result" data-record=id>
                                                    <span class="lz-record__name">{name}</span>
                                                    <span class="lz-record__kind">{kind}</span>
                                                    <button
                                                        class="lz-button lz-button--subtle"
                                                        aria-label=label
                                                        on:click=move |_| {
                                                            let record = record.clone();
                                                            chosen
                                                                .0
                                                                .update(|c| {
                                                                    if !c.iter().any(|r| r.id == record.id) {
                                                                        c.push(record);
                                                                    }
                                                                });
                                                        }
                                                    >
                                                        "Link"
                                                    </button>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(failure) => {
                            view! { <p class="lz-status lz-status--error" role="alert">{failure.to_string()}</p> }
                                .into_any()
                        }
                    })
            }}
            {move || {
                let picked = chosen.0.get();
                (!picked.is_empty())
                    .then(|| {
                        view! {
                            <p class="lz-chosen" role="status">
                                {format!(
                                    "To link on Save: {}",
                                    picked.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", "),
                                )}
                            </p>
                        }
                    })
            }}
        </section>
    }
}
