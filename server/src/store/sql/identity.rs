//! [`IdentityStore`] in SQL.

use async_trait::async_trait;
use liaison_domain::permissions::GraphRole;

use super::SqlStore;
use super::audit;
use super::db::sql;
use super::identity_rows::{
    DelegationCheckRow, DialogCodeRow, OwnerStandingRow, SeenSession, SignInFlowRow,
};
use crate::clock::now_ms;
use crate::graph::entry_id::AddressBookId;
use crate::store::audit::AuditEntry;
use crate::store::error::StoreError;
use crate::store::identity::{
    AdminConsent, Connection, ConnectionStatus, Delegation, DelegationCheck, IdentityStore,
    LiveSession, NewSession, OwnerStanding, Provider, SessionCutoffs, SignInFlow, SignedIn, Tenant,
    User,
};
use crate::store::ids::{TenantId, UserId, UserKey};

const USER_COLUMNS: &str = "SELECT tenant_id, id, mailbox, display_name, sync_enabled FROM users";
const CONNECTION_COLUMNS: &str = "SELECT tenant_id, user_id, provider, account, account_email, \
     refresh_token, scopes, status, status_reason FROM connections";

#[async_trait]
impl IdentityStore for SqlStore {
    async fn upsert_tenant(&self, tenant: &Tenant) -> Result<(), StoreError> {
        sql(
            "INSERT INTO tenants (id, name, crm_category_name, crm_category_color, insta_sync, \
             sync_interval_minutes, created_at_ms, sync_days_back, sync_days_ahead, \
             breaker_percent, auto_link_policy, auto_link_blocked_domains) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             crm_category_name = excluded.crm_category_name, \
             crm_category_color = excluded.crm_category_color, \
             insta_sync = excluded.insta_sync, \
             sync_interval_minutes = excluded.sync_interval_minutes, \
             sync_days_back = excluded.sync_days_back, \
             sync_days_ahead = excluded.sync_days_ahead, \
             breaker_percent = excluded.breaker_percent, \
             auto_link_policy = excluded.auto_link_policy, \
             auto_link_blocked_domains = excluded.auto_link_blocked_domains",
        )
        .bind(&tenant.id)
        .bind(&tenant.name)
        .bind(&tenant.crm_category_name)
        .bind(&tenant.crm_category_color)
        .bind(tenant.insta_sync)
        .bind(tenant.sync_interval_minutes)
        .bind(now_ms())
        .bind(tenant.sync_days_back)
        .bind(tenant.sync_days_ahead)
        .bind(tenant.breaker_percent)
        .bind(tenant.auto_link_policy.as_str())
        .bind(tenant.auto_link_blocked_domains.to_column())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        sql(
            "SELECT id, name, crm_category_name, crm_category_color, insta_sync, \
             sync_interval_minutes, sync_days_back, sync_days_ahead, breaker_percent, \
             auto_link_policy, auto_link_blocked_domains FROM tenants WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
    }

    async fn upsert_user(&self, user: &User) -> Result<(), StoreError> {
        let mailbox = user.mailbox.to_lowercase();
        let mut tx = self.pool.begin().await?;
        // A mailbox belongs to one user: the one who signed in with it last. A person
        // re-created in the directory (a new object id, the same address) takes it over; the
        // old user keeps their history under a placeholder that names no mailbox.
        sql("UPDATE users SET mailbox = id || '@former.invalid' \
             WHERE tenant_id = $1 AND mailbox = $2 AND id <> $3")
        .bind(&user.tenant_id)
        .bind(&mailbox)
        .bind(&user.id)
        .execute(&mut tx)
        .await?;
        sql(
            "INSERT INTO users (tenant_id, id, mailbox, display_name, sync_enabled, \
             created_at_ms) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant_id, id) DO UPDATE SET mailbox = excluded.mailbox, \
             display_name = excluded.display_name, sync_enabled = excluded.sync_enabled",
        )
        .bind(&user.tenant_id)
        .bind(&user.id)
        .bind(mailbox)
        .bind(&user.display_name)
        .bind(user.sync_enabled)
        .bind(now_ms())
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn user(
        &self,
        tenant_id: &TenantId,
        user_id: &UserId,
    ) -> Result<Option<User>, StoreError> {
        sql(format!("{USER_COLUMNS} WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
    }

    async fn user_by_mailbox(
        &self,
        tenant_id: &TenantId,
        mailbox: &str,
    ) -> Result<Option<User>, StoreError> {
        sql(format!(
            "{USER_COLUMNS} WHERE tenant_id = $1 AND mailbox = $2"
        ))
        .bind(tenant_id)
        .bind(mailbox.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await
    }

    async fn owner_standing(
        &self,
        tenant_id: &TenantId,
        mailbox: &str,
        caller: &UserId,
    ) -> Result<Option<OwnerStanding>, StoreError> {
        let row: Option<OwnerStandingRow> = sql(
            "SELECT u.tenant_id, u.id, u.mailbox, u.display_name, u.sync_enabled, \
             d.graph_role, d.view_read, d.view_can_edit, d.view_can_view_private, \
             d.checked_at_ms, d.client_bits_audited, s.access AS share_access, \
             CASE WHEN c.refresh_token IS NULL THEN NULL ELSE c.status END \
               AS refreshable_status, t.crm_category_name, t.crm_category_color, \
             t.sync_days_back, t.sync_days_ahead, t.auto_link_policy, \
             t.auto_link_blocked_domains, t.insta_sync \
             FROM users u JOIN tenants t ON t.id = u.tenant_id \
             LEFT JOIN delegation_checks d ON d.tenant_id = u.tenant_id \
               AND d.owner_id = u.id AND d.delegate_id = $3 \
             LEFT JOIN crm_calendar_shares s ON s.tenant_id = u.tenant_id \
               AND s.organizer_id = u.id AND s.delegate_id = $3 \
             LEFT JOIN connections c ON c.tenant_id = u.tenant_id AND c.user_id = u.id \
               AND c.provider = $4 \
             WHERE u.tenant_id = $1 AND u.mailbox = $2",
        )
        .bind(tenant_id)
        .bind(mailbox.trim().to_lowercase())
        .bind(caller)
        .bind(Provider::Microsoft.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(OwnerStandingRow::into_standing))
    }

    async fn address_book_id(&self, user: &UserKey) -> Result<Option<AddressBookId>, StoreError> {
        let dn: Option<Option<String>> =
            sql("SELECT address_book_dn FROM users WHERE tenant_id = $1 AND id = $2")
                .bind(&user.tenant_id)
                .bind(&user.user_id)
                .fetch_optional_scalar(&self.pool)
                .await?;
        Ok(dn.flatten().as_deref().and_then(AddressBookId::from_dn))
    }

    async fn set_address_book_id(
        &self,
        user: &UserKey,
        id: &AddressBookId,
    ) -> Result<(), StoreError> {
        sql("UPDATE users SET address_book_dn = $1 WHERE tenant_id = $2 AND id = $3")
            .bind(id.dn())
            .bind(&user.tenant_id)
            .bind(&user.user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn put_delegation_check(
        &self,
        delegation: Delegation<'_>,
        check: &DelegationCheck,
    ) -> Result<(), StoreError> {
        let role = check.graph_role.map(GraphRole::as_str);
        let view = check.view;
        sql(
            "INSERT INTO delegation_checks (tenant_id, owner_id, delegate_id, graph_role, \
             view_read, view_can_edit, view_can_view_private, checked_at_ms, sources_conflict) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (tenant_id, owner_id, delegate_id) DO UPDATE SET \
             graph_role = excluded.graph_role, view_read = excluded.view_read, \
             view_can_edit = excluded.view_can_edit, \
             view_can_view_private = excluded.view_can_view_private, \
             checked_at_ms = excluded.checked_at_ms, \
             sources_conflict = excluded.sources_conflict",
        )
        .bind(delegation.tenant_id)
        .bind(delegation.owner_id)
        .bind(delegation.delegate_id)
        .bind(role)
        .bind(view.is_some())
        .bind(view.is_some_and(|v| v.can_edit))
        .bind(view.is_some_and(|v| v.can_view_private))
        .bind(check.checked_at_ms)
        .bind(liaison_domain::permissions::sources_conflict(
            &check.sources(),
        ))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delegation_check(
        &self,
        delegation: Delegation<'_>,
    ) -> Result<Option<DelegationCheck>, StoreError> {
        let row: Option<DelegationCheckRow> = sql(
            "SELECT graph_role, view_read, view_can_edit, view_can_view_private, checked_at_ms, \
             client_bits_audited FROM delegation_checks \
             WHERE tenant_id = $1 AND owner_id = $2 AND delegate_id = $3",
        )
        .bind(delegation.tenant_id)
        .bind(delegation.owner_id)
        .bind(delegation.delegate_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(DelegationCheck::from))
    }

    async fn note_client_bits(
        &self,
        delegation: Delegation<'_>,
        bits: u8,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql("UPDATE delegation_checks SET client_bits_audited = $4 \
             WHERE tenant_id = $1 AND owner_id = $2 AND delegate_id = $3 \
             AND (client_bits_audited IS NULL OR client_bits_audited <> $4)")
        .bind(delegation.tenant_id)
        .bind(delegation.owner_id)
        .bind(delegation.delegate_id)
        .bind(i32::from(bits))
        .execute(&mut tx)
        .await?;
        if changed > 0 {
            audit::append(&mut tx, entry).await?;
        }
        tx.commit().await
    }

    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql(
            "INSERT INTO sessions (token_hash, tenant_id, user_id, created_at_ms, \
             last_seen_at_ms, expires_at_ms, is_admin, sso_token_hash) \
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
        )
        .bind(&session.token_hash)
        .bind(&session.user.tenant_id)
        .bind(&session.user.user_id)
        .bind(now_ms())
        .bind(session.expires_at_ms)
        .bind(session.is_admin)
        .bind(session.sso.as_ref().map(|s| s.token_hash.as_str()))
        .execute(&mut tx)
        .await?;
        if let Some(sso) = &session.sso {
            sql(
                "DELETE FROM sessions WHERE sso_token_hash = $1 AND token_hash NOT IN \
                 (SELECT token_hash FROM sessions WHERE sso_token_hash = $1 \
                 ORDER BY created_at_ms DESC, token_hash LIMIT $2)",
            )
            .bind(&sso.token_hash)
            .bind(i64::from(sso.keep))
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn use_session(
        &self,
        token_hash: &str,
        now_ms: i64,
        cutoffs: SessionCutoffs,
    ) -> Result<Option<SignedIn>, StoreError> {
        // The user comes with the session: one round trip per request, not two.
        let found: Option<SeenSession> = sql(
            "SELECT u.tenant_id, u.id, u.mailbox, u.display_name, u.sync_enabled, s.is_admin, \
             s.last_seen_at_ms, s.created_at_ms FROM sessions s \
             JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at_ms > $2 AND s.last_seen_at_ms > $3",
        )
        .bind(token_hash)
        .bind(now_ms)
        .bind(cutoffs.idle)
        .fetch_optional(&self.pool)
        .await?;
        let Some(found) = found else {
            return Ok(None);
        };
        if found.last_seen_at_ms < cutoffs.touch {
            sql("UPDATE sessions SET last_seen_at_ms = $2 WHERE token_hash = $1")
                .bind(token_hash)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(SignedIn {
            user: found.user,
            is_admin: found.is_admin && found.created_at_ms > cutoffs.admin,
        }))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sql("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn put_sign_in_flow(&self, flow: &SignInFlow) -> Result<(), StoreError> {
        let started_by = flow.started_by.as_ref();
        sql(
            "INSERT INTO sign_in_flows (state_hash, provider, purpose, code_verifier, nonce, \
             return_to, dialog, tenant_id, user_id, browser_hash, authorization_code, \
             expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&flow.state_hash)
        .bind(flow.provider.as_str())
        .bind(flow.purpose.as_str())
        .bind(&flow.code_verifier)
        .bind(&flow.nonce)
        .bind(&flow.return_to)
        .bind(flow.dialog)
        .bind(started_by.map(|u| u.tenant_id.as_str()))
        .bind(started_by.map(|u| u.user_id.as_str()))
        .bind(&flow.browser_hash)
        .bind(&flow.authorization_code)
        .bind(flow.expires_at_ms)
        .execute(&self.pool)
        .await?;
        // Flows nobody finished are dropped by housekeeping (`Maintenance::purge`).
        Ok(())
    }

    async fn take_sign_in_flow(
        &self,
        state_hash: &str,
        now_ms: i64,
    ) -> Result<Option<SignInFlow>, StoreError> {
        let row: Option<SignInFlowRow> = sql(
            "DELETE FROM sign_in_flows WHERE state_hash = $1 RETURNING provider, purpose, \
             code_verifier, nonce, return_to, dialog, tenant_id, user_id, browser_hash, \
             authorization_code, expires_at_ms",
        )
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .filter(|r| r.expires_at_ms > now_ms)
            .map(|r| SignInFlow {
                state_hash: state_hash.to_owned(),
                provider: r.provider,
                purpose: r.purpose,
                code_verifier: r.code_verifier,
                nonce: r.nonce,
                return_to: r.return_to,
                dialog: r.dialog,
                started_by: r.tenant_id.zip(r.user_id).map(|(t, u)| UserKey::new(t, u)),
                browser_hash: r.browser_hash,
                authorization_code: r.authorization_code,
                expires_at_ms: r.expires_at_ms,
            }))
    }

    async fn put_dialog_code(
        &self,
        code_hash: &str,
        grant: &LiveSession,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        sql(
            "INSERT INTO dialog_codes (code_hash, tenant_id, user_id, expires_at_ms, is_admin) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(code_hash)
        .bind(&grant.tenant_id)
        .bind(&grant.user_id)
        .bind(expires_at_ms)
        .bind(grant.is_admin)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn take_dialog_code(
        &self,
        code_hash: &str,
        now_ms: i64,
    ) -> Result<Option<LiveSession>, StoreError> {
        let row: Option<DialogCodeRow> = sql("DELETE FROM dialog_codes WHERE code_hash = $1 \
             RETURNING tenant_id, user_id, expires_at_ms, is_admin")
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.filter(|r| r.expires_at_ms > now_ms).map(|r| r.grant))
    }

    async fn upsert_connection(&self, c: &Connection) -> Result<(), StoreError> {
        sql(
            "INSERT INTO connections (tenant_id, user_id, provider, account, account_email, \
             refresh_token, scopes, status, status_reason, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (tenant_id, user_id, provider) DO UPDATE SET \
             account = excluded.account, account_email = excluded.account_email, \
             refresh_token = CASE WHEN excluded.refresh_token IS NULL \
                 AND connections.account = excluded.account \
                 THEN connections.refresh_token ELSE excluded.refresh_token END, \
             scopes = excluded.scopes, \
             status = excluded.status, status_reason = excluded.status_reason, \
             updated_at_ms = excluded.updated_at_ms",
        )
        .bind(&c.tenant_id)
        .bind(&c.user_id)
        .bind(c.provider.as_str())
        .bind(&c.account)
        .bind(&c.account_email)
        .bind(&c.refresh_token)
        .bind(&c.scopes)
        .bind(c.status.as_str())
        .bind(&c.status_reason)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn connection(
        &self,
        user: &UserKey,
        provider: Provider,
    ) -> Result<Option<Connection>, StoreError> {
        sql(format!(
            "{CONNECTION_COLUMNS} WHERE tenant_id = $1 AND user_id = $2 AND provider = $3"
        ))
        .bind(&user.tenant_id)
        .bind(&user.user_id)
        .bind(provider.as_str())
        .fetch_optional(&self.pool)
        .await
    }

    async fn connections(&self) -> Result<Vec<Connection>, StoreError> {
        sql(format!(
            "{CONNECTION_COLUMNS} ORDER BY tenant_id, user_id, provider"
        ))
        .fetch_all(&self.pool)
        .await
    }

    async fn replace_refresh_token(
        &self,
        user: &UserKey,
        provider: Provider,
        expected: Option<&str>,
        sealed: &str,
    ) -> Result<bool, StoreError> {
        let replaced = sql(
            "UPDATE connections SET refresh_token = $4, updated_at_ms = $6 \
             WHERE tenant_id = $1 AND user_id = $2 AND provider = $3 \
             AND (refresh_token = $5 OR (refresh_token IS NULL AND $5 IS NULL))",
        )
        .bind(&user.tenant_id)
        .bind(&user.user_id)
        .bind(provider.as_str())
        .bind(sealed)
        .bind(expected)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(replaced == 1)
    }

    async fn set_connection_status(
        &self,
        user: &UserKey,
        provider: Provider,
        status: ConnectionStatus,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        sql(
            "UPDATE connections SET status = $4, status_reason = $5, updated_at_ms = $6 \
             WHERE tenant_id = $1 AND user_id = $2 AND provider = $3",
        )
        .bind(&user.tenant_id)
        .bind(&user.user_id)
        .bind(provider.as_str())
        .bind(status.as_str())
        .bind(reason)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_admin_consent(&self, consent: &AdminConsent) -> Result<(), StoreError> {
        sql(
            "INSERT INTO admin_consents (tenant_id, granted_by_id, scopes, granted_at_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO UPDATE SET \
             granted_by_id = excluded.granted_by_id, scopes = excluded.scopes, \
             granted_at_ms = excluded.granted_at_ms",
        )
        .bind(&consent.tenant_id)
        .bind(&consent.granted_by_id)
        .bind(&consent.scopes)
        .bind(consent.granted_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn admin_consent(
        &self,
        tenant_id: &TenantId,
    ) -> Result<Option<AdminConsent>, StoreError> {
        sql(
            "SELECT tenant_id, granted_by_id, scopes, granted_at_ms FROM admin_consents \
             WHERE tenant_id = $1",
        )
        .bind(tenant_id)
        .fetch_optional(&self.pool)
        .await
    }
}
