//! Booking links — the source article's "Send calendar availability" and "Send meeting time
//! slots" — as the service [`Bookings`].
//!
//! - `links.rs`: the sidebar makes a link for the item being composed (the server judges
//!   `sendAvailability` on Microsoft's facts for the Organizer's calendar, and takes the item's
//!   From as the initiator only when it is the caller, or the Organizer for someone Microsoft
//!   lets act on their behalf), lists and withdraws links.
//! - `book.rs`: the public page's work — the link by its secret, the Organizer's free times
//!   read from Graph's free/busy with the Organizer's connection when the page opens and again
//!   when an invitee books, the booking (idempotent per page form; the claimed cells make two
//!   racing invitees end with one meeting), the meeting created in the Organizer's calendar
//!   through their connection, and saved to the CRM linked to the invitee's contact or lead.
//! - `offer.rs`: what a link offers, and the free times it leaves.

mod book;
mod links;
pub mod offer;

use std::sync::Arc;

use secrecy::SecretString;

use crate::auth::connections::Refresh;
use crate::items::{ItemError, Items};
use crate::store::{Provider, Store, StoreError, User};

pub use book::{Booked, BookingForm, LinkState, OpenLink};
pub use offer::OfferError;

/// How long a link lives unless its sender says otherwise.
pub const DEFAULT_LINK_DAYS: u32 = 14;
/// The longest a link may live.
pub const MAX_LINK_DAYS: u32 = 60;

/// Why a booking request failed.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error(transparent)]
    Item(#[from] ItemError),
    #[error("{}", .0.message)]
    Offer(OfferError),
    #[error("{0}")]
    FromNotYours(String),
    #[error("no such booking link")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<OfferError> for BookingError {
    fn from(error: OfferError) -> Self {
        Self::Offer(error)
    }
}

pub struct Bookings {
    pub items: Arc<Items>,
    pub store: Arc<dyn Store>,
}

impl Bookings {
    pub fn new(items: Arc<Items>) -> Self {
        Self {
            store: items.store.clone(),
            items,
        }
    }

    /// `user`'s own Graph token (their connection).
    async fn token_of(&self, user: &User) -> Result<SecretString, BookingError> {
        Ok(self
            .items
            .tokens
            .access_token(&user.key(), Provider::Microsoft, Refresh::IfStale)
            .await
            .map_err(ItemError::from)?)
    }

    fn graph(&self) -> Result<&crate::graph::client::GraphClient, BookingError> {
        self.items
            .graph
            .as_deref()
            .ok_or(BookingError::Item(ItemError::NotConfigured))
    }
}
