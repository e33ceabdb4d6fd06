//! The public booking page's work: a link opened by its secret, the Organizer's free times
//! (read from Graph's free/busy with the Organizer's connection each time the page opens and
//! again when an invitee books), and the booking itself.

use jiff::{SignedDuration, Timestamp};
use liaison_domain::address::email_address;
use liaison_domain::api::{BookingOffer, ItemRef, SaveItemRequest};

use super::links::{TOKEN_PREFIX, now};
use super::offer::Offer;
use super::service::{BookingError, Bookings};
use crate::auth::connections::Refresh;
use crate::auth::sessions::hash;
use crate::clock::now_ms;
use crate::graph::schedule::{BookedMeeting, Busy};
use crate::items::ItemError;
use crate::store::{
    AuditAction, AuditEntry, BookingStart, Provider, StoreError, StoredBooking, StoredBookingLink,
    User,
};

/// How long a booking's claim holds its time after the meeting is made: until Graph's
/// free/busy surely shows the meeting.
const CLAIM_HOLD_MS: i64 = 10 * 60 * 1000;
/// The longest name and form key accepted.
const MAX_NAME: usize = 200;
const MAX_ATTEMPT: usize = 64;

/// A link as the page finds it.
pub enum LinkState {
    Active(Box<OpenLink>),
    /// Past its expiry: who to ask for a new one.
    Expired {
        initiator: String,
    },
    /// Withdrawn by its sender, the Organizer or an administrator.
    Revoked {
        initiator: String,
    },
    /// No link has this secret.
    Unknown,
}

/// An active link, with what the page shows.
pub struct OpenLink {
    pub link: StoredBookingLink,
    pub offer: Offer,
    pub organizer: User,
}

impl OpenLink {
    /// "Ann Editor, on behalf of Olga Organizer", or the Organizer alone when they sent it
    /// from their own mailbox.
    pub fn initiated_by(&self) -> String {
        if self.link.initiator_address == self.organizer.mailbox {
            self.organizer.display_name.clone()
        } else {
            format!(
                "{}, on behalf of {}",
                self.link.initiator_name, self.organizer.display_name
            )
        }
    }
}

/// What an invitee submits (a form that does not read is an empty one: every field missing).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct BookingForm {
    /// The slot's start, RFC 3339.
    pub slot: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    /// The page's one-time form key: a double submit books once.
    #[serde(default)]
    pub attempt: String,
    /// The time zone the page showed.
    #[serde(default)]
    pub tz: Option<String>,
}

/// How a booking ended.
pub enum Booked {
    Made(StoredBooking),
    /// This form was submitted before and its meeting is being made.
    InProgress,
    /// Someone booked (part of) the time meanwhile, or the Organizer's calendar filled it.
    Taken,
    /// The form is wrong: the field and why.
    Invalid(&'static str, String),
}

impl Bookings {
    /// The link whose secret is `token`.
    pub async fn open(&self, token: &str) -> Result<LinkState, BookingError> {
        let well_formed = token.starts_with(TOKEN_PREFIX)
            && token.len() <= 64
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !well_formed {
            return Ok(LinkState::Unknown);
        }
        let Some(link) = self.store.booking_link_by_token(&hash(token)).await? else {
            return Ok(LinkState::Unknown);
        };
        if link.revoked_at_ms.is_some() {
            return Ok(LinkState::Revoked {
                initiator: link.initiator_name,
            });
        }
        if link.expires_at_ms <= now_ms() {
            return Ok(LinkState::Expired {
                initiator: link.initiator_name,
            });
        }
        let Some(organizer) = self.store.user(&link.tenant_id, &link.organizer_id).await? else {
            return Ok(LinkState::Unknown);
        };
        let stored: BookingOffer = serde_json::from_str(&link.offer)
            .map_err(|e| StoreError::Setup(format!("a stored offer: {e}")))?;
        // Read as of its making: slots that have passed since are left out by the page.
        let made = Timestamp::from_millisecond(link.created_at_ms).unwrap_or(Timestamp::UNIX_EPOCH);
        let offer = Offer::read(&stored, made)?;
        Ok(LinkState::Active(Box::new(OpenLink {
            link,
            offer,
            organizer,
        })))
    }

    /// The times `organizer` is not free in `window` (Graph's free/busy, their connection).
    pub(super) async fn busy(
        &self,
        organizer: &User,
        window: (Timestamp, Timestamp),
    ) -> Result<Vec<Busy>, BookingError> {
        let token = self.token_of(organizer).await?;
        self.graph()?
            .busy_times(&token, &organizer.mailbox, window)
            .await
            .map_err(|e| ItemError::graph_failed(e, "reading the Organizer's free/busy").into())
    }

    /// The free times the page offers now: the Organizer's free/busy read for this view, or —
    /// when another view of the same calendar and window is reading it this moment — that
    /// read's answer (`freebusy.rs`).
    pub async fn page_slots(&self, open: &OpenLink) -> Result<Vec<Timestamp>, BookingError> {
        let now = now();
        let Some((start, end)) = open.offer.window(now) else {
            return Ok(Vec::new());
        };
        // From the minute's start: views within one minute ask the same window.
        let start = Timestamp::from_second(start.as_second() / 60 * 60).unwrap_or(start);
        let graph = self
            .items
            .graph
            .clone()
            .ok_or(BookingError::Item(ItemError::NotConfigured))?;
        let tokens = self.items.tokens.clone();
        let organizer = open.organizer.clone();
        let read = async move {
            let token = tokens
                .access_token(&organizer.key(), Provider::Microsoft, Refresh::IfStale)
                .await
                .map_err(|e| e.to_string())?;
            graph
                .busy_times(&token, &organizer.mailbox, (start, end))
                .await
                .map_err(|e| e.to_string())
        };
        let busy = self
            .reads
            .read(
                (
                    open.organizer.tenant_id.as_str(),
                    open.organizer.id.as_str(),
                ),
                (start, end),
                read,
            )
            .await
            .map_err(|why| {
                tracing::warn!(%why, "a booking page could not read the Organizer's free/busy");
                BookingError::Item(ItemError::GraphUnavailable)
            })?;
        Ok(open.offer.free_slots(&busy, now))
    }

    /// Books `form`'s slot: checked against the offer, claimed, checked against the
    /// Organizer's free/busy again, then made in their calendar and saved to the CRM.
    pub async fn book(&self, open: &OpenLink, form: &BookingForm) -> Result<Booked, BookingError> {
        let now = now();
        let name = form.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            return Ok(Booked::Invalid("name", "Give your name.".into()));
        }
        let Some(address) = email_address(form.email.trim()) else {
            return Ok(Booked::Invalid(
                "email",
                "Give an e-mail address like name@example.com.".into(),
            ));
        };
        let attempt = form.attempt.trim();
        if attempt.is_empty() || attempt.len() > MAX_ATTEMPT {
            return Ok(Booked::Invalid(
                "slot",
                "The form is incomplete: open the page again.".into(),
            ));
        }
        let start = form
            .slot
            .as_deref()
            .and_then(|s| s.parse::<Timestamp>().ok());
        let Some(start) = start.filter(|s| *s >= now && open.offer.offers(*s)) else {
            return Ok(Booked::Invalid(
                "slot",
                "Choose one of the times offered.".into(),
            ));
        };
        let end = start + open.offer.length;
        let booking = StoredBooking {
            tenant_id: open.link.tenant_id.clone(),
            id: uuid::Uuid::now_v7().to_string(),
            link_id: open.link.id.clone(),
            attempt: attempt.to_owned(),
            start_ms: start.as_millisecond(),
            end_ms: end.as_millisecond(),
            invitee_name: name.to_owned(),
            invitee_address: address.clone(),
            event_id: None,
            crm_note: String::new(),
            created_at_ms: now.as_millisecond(),
        };
        let started = self
            .store
            .start_booking(
                &open.organizer.id,
                &booking,
                now.as_millisecond() + CLAIM_HOLD_MS,
                now.as_millisecond(),
            )
            .await?;
        match started {
            BookingStart::Started => {}
            BookingStart::Taken => return Ok(Booked::Taken),
            BookingStart::Repeated(earlier) if earlier.event_id.is_some() => {
                return Ok(Booked::Made(*earlier));
            }
            BookingStart::Repeated(_) => return Ok(Booked::InProgress),
        }
        match self.make_meeting(open, &booking, start, end).await {
            Ok(Some(event_id)) => {
                let made = StoredBooking {
                    event_id: Some(event_id.clone()),
                    ..booking
                };
                let note = self.save_to_crm(open, &made, &event_id).await;
                self.store
                    .note_booking(&made.tenant_id, &made.id, &note)
                    .await?;
                Ok(Booked::Made(StoredBooking {
                    crm_note: note,
                    ..made
                }))
            }
            Ok(None) => {
                self.store
                    .abandon_booking(&booking.tenant_id, &booking.id)
                    .await?;
                Ok(Booked::Taken)
            }
            Err(error) => {
                self.store
                    .abandon_booking(&booking.tenant_id, &booking.id)
                    .await?;
                Err(error)
            }
        }
    }

    /// Re-checks the slot against the Organizer's free/busy and creates the meeting; `None`
    /// when the calendar is no longer free then.
    async fn make_meeting(
        &self,
        open: &OpenLink,
        booking: &StoredBooking,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Option<String>, BookingError> {
        let busy = self.busy(&open.organizer, (start, end)).await?;
        if !open.offer.is_free(start, &busy) {
            return Ok(None);
        }
        let tenant = self.store.tenant(&open.link.tenant_id).await?;
        let categories: Vec<String> = tenant
            .map(|t| t.crm_category_name)
            .into_iter()
            .filter(|c| !c.is_empty())
            .collect();
        let body = format!(
            "Booked by {} <{}> through a booking link from {}.",
            booking.invitee_name,
            booking.invitee_address,
            open.initiated_by()
        );
        let token = self.token_of(&open.organizer).await?;
        // Of the link and the form, not of this booking: a form sent again after a failure that
        // came after Graph made the meeting gets that meeting back, not a second one.
        let transaction = hash(&format!("{}/{}", open.link.id, booking.attempt));
        let event_id = self
            .graph()?
            .create_booked_meeting(
                &token,
                &open.organizer.mailbox,
                &BookedMeeting {
                    subject: &open.link.subject,
                    body: &body,
                    start,
                    end,
                    invitee_name: &booking.invitee_name,
                    invitee_address: &booking.invitee_address,
                    categories: &categories,
                    transaction_id: &transaction[..32],
                },
            )
            .await
            .map_err(|e| ItemError::graph_failed(e, "creating the booked meeting"))?;
        let mut audit = AuditEntry::allowed(
            &open.link.tenant_id,
            &open.link.created_by_id,
            AuditAction::BookingMade,
            format!("{}/{}", open.organizer.mailbox, open.link.id),
        );
        audit.on_behalf_of_id = Some(open.organizer.id.clone());
        audit.detail = Some(format!(
            "{} booked {} for {} minutes",
            booking.invitee_address,
            start,
            SignedDuration::from_millis(booking.end_ms - booking.start_ms).as_mins()
        ));
        self.store
            .finish_booking(booking, &event_id, &audit)
            .await?;
        Ok(Some(event_id))
    }

    /// Saves the meeting to the Organizer's CRM calendar as the Organizer (their rules: their
    /// sync must be on), linked to the invitee's contact or lead when one has their address.
    /// The booking stands whatever happens here; the note says what did.
    async fn save_to_crm(
        &self,
        open: &OpenLink,
        booking: &StoredBooking,
        event_id: &str,
    ) -> String {
        let organizer = &open.organizer;
        let matched = self
            .store
            .records_by_address(
                &organizer.tenant_id,
                &organizer.id,
                std::slice::from_ref(&booking.invitee_address),
            )
            .await
            .unwrap_or_default();
        let request = SaveItemRequest {
            item: ItemRef {
                owner: organizer.mailbox.clone(),
                item_id: Some(event_id.to_owned()),
                office_delegate_permissions: None,
                lookup: None,
            },
            link_record_ids: matched
                .first()
                .map(|(_, r)| r.id.clone())
                .into_iter()
                .collect(),
        };
        let key = format!("booking-{}", booking.id);
        match self.items.save(organizer, &request, Some(&key)).await {
            Ok(answer) if answer.status < 300 => match matched.first() {
                Some((_, record)) => format!("In the CRM, linked to {}.", record.name),
                None => "In the CRM; no contact or lead has the invitee's address.".into(),
            },
            Ok(_) => "Not in the CRM: the save was refused.".into(),
            Err(ItemError::Refused(reason)) => format!("Not in the CRM: {}.", reason.message()),
            Err(error) => {
                tracing::warn!(%error, "a booked meeting could not be saved to the CRM");
                "Not in the CRM yet: the Organizer's next sync brings it (it has the CRM category)."
                    .into()
            }
        }
    }
}
