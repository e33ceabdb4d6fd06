//! The store's own types: what goes in and comes out of [`super::Store`]. API types are mapped
//! to and from these at the edge (`crate::items`), never stored as they are.

use liaison_domain::api::{CrmRecord, RecordKind};
use liaison_domain::permissions::{AccessSource, CrmAccess, GraphRole};

/// A directory tenant and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The directory tenant id (`tid`).
    pub id: String,
    pub name: String,
    pub crm_category_name: String,
    /// An Office `CategoryColor` preset name (`Preset7` is blue).
    pub crm_category_color: String,
    /// Saves are written at once (on) or by the next sync session (off).
    pub insta_sync: bool,
    pub sync_interval_minutes: i32,
}

impl Tenant {
    /// A tenant with the product's defaults: a blue "CRM" category, insta-sync on, 15 minutes.
    pub fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            crm_category_name: "CRM".to_owned(),
            crm_category_color: "Preset7".to_owned(),
            insta_sync: true,
            sync_interval_minutes: 15,
        }
    }
}

/// A person, keyed by tenant and directory object id — never by e-mail alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub tenant_id: String,
    /// The directory object id (`oid`).
    pub id: String,
    /// Lower-case SMTP address.
    pub mailbox: String,
    pub display_name: String,
    /// The user connected their calendar to Liaison and turned sync on.
    pub sync_enabled: bool,
}

/// What Microsoft said of a delegate's access to an owner's calendar when the server last
/// asked (kept a few minutes: a delegation is verified when used).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelegationCheck {
    /// The owner's `calendarPermissions` role for the delegate (`None` role when the list does
    /// not name them); `None` when the owner's list could not be read.
    pub graph_role: Option<GraphRole>,
    /// The delegate's own view of the owner's calendar; `None` when they cannot open it.
    pub view: Option<CalendarView>,
    pub checked_at_ms: i64,
    /// The client-reported bits last audited as a disagreement (audited once per change).
    pub client_bits_audited: Option<u8>,
}

/// The delegate's `GET /users/{owner}/calendar`: `canEdit`, `canViewPrivateItems`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarView {
    pub can_edit: bool,
    pub can_view_private: bool,
}

impl DelegationCheck {
    /// Microsoft's statements, as the permission rules take them.
    pub fn sources(&self) -> Vec<AccessSource> {
        let mut sources = Vec::new();
        sources.extend(self.graph_role.map(AccessSource::Graph));
        sources.extend(self.view.map(|v| AccessSource::CalendarView {
            can_edit: v.can_edit,
            can_view_private: v.can_view_private,
        }));
        sources
    }

    /// Outlook's delegates (the roles Graph names `delegate…`) may send on the owner's behalf.
    pub fn sends_on_behalf(&self) -> bool {
        matches!(
            self.graph_role,
            Some(
                GraphRole::DelegateWithPrivateEventAccess
                    | GraphRole::DelegateWithoutPrivateEventAccess
            )
        )
    }

    /// Whether some source lets the delegate see private items (any other rules it out).
    pub fn can_view_private(&self) -> bool {
        self.graph_role == Some(GraphRole::DelegateWithPrivateEventAccess)
            || self.view.is_some_and(|v| v.can_view_private)
    }
}

/// Read or edit: what a share grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    View,
    Edit,
}

impl Share {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Edit => "edit",
        }
    }

    pub(super) fn parse(text: &str) -> Option<Self> {
        match text {
            "view" => Some(Self::View),
            "edit" => Some(Self::Edit),
            _ => None,
        }
    }

    /// The share as the permission rules see it.
    pub fn crm_access(share: Option<Self>) -> CrmAccess {
        match share {
            None => CrmAccess::None,
            Some(Self::View) => CrmAccess::Read,
            Some(Self::Edit) => CrmAccess::Edit,
        }
    }
}

/// A CRM record to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub id: String,
    pub kind: RecordKind,
    pub name: String,
    pub email: Option<String>,
    pub company: Option<String>,
    pub owner_id: String,
}

impl NewRecord {
    /// The lower-case words search matches by prefix, each preceded by a space.
    pub fn search_text(&self) -> String {
        let mut text = String::new();
        for part in [Some(&self.name), self.email.as_ref(), self.company.as_ref()]
            .into_iter()
            .flatten()
        {
            for word in part.split(|c: char| !c.is_alphanumeric() && c != '@' && c != '.') {
                if !word.is_empty() {
                    text.push(' ');
                    text.push_str(&word.to_lowercase());
                }
            }
            // The whole e-mail address too, so `ann@con` finds it.
            if part.contains('@') {
                text.push(' ');
                text.push_str(&part.to_lowercase());
            }
        }
        text
    }
}

/// A search of the records a user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordQuery {
    /// Words; every one must start a word of the record (case-insensitive). Empty: everything.
    pub words: Vec<String>,
    pub kind: Option<RecordKind>,
    pub limit: u32,
    /// Keyset cursor: the `(name, id)` of the last record of the previous page.
    pub after: Option<(String, String)>,
}

/// When an event takes place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTime {
    /// UTC instants, in milliseconds.
    Timed { start_ms: i64, end_ms: i64 },
    /// Dates (`YYYY-MM-DD`), end exclusive as Graph gives them.
    AllDay {
        start_date: String,
        end_date: String,
    },
}

/// What a save writes into a CRM event: Microsoft Graph's account of the meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventWrite {
    pub subject: String,
    pub time: EventTime,
    pub time_zone: String,
    pub location: String,
    /// Attendees' addresses, lower-case.
    pub attendees: Vec<String>,
    pub is_private: bool,
}

/// A CRM event as stored, with the records linked to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: String,
    pub organizer_mailbox: String,
    pub ical_uid: String,
    pub write: EventWrite,
    pub cancelled: bool,
    /// Deleted in the CRM: kept as history, shown to nobody, never written again.
    pub deleted: bool,
    pub created_by_mailbox: String,
    pub modified_by_mailbox: String,
    pub records: Vec<CrmRecord>,
}

/// Per-item sync status as stored; no row means "not synced".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStatus {
    pub state: String,
    pub synced_at_ms: Option<i64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// A save the rules allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveCommand {
    pub tenant_id: String,
    /// Who pressed Save.
    pub actor_id: String,
    pub organizer_id: String,
    /// The meeting's `iCalUId` (empty for a save waiting for its item to appear).
    pub ical_uid: String,
    /// The item's immutable Graph id in the organizer's mailbox.
    pub graph_event_id: Option<String>,
    pub event: EventWrite,
    /// `singleInstance`, `occurrence`, `exception` or `seriesMaster`, and the master's id.
    pub event_type: String,
    pub series_master_graph_id: Option<String>,
    /// Records to link; each must exist in the tenant and be visible to the actor (checked by
    /// the caller before).
    pub link_record_ids: Vec<String>,
    /// Write now, or queue for the next sync session.
    pub queue: Option<QueueWrite>,
    pub idempotency: Option<IdempotencyKey>,
    /// The queued save this command carries out (a sync session draining the outbox): its
    /// outbox row goes in the same transaction.
    pub outbox_id: Option<String>,
}

/// A save going to the outbox instead of the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueWrite {
    /// The save request, as JSON.
    pub payload: String,
    /// The item's REST id while it is not in the owner's calendar yet.
    pub item_id: Option<String>,
}

/// A client's `Idempotency-Key` and the hash of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: String,
    pub request_hash: String,
}

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// What a write under an idempotency key came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotent<T> {
    /// Done now.
    Fresh(T),
    /// The key was used before with the same request: its first answer.
    Replayed(StoredResponse),
    /// The key was used before with another request.
    KeyReused,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub tenant_id: String,
    pub actor_id: String,
    /// The calendar owner the actor acted for, when not themselves.
    pub on_behalf_of_id: Option<String>,
    /// `items.save`, `items.unlink`, `items.context`, …
    pub action: String,
    /// What was acted on, e.g. `olga@contoso.com/<iCalUId>`.
    pub target: String,
    pub allowed: bool,
    /// The refusal's code.
    pub reason: Option<String>,
    pub detail: Option<String>,
}

/// An audit line as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at_ms: i64,
    pub entry: AuditEntry,
}

/// A task pane session as stored (the token itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token_hash: String,
    pub tenant_id: String,
    pub user_id: String,
    pub expires_at_ms: i64,
    /// Signed in holding Liaison's app role `Liaison.Admin`.
    pub is_admin: bool,
}

/// A live session, as the server finds it by its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    pub tenant_id: String,
    pub user_id: String,
    pub is_admin: bool,
}

/// An identity provider Liaison signs people in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Microsoft,
    Google,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Microsoft => "microsoft",
            Self::Google => "google",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "microsoft" => Some(Self::Microsoft),
            "google" => Some(Self::Google),
            _ => None,
        }
    }
}

/// Why a sign-in redirect was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowPurpose {
    /// Sign in (and connect the calendar): the end of the flow creates a session.
    SignIn,
    /// A signed-in person connects another account (Google).
    Connect,
    /// An administrator grants consent for the tenant.
    AdminConsent,
}

impl FlowPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Connect => "connect",
            Self::AdminConsent => "admin_consent",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "sign_in" => Some(Self::SignIn),
            "connect" => Some(Self::Connect),
            "admin_consent" => Some(Self::AdminConsent),
            _ => None,
        }
    }
}

/// An OAuth redirect under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInFlow {
    pub state_hash: String,
    pub provider: Provider,
    pub purpose: FlowPurpose,
    /// Sealed.
    pub code_verifier: String,
    pub nonce: String,
    pub return_to: String,
    pub dialog: bool,
    /// The signed-in person who started it, if any.
    pub started_by: Option<(String, String)>,
    pub expires_at_ms: i64,
}

/// Connected or needing a new sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStatus {
    Connected,
    NeedsReconnect,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::NeedsReconnect => "needs_reconnect",
        }
    }
}

/// A connected calendar account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub tenant_id: String,
    pub user_id: String,
    pub provider: Provider,
    pub account: String,
    pub account_email: String,
    /// Sealed (`crate::secrets`); `None` when the provider gave none.
    pub refresh_token: Option<String>,
    pub scopes: String,
    pub status: ConnectionStatus,
    pub status_reason: Option<String>,
}

/// A tenant administrator's consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminConsent {
    pub tenant_id: String,
    pub granted_by_id: String,
    pub scopes: String,
    pub granted_at_ms: i64,
}

/// A save waiting in the outbox for the Organizer's next sync session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueuedSave {
    pub id: String,
    pub requested_by_id: String,
    /// The save request, as JSON.
    pub payload: String,
}

/// A worker's hold on a sync job, until `until_ms` unless renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub worker: String,
    pub until_ms: i64,
}

/// The calendarView window of a delta cursor (UTC, RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncWindow {
    pub start: String,
    pub end: String,
}

/// A claimed sync job: everything a session needs to resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncJob {
    pub tenant_id: String,
    pub organizer_id: String,
    pub delta_link: Option<String>,
    pub window: SyncWindow,
    pub category_id: Option<String>,
    pub category_name: Option<String>,
    /// An administrator resumed the job after the breaker stopped it: the next session may
    /// make the cancellations it found.
    pub breaker_confirmed: bool,
    pub lease: Lease,
}

/// How a job looks from outside (the sidebar's settings, the admin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncJobStatus {
    pub due_at_ms: i64,
    pub running: bool,
    pub runs: i64,
    pub has_cursor: bool,
    pub last_finished_at_ms: Option<i64>,
    pub last_error_code: Option<String>,
    pub last_error_message: Option<String>,
    pub breaker_tripped: bool,
}

/// What a Graph item already is to the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphLink {
    pub event_id: String,
    pub ical_uid: String,
    pub via_category: bool,
    pub following: bool,
    pub event_type: String,
    /// Deleted in the CRM: never synced again.
    pub deleted: bool,
    /// When the CRM event starts (UTC ms; midnight UTC of an all-day event's date): a delta
    /// `@removed` for an item outside the synced window is no deletion.
    pub starts_at_ms: Option<i64>,
}

/// One Graph item as a sync session writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedItem {
    pub graph_id: String,
    pub ical_uid: String,
    pub write: EventWrite,
    /// `singleInstance`, `occurrence`, `exception` or `seriesMaster`.
    pub event_type: String,
    pub series_master_graph_id: Option<String>,
    /// Synced because it carries the CRM category (else: it was saved from the sidebar).
    pub via_category: bool,
}

/// One change a sync session makes to the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncWrite {
    /// Create or update the CRM event of the item (never one deleted in the CRM).
    Upsert(Box<SyncedItem>),
    /// The item was deleted or cancelled in Outlook: the CRM event is marked cancelled.
    Cancel { graph_id: String },
    /// The CRM category was removed: the CRM event stays, its changes are no longer followed.
    Unfollow { graph_id: String },
    /// A single item became a series: its CRM event now stands for the series master.
    BecameSeries { graph_id: String },
}

/// The cursor a complete delta round leaves, committed with its last changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncCursor {
    pub delta_link: String,
    pub window: SyncWindow,
    pub category_id: String,
    pub category_name: String,
}

/// How a session ended, for the job's next run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutcome {
    pub next_due_ms: i64,
    /// `(code, message)` of the failure, if it failed.
    pub error: Option<(String, String)>,
    /// The circuit breaker tripped: no session runs until an admin resets it.
    pub trip_breaker: bool,
}

/// A category removal owed to Outlook (a CRM event was deleted).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CategoryRemoval {
    pub graph_event_id: String,
    pub event_id: String,
    pub ical_uid: String,
    pub attempts: i32,
}

/// A Graph change-notification subscription on an Organizer's events.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GraphSubscription {
    pub tenant_id: String,
    pub organizer_id: String,
    pub subscription_id: String,
    /// SHA-256 (hex) of the `clientState` Graph echoes in every notification.
    pub client_state_hash: String,
    pub expires_at_ms: i64,
}
