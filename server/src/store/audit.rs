//! The audit log: who did what on whose behalf, allowed or refused. Append-only (triggers on
//! both backends refuse `UPDATE` and `DELETE`); most lines are written in the transaction of
//! the change they record.

use async_trait::async_trait;

use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};

/// What an audit line records. Its code (`as_str`) is what the log keeps and shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    ItemSave,
    /// A queued save given up on after repeated failures.
    ItemSaveDeadLettered,
    ItemUnlink,
    ItemCategorize,
    /// A mailbox named as an item's owner is not in the caller's tenant.
    ItemOwner,
    /// Microsoft's two accounts of a delegation disagree.
    DelegationConflict,
    /// The client's Office.js bits claim more than Microsoft confirmed.
    DelegationClientDisagrees,
    CrmEventDelete,
    SignInSso,
    /// An Office SSO token refused (filed under the tenant it names, bounded).
    SignInSsoRefused,
    SignInCode,
    ConnectionGoogle,
    ConnectionNeedsReconnect,
    SettingsSync,
    AdminSettings,
    AdminConsent,
    /// An administrator let a sync the circuit breaker stopped run again.
    AdminSyncResume,
    /// Someone without `Liaison.Admin` was refused an administrators' route.
    AdminRefused,
    /// An administrator looked at what a delegate's sidebar shows on an item.
    AdminDiagnose,
    CrmRecordCreate,
    CrmRecordUpdate,
    CrmRecordDelete,
    /// An administrator brought a deleted record back.
    CrmRecordRestore,
    /// A record shared with someone, or a share ended.
    CrmRecordShare,
    /// An Organizer's CRM calendar shared with someone, or a share ended.
    CrmCalendarShare,
    /// A batch of a CSV import written.
    CrmRecordImport,
    CrmWebhookCreate,
    CrmWebhookDelete,
    /// An administrator delivered a dead letter again.
    CrmWebhookReplay,
    /// A booking link made (or refused) from the sidebar.
    BookingLinkCreate,
    /// A booking link withdrawn by its sender, the Organizer or an administrator.
    BookingLinkRevoke,
    /// An invitee booked a meeting through a link (the actor is the link's sender).
    BookingMade,
}

liaison_domain::wire_names!(AuditAction {
    ItemSave => "items.save",
    ItemSaveDeadLettered => "items.save.dead_lettered",
    ItemUnlink => "items.unlink",
    ItemCategorize => "items.categorize",
    ItemOwner => "items.owner",
    DelegationConflict => "delegation.conflict",
    DelegationClientDisagrees => "delegation.client_disagrees",
    CrmEventDelete => "crm.event.delete",
    SignInSso => "sign_in.sso",
    SignInSsoRefused => "sign_in.sso.refused",
    SignInCode => "sign_in.code",
    ConnectionGoogle => "connection.google",
    ConnectionNeedsReconnect => "connection.needs_reconnect",
    SettingsSync => "settings.sync",
    AdminSettings => "admin.settings",
    AdminConsent => "admin.consent",
    AdminSyncResume => "admin.sync_resume",
    AdminRefused => "admin.refused",
    AdminDiagnose => "admin.diagnose",
    CrmRecordCreate => "crm.record.create",
    CrmRecordUpdate => "crm.record.update",
    CrmRecordDelete => "crm.record.delete",
    CrmRecordRestore => "crm.record.restore",
    CrmRecordShare => "crm.record.share",
    CrmCalendarShare => "crm.calendar.share",
    CrmRecordImport => "crm.record.import",
    CrmWebhookCreate => "crm.webhook.create",
    CrmWebhookDelete => "crm.webhook.delete",
    CrmWebhookReplay => "crm.webhook.replay",
    BookingLinkCreate => "booking.link.create",
    BookingLinkRevoke => "booking.link.revoke",
    BookingMade => "booking.made",
});

/// One line to write to the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub tenant_id: TenantId,
    pub actor_id: UserId,
    /// The calendar owner the actor acted for, when not themselves.
    pub on_behalf_of_id: Option<UserId>,
    pub action: AuditAction,
    /// What was acted on, e.g. `olga@contoso.com/<iCalUId>`.
    pub target: String,
    pub allowed: bool,
    /// The refusal's code.
    pub reason: Option<String>,
    pub detail: Option<String>,
}

impl AuditEntry {
    /// An allowed `action` of `actor` on `target`, for themselves.
    pub fn allowed(
        tenant_id: &TenantId,
        actor_id: &UserId,
        action: AuditAction,
        target: impl Into<String>,
    ) -> Self {
        Self {
            tenant_id: tenant_id.clone(),
            actor_id: actor_id.clone(),
            on_behalf_of_id: None,
            action,
            target: target.into(),
            allowed: true,
            reason: None,
            detail: None,
        }
    }
}

/// An audit line as read back (its action as the code stored, which older lines may carry).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRecord {
    pub at_ms: i64,
    pub tenant_id: TenantId,
    pub actor_id: UserId,
    pub on_behalf_of_id: Option<UserId>,
    pub action: String,
    pub target: String,
    /// `allowed` or `refused`.
    pub outcome: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

impl AuditRecord {
    pub fn allowed(&self) -> bool {
        self.outcome == "allowed"
    }
}

/// Which audit lines to read: every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// The actor, by mailbox (or directory id, for someone Liaison does not know).
    pub actor: Option<String>,
    /// On whose behalf, by mailbox (or directory id).
    pub on_behalf_of: Option<String>,
    /// The action's code, e.g. `items.save`.
    pub action: Option<String>,
    /// Text the target contains (letters of either case).
    pub target: Option<String>,
    /// Allowed (`true`) or refused (`false`).
    pub allowed: Option<bool>,
    /// From this instant (UTC ms, inclusive) …
    pub from_ms: Option<i64>,
    /// … to this one (exclusive).
    pub until_ms: Option<i64>,
}

/// An audit line as the console shows it: people by mailbox where Liaison knows them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditView {
    /// The line's place in the log (keyset paging: newer lines have larger ids).
    pub id: i64,
    pub at_ms: i64,
    pub actor_id: UserId,
    pub actor_mailbox: Option<String>,
    pub on_behalf_of_id: Option<UserId>,
    pub on_behalf_of_mailbox: Option<String>,
    pub action: String,
    pub target: String,
    /// `allowed` or `refused`.
    pub outcome: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The tenant's newest audit lines first.
    async fn audit_log(
        &self,
        tenant_id: &TenantId,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError>;
    /// The tenant's lines `filter` keeps, newest first, older than `before_id` when given;
    /// `limit` at most.
    async fn audit_lines(
        &self,
        tenant_id: &TenantId,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditView>, StoreError>;
}
