//! Making, listing and withdrawing booking links from the sidebar (and the console).

use std::collections::HashMap;

use jiff::Timestamp;
use liaison_domain::api::{
    BookingKind, BookingLink, BookingLinkRequest, BookingOffer, FreeSlots, FreeSlotsRequest,
    ItemRef, Person, Slot,
};
use liaison_domain::permissions::{Action, Verdict};

use super::offer::Offer;
use super::service::{BookingError, Bookings, DEFAULT_LINK_DAYS, MAX_LINK_DAYS};
use crate::auth::sessions::{hash, new_token};
use crate::clock::{now_ms, to_rfc3339};
use crate::items::ItemError;
use crate::items::facts::{Gathered, gather};
use crate::store::{
    AuditAction, AuditEntry, LinksOf, NewBookingLink, StoredBookingLink, TenantId, User, UserId,
};

/// The longest subject accepted.
const MAX_SUBJECT: usize = 255;
/// Links listed at once.
const LIST_LIMIT: i64 = 200;

/// The prefix of a link's secret (what the page's URL carries after `/book/`).
pub const TOKEN_PREFIX: &str = "bk_";

pub(super) fn now() -> Timestamp {
    Timestamp::from_millisecond(now_ms()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The person a user is on the wire.
fn person(user: &User) -> Person {
    Person {
        mailbox: user.mailbox.clone(),
        display_name: user.display_name.clone(),
    }
}

impl Bookings {
    /// The facts of the Organizer's calendar for `caller`, and the refusal unless they may send
    /// its availability (Editor, Author, the Organizer; not Reviewer, not send-on-behalf only).
    async fn judged(&self, caller: &User, item: &ItemRef) -> Result<Gathered, BookingError> {
        let gathered = gather(&self.items, caller, item).await?;
        if let Verdict::Refused(reason) = gathered.resolution.actions[&Action::SendAvailability] {
            let mut audit = AuditEntry::allowed(
                &caller.tenant_id,
                &caller.id,
                AuditAction::BookingLinkCreate,
                gathered.owner.mailbox.clone(),
            );
            audit.on_behalf_of_id =
                (gathered.owner.id != caller.id).then(|| gathered.owner.id.clone());
            audit.allowed = false;
            audit.reason = Some(liaison_domain::api::ErrorCode::from(reason).to_string());
            self.store.append_audit(&audit).await?;
            return Err(ItemError::Refused(reason).into());
        }
        Ok(gathered)
    }

    /// The Organizer's free times in an availability offer, for the sender to pick slots from.
    pub async fn free_slots(
        &self,
        caller: &User,
        request: &FreeSlotsRequest,
    ) -> Result<FreeSlots, BookingError> {
        if request.offer.kind != BookingKind::Availability {
            return Err(BookingError::Offer(super::offer::OfferError {
                field: "offer.kind",
                message: "free times are looked up in days and hours: kind availability".into(),
            }));
        }
        let now = now();
        let offer = Offer::read(&request.offer, now)?;
        let gathered = self.judged(caller, &request.item).await?;
        let Some(window) = offer.window(now) else {
            return Ok(FreeSlots { slots: Vec::new() });
        };
        let busy = self.busy(&gathered.owner, window).await?;
        let slots = offer
            .free_slots(&busy, now)
            .into_iter()
            .map(|start| Slot {
                start: start.to_string(),
                end: (start + offer.length).to_string(),
            })
            .collect();
        Ok(FreeSlots { slots })
    }

    /// Makes a link for the item `caller` composes; the link and its secret (shown once).
    pub async fn create_link(
        &self,
        caller: &User,
        request: &BookingLinkRequest,
    ) -> Result<(StoredBookingLink, String), BookingError> {
        let now_ms = now_ms();
        Offer::read(&request.offer, now())?;
        let subject = request.subject.trim();
        if subject.chars().count() > MAX_SUBJECT {
            return Err(ItemError::invalid("subject", "at most 255 characters").into());
        }
        let days = request.expires_in_days.unwrap_or(DEFAULT_LINK_DAYS);
        if !(1..=MAX_LINK_DAYS).contains(&days) {
            return Err(ItemError::invalid("expiresInDays", "1 to 60 days").into());
        }
        let gathered = self.judged(caller, &request.item).await?;
        let organizer = &gathered.owner;
        let initiator = self.initiator(caller, &gathered, &request.from).await?;
        let subject = if subject.is_empty() {
            format!("Meeting with {}", organizer.display_name)
        } else {
            subject.to_owned()
        };
        let token = new_token(TOKEN_PREFIX);
        let link = StoredBookingLink {
            tenant_id: caller.tenant_id.clone(),
            id: uuid::Uuid::now_v7().to_string(),
            organizer_id: organizer.id.clone(),
            created_by_id: caller.id.clone(),
            initiator_address: initiator.mailbox.clone(),
            initiator_name: initiator.display_name.clone(),
            subject,
            offer: serde_json::to_string(&request.offer).unwrap_or_default(),
            created_at_ms: now_ms,
            expires_at_ms: now_ms + i64::from(days) * 86_400_000,
            revoked_at_ms: None,
            bookings: 0,
        };
        let mut audit = AuditEntry::allowed(
            &caller.tenant_id,
            &caller.id,
            AuditAction::BookingLinkCreate,
            format!("{}/{}", organizer.mailbox, link.id),
        );
        audit.on_behalf_of_id = (organizer.id != caller.id).then(|| organizer.id.clone());
        audit.detail = Some(format!("initiator {}", initiator.mailbox));
        self.store
            .create_booking_link(
                &NewBookingLink {
                    link: link.clone(),
                    token_hash: hash(&token),
                },
                &audit,
            )
            .await?;
        Ok((link, token))
    }

    /// Who initiates the meeting: the item's From as Office.js reported it, taken only when it
    /// is the caller (any of their addresses Graph knows), or the Organizer when the caller is
    /// the Organizer or Microsoft lets them create invitations on the Organizer's behalf.
    async fn initiator(
        &self,
        caller: &User,
        gathered: &Gathered,
        from: &str,
    ) -> Result<User, BookingError> {
        let from = from.trim().to_lowercase();
        let organizer = &gathered.owner;
        if from == organizer.mailbox {
            let may_act =
                gathered.resolution.actions[&Action::CreateInviteOnBehalf] == Verdict::Allowed;
            if organizer.id == caller.id || may_act {
                return Ok(organizer.clone());
            }
            return Err(BookingError::FromNotYours(format!(
                "the item is from {}, and Microsoft does not confirm you may send on their behalf",
                organizer.display_name
            )));
        }
        if from == caller.mailbox {
            return Ok(caller.clone());
        }
        let token = self.token_of(caller).await?;
        let addresses = self
            .graph()?
            .my_addresses(&token, &caller.mailbox)
            .await
            .map_err(|e| ItemError::graph_failed(e, "reading your addresses"))?;
        if addresses.iter().any(|a| a.eq_ignore_ascii_case(&from)) {
            return Ok(caller.clone());
        }
        Err(BookingError::FromNotYours(format!(
            "the item's From ({from}) is neither you nor {}: send it from your mailbox or theirs",
            organizer.display_name
        )))
    }

    /// The calendars `caller` may offer, for the sidebar to choose from: their own, then those
    /// of the people whose calendar they added in Outlook (their copies in `/me/calendars`, as
    /// Graph lists them) who use Liaison in their tenant. Only a choice: the link is judged on
    /// the calendar's own facts when it is made.
    pub async fn calendars(&self, caller: &User) -> Result<Vec<Person>, BookingError> {
        let token = self.token_of(caller).await?;
        let copies = self
            .graph()?
            .my_calendars(&token, &caller.mailbox)
            .await
            .map_err(|e| ItemError::graph_failed(e, "reading your calendars"))?;
        let mut calendars = vec![person(caller)];
        for owner in copies
            .iter()
            .filter_map(|c| c.owner.as_ref().and_then(|o| o.address.clone()))
        {
            if calendars
                .iter()
                .any(|p| p.mailbox.eq_ignore_ascii_case(&owner))
            {
                continue;
            }
            if let Some(user) = self
                .store
                .user_by_mailbox(&caller.tenant_id, &owner)
                .await?
            {
                calendars.push(person(&user));
            }
        }
        Ok(calendars)
    }

    /// The links `caller` made or whose calendar they offer; an administrator's, the tenant's.
    pub async fn links(
        &self,
        caller: &User,
        whole_tenant: bool,
    ) -> Result<Vec<BookingLink>, BookingError> {
        let of = if whole_tenant {
            LinksOf::Tenant
        } else {
            LinksOf::User(caller.id.clone())
        };
        let links = self
            .store
            .booking_links(&caller.tenant_id, &of, LIST_LIMIT)
            .await?;
        let mut people = HashMap::new();
        let mut presented = Vec::with_capacity(links.len());
        for link in &links {
            presented.push(self.present(link, &mut people).await?);
        }
        Ok(presented)
    }

    /// Withdraws a link: its sender, the Organizer, or an administrator.
    pub async fn revoke(
        &self,
        caller: &User,
        id: &str,
        is_admin: bool,
    ) -> Result<BookingLink, BookingError> {
        let link = self
            .store
            .booking_link(&caller.tenant_id, id)
            .await?
            .ok_or(BookingError::NotFound)?;
        if !is_admin && link.created_by_id != caller.id && link.organizer_id != caller.id {
            return Err(BookingError::NotFound);
        }
        let at = now_ms();
        let mut audit = AuditEntry::allowed(
            &caller.tenant_id,
            &caller.id,
            AuditAction::BookingLinkRevoke,
            link.id.clone(),
        );
        audit.on_behalf_of_id = (link.organizer_id != caller.id).then(|| link.organizer_id.clone());
        self.store
            .revoke_booking_link(&caller.tenant_id, id, at, &audit)
            .await?;
        // Withdrawn now, or before (then its first withdrawal stands): read once, not again.
        let link = StoredBookingLink {
            revoked_at_ms: link.revoked_at_ms.or(Some(at)),
            ..link
        };
        self.present(&link, &mut HashMap::new()).await
    }

    /// A link as the API shows it.
    pub async fn present(
        &self,
        link: &StoredBookingLink,
        people: &mut HashMap<UserId, Person>,
    ) -> Result<BookingLink, BookingError> {
        let organizer = self
            .person(&link.tenant_id, &link.organizer_id, people)
            .await?;
        let created_by = self
            .person(&link.tenant_id, &link.created_by_id, people)
            .await?;
        let offer: BookingOffer = serde_json::from_str(&link.offer).map_err(|e| {
            ItemError::Store(crate::store::StoreError::Setup(format!(
                "a stored offer: {e}"
            )))
        })?;
        let state = if link.revoked_at_ms.is_some() {
            "revoked"
        } else if link.expires_at_ms <= now_ms() {
            "expired"
        } else {
            "active"
        };
        Ok(BookingLink {
            id: link.id.clone(),
            subject: link.subject.clone(),
            organizer,
            initiator: Person {
                mailbox: link.initiator_address.clone(),
                display_name: link.initiator_name.clone(),
            },
            created_by,
            offer,
            created_at: to_rfc3339(link.created_at_ms),
            expires_at: to_rfc3339(link.expires_at_ms),
            revoked_at: link.revoked_at_ms.map(to_rfc3339),
            state: state.into(),
            bookings: link.bookings,
        })
    }

    async fn person(
        &self,
        tenant_id: &TenantId,
        id: &UserId,
        people: &mut HashMap<UserId, Person>,
    ) -> Result<Person, BookingError> {
        if let Some(known) = people.get(id) {
            return Ok(known.clone());
        }
        let found = self
            .store
            .user(tenant_id, id)
            .await?
            .map(|u| person(&u))
            .unwrap_or_else(|| Person {
                mailbox: String::new(),
                display_name: "(someone who left)".into(),
            });
        people.insert(id.clone(), found.clone());
        Ok(found)
    }
}
