//! [`SubscriptionStore`] in SQL.

use async_trait::async_trait;

use super::SqlStore;
use super::db::sql;
use crate::store::error::StoreError;
use crate::store::ids::UserKey;
use crate::store::subscriptions::{GraphSubscription, SubscriptionStore};

const COLUMNS: &str = "SELECT tenant_id, organizer_id, subscription_id, client_state_hash, \
     expires_at_ms FROM graph_subscriptions";

#[async_trait]
impl SubscriptionStore for SqlStore {
    async fn put_subscription(&self, sub: &GraphSubscription) -> Result<(), StoreError> {
        sql(
            "INSERT INTO graph_subscriptions (tenant_id, organizer_id, subscription_id, \
             client_state_hash, expires_at_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant_id, organizer_id) DO UPDATE SET \
             subscription_id = excluded.subscription_id, \
             client_state_hash = excluded.client_state_hash, \
             expires_at_ms = excluded.expires_at_ms",
        )
        .bind(&sub.tenant_id)
        .bind(&sub.organizer_id)
        .bind(&sub.subscription_id)
        .bind(&sub.client_state_hash)
        .bind(sub.expires_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn subscription(
        &self,
        subscription_id: &str,
    ) -> Result<Option<GraphSubscription>, StoreError> {
        sql(format!("{COLUMNS} WHERE subscription_id = $1"))
            .bind(subscription_id)
            .fetch_optional(&self.pool)
            .await
    }

    async fn organizer_subscription(
        &self,
        organizer: &UserKey,
    ) -> Result<Option<GraphSubscription>, StoreError> {
        sql(format!(
            "{COLUMNS} WHERE tenant_id = $1 AND organizer_id = $2"
        ))
        .bind(&organizer.tenant_id)
        .bind(&organizer.user_id)
        .fetch_optional(&self.pool)
        .await
    }

    async fn set_subscription_expiry(
        &self,
        subscription_id: &str,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        sql("UPDATE graph_subscriptions SET expires_at_ms = $1 WHERE subscription_id = $2")
            .bind(expires_at_ms)
            .bind(subscription_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_subscription(&self, subscription_id: &str) -> Result<(), StoreError> {
        sql("DELETE FROM graph_subscriptions WHERE subscription_id = $1")
            .bind(subscription_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
