//! The JSON types of Liaison's HTTP API: what the server answers and the task pane reads.
//!
//! Every error the API returns has the same envelope, [`ErrorBody`], with a stable
//! [`ErrorCode`] that clients branch on and a human message they show.

mod admin;
mod admin_sync;
mod admin_users;
mod booking;
mod calendars;
mod imports;
mod items;
mod records;
mod resolve;
mod sync;
mod webhooks;

use serde::{Deserialize, Serialize};

pub use admin::{AuditLine, AuditPage, ConsoleUser, Deployment, Diagnosis, OrgSettings, ScopeLine};
pub use admin_sync::{StoppedSync, SyncOverview, SyncSessionLine};
pub use admin_users::{AdminUser, DelegateOf, OrganizerState, UserPage};
pub use booking::{
    BookingCalendars, BookingKind, BookingLink, BookingLinkCreated, BookingLinkRequest,
    BookingLinks, BookingOffer, FreeSlots, FreeSlotsRequest, Slot, WorkingHours,
};
pub use calendars::{CalendarEvent, CalendarEvents, CrmCalendar};
pub use imports::{ChangeLine, ChangePage, ImportColumn, ImportLineError, ImportReport};
pub use items::{
    Attendee, ConnectGoogle, ConnectionState, Connections, CrmCategory, CrmEvent, CrmRecord,
    DialogCode, ItemContext, ItemLookup, ItemRef, ItemStatus, Me, Person, RecordKind, RecordPage,
    SaveItemRequest, SaveItemResponse, SaveOutcome, SessionGrant, SyncSetting, SyncState,
    UnlinkRequest,
};
pub use records::{
    CalendarShares, LeadStatus, OpportunityStage, RecordDetail, RecordEvent, RecordEvents,
    RecordFields, RecordInput, RecordShare, ShareAccess, ShareRequest, email_address,
};
pub use resolve::{
    AccessRequest, ActionVerdict, CrmRequest, FieldError, ItemRequest, ResolveRequest,
    ResolveResponse,
};
pub use sync::{SyncReport, SyncRun, SyncStatus};
pub use webhooks::{DeadLetterLine, Webhook, WebhookCreated, WebhookDelivery, WebhookRequest};

/// Stable machine codes of every error the API returns. Clients branch on these; the
/// wording of [`ErrorBody::message`] may change, these never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The request body is not JSON (or nests deeper than the server reads).
    InvalidJson,
    /// The body is JSON but not of the documented shape: a missing or unknown field, a wrong
    /// type, an unknown enum value.
    InvalidBody,
    /// A field has the right type but a value the API does not accept.
    InvalidValue,
    /// The request body is larger than the server accepts.
    BodyTooLarge,
    /// The body is not sent as `application/json`.
    UnsupportedMediaType,
    /// No route matches the path, or the resource does not exist for this tenant.
    NotFound,
    /// No valid credentials: sign in again.
    Unauthenticated,
    /// The same `Idempotency-Key` came with a different body.
    IdempotencyKeyReused,
    // The permission rules' refusals (`permissions::Reason`), answered with 403.
    NoCalendarAccess,
    PrivateItem,
    ReviewerReadOnly,
    AuthorNotCreator,
    ComposeOnly,
    OrganizerSyncDisabled,
    CrmNoAccess,
    CrmReadOnly,
    /// The route exists but not with this HTTP method.
    MethodNotAllowed,
    /// A sign-in page requested from another site as something other than a page of its own
    /// (an image, a script, a `fetch`, a frame): `Sec-Fetch-*` says so.
    CrossSiteRequest,
    /// Too many requests from this client; retry after the `Retry-After` header.
    RateLimited,
    /// The request (or its body) took longer than the server waits.
    Timeout,
    /// The server could not reach one of its dependencies (the record store, Microsoft 365).
    Unavailable,
    /// The user or an administrator has not consented to Liaison yet: sign in interactively.
    ConsentRequired,
    /// The identity provider needs the user at a sign-in page (MFA, Conditional Access).
    InteractionRequired,
    /// A sign-in callback whose `state` is unknown, used or from another provider.
    InvalidSignIn,
    /// The calendar connection expired or was revoked: connect again.
    NeedsReconnect,
    /// Only a tenant administrator may do this.
    AdminRequired,
    /// A sync session for this calendar is running already; wait for it.
    SyncInProgress,
    /// The circuit breaker stopped this calendar's sync (a session would have cancelled an
    /// unusual share of events); an administrator must resume it.
    SyncStopped,
    /// Sign-in with this provider is not configured on this server.
    NotConfigured,
    /// Too many saves wait for the Organizer's items already (from this user, or in all): they
    /// are carried out by the Organizer's next sync sessions; wait for those first.
    TooManyQueuedSaves,
    /// A change named a version (`If-Match`) the resource has moved past: read it again.
    PreconditionFailed,
    /// A change to a versioned resource must name the version it changes (`If-Match`).
    PreconditionRequired,
    /// A webhook's receiver refused what was delivered, or could not be reached.
    ReceiverFailed,
    /// A booking link's From is neither the caller nor an Organizer they may act for.
    FromNotYours,
    /// Something failed on the server; the cause is logged, never sent.
    Internal,
}

crate::wire_names!(ErrorCode {
    InvalidJson => "invalid_json",
    InvalidBody => "invalid_body",
    InvalidValue => "invalid_value",
    BodyTooLarge => "body_too_large",
    UnsupportedMediaType => "unsupported_media_type",
    NotFound => "not_found",
    Unauthenticated => "unauthenticated",
    IdempotencyKeyReused => "idempotency_key_reused",
    NoCalendarAccess => "no_calendar_access",
    PrivateItem => "private_item",
    ReviewerReadOnly => "reviewer_read_only",
    AuthorNotCreator => "author_not_creator",
    ComposeOnly => "compose_only",
    OrganizerSyncDisabled => "organizer_sync_disabled",
    CrmNoAccess => "crm_no_access",
    CrmReadOnly => "crm_read_only",
    MethodNotAllowed => "method_not_allowed",
    CrossSiteRequest => "cross_site_request",
    RateLimited => "rate_limited",
    Timeout => "timeout",
    Unavailable => "unavailable",
    ConsentRequired => "consent_required",
    InteractionRequired => "interaction_required",
    InvalidSignIn => "invalid_sign_in",
    NeedsReconnect => "needs_reconnect",
    AdminRequired => "admin_required",
    SyncInProgress => "sync_in_progress",
    SyncStopped => "sync_stopped",
    NotConfigured => "not_configured",
    TooManyQueuedSaves => "too_many_queued_saves",
    PreconditionFailed => "precondition_failed",
    PreconditionRequired => "precondition_required",
    ReceiverFailed => "receiver_failed",
    FromNotYours => "from_not_yours",
    Internal => "internal",
});

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// A sentence for people, without a trailing period.
    pub message: String,
    /// The request field the error is about, as a dotted path (`item.mode`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// `GET /healthz`: whether the server and its record store answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `ok` when every check passed, `degraded` otherwise.
    pub status: HealthStatus,
    /// The server's version (`CARGO_PKG_VERSION`).
    pub version: String,
    /// The record store's check.
    pub store: HealthStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthStatus {
    Ok,
    Degraded,
}

crate::wire_names!(HealthStatus {
    Ok => "ok",
    Degraded => "degraded",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_omits_an_absent_field_and_names_the_code_in_snake_case() {
        let body = ErrorBody {
            code: ErrorCode::BodyTooLarge,
            message: "too big".into(),
            field: None,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"code":"body_too_large","message":"too big"}"#
        );
    }
}

impl From<crate::permissions::Reason> for ErrorCode {
    /// A refusal's code on the wire is the rule's code (`reviewer_read_only`, …).
    fn from(reason: crate::permissions::Reason) -> Self {
        use crate::permissions::Reason;
        match reason {
            Reason::NoCalendarAccess => Self::NoCalendarAccess,
            Reason::PrivateItem => Self::PrivateItem,
            Reason::ReviewerReadOnly => Self::ReviewerReadOnly,
            Reason::AuthorNotCreator => Self::AuthorNotCreator,
            Reason::ComposeOnly => Self::ComposeOnly,
            Reason::OrganizerSyncDisabled => Self::OrganizerSyncDisabled,
            Reason::NotFound => Self::NotFound,
            Reason::CrmNoAccess => Self::CrmNoAccess,
            Reason::CrmReadOnly => Self::CrmReadOnly,
        }
    }
}

#[cfg(test)]
mod refusal_code_tests {
    use super::*;
    use crate::permissions::Reason;

    #[test]
    fn every_refusal_keeps_its_rule_code_on_the_wire() {
        for reason in Reason::ALL {
            let code = serde_json::to_value(ErrorCode::from(reason)).unwrap();
            assert_eq!(code, reason.as_str());
        }
    }
}
