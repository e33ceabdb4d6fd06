//! Graph change-notification subscriptions, one per Organizer: how a notification is matched
//! to whose sync it makes due.

use async_trait::async_trait;

use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId, UserKey};

/// A Graph change-notification subscription on an Organizer's events.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GraphSubscription {
    pub tenant_id: TenantId,
    pub organizer_id: UserId,
    pub subscription_id: String,
    /// SHA-256 (hex) of the `clientState` Graph echoes in every notification.
    pub client_state_hash: String,
    pub expires_at_ms: i64,
}

impl GraphSubscription {
    pub fn organizer(&self) -> UserKey {
        UserKey::new(self.tenant_id.clone(), self.organizer_id.clone())
    }
}

#[async_trait]
pub trait SubscriptionStore: Send + Sync {
    /// Records (or replaces) the Organizer's subscription.
    async fn put_subscription(&self, subscription: &GraphSubscription) -> Result<(), StoreError>;
    /// The subscription with this Graph id.
    async fn subscription(
        &self,
        subscription_id: &str,
    ) -> Result<Option<GraphSubscription>, StoreError>;
    /// The Organizer's subscription, if any.
    async fn organizer_subscription(
        &self,
        organizer: &UserKey,
    ) -> Result<Option<GraphSubscription>, StoreError>;
    /// Sets when a subscription expires (`0`: renew it at the next session).
    async fn set_subscription_expiry(
        &self,
        subscription_id: &str,
        expires_at_ms: i64,
    ) -> Result<(), StoreError>;
    async fn delete_subscription(&self, subscription_id: &str) -> Result<(), StoreError>;
}
