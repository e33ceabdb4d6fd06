//! "Send availability" and "Send time slots" while a message or meeting is composed: the pane
//! asks the server for a link to the Organizer's free times — the server judges
//! `sendAvailability` on Microsoft's facts and takes the item's From as the initiator — and
//! inserts it where the cursor is. The sender's links are listed, each withdrawable.

use leptos::prelude::*;
use liaison_domain::api::{
    BookingKind, BookingLinkRequest, BookingOffer, FreeSlots, FreeSlotsRequest, ItemRef, Slot,
    WorkingHours,
};

use crate::api::{ApiFailure, LinkList, MadeLink, Session};
use crate::office::{self, Mailbox};
use crate::remote::Remote;

/// The browser's IANA time zone (working hours are read in it; the page starts in it).
fn browser_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|z| z.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// The local day `n` days from today, `YYYY-MM-DD`.
fn day_from_now(n: u32) -> String {
    let date = js_sys::Date::new_0();
    date.set_date(date.get_date() + n);
    format!(
        "{:04}-{:02}-{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date()
    )
}

/// A slot's start as the sender reads it, in their own zone.
fn local_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&rfc3339.into());
    let options = js_sys::Object::new();
    for (key, value) in [
        ("weekday", "short"),
        ("day", "numeric"),
        ("month", "short"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
    ] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    date.to_locale_string("en-GB", &options).into()
}

/// The sender's links (one future type for every reload: each `run` site of its own would be
/// compiled again).
async fn load_links(session: StoredValue<Session>) -> Result<LinkList, ApiFailure> {
    session.get_value().booking_links().await
}

/// The offer the form describes.
#[derive(Clone, Copy)]
struct Form {
    kind: RwSignal<BookingKind>,
    minutes: RwSignal<u32>,
    first_day: RwSignal<String>,
    last_day: RwSignal<String>,
    start: RwSignal<String>,
    end: RwSignal<String>,
    slots: RwSignal<Vec<Slot>>,
}

impl Form {
    fn offer(&self, kind: BookingKind) -> BookingOffer {
        let days = kind == BookingKind::Availability;
        BookingOffer {
            kind,
            meeting_minutes: self.minutes.get_untracked(),
            time_zone: browser_zone(),
            first_day: days.then(|| self.first_day.get_untracked()),
            last_day: days.then(|| self.last_day.get_untracked()),
            working_hours: days.then(|| WorkingHours {
                start: self.start.get_untracked(),
                end: self.end.get_untracked(),
                days: vec![1, 2, 3, 4, 5],
            }),
            slots: if days {
                Vec::new()
            } else {
                self.slots.get_untracked()
            },
        }
    }
}

#[component]
pub fn BookingPanel(
    session: Session,
    /// The signed-in user.
    user: Mailbox,
    /// Who the item is from (a message's From, a meeting's organizer).
    from: Option<Mailbox>,
    /// The calendar, when the item decides it (a meeting in someone's calendar).
    calendar: Option<String>,
) -> impl IntoView {
    let session = StoredValue::new(session);
    let from = from.unwrap_or_else(|| user.clone());
    let fixed = calendar.is_some();
    let chosen_calendar = RwSignal::new(calendar.unwrap_or_else(|| {
        if from.email_address.eq_ignore_ascii_case(&user.email_address) {
            user.email_address.clone()
        } else {
            from.email_address.clone()
        }
    }));
    let calendars = Remote::new();
    if !fixed {
        calendars.run(async move { session.get_value().booking_calendars().await });
    }
    let form = Form {
        kind: RwSignal::new(BookingKind::Availability),
        minutes: RwSignal::new(30),
        first_day: RwSignal::new(day_from_now(1)),
        last_day: RwSignal::new(day_from_now(7)),
        start: RwSignal::new("09:00".into()),
        end: RwSignal::new("17:00".into()),
        slots: RwSignal::new(Vec::new()),
    };
    let free = Remote::<Result<FreeSlots, ApiFailure>>::new();
    let made = Remote::<Result<MadeLink, ApiFailure>>::new();
    let links = Remote::<Result<LinkList, ApiFailure>>::new();
    links.run(load_links(session));
    let from_address = StoredValue::new(from.email_address.clone());
    let item = move || ItemRef {
        owner: chosen_calendar.get_untracked(),
        item_id: None,
        office_delegate_permissions: None,
        lookup: None,
    };
    let find_free = move |_| {
        let request = FreeSlotsRequest {
            item: item(),
            offer: form.offer(BookingKind::Availability),
        };
        free.run(async move { session.get_value().free_slots(&request).await });
    };
    let insert = move |_| {
        if made.running() {
            return;
        }
        let kind = form.kind.get_untracked();
        let request = BookingLinkRequest {
            item: item(),
            from: from_address.get_value(),
            subject: String::new(),
            offer: form.offer(kind),
            expires_in_days: None,
        };
        made.run(async move {
            let created = session.get_value().create_booking_link(&request).await?;
            let organizer = &created.link.organizer.display_name;
            let text = match kind {
                BookingKind::Availability => format!(
                    "Choose a time for a {}-minute meeting with {organizer}:",
                    request.offer.meeting_minutes
                ),
                BookingKind::Slots => {
                    format!("Choose one of the times I suggest for a meeting with {organizer}:")
                }
            };
            office::insert_link(&text, &created.url)
                .await
                .map_err(|e| ApiFailure::Office(e.message))?;
            links.run(load_links(session));
            Ok(created)
        });
    };
    view! {
        <section class="lz-card lz-booking" aria-labelledby="lz-booking-title">
            <h2 id="lz-booking-title" class="lz-card__title">"Send availability"</h2>
            <p class="lz-booking__from" data-from=from.email_address.clone()>
                {format!("From {} <{}>", from.display_name, from.email_address)}
            </p>
            <label class="lz-field">
                <span>"Calendar"</span>
                <select
                    class="lz-input"
                    id="lz-booking-calendar"
                    disabled=fixed
                    on:change=move |ev| chosen_calendar.set(event_target_value(&ev))
                >
                    {move || {
                        let mut options = calendars
                            .answer()
                            .and_then(Result::ok)
                            .map(|c| c.calendars)
                            .unwrap_or_default();
                        let current = chosen_calendar.get_untracked();
                        if !options.iter().any(|p| p.mailbox.eq_ignore_ascii_case(&current)) {
                            options.insert(0, liaison_domain::api::Person {
                                mailbox: current.clone(),
                                display_name: current.clone(),
                            });
                        }
                        options
                            .into_iter()
                            .map(|p| {
                                let selected = p.mailbox.eq_ignore_ascii_case(&current);
                                view! {
                                    <option value=p.mailbox.clone() selected=selected>
                                        {format!("{} <{}>", p.display_name, p.mailbox)}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <fieldset class="lz-booking__kind">
                <legend>"What to send"</legend>
                <label>
                    <input
                        type="radio"
                        name="lz-booking-kind"
                        id="lz-booking-availability"
                        checked=true
                        on:change=move |_| form.kind.set(BookingKind::Availability)
                    />
                    " Free times in a range of days"
                </label>
                <label>
                    <input
                        type="radio"
                        name="lz-booking-kind"
                        id="lz-booking-slots"
                        on:change=move |_| form.kind.set(BookingKind::Slots)
                    />
                    " A few times I pick"
                </label>
            </fieldset>
            <label class="lz-field">
                <span>"Meeting length (minutes)"</span>
                <select
                    class="lz-input"
                    id="lz-booking-minutes"
                    on:change=move |ev| form.minutes.set(event_target_value(&ev).parse().unwrap_or(30))
                >
                    {[15u32, 30, 45, 60, 90]
                        .into_iter()
                        .map(|m| view! { <option value=m.to_string() selected=m == 30>{m.to_string()}</option> })
                        .collect_view()}
                </select>
            </label>
            <div class="lz-booking__range">
                <DayField label="From" id="lz-booking-first" value=form.first_day />
                <DayField label="To" id="lz-booking-last" value=form.last_day />
                <TimeField label="Hours from" id="lz-booking-start" value=form.start />
                <TimeField label="to" id="lz-booking-end" value=form.end />
            </div>
            {move || (form.kind.get() == BookingKind::Slots).then(|| view! { <SlotPicker free form find_free /> })}
            <button
                class="lz-button lz-button--primary"
                id="lz-booking-insert"
                disabled=move || made.running()
                on:click=insert
            >
                {move || if made.running() { "Inserting…" } else { "Insert link" }}
            </button>
            {move || made.answer().map(|answer| match answer {
                Ok(created) => view! {
                    <p class="lz-status lz-status--ok" role="status" id="lz-booking-done">
                        {format!("Link inserted. It expires {}.", created.link.expires_at.get(..10).unwrap_or_default())}
                    </p>
                }.into_any(),
                Err(failure) => {
                    let code = match &failure {
                        ApiFailure::Server(body) => body.code.as_str().to_owned(),
                        _ => String::new(),
                    };
                    view! {
                        <p class="lz-status lz-status--error lz-booking__refusal" role="alert" data-code=code>
                            {failure.to_string()}
                        </p>
                    }.into_any()
                }
            })}
            <LinkList links session />
        </section>
    }
}

#[component]
fn DayField(label: &'static str, id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="lz-field">
            <span>{label}</span>
            <input class="lz-input" type="date" id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}

#[component]
fn TimeField(label: &'static str, id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="lz-field">
            <span>{label}</span>
            <input class="lz-input" type="time" id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}

/// The Organizer's free times, to pick the link's slots from.
#[component]
fn SlotPicker(
    free: Remote<Result<FreeSlots, ApiFailure>>,
    form: Form,
    find_free: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    view! {
        <div class="lz-booking__slots">
            <button class="lz-button" id="lz-booking-find" on:click=find_free>
                {move || if free.running() { "Looking…" } else { "Find free times" }}
            </button>
            {move || free.answer().map(|answer| match answer {
                Ok(found) if found.slots.is_empty() => view! { <p class="lz-empty">"No free time in those days and hours."</p> }.into_any(),
                Ok(found) => view! {
                    <ul class="lz-booking__slot-list">
                        {found.slots.into_iter().take(40).map(|slot| {
                            let label = local_time(&slot.start);
                            let start = slot.start.clone();
                            let picked = slot.clone();
                            view! {
                                <li>
                                    <label>
                                        <input
                                            type="checkbox"
                                            data-slot=start
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                form.slots.update(|s| {
                                                    s.retain(|x| x.start != picked.start);
                                                    if on { s.push(picked.clone()); }
                                                });
                                            }
                                        />
                                        " "{label}
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(failure) => view! { <p class="lz-status lz-status--error" role="alert">{failure.to_string()}</p> }.into_any(),
            })}
        </div>
    }
}

/// The sender's links, each withdrawable while it is active.
#[component]
fn LinkList(
    links: Remote<Result<LinkList, ApiFailure>>,
    session: StoredValue<Session>,
) -> impl IntoView {
    let revoke = Remote::new();
    let withdraw = move |id: String| {
        revoke.run(async move {
            let answer = session.get_value().revoke_booking_link(&id).await;
            links.run(load_links(session));
            answer
        });
    };
    view! {
        {move || links.answer().and_then(Result::ok).filter(|l| !l.links.is_empty()).map(|l| view! {
            <details class="lz-booking__links">
                <summary>"Your booking links"</summary>
                <ul>
                    {l.links.into_iter().map(|link| {
                        let id = link.id.clone();
                        let active = link.state == "active";
                        view! {
                            <li data-link=link.id.clone() data-state=link.state.clone()>
                                {format!("{} · {} · {} booked · {}", link.organizer.display_name, link.subject, link.bookings, link.state)}
                                {active.then(|| view! {
                                    <button class="lz-button lz-button--subtle" on:click=move |_| withdraw(id.clone())>"Withdraw"</button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </details>
        })}
    }
}
