//! [`ItemScope`]: what the item view's components share through Leptos's context, instead of
//! long prop lists.

use leptos::prelude::*;
use liaison_domain::api::{ItemRef, SaveItemResponse};

use crate::api::{ApiFailure, Session};
use crate::office::{Appointment, Mailbox};

/// What a Save answered.
pub type SaveAnswer = Result<SaveItemResponse, ApiFailure>;

/// What the item's components share, provided by [`super::ItemView`].
#[derive(Clone, Copy)]
pub struct ItemScope {
    pub session: StoredValue<Session>,
    /// The item as Office.js shows it.
    pub item: StoredValue<Appointment>,
    /// The signed-in user.
    pub mailbox: StoredValue<Mailbox>,
    /// The item as the server names it; a new meeting gets its id when Save saves it in Outlook.
    pub target: RwSignal<ItemRef>,
    /// Bumped after a change (a save, an unlink, the category) to read the context again.
    pub version: RwSignal<u32>,
    /// The last Save's answer: kept here, above the context that reloads after a save.
    pub last_save: RwSignal<Option<SaveAnswer>>,
}

impl ItemScope {
    /// Reads the item's context again, after a change made it stale.
    pub fn reload(self) {
        self.version.try_update(|v| *v = v.wrapping_add(1));
    }
}

/// The id of the linked records' heading.
pub const LINKED_TITLE: &str = "lz-linked-title";
