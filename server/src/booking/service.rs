//! [`Bookings`], the booking links' service, and [`BookingError`].

use std::sync::Arc;

use secrecy::SecretString;

use crate::auth::connections::Refresh;
use crate::items::{ItemError, Items};
use crate::store::{Provider, Store, StoreError, User};

use super::offer::OfferError;

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
    /// The booking pages' free/busy reads under way, shared by the page views that ask at once.
    pub(super) reads: super::freebusy::SharedReads,
}

impl Bookings {
    pub fn new(items: Arc<Items>) -> Self {
        Self {
            store: items.store.clone(),
            items,
            reads: Default::default(),
        }
    }

    /// `user`'s own Graph token (their connection).
    pub(super) async fn token_of(&self, user: &User) -> Result<SecretString, BookingError> {
        Ok(self
            .items
            .tokens
            .access_token(&user.key(), Provider::Microsoft, Refresh::IfStale)
            .await
            .map_err(ItemError::from)?)
    }

    pub(super) fn graph(&self) -> Result<&crate::graph::client::GraphClient, BookingError> {
        self.items
            .graph
            .as_deref()
            .ok_or(BookingError::Item(ItemError::NotConfigured))
    }
}
