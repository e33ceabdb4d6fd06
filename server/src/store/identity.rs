//! Who is who: tenants and their settings, people, what Microsoft said of a delegation, task
//! pane sessions, sign-in redirects under way, connected calendar accounts, admin consent.

use async_trait::async_trait;
use liaison_domain::api::CrmCategory;
use liaison_domain::linking::AutoLinkPolicy;
use liaison_domain::permissions::{AccessSource, GraphRole};

use crate::graph::entry_id::AddressBookId;
use crate::store::audit::AuditEntry;
use crate::store::crm::Share;
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId, UserKey};

/// A directory tenant and its settings.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Tenant {
    /// The directory tenant id (`tid`).
    pub id: TenantId,
    pub name: String,
    pub crm_category_name: String,
    /// An Office `CategoryColor` preset name (`Preset7` is blue).
    pub crm_category_color: String,
    /// Saves are written at once (on) or by the next sync session (off).
    pub insta_sync: bool,
    pub sync_interval_minutes: i32,
    /// The synced window's days back and ahead of today; `None`: the server's.
    pub sync_days_back: Option<i32>,
    pub sync_days_ahead: Option<i32>,
    /// The share of an Organizer's CRM events, in percent, a session may cancel before the
    /// circuit breaker stops it; `None`: the server's (30 %).
    pub breaker_percent: Option<i32>,
    /// Whose addresses of a meeting are matched to contacts and leads.
    #[sqlx(try_from = "String")]
    pub auto_link_policy: AutoLinkPolicy,
    /// Domains never matched.
    #[sqlx(try_from = "String")]
    pub auto_link_blocked_domains: DomainList,
}

/// Domains, as the tenants table keeps them (space-separated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainList(pub Vec<String>);

impl From<String> for DomainList {
    fn from(text: String) -> Self {
        Self(text.split_whitespace().map(str::to_owned).collect())
    }
}

impl DomainList {
    pub fn to_column(&self) -> String {
        self.0.join(" ")
    }
}

impl Tenant {
    /// A tenant with the product's defaults: a blue "CRM" category, insta-sync on, 15 minutes.
    pub fn new(id: &TenantId, name: &str) -> Self {
        Self {
            id: id.clone(),
            name: name.to_owned(),
            crm_category_name: "CRM".to_owned(),
            crm_category_color: "Preset7".to_owned(),
            insta_sync: true,
            sync_interval_minutes: 15,
            sync_days_back: None,
            sync_days_ahead: None,
            breaker_percent: None,
            auto_link_policy: AutoLinkPolicy::Both,
            auto_link_blocked_domains: DomainList::default(),
        }
    }
}

/// A person, keyed by tenant and directory object id — never by e-mail alone.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub tenant_id: TenantId,
    /// The directory object id (`oid`).
    pub id: UserId,
    /// Lower-case SMTP address.
    pub mailbox: String,
    pub display_name: String,
    /// The user connected their calendar to Liaison and turned sync on.
    pub sync_enabled: bool,
}

impl User {
    /// The (tenant, id) pair everything the user owns is keyed by.
    pub fn key(&self) -> UserKey {
        UserKey::new(self.tenant_id.clone(), self.id.clone())
    }
}

/// A calendar's owner and what the store keeps of one caller's standing in it, read at once:
/// on PostgreSQL each statement is a round trip, and a sidebar context needs all five.
#[derive(Debug, Clone)]
pub struct OwnerStanding {
    pub owner: User,
    /// What Microsoft last said of the caller as the owner's delegate.
    pub delegation_check: Option<DelegationCheck>,
    /// The caller's share of the owner's CRM calendar.
    pub crm_share: Option<Share>,
    /// The status of the owner's Microsoft connection, when it holds a refresh token.
    pub refreshable_connection: Option<ConnectionStatus>,
    /// The tenant's CRM category (its settings, [`Tenant`]).
    pub crm_category: CrmCategory,
    /// The tenant's synced window, days back and ahead (`None`: the server's).
    pub synced_days: (Option<i32>, Option<i32>),
    /// The tenant's automatic linking: its policy and the domains never matched.
    pub auto_link: (AutoLinkPolicy, DomainList),
    /// The tenant's insta-sync: a first save goes straight to the CRM (else it waits for the
    /// next sync session).
    pub insta_sync: bool,
}

/// What Microsoft said of a delegate's access to an owner's calendar when the server last
/// asked (kept a few minutes: a delegation is verified when used).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelegationCheck {
    /// The owner's `calendarPermissions` role for the delegate (`None` role when the list does
    /// not name them); `None` when the owner's list could not be read.
    pub graph_role: Option<GraphRole>,
    /// The delegate's own view of the owner's calendar (their copy in `/me/calendars`); `None`
    /// when it is not among their calendars — which rules everything out.
    pub view: Option<CalendarView>,
    pub checked_at_ms: i64,
    /// The client-reported bits last audited as a disagreement (audited once per change).
    pub client_bits_audited: Option<u8>,
}

/// The delegate's copy of the owner's calendar in their `/me/calendars`: `canEdit`,
/// `canViewPrivateItems`.
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
        sources.push(match self.view {
            Some(v) => AccessSource::CalendarView {
                can_edit: v.can_edit,
                can_view_private: v.can_view_private,
            },
            None => AccessSource::NoCalendarView,
        });
        sources
    }

    /// Whether the owner's list makes the delegate one who sends on the owner's behalf
    /// ([`GraphRole::sends_on_behalf`]).
    pub fn sends_on_behalf(&self) -> bool {
        self.graph_role.is_some_and(GraphRole::sends_on_behalf)
    }

    /// Whether some source lets the delegate see private items (any other rules it out).
    pub fn can_view_private(&self) -> bool {
        self.graph_role.is_some_and(GraphRole::sees_private_items)
            || self.view.is_some_and(|v| v.can_view_private)
    }
}

/// Whose calendar, and who is asking about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delegation<'a> {
    pub tenant_id: &'a TenantId,
    pub owner_id: &'a UserId,
    pub delegate_id: &'a UserId,
}

/// A task pane session as stored (the token itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token_hash: String,
    pub user: UserKey,
    pub expires_at_ms: i64,
    /// Signed in holding Liaison's app role `Liaison.Admin`.
    pub is_admin: bool,
    /// Started with an Office SSO token: its hash, and how many sessions that token may keep
    /// alive (the oldest end when this one would be one too many).
    pub sso: Option<SsoOrigin>,
}

/// The Office SSO token a session was started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoOrigin {
    pub token_hash: String,
    pub keep: u32,
}

/// The instants (UTC ms) a session look-up compares with: last seen before `idle` is dead; last
/// marked seen before `touch` is marked again; started before `admin` holds no admin rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCutoffs {
    pub idle: i64,
    pub touch: i64,
    pub admin: i64,
}

/// A request's live session and its user, found by the session's token in one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub user: User,
    pub is_admin: bool,
}

/// A live session, as the server finds it by its token; also what a one-time dialog code
/// grants.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LiveSession {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub is_admin: bool,
}

/// An identity provider Liaison signs people in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Microsoft,
    Google,
}

liaison_domain::wire_names!(Provider {
    Microsoft => "microsoft",
    Google => "google",
});

/// Why a sign-in redirect was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowPurpose {
    /// Sign in (and connect the calendar): the end of the flow creates a session.
    SignIn,
    /// A signed-in person connects another account (Google).
    Connect,
    /// The account came back from the provider: its authorization code waits for the pane
    /// whose session asked for it ([`crate::auth::google`]).
    ConnectPending,
    /// An administrator signs in to grant consent for the tenant (who, in which tenant).
    AdminConsent,
    /// That administrator, sent on to Microsoft's admin consent endpoint for their tenant.
    AdminConsentGrant,
}

liaison_domain::wire_names!(FlowPurpose {
    SignIn => "sign_in",
    Connect => "connect",
    ConnectPending => "connect_pending",
    AdminConsent => "admin_consent",
    AdminConsentGrant => "admin_consent_grant",
});

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
    pub started_by: Option<UserKey>,
    /// The SHA-256 of the flow cookie of the browser that started it; `None` for a start
    /// link no browser has opened yet.
    pub browser_hash: Option<String>,
    /// Sealed; only while a Google account waits for the pane (`ConnectPending`).
    pub authorization_code: Option<String>,
    pub expires_at_ms: i64,
}

/// Connected or needing a new sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStatus {
    Connected,
    NeedsReconnect,
}

liaison_domain::wire_names!(ConnectionStatus {
    Connected => "connected",
    NeedsReconnect => "needs_reconnect",
});

impl ConnectionStatus {
    /// A connection's state as the API shows it; `None`: never connected.
    pub fn shown(status: Option<Self>) -> liaison_domain::api::ConnectionState {
        use liaison_domain::api::ConnectionState;
        match status {
            None => ConnectionState::NotConnected,
            Some(Self::NeedsReconnect) => ConnectionState::NeedsReconnect,
            Some(Self::Connected) => ConnectionState::Connected,
        }
    }
}

/// A connected calendar account.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Connection {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    #[sqlx(try_from = "String")]
    pub provider: Provider,
    pub account: String,
    pub account_email: String,
    /// Sealed (`crate::auth::secrets`); `None` when the provider gave none.
    pub refresh_token: Option<String>,
    pub scopes: String,
    #[sqlx(try_from = "String")]
    pub status: ConnectionStatus,
    pub status_reason: Option<String>,
}

/// A tenant administrator's consent.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdminConsent {
    pub tenant_id: TenantId,
    pub granted_by_id: UserId,
    pub scopes: String,
    pub granted_at_ms: i64,
}

#[async_trait]
pub trait IdentityStore: Send + Sync {
    async fn upsert_tenant(&self, tenant: &Tenant) -> Result<(), StoreError>;
    async fn tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError>;

    async fn upsert_user(&self, user: &User) -> Result<(), StoreError>;
    async fn user(
        &self,
        tenant_id: &TenantId,
        user_id: &UserId,
    ) -> Result<Option<User>, StoreError>;
    /// The user with this mailbox in this tenant (case-insensitive).
    async fn user_by_mailbox(
        &self,
        tenant_id: &TenantId,
        mailbox: &str,
    ) -> Result<Option<User>, StoreError>;
    /// The owner with this mailbox in this tenant (case-insensitive), and `caller`'s standing
    /// in their calendar.
    async fn owner_standing(
        &self,
        tenant_id: &TenantId,
        mailbox: &str,
        caller: &UserId,
    ) -> Result<Option<OwnerStanding>, StoreError>;
    /// Who the user is in Exchange's address book, when learned
    /// ([`crate::graph::creator`]).
    async fn address_book_id(&self, user: &UserKey) -> Result<Option<AddressBookId>, StoreError>;
    async fn set_address_book_id(
        &self,
        user: &UserKey,
        id: &AddressBookId,
    ) -> Result<(), StoreError>;

    /// Keeps what Microsoft said of the delegate's access to the owner's calendar.
    async fn put_delegation_check(
        &self,
        delegation: Delegation<'_>,
        check: &DelegationCheck,
    ) -> Result<(), StoreError>;
    /// What Microsoft said when last asked (the caller decides whether it is still fresh).
    async fn delegation_check(
        &self,
        delegation: Delegation<'_>,
    ) -> Result<Option<DelegationCheck>, StoreError>;
    /// Audits the client's bits as a disagreement with the verified access — once per change of
    /// the bits (`audit` is written only when they differ from the last audited).
    async fn note_client_bits(
        &self,
        delegation: Delegation<'_>,
        bits: u8,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError>;
    /// The user of a live session. A session unseen since `idle_cutoff_ms` or past its
    /// absolute end is dead. A look-up is a read; the session is marked seen at `now_ms` only
    /// when it was last marked before `touch_cutoff_ms`, so neither an unknown token nor a busy
    /// session writes on every request.
    /// A session started before `admin_cutoff_ms` no longer carries the administrator's rights
    /// it was signed in with (they are confirmed again by a new sign-in).
    async fn use_session(
        &self,
        token_hash: &str,
        now_ms: i64,
        cutoffs: SessionCutoffs,
    ) -> Result<Option<SignedIn>, StoreError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;

    async fn put_sign_in_flow(&self, flow: &SignInFlow) -> Result<(), StoreError>;
    /// Removes and returns the flow (once: a replayed `state` finds nothing), if not expired.
    async fn take_sign_in_flow(
        &self,
        state_hash: &str,
        now_ms: i64,
    ) -> Result<Option<SignInFlow>, StoreError>;

    /// Keeps a one-time dialog code granting `grant` a session until `expires_at_ms`.
    async fn put_dialog_code(
        &self,
        code_hash: &str,
        grant: &LiveSession,
        expires_at_ms: i64,
    ) -> Result<(), StoreError>;
    /// Removes and returns what a one-time dialog code grants, if not expired.
    async fn take_dialog_code(
        &self,
        code_hash: &str,
        now_ms: i64,
    ) -> Result<Option<LiveSession>, StoreError>;

    async fn upsert_connection(&self, connection: &Connection) -> Result<(), StoreError>;
    async fn connection(
        &self,
        user: &UserKey,
        provider: Provider,
    ) -> Result<Option<Connection>, StoreError>;
    /// Every connection (for `liaison doctor`).
    async fn connections(&self) -> Result<Vec<Connection>, StoreError>;
    /// Replaces the sealed refresh token if it is still `expected` (one writer wins); `true`
    /// when replaced.
    async fn replace_refresh_token(
        &self,
        user: &UserKey,
        provider: Provider,
        expected: Option<&str>,
        sealed: &str,
    ) -> Result<bool, StoreError>;
    async fn set_connection_status(
        &self,
        user: &UserKey,
        provider: Provider,
        status: ConnectionStatus,
        reason: Option<&str>,
    ) -> Result<(), StoreError>;

    async fn record_admin_consent(&self, consent: &AdminConsent) -> Result<(), StoreError>;
    async fn admin_consent(&self, tenant_id: &TenantId)
    -> Result<Option<AdminConsent>, StoreError>;
}
