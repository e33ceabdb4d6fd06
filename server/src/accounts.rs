//! [`Accounts`]: a signed-in person's own account, as a service — who they are and the state of
//! their connections as the API shows them (`GET /api/me`), and their own sync setting (`PUT
//! /api/me/sync`). Turning sync on is what lets delegates create CRM events for the person's
//! items: every change is audited, and turning it on schedules the first sync session.

use std::sync::Arc;

use liaison_domain::api::{Connections, Me};

use crate::store::{
    AuditAction, AuditEntry, AuditLog, ConnectionStatus, IdentityStore, Provider, StoreError, User,
};
use crate::sync::SyncEngine;

pub struct Accounts {
    pub identity: Arc<dyn IdentityStore>,
    pub audit: Arc<dyn AuditLog>,
    pub sync: Arc<SyncEngine>,
}

impl Accounts {
    /// The user as the API shows them, with the state of their connections.
    pub async fn me(&self, user: &User) -> Result<Me, StoreError> {
        let mut connections = Connections::default();
        for (provider, slot) in [
            (Provider::Microsoft, &mut connections.microsoft),
            (Provider::Google, &mut connections.google),
        ] {
            let connection = self.identity.connection(&user.key(), provider).await?;
            *slot = ConnectionStatus::shown(connection.map(|c| c.status));
        }
        Ok(Me {
            mailbox: user.mailbox.clone(),
            display_name: user.display_name.clone(),
            sync_enabled: user.sync_enabled,
            connections,
        })
    }

    /// Turns the user's sync on or off (audited); on, it schedules their first session.
    pub async fn set_sync(&self, user: &User, enabled: bool) -> Result<Me, StoreError> {
        let mut user = user.clone();
        user.sync_enabled = enabled;
        self.identity.upsert_user(&user).await?;
        let mut audit = AuditEntry::allowed(
            &user.tenant_id,
            &user.id,
            AuditAction::SettingsSync,
            &user.mailbox,
        );
        audit.detail = Some(if enabled { "on" } else { "off" }.into());
        self.audit.append_audit(&audit).await?;
        if enabled {
            self.sync.schedule(&user.key()).await?;
        }
        self.me(&user).await
    }
}
