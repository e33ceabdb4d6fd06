//! The rows [`super::identity`] reads, and what they become.

use liaison_domain::api::CrmCategory;
use liaison_domain::linking::AutoLinkPolicy;
use liaison_domain::permissions::GraphRole;

use crate::store::crm::Share;
use crate::store::identity::{
    CalendarView, ConnectionStatus, DelegationCheck, DomainList, FlowPurpose, LiveSession,
    OwnerStanding, Provider, User,
};
use crate::store::ids::{TenantId, UserId};

#[derive(sqlx::FromRow)]
pub(super) struct DelegationCheckRow {
    pub(super) graph_role: Option<String>,
    pub(super) view_read: bool,
    pub(super) view_can_edit: bool,
    pub(super) view_can_view_private: bool,
    pub(super) checked_at_ms: i64,
    pub(super) client_bits_audited: Option<i32>,
}

/// [`OwnerStanding`]'s row: the owner's columns, then what the outer joins found (all `NULL`
/// when they found nothing).
#[derive(sqlx::FromRow)]
pub(super) struct OwnerStandingRow {
    #[sqlx(flatten)]
    pub(super) owner: User,
    pub(super) graph_role: Option<String>,
    pub(super) view_read: Option<bool>,
    pub(super) view_can_edit: Option<bool>,
    pub(super) view_can_view_private: Option<bool>,
    pub(super) checked_at_ms: Option<i64>,
    pub(super) client_bits_audited: Option<i32>,
    pub(super) share_access: Option<String>,
    pub(super) refreshable_status: Option<String>,
    pub(super) crm_category_name: String,
    pub(super) crm_category_color: String,
    pub(super) sync_days_back: Option<i32>,
    pub(super) sync_days_ahead: Option<i32>,
    #[sqlx(try_from = "String")]
    pub(super) auto_link_policy: AutoLinkPolicy,
    #[sqlx(try_from = "String")]
    pub(super) auto_link_blocked_domains: DomainList,
    pub(super) insta_sync: bool,
}

impl OwnerStandingRow {
    pub(super) fn into_standing(self) -> OwnerStanding {
        let delegation_check = self.checked_at_ms.map(|checked_at_ms| {
            DelegationCheck::from(DelegationCheckRow {
                graph_role: self.graph_role,
                view_read: self.view_read.unwrap_or(false),
                view_can_edit: self.view_can_edit.unwrap_or(false),
                view_can_view_private: self.view_can_view_private.unwrap_or(false),
                checked_at_ms,
                client_bits_audited: self.client_bits_audited,
            })
        });
        OwnerStanding {
            owner: self.owner,
            delegation_check,
            crm_share: self.share_access.as_deref().and_then(Share::parse),
            refreshable_connection: self
                .refreshable_status
                .and_then(|s| ConnectionStatus::try_from(s).ok()),
            crm_category: CrmCategory {
                name: self.crm_category_name,
                color: self.crm_category_color,
            },
            synced_days: (self.sync_days_back, self.sync_days_ahead),
            auto_link: (self.auto_link_policy, self.auto_link_blocked_domains),
            insta_sync: self.insta_sync,
        }
    }
}

impl From<DelegationCheckRow> for DelegationCheck {
    fn from(row: DelegationCheckRow) -> Self {
        Self {
            graph_role: row
                .graph_role
                .map(|role| GraphRole::parse(&role).unwrap_or(GraphRole::Custom)),
            view: row.view_read.then_some(CalendarView {
                can_edit: row.view_can_edit,
                can_view_private: row.view_can_view_private,
            }),
            checked_at_ms: row.checked_at_ms,
            client_bits_audited: row.client_bits_audited.and_then(|b| u8::try_from(b).ok()),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct SignInFlowRow {
    #[sqlx(try_from = "String")]
    pub(super) provider: Provider,
    #[sqlx(try_from = "String")]
    pub(super) purpose: FlowPurpose,
    pub(super) code_verifier: String,
    pub(super) nonce: String,
    pub(super) return_to: String,
    pub(super) dialog: bool,
    pub(super) tenant_id: Option<TenantId>,
    pub(super) user_id: Option<UserId>,
    pub(super) browser_hash: Option<String>,
    pub(super) authorization_code: Option<String>,
    pub(super) expires_at_ms: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct DialogCodeRow {
    #[sqlx(flatten)]
    pub(super) grant: LiveSession,
    pub(super) expires_at_ms: i64,
}

/// A session row and when it was last marked seen.
#[derive(sqlx::FromRow)]
pub(super) struct SeenSession {
    #[sqlx(flatten)]
    pub(super) user: User,
    pub(super) is_admin: bool,
    pub(super) last_seen_at_ms: i64,
    pub(super) created_at_ms: i64,
}
