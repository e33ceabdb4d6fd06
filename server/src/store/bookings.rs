//! What booking links keep: each link (its secret only as a hash), the bookings made through
//! it, and the claims a booking holds on the Organizer's calendar while it is made, so two
//! invitees racing for one time end with one meeting.

use async_trait::async_trait;

use crate::store::audit::AuditEntry;
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};

/// The length of a claimed cell: bookings hold every five-minute cell they cover.
pub const CLAIM_CELL_MS: i64 = 5 * 60 * 1000;

/// A booking link as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredBookingLink {
    pub tenant_id: TenantId,
    pub id: String,
    pub organizer_id: UserId,
    pub created_by_id: UserId,
    pub initiator_address: String,
    pub initiator_name: String,
    pub subject: String,
    /// The offer's JSON (`liaison_domain::api::BookingOffer`).
    pub offer: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    /// Meetings booked through it.
    pub bookings: i64,
}

/// A link to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBookingLink {
    pub link: StoredBookingLink,
    /// SHA-256 of the link's secret, hex.
    pub token_hash: String,
}

/// A booking as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredBooking {
    pub tenant_id: TenantId,
    pub id: String,
    pub link_id: String,
    pub attempt: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub invitee_name: String,
    pub invitee_address: String,
    /// The meeting Graph created; none while it is being made.
    pub event_id: Option<String>,
    /// What became of the meeting in the CRM, for the sender to read.
    pub crm_note: String,
    pub created_at_ms: i64,
}

/// How starting a booking went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingStart {
    /// The booking is written and holds its cells: make the meeting.
    Started,
    /// This attempt was made before (a double submit): its booking.
    Repeated(Box<StoredBooking>),
    /// Another booking holds part of this time.
    Taken,
}

/// Which links to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinksOf {
    /// Those a user made or whose calendar they offer.
    User(UserId),
    /// All the tenant's (administrators).
    Tenant,
}

#[async_trait]
pub trait BookingStore: Send + Sync {
    async fn create_booking_link(
        &self,
        link: &NewBookingLink,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// The link whose secret hashes to `token_hash` (in any tenant: the secret is the key).
    async fn booking_link_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<StoredBookingLink>, StoreError>;
    async fn booking_link(
        &self,
        tenant_id: &TenantId,
        id: &str,
    ) -> Result<Option<StoredBookingLink>, StoreError>;
    /// Newest first, at most `limit`.
    async fn booking_links(
        &self,
        tenant_id: &TenantId,
        of: &LinksOf,
        limit: i64,
    ) -> Result<Vec<StoredBookingLink>, StoreError>;
    /// Withdraws a link (`false` when it was withdrawn already).
    async fn revoke_booking_link(
        &self,
        tenant_id: &TenantId,
        id: &str,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Writes `booking` and claims the Organizer's cells from `start_ms` to `end_ms` until
    /// `held_until_ms`, in one transaction; claims that lapsed before `now_ms` are taken over.
    async fn start_booking(
        &self,
        organizer_id: &UserId,
        booking: &StoredBooking,
        held_until_ms: i64,
        now_ms: i64,
    ) -> Result<BookingStart, StoreError>;
    /// The meeting is made: its Graph id, and the audit line.
    async fn finish_booking(
        &self,
        booking: &StoredBooking,
        event_id: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// What became of the meeting in the CRM.
    async fn note_booking(
        &self,
        tenant_id: &TenantId,
        booking_id: &str,
        crm_note: &str,
    ) -> Result<(), StoreError>;
    /// Forgets a booking whose meeting could not be made, and frees its cells (the same attempt
    /// may then try again).
    async fn abandon_booking(
        &self,
        tenant_id: &TenantId,
        booking_id: &str,
    ) -> Result<(), StoreError>;
    /// Sets a link's expiry to now (tests: a link whose time is up).
    #[cfg(feature = "test-support")]
    async fn expire_booking_link_for_tests(
        &self,
        tenant_id: &TenantId,
        id: &str,
    ) -> Result<(), StoreError>;
    /// The bookings made through a link, newest first.
    async fn bookings_of_link(
        &self,
        tenant_id: &TenantId,
        link_id: &str,
    ) -> Result<Vec<StoredBooking>, StoreError>;
}
