//! "Add the CRM category": gives the item the tenant's CRM category, so sync picks it up with no
//! sidebar. Where the category is in the mailbox's master list and Outlook lets the pane,
//! Office.js does it (`categories.addAsync`) — in compose mode followed by `saveAsync`, since
//! classic Outlook keeps a category added to an open form only when the form is saved; where it
//! does not — compose mode in Outlook on the web and the new Outlook, a category a delegate
//! cannot add to the owner's list — the server writes it through Graph with the Organizer's
//! connection.

use leptos::prelude::*;

use super::scope::ItemScope;
use crate::api::ApiFailure;
use crate::office;
use crate::remote::Remote;

#[component]
pub fn CategoryButton(
    /// Whether the server lets the user categorize the item.
    may_categorize: bool,
    /// Whether Outlook shows the item with the category already.
    categorized: bool,
    /// The tenant's CRM category name.
    category: String,
    /// The item lies outside the window sync reads: the category alone does not bring it in.
    outside_window: bool,
) -> impl IntoView {
    let scope = expect_context::<ItemScope>();
    let done = RwSignal::new(categorized);
    let add = Remote::new();
    let start_add = {
        let category = category.clone();
        move || {
            let category = category.clone();
            let session = scope.session.get_value();
            add.run(async move {
                // Office.js first, where the host allows it (the category must be in the
                // master list; compose mode refuses in Outlook on the web), else the server.
                let by_office = office::master_categories()
                    .await
                    .is_ok_and(|names| names.contains(&category))
                    && office::add_category(&category).await.is_ok();
                let compose = scope.item.with_value(|item| item.is_compose);
                let answer = if by_office && compose {
                    // Classic Outlook keeps a category added to an open form only once the form
                    // is saved: saveAsync saves it (a meeting never saved before "as a normal
                    // appointment", with no invitation sent).
                    match office::save_composed_item().await {
                        Ok(id) => {
                            // A meeting never saved before has its id now.
                            if scope.target.with_untracked(|t| t.item_id.is_none()) {
                                scope.target.try_update(|t| t.item_id = Some(id));
                            }
                            Ok(())
                        }
                        Err(error) => Err(ApiFailure::Office(error.message)),
                    }
                } else if by_office {
                    Ok(())
                } else {
                    let target = scope.target.get_untracked();
                    session.categorize(&target).await.map(drop)
                };
                if answer.is_ok() {
                    done.try_set(true);
                }
                answer
            });
        }
    };
    may_categorize.then(move || {
        let category = category.clone();
        view! {
            <div class="lz-category">
                {move || {
                    let category = category.clone();
                    if done.get() {
                        view! {
                            <p class="lz-status" role="status">
                                {if outside_window {
                                    format!(
                                        "This item has the {category} category, but it is outside the synced window, so sync does not bring it into the CRM now: its status above says what does.",
                                    )
                                } else {
                                    format!("This item has the {category} category: sync keeps it in the CRM.")
                                }}
                            </p>
                        }
                            .into_any()
                    } else {
                        let start_add = start_add.clone();
                        view! {
                            <button
                                class="lz-button lz-category__add"
                                aria-disabled=move || add.running().to_string()
                                on:click=move |_| {
                                    if !add.running() {
                                        start_add();
                                    }
                                }
                            >
                                {format!("Add the {category} category")}
                            </button>
                        }
                            .into_any()
                    }
                }}
                {move || {
                    add.answer()
                        .and_then(Result::err)
                        .map(|failure: ApiFailure| {
                            view! {
                                <p class="lz-status lz-status--error" role="alert">
                                    {format!("The category could not be added: {failure}")}
                                </p>
                            }
                        })
                }}
            </div>
        }
    })
}
