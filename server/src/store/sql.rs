//! The SQL behind [`super::Store`], written once for both backends.
//!
//! SQLite and PostgreSQL accept the same statements here (`$n` parameters, `ON CONFLICT`,
//! `RETURNING`, `excluded.`); [`impl_store!`] instantiates them for each backend's native pool
//! and connection types, so each runs on its own driver with no translation layer.
//!
//! Write transactions start with a write, so SQLite takes its write lock at once (waiting up to
//! its busy timeout) instead of failing to upgrade a read lock under contention.

/// Implements [`super::Store`] for `$store` (a struct with a `pool` field) on `$db`.
macro_rules! impl_store {
    ($store:ty, $db:ty, $conn:ty, $backend:expr) => {
        use async_trait::async_trait;
        use liaison_domain::api::{CrmRecord, RecordKind};
        use sqlx::Row;

        use super::model::{
            AdminConsent, AuditEntry, AuditRecord, CalendarView, CategoryRemoval, Connection,
            ConnectionStatus, DelegationCheck, EventTime, EventWrite, FlowPurpose, GraphLink,
            GraphSubscription, Idempotent, IdempotencyKey, JobOutcome, Lease, LiveSession,
            NewRecord, NewSession, Provider, QueuedSave, RecordQuery, SaveCommand, Share,
            SignInFlow, StoredEvent, StoredResponse, StoredStatus, SyncCursor, SyncJob,
            SyncJobStatus, SyncWindow, SyncWrite, Tenant, User,
        };
        use super::{Backend, Store, StoreError, now_ms};

        type Tx<'a> = sqlx::Transaction<'a, $db>;

        /// A subscription's row, as `GraphSubscription` reads it.
        const SUBSCRIPTION_COLUMNS: &str = "SELECT tenant_id, organizer_id, subscription_id, \
             client_state_hash, expires_at_ms FROM graph_subscriptions";

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<(), StoreError> {
                Ok(MIGRATOR.run(&self.pool).await?)
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1")
                    .execute(&self.pool)
                    .await
                    .map(drop)
                    .map_err(StoreError::Unavailable)
            }

            async fn upsert_tenant(&self, tenant: &Tenant) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO tenants (id, name, crm_category_name, crm_category_color, \
                     insta_sync, sync_interval_minutes, created_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                     crm_category_name = excluded.crm_category_name, \
                     crm_category_color = excluded.crm_category_color, \
                     insta_sync = excluded.insta_sync, \
                     sync_interval_minutes = excluded.sync_interval_minutes",
                )
                .bind(&tenant.id)
                .bind(&tenant.name)
                .bind(&tenant.crm_category_name)
                .bind(&tenant.crm_category_color)
                .bind(tenant.insta_sync)
                .bind(tenant.sync_interval_minutes)
                .bind(now_ms())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn tenant(&self, id: &str) -> Result<Option<Tenant>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, name, crm_category_name, crm_category_color, insta_sync, \
                     sync_interval_minutes FROM tenants WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(Tenant {
                        id: r.try_get("id")?,
                        name: r.try_get("name")?,
                        crm_category_name: r.try_get("crm_category_name")?,
                        crm_category_color: r.try_get("crm_category_color")?,
                        insta_sync: r.try_get("insta_sync")?,
                        sync_interval_minutes: r.try_get("sync_interval_minutes")?,
                    })
                })
                .transpose()
            }

            async fn upsert_user(&self, user: &User) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO users (tenant_id, id, mailbox, display_name, sync_enabled, \
                     created_at_ms) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (tenant_id, id) DO UPDATE SET mailbox = excluded.mailbox, \
                     display_name = excluded.display_name, sync_enabled = excluded.sync_enabled",
                )
                .bind(&user.tenant_id)
                .bind(&user.id)
                .bind(user.mailbox.to_lowercase())
                .bind(&user.display_name)
                .bind(user.sync_enabled)
                .bind(now_ms())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn user(&self, tenant_id: &str, user_id: &str) -> Result<Option<User>, StoreError> {
                let row = sqlx::query(
                    "SELECT tenant_id, id, mailbox, display_name, sync_enabled FROM users \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant_id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| user_from(&r)).transpose()
            }

            async fn user_by_mailbox(
                &self,
                tenant_id: &str,
                mailbox: &str,
            ) -> Result<Option<User>, StoreError> {
                let row = sqlx::query(
                    "SELECT tenant_id, id, mailbox, display_name, sync_enabled FROM users \
                     WHERE tenant_id = $1 AND mailbox = $2",
                )
                .bind(tenant_id)
                .bind(mailbox.trim().to_lowercase())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| user_from(&r)).transpose()
            }

            async fn put_delegation_check(
                &self,
                tenant_id: &str,
                owner_id: &str,
                delegate_id: &str,
                check: &DelegationCheck,
            ) -> Result<(), StoreError> {
                let role = check
                    .graph_role
                    .map(|r| serde_json::to_value(r).ok().and_then(|v| v.as_str().map(str::to_owned)))
                    .flatten();
                let view = check.view;
                sqlx::query(
                    "INSERT INTO delegation_checks (tenant_id, owner_id, delegate_id, graph_role, \
                     view_read, view_can_edit, view_can_view_private, checked_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (tenant_id, owner_id, delegate_id) DO UPDATE SET \
                     graph_role = excluded.graph_role, view_read = excluded.view_read, \
                     view_can_edit = excluded.view_can_edit, \
                     view_can_view_private = excluded.view_can_view_private, \
                     checked_at_ms = excluded.checked_at_ms",
                )
                .bind(tenant_id)
                .bind(owner_id)
                .bind(delegate_id)
                .bind(role)
                .bind(view.is_some())
                .bind(view.is_some_and(|v| v.can_edit))
                .bind(view.is_some_and(|v| v.can_view_private))
                .bind(check.checked_at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn delegation_check(
                &self,
                tenant_id: &str,
                owner_id: &str,
                delegate_id: &str,
            ) -> Result<Option<DelegationCheck>, StoreError> {
                let row = sqlx::query(
                    "SELECT graph_role, view_read, view_can_edit, view_can_view_private, \
                     checked_at_ms, client_bits_audited FROM delegation_checks \
                     WHERE tenant_id = $1 AND owner_id = $2 AND delegate_id = $3",
                )
                .bind(tenant_id)
                .bind(owner_id)
                .bind(delegate_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    let role: Option<String> = r.try_get("graph_role")?;
                    let read: bool = r.try_get("view_read")?;
                    let bits: Option<i32> = r.try_get("client_bits_audited")?;
                    Ok(DelegationCheck {
                        graph_role: role.map(|role| {
                            serde_json::from_value(serde_json::Value::String(role))
                                .unwrap_or(liaison_domain::permissions::GraphRole::Custom)
                        }),
                        view: if read {
                            Some(CalendarView {
                                can_edit: r.try_get("view_can_edit")?,
                                can_view_private: r.try_get("view_can_view_private")?,
                            })
                        } else {
                            None
                        },
                        checked_at_ms: r.try_get("checked_at_ms")?,
                        client_bits_audited: bits.and_then(|b| u8::try_from(b).ok()),
                    })
                })
                .transpose()
            }

            async fn note_client_bits(
                &self,
                tenant_id: &str,
                owner_id: &str,
                delegate_id: &str,
                bits: u8,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await.map_err(StoreError::Unavailable)?;
                let changed = sqlx::query(
                    "UPDATE delegation_checks SET client_bits_audited = $4 WHERE tenant_id = $1 \
                     AND owner_id = $2 AND delegate_id = $3 \
                     AND (client_bits_audited IS NULL OR client_bits_audited <> $4)",
                )
                .bind(tenant_id)
                .bind(owner_id)
                .bind(delegate_id)
                .bind(i32::from(bits))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed > 0 {
                    append_audit(&mut tx, audit).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn users_named(
                &self,
                tenant_id: &str,
                display_name: &str,
            ) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT COUNT(*) FROM users WHERE tenant_id = $1 \
                     AND LOWER(display_name) = LOWER($2)",
                )
                .bind(tenant_id)
                .bind(display_name.trim())
                .fetch_one(&self.pool)
                .await?)
            }

            async fn pending_save(
                &self,
                tenant_id: &str,
                organizer_id: &str,
                item_id: &str,
            ) -> Result<bool, StoreError> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM save_outbox WHERE tenant_id = $1 \
                     AND organizer_id = $2 AND item_id = $3",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .bind(item_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(n > 0)
            }

            async fn insert_record(&self, tenant_id: &str, record: &NewRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO crm_records (tenant_id, id, kind, name, email, company, \
                     owner_id, search_text, created_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(tenant_id)
                .bind(&record.id)
                .bind(record.kind.as_str())
                .bind(&record.name)
                .bind(&record.email)
                .bind(&record.company)
                .bind(&record.owner_id)
                .bind(record.search_text())
                .bind(now_ms())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn share_record(
                &self,
                tenant_id: &str,
                record_id: &str,
                user_id: &str,
                share: Share,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO crm_record_shares (tenant_id, record_id, user_id, access) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, record_id, user_id) \
                     DO UPDATE SET access = excluded.access",
                )
                .bind(tenant_id)
                .bind(record_id)
                .bind(user_id)
                .bind(share.as_str())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn search_records(
                &self,
                tenant_id: &str,
                viewer_id: &str,
                query: &RecordQuery,
            ) -> Result<Vec<CrmRecord>, StoreError> {
                let mut sql = String::from(
                    "SELECT r.id, r.kind, r.name, r.email, r.company FROM crm_records r \
                     WHERE r.tenant_id = $1 AND (r.owner_id = $2 OR EXISTS (SELECT 1 FROM \
                     crm_record_shares s WHERE s.tenant_id = r.tenant_id AND s.record_id = r.id \
                     AND s.user_id = $2)) AND ($3 IS NULL OR r.kind = $3) \
                     AND ($4 IS NULL OR r.name > $4 OR (r.name = $4 AND r.id > $5))",
                );
                for n in 0..query.words.len() {
                    sql.push_str(&format!(" AND r.search_text LIKE ${} ESCAPE '\\'", n + 6));
                }
                sql.push_str(&format!(" ORDER BY r.name, r.id LIMIT ${}", query.words.len() + 6));
                let (after_name, after_id) = match &query.after {
                    Some((name, id)) => (Some(name.as_str()), Some(id.as_str())),
                    None => (None, None),
                };
                let mut q = sqlx::query(&sql)
                    .bind(tenant_id)
                    .bind(viewer_id)
                    .bind(query.kind.map(RecordKind::as_str))
                    .bind(after_name)
                    .bind(after_id);
                for word in &query.words {
                    q = q.bind(format!("% {}%", escape_like(&word.to_lowercase())));
                }
                let rows = q.bind(i64::from(query.limit)).fetch_all(&self.pool).await?;
                rows.iter().map(record_from).collect()
            }

            async fn visible_records(
                &self,
                tenant_id: &str,
                viewer_id: &str,
                ids: &[String],
            ) -> Result<Vec<CrmRecord>, StoreError> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let placeholders: Vec<String> = (0..ids.len()).map(|n| format!("${}", n + 3)).collect();
                let sql = format!(
                    "SELECT r.id, r.kind, r.name, r.email, r.company FROM crm_records r \
                     WHERE r.tenant_id = $1 AND (r.owner_id = $2 OR EXISTS (SELECT 1 FROM \
                     crm_record_shares s WHERE s.tenant_id = r.tenant_id AND s.record_id = r.id \
                     AND s.user_id = $2)) AND r.id IN ({}) ORDER BY r.name, r.id",
                    placeholders.join(", ")
                );
                let mut q = sqlx::query(&sql).bind(tenant_id).bind(viewer_id);
                for id in ids {
                    q = q.bind(id);
                }
                let rows = q.fetch_all(&self.pool).await?;
                rows.iter().map(record_from).collect()
            }

            async fn share_crm_calendar(
                &self,
                tenant_id: &str,
                organizer_id: &str,
                delegate_id: &str,
                share: Share,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO crm_calendar_shares (tenant_id, organizer_id, delegate_id, access) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, organizer_id, delegate_id) \
                     DO UPDATE SET access = excluded.access",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .bind(delegate_id)
                .bind(share.as_str())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn crm_calendar_share(
                &self,
                tenant_id: &str,
                organizer_id: &str,
                delegate_id: &str,
            ) -> Result<Option<Share>, StoreError> {
                let access: Option<String> = sqlx::query_scalar(
                    "SELECT access FROM crm_calendar_shares \
                     WHERE tenant_id = $1 AND organizer_id = $2 AND delegate_id = $3",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .bind(delegate_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(access.as_deref().and_then(Share::parse))
            }

            async fn find_event(
                &self,
                tenant_id: &str,
                organizer_id: &str,
                ical_uid: &str,
            ) -> Result<Option<StoredEvent>, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(StoreError::Unavailable)?;
                load_event(&mut conn, tenant_id, organizer_id, ical_uid).await
            }

            async fn item_status(
                &self,
                tenant_id: &str,
                organizer_id: &str,
                ical_uid: &str,
            ) -> Result<Option<StoredStatus>, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(StoreError::Unavailable)?;
                load_status(&mut conn, tenant_id, organizer_id, ical_uid).await
            }

            async fn save_item(
                &self,
                cmd: &SaveCommand,
                audit: &AuditEntry,
                respond: &super::Respond,
            ) -> Result<Idempotent<StoredResponse>, StoreError> {
                let mut tx = self.pool.begin().await.map_err(StoreError::Unavailable)?;
                if let Some(key) = &cmd.idempotency
                    && !claim_key(&mut tx, &cmd.tenant_id, &cmd.actor_id, key).await?
                {
                    tx.rollback().await?;
                    return self.replay(&cmd.tenant_id, &cmd.actor_id, key).await;
                }
                let now = now_ms();
                let tenant = cmd.tenant_id.as_str();
                let event = match &cmd.queue {
                    Some(queued) => {
                        sqlx::query(
                            "INSERT INTO save_outbox (tenant_id, id, organizer_id, ical_uid, \
                             requested_by_id, payload, created_at_ms, item_id) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(tenant)
                        .bind(uuid::Uuid::new_v4().to_string())
                        .bind(&cmd.organizer_id)
                        .bind(&cmd.ical_uid)
                        .bind(&cmd.actor_id)
                        .bind(&queued.payload)
                        .bind(now)
                        .bind(&queued.item_id)
                        .execute(&mut *tx)
                        .await?;
                        if !cmd.ical_uid.is_empty() {
                            set_status(&mut tx, tenant, &cmd.organizer_id, &cmd.ical_uid, "queued", None, now).await?;
                        }
                        None
                    }
                    None => {
                        let Some(event_id) = upsert_event(
                            &mut tx,
                            EventKey { tenant, organizer: &cmd.organizer_id, ical_uid: &cmd.ical_uid },
                            &cmd.event,
                            &cmd.actor_id,
                            (cmd.event_type.as_str(), cmd.series_master_graph_id.as_deref()),
                            now,
                        )
                        .await?
                        else {
                            // Deleted in the CRM meanwhile: it stays deleted.
                            tx.rollback().await?;
                            return Err(StoreError::Deleted);
                        };
                        if let Some(outbox_id) = &cmd.outbox_id {
                            sqlx::query("DELETE FROM save_outbox WHERE tenant_id = $1 AND id = $2")
                                .bind(tenant)
                                .bind(outbox_id)
                                .execute(&mut *tx)
                                .await?;
                        }
                        for record_id in &cmd.link_record_ids {
                            sqlx::query(
                                "INSERT INTO crm_event_records (tenant_id, event_id, record_id, \
                                 linked_by_id, linked_at_ms) VALUES ($1, $2, $3, $4, $5) \
                                 ON CONFLICT (tenant_id, event_id, record_id) DO NOTHING",
                            )
                            .bind(tenant)
                            .bind(&event_id)
                            .bind(record_id)
                            .bind(&cmd.actor_id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        }
                        if let Some(graph_id) = &cmd.graph_event_id {
                            sqlx::query(
                                "INSERT INTO graph_event_links (tenant_id, mailbox_id, \
                                 graph_event_id, event_id) VALUES ($1, $2, $3, $4) \
                                 ON CONFLICT (tenant_id, mailbox_id, graph_event_id) \
                                 DO UPDATE SET event_id = excluded.event_id",
                            )
                            .bind(tenant)
                            .bind(&cmd.organizer_id)
                            .bind(graph_id)
                            .bind(&event_id)
                            .execute(&mut *tx)
                            .await?;
                        }
                        set_status(&mut tx, tenant, &cmd.organizer_id, &cmd.ical_uid, "synced", Some(now), now).await?;
                        load_event(&mut tx, tenant, &cmd.organizer_id, &cmd.ical_uid).await?
                    }
                };
                // A save waiting for its item has no status row yet (its iCalUId is not known).
                let status = load_status(&mut tx, tenant, &cmd.organizer_id, &cmd.ical_uid)
                    .await?
                    .unwrap_or(StoredStatus {
                        state: "queued".into(),
                        synced_at_ms: None,
                        error_code: None,
                        error_message: None,
                    });
                append_audit(&mut tx, audit).await?;
                let response = respond(event.as_ref(), &status);
                if let Some(key) = &cmd.idempotency {
                    store_response(&mut tx, &cmd.tenant_id, &cmd.actor_id, key, &response).await?;
                }
                tx.commit().await?;
                Ok(Idempotent::Fresh(response))
            }

            async fn unlink_record(
                &self,
                tenant_id: &str,
                event_id: &str,
                record_id: &str,
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await.map_err(StoreError::Unavailable)?;
                let removed = sqlx::query(
                    "DELETE FROM crm_event_records \
                     WHERE tenant_id = $1 AND event_id = $2 AND record_id = $3",
                )
                .bind(tenant_id)
                .bind(event_id)
                .bind(record_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if removed == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn detach_item(
                &self,
                tenant_id: &str,
                organizer_id: &str,
                ical_uid: &str,
                event_id: &str,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await.map_err(StoreError::Unavailable)?;
                sqlx::query("DELETE FROM graph_event_links WHERE tenant_id = $1 AND event_id = $2")
                    .bind(tenant_id)
                    .bind(event_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "DELETE FROM item_sync_status \
                     WHERE tenant_id = $1 AND organizer_id = $2 AND ical_uid = $3",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .bind(ical_uid)
                .execute(&mut *tx)
                .await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn check_idempotency(
                &self,
                tenant_id: &str,
                user_id: &str,
                key: &IdempotencyKey,
            ) -> Result<Option<Idempotent<StoredResponse>>, StoreError> {
                let row = sqlx::query(
                    "SELECT request_hash, status, response FROM idempotency_keys \
                     WHERE tenant_id = $1 AND user_id = $2 AND key = $3",
                )
                .bind(tenant_id)
                .bind(user_id)
                .bind(&key.key)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    let hash: String = r.try_get("request_hash")?;
                    if hash != key.request_hash {
                        return Ok(Idempotent::KeyReused);
                    }
                    let status: i32 = r.try_get("status")?;
                    Ok(Idempotent::Replayed(StoredResponse {
                        status: u16::try_from(status).unwrap_or(500),
                        body: r.try_get("response")?,
                    }))
                })
                .transpose()
            }

            async fn record_refusal(
                &self,
                audit: &AuditEntry,
                idempotency: Option<(&IdempotencyKey, &StoredResponse)>,
            ) -> Result<Idempotent<()>, StoreError> {
                let mut tx = self.pool.begin().await.map_err(StoreError::Unavailable)?;
                if let Some((key, response)) = idempotency {
                    if !claim_key(&mut tx, &audit.tenant_id, &audit.actor_id, key).await? {
                        tx.rollback().await?;
                        return Ok(match self.replay(&audit.tenant_id, &audit.actor_id, key).await? {
                            Idempotent::Replayed(stored) => Idempotent::Replayed(stored),
                            _ => Idempotent::KeyReused,
                        });
                    }
                    store_response(&mut tx, &audit.tenant_id, &audit.actor_id, key, response).await?;
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(Idempotent::Fresh(()))
            }

            async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await.map_err(StoreError::Unavailable)?;
                append_audit(&mut tx, entry).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit_log(&self, tenant_id: &str, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT at_ms, tenant_id, actor_id, on_behalf_of_id, action, target, outcome, \
                     reason, detail FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(tenant_id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let outcome: String = r.try_get("outcome")?;
                        Ok(AuditRecord {
                            at_ms: r.try_get("at_ms")?,
                            entry: AuditEntry {
                                tenant_id: r.try_get("tenant_id")?,
                                actor_id: r.try_get("actor_id")?,
                                on_behalf_of_id: r.try_get("on_behalf_of_id")?,
                                action: r.try_get("action")?,
                                target: r.try_get("target")?,
                                allowed: outcome == "allowed",
                                reason: r.try_get("reason")?,
                                detail: r.try_get("detail")?,
                            },
                        })
                    })
                    .collect()
            }

            async fn count_rows(&self, table: super::CountedTable) -> Result<i64, StoreError> {
                let sql = format!("SELECT COUNT(*) FROM {}", table.name());
                Ok(sqlx::query_scalar(&sql).fetch_one(&self.pool).await?)
            }

            async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
                let now = now_ms();
                sqlx::query(
                    "INSERT INTO sessions (token_hash, tenant_id, user_id, created_at_ms, \
                     last_seen_at_ms, expires_at_ms, is_admin) VALUES ($1, $2, $3, $4, $4, $5, $6)",
                )
                .bind(&session.token_hash)
                .bind(&session.tenant_id)
                .bind(&session.user_id)
                .bind(now)
                .bind(session.expires_at_ms)
                .bind(session.is_admin)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn use_session(
                &self,
                token_hash: &str,
                now_ms: i64,
                idle_cutoff_ms: i64,
            ) -> Result<Option<LiveSession>, StoreError> {
                let row = sqlx::query(
                    "UPDATE sessions SET last_seen_at_ms = $2 WHERE token_hash = $1 \
                     AND expires_at_ms > $2 AND last_seen_at_ms > $3 \
                     RETURNING tenant_id, user_id, is_admin",
                )
                .bind(token_hash)
                .bind(now_ms)
                .bind(idle_cutoff_ms)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(LiveSession {
                        tenant_id: r.try_get("tenant_id")?,
                        user_id: r.try_get("user_id")?,
                        is_admin: r.try_get("is_admin")?,
                    })
                })
                .transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn put_sign_in_flow(&self, flow: &SignInFlow) -> Result<(), StoreError> {
                let (tenant_id, user_id) = flow.started_by.clone().unzip();
                sqlx::query(
                    "INSERT INTO sign_in_flows (state_hash, provider, purpose, code_verifier, \
                     nonce, return_to, dialog, tenant_id, user_id, expires_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&flow.state_hash)
                .bind(flow.provider.as_str())
                .bind(flow.purpose.as_str())
                .bind(&flow.code_verifier)
                .bind(&flow.nonce)
                .bind(&flow.return_to)
                .bind(flow.dialog)
                .bind(tenant_id)
                .bind(user_id)
                .bind(flow.expires_at_ms)
                .execute(&self.pool)
                .await?;
                // Flows nobody finished are dropped here, so the table stays small.
                sqlx::query("DELETE FROM sign_in_flows WHERE expires_at_ms < $1")
                    .bind(now_ms())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn take_sign_in_flow(
                &self,
                state_hash: &str,
                now_ms: i64,
            ) -> Result<Option<SignInFlow>, StoreError> {
                let row = sqlx::query(
                    "DELETE FROM sign_in_flows WHERE state_hash = $1 RETURNING provider, \
                     purpose, code_verifier, nonce, return_to, dialog, tenant_id, user_id, \
                     expires_at_ms",
                )
                .bind(state_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let expires_at_ms: i64 = r.try_get("expires_at_ms")?;
                if expires_at_ms <= now_ms {
                    return Ok(None);
                }
                let provider: String = r.try_get("provider")?;
                let purpose: String = r.try_get("purpose")?;
                let tenant_id: Option<String> = r.try_get("tenant_id")?;
                let user_id: Option<String> = r.try_get("user_id")?;
                Ok(Some(SignInFlow {
                    state_hash: state_hash.to_owned(),
                    provider: Provider::parse(&provider)
                        .ok_or_else(|| StoreError::Setup(format!("unknown provider {provider}")))?,
                    purpose: FlowPurpose::parse(&purpose)
                        .ok_or_else(|| StoreError::Setup(format!("unknown purpose {purpose}")))?,
                    code_verifier: r.try_get("code_verifier")?,
                    nonce: r.try_get("nonce")?,
                    return_to: r.try_get("return_to")?,
                    dialog: r.try_get("dialog")?,
                    started_by: tenant_id.zip(user_id),
                    expires_at_ms,
                }))
            }

            async fn put_dialog_code(
                &self,
                code_hash: &str,
                tenant_id: &str,
                user_id: &str,
                is_admin: bool,
                expires_at_ms: i64,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO dialog_codes (code_hash, tenant_id, user_id, expires_at_ms, \
                     is_admin) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(code_hash)
                .bind(tenant_id)
                .bind(user_id)
                .bind(expires_at_ms)
                .bind(is_admin)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn take_dialog_code(
                &self,
                code_hash: &str,
                now_ms: i64,
            ) -> Result<Option<(String, String, bool)>, StoreError> {
                let row = sqlx::query(
                    "DELETE FROM dialog_codes WHERE code_hash = $1 \
                     RETURNING tenant_id, user_id, expires_at_ms, is_admin",
                )
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let expires_at_ms: i64 = r.try_get("expires_at_ms")?;
                if expires_at_ms <= now_ms {
                    return Ok(None);
                }
                Ok(Some((r.try_get("tenant_id")?, r.try_get("user_id")?, r.try_get("is_admin")?)))
            }

            async fn upsert_connection(&self, c: &Connection) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO connections (tenant_id, user_id, provider, account, \
                     account_email, refresh_token, scopes, status, status_reason, updated_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (tenant_id, user_id, provider) DO UPDATE SET \
                     account = excluded.account, account_email = excluded.account_email, \
                     refresh_token = excluded.refresh_token, scopes = excluded.scopes, \
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
                tenant_id: &str,
                user_id: &str,
                provider: Provider,
            ) -> Result<Option<Connection>, StoreError> {
                let row = sqlx::query(
                    "SELECT tenant_id, user_id, provider, account, account_email, \
                     refresh_token, scopes, status, status_reason FROM connections \
                     WHERE tenant_id = $1 AND user_id = $2 AND provider = $3",
                )
                .bind(tenant_id)
                .bind(user_id)
                .bind(provider.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| connection_from(&r)).transpose()
            }

            async fn connections(&self) -> Result<Vec<Connection>, StoreError> {
                let rows = sqlx::query(
                    "SELECT tenant_id, user_id, provider, account, account_email, \
                     refresh_token, scopes, status, status_reason FROM connections \
                     ORDER BY tenant_id, user_id, provider",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(connection_from).collect()
            }

            async fn replace_refresh_token(
                &self,
                tenant_id: &str,
                user_id: &str,
                provider: Provider,
                expected: Option<&str>,
                sealed: &str,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE connections SET refresh_token = $4, updated_at_ms = $6 \
                     WHERE tenant_id = $1 AND user_id = $2 AND provider = $3 \
                     AND (refresh_token = $5 OR (refresh_token IS NULL AND $5 IS NULL))",
                )
                .bind(tenant_id)
                .bind(user_id)
                .bind(provider.as_str())
                .bind(sealed)
                .bind(expected)
                .bind(now_ms())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_connection_status(
                &self,
                tenant_id: &str,
                user_id: &str,
                provider: Provider,
                status: ConnectionStatus,
                reason: Option<&str>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE connections SET status = $4, status_reason = $5, updated_at_ms = $6 \
                     WHERE tenant_id = $1 AND user_id = $2 AND provider = $3",
                )
                .bind(tenant_id)
                .bind(user_id)
                .bind(provider.as_str())
                .bind(status.as_str())
                .bind(reason)
                .bind(now_ms())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn ensure_sync_job(
                &self,
                tenant_id: &str,
                organizer_id: &str,
                window: &SyncWindow,
                now_ms: i64,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO sync_jobs (tenant_id, organizer_id, window_start, window_end, \
                     due_at_ms) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (tenant_id, organizer_id) DO NOTHING",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .bind(&window.start)
                .bind(&window.end)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn claim_sync_job(
                &self,
                only: Option<(&str, &str)>,
                lease: &Lease,
                now_ms: i64,
            ) -> Result<Option<SyncJob>, StoreError> {
                // The pick and the lease are one statement; PostgreSQL skips rows another
                // claimer has locked instead of waiting for them.
                let lock = match $backend {
                    Backend::Postgres => " FOR UPDATE SKIP LOCKED",
                    Backend::Sqlite => "",
                };
                let sql = format!(
                    "UPDATE sync_jobs SET leased_by = $1, lease_until_ms = $2, runs = runs + 1 \
                     WHERE (tenant_id, organizer_id) = (SELECT tenant_id, organizer_id \
                     FROM sync_jobs WHERE (lease_until_ms IS NULL OR lease_until_ms < $3) \
                     AND breaker_tripped_at_ms IS NULL AND (CAST($4 AS TEXT) IS NULL \
                     AND due_at_ms <= $3 OR tenant_id = $4 AND organizer_id = $5) \
                     ORDER BY due_at_ms LIMIT 1{lock}) \
                     RETURNING tenant_id, organizer_id, delta_link, window_start, window_end, \
                     category_id, category_name, breaker_confirmed"
                );
                let row = sqlx::query(&sql)
                    .bind(&lease.worker)
                    .bind(lease.until_ms)
                    .bind(now_ms)
                    .bind(only.map(|o| o.0))
                    .bind(only.map(|o| o.1))
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| {
                    Ok(SyncJob {
                        tenant_id: r.try_get("tenant_id")?,
                        organizer_id: r.try_get("organizer_id")?,
                        delta_link: r.try_get("delta_link")?,
                        window: SyncWindow {
                            start: r.try_get("window_start")?,
                            end: r.try_get("window_end")?,
                        },
                        category_id: r.try_get("category_id")?,
                        category_name: r.try_get("category_name")?,
                        breaker_confirmed: r.try_get("breaker_confirmed")?,
                        lease: lease.clone(),
                    })
                })
                .transpose()
            }

            async fn apply_sync(
                &self,
                job: &SyncJob,
                writes: &[SyncWrite],
                cursor: Option<&SyncCursor>,
                lease_until_ms: i64,
                now_ms: i64,
            ) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await.map_err(StoreError::Unavailable)?;
                // The fence: renewing the lease is the transaction's first write, so a worker
                // whose lease expired (and was taken over) writes nothing.
                let held = sqlx::query(
                    "UPDATE sync_jobs SET lease_until_ms = $1 WHERE tenant_id = $2 \
                     AND organizer_id = $3 AND leased_by = $4 AND lease_until_ms >= $5",
                )
                .bind(lease_until_ms)
                .bind(&job.tenant_id)
                .bind(&job.organizer_id)
                .bind(&job.lease.worker)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if held != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                for write in writes {
                    apply_write(&mut tx, job, write, now_ms).await?;
                }
                if let Some(cursor) = cursor {
                    sqlx::query(
                        "UPDATE sync_jobs SET delta_link = $1, window_start = $2, window_end = $3, \
                         category_id = $4, category_name = $5 WHERE tenant_id = $6 AND organizer_id = $7",
                    )
                    .bind(&cursor.delta_link)
                    .bind(&cursor.window.start)
                    .bind(&cursor.window.end)
                    .bind(&cursor.category_id)
                    .bind(&cursor.category_name)
                    .bind(&job.tenant_id)
                    .bind(&job.organizer_id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn finish_sync_job(
                &self,
                tenant_id: &str,
                organizer_id: &str,
                worker: &str,
                outcome: &JobOutcome,
                now_ms: i64,
            ) -> Result<(), StoreError> {
                let (code, message) = match &outcome.error {
                    Some((code, message)) => (Some(code.as_str()), Some(message.as_str())),
                    None => (None, None),
                };
                sqlx::query(
                    "UPDATE sync_jobs SET leased_by = NULL, lease_until_ms = NULL, due_at_ms = $1, \
                     last_finished_at_ms = $2, last_error_code = $3, last_error_message = $4, \
                     breaker_tripped_at_ms = CASE WHEN $5 THEN $2 ELSE breaker_tripped_at_ms END, \
                     breaker_confirmed = CASE WHEN $5 THEN FALSE ELSE breaker_confirmed AND $3 IS NOT NULL END \
                     WHERE tenant_id = $6 AND organizer_id = $7 AND leased_by = $8",
                )
                .bind(outcome.next_due_ms)
                .bind(now_ms)
                .bind(code)
                .bind(message)
                .bind(outcome.trip_breaker)
                .bind(tenant_id)
                .bind(organizer_id)
                .bind(worker)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn sync_job_status(
                &self,
                tenant_id: &str,
                organizer_id: &str,
            ) -> Result<Option<SyncJobStatus>, StoreError> {
                let row = sqlx::query(
                    "SELECT due_at_ms, lease_until_ms, runs, delta_link, last_finished_at_ms, \
                     last_error_code, last_error_message, breaker_tripped_at_ms FROM sync_jobs \
                     WHERE tenant_id = $1 AND organizer_id = $2",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .fetch_optional(&self.pool)
                .await?;
                let now = now_ms();
                row.map(|r| {
                    Ok(SyncJobStatus {
                        due_at_ms: r.try_get("due_at_ms")?,
                        running: r
                            .try_get::<Option<i64>, _>("lease_until_ms")?
                            .is_some_and(|until| until >= now),
                        runs: r.try_get("runs")?,
                        has_cursor: r.try_get::<Option<String>, _>("delta_link")?.is_some(),
                        last_finished_at_ms: r.try_get("last_finished_at_ms")?,
                        last_error_code: r.try_get("last_error_code")?,
                        last_error_message: r.try_get("last_error_message")?,
                        breaker_tripped: r
                            .try_get::<Option<i64>, _>("breaker_tripped_at_ms")?
                            .is_some(),
                    })
                })
                .transpose()
            }

            async fn reset_sync_breaker(
                &self,
                tenant_id: &str,
                organizer_id: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE sync_jobs SET breaker_tripped_at_ms = NULL, breaker_confirmed = TRUE, \
                     last_error_code = NULL, last_error_message = NULL, due_at_ms = 0 WHERE tenant_id = $1 AND organizer_id = $2",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn graph_links(
                &self,
                tenant_id: &str,
                organizer_id: &str,
                graph_ids: &[String],
            ) -> Result<Vec<(String, GraphLink)>, StoreError> {
                let mut links = Vec::new();
                // A few hundred ids per statement: well under both backends' parameter limits.
                for chunk in graph_ids.chunks(500) {
                    let placeholders: Vec<String> =
                        (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
                    let sql = format!(
                        "SELECT l.graph_event_id, l.event_id, l.via_category, l.following, \
                         e.ical_uid, e.event_type, e.deleted_at_ms, e.starts_at_ms, e.start_date \
                         FROM graph_event_links l \
                         JOIN crm_events e ON e.tenant_id = l.tenant_id AND e.id = l.event_id \
                         WHERE l.tenant_id = $1 AND l.mailbox_id = $2 \
                         AND l.graph_event_id IN ({})",
                        placeholders.join(", ")
                    );
                    let mut query = sqlx::query(&sql).bind(tenant_id).bind(organizer_id);
                    for id in chunk {
                        query = query.bind(id);
                    }
                    for row in query.fetch_all(&self.pool).await? {
                        links.push((row.try_get("graph_event_id")?, link_from(&row)?));
                    }
                }
                Ok(links)
            }

            async fn followed_in_window(
                &self,
                tenant_id: &str,
                organizer_id: &str,
                start_ms: i64,
                end_ms: i64,
            ) -> Result<Vec<String>, StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT l.graph_event_id FROM graph_event_links l JOIN crm_events e \
                     ON e.tenant_id = l.tenant_id AND e.id = l.event_id \
                     WHERE l.tenant_id = $1 AND l.mailbox_id = $2 AND l.following \
                     AND e.cancelled_at_ms IS NULL AND e.deleted_at_ms IS NULL \
                     AND e.event_type <> 'seriesMaster' \
                     AND e.starts_at_ms >= $3 AND e.starts_at_ms < $4",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .bind(start_ms)
                .bind(end_ms)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn active_synced_events(
                &self,
                tenant_id: &str,
                organizer_id: &str,
            ) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT COUNT(*) FROM crm_events WHERE tenant_id = $1 AND organizer_id = $2 \
                     AND cancelled_at_ms IS NULL AND deleted_at_ms IS NULL",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .fetch_one(&self.pool)
                .await?)
            }

            async fn drop_queued_save(
                &self,
                tenant_id: &str,
                outbox_id: &str,
                audit: Option<&AuditEntry>,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await.map_err(StoreError::Unavailable)?;
                sqlx::query("DELETE FROM save_outbox WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant_id)
                    .bind(outbox_id)
                    .execute(&mut *tx)
                    .await?;
                if let Some(audit) = audit {
                    append_audit(&mut tx, audit).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn queued_saves(
                &self,
                tenant_id: &str,
                organizer_id: &str,
            ) -> Result<Vec<QueuedSave>, StoreError> {
                Ok(sqlx::query_as::<_, QueuedSave>(
                    "SELECT id, requested_by_id, payload FROM save_outbox WHERE tenant_id = $1 \
                     AND organizer_id = $2 ORDER BY created_at_ms, id",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn delete_crm_event(
                &self,
                tenant_id: &str,
                event_id: &str,
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await.map_err(StoreError::Unavailable)?;
                let now = now_ms();
                let deleted = sqlx::query(
                    "UPDATE crm_events SET deleted_at_ms = $1, updated_at_ms = $1, \
                     version = version + 1 WHERE tenant_id = $2 AND id = $3 \
                     AND deleted_at_ms IS NULL",
                )
                .bind(now)
                .bind(tenant_id)
                .bind(event_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if deleted == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO category_removals (tenant_id, mailbox_id, graph_event_id, \
                     event_id, requested_at_ms) SELECT tenant_id, mailbox_id, graph_event_id, \
                     event_id, $1 FROM graph_event_links WHERE tenant_id = $2 AND event_id = $3 \
                     ON CONFLICT (tenant_id, mailbox_id, graph_event_id) DO NOTHING",
                )
                .bind(now)
                .bind(tenant_id)
                .bind(event_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE graph_event_links SET following = FALSE WHERE tenant_id = $1 \
                     AND event_id = $2",
                )
                .bind(tenant_id)
                .bind(event_id)
                .execute(&mut *tx)
                .await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn put_subscription(&self, sub: &GraphSubscription) -> Result<(), StoreError> {
                sqlx::query(
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
                Ok(sqlx::query_as::<_, GraphSubscription>(&format!(
                    "{SUBSCRIPTION_COLUMNS} WHERE subscription_id = $1"
                ))
                .bind(subscription_id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn organizer_subscription(
                &self,
                tenant_id: &str,
                organizer_id: &str,
            ) -> Result<Option<GraphSubscription>, StoreError> {
                Ok(sqlx::query_as::<_, GraphSubscription>(&format!(
                    "{SUBSCRIPTION_COLUMNS} WHERE tenant_id = $1 AND organizer_id = $2"
                ))
                .bind(tenant_id)
                .bind(organizer_id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn set_subscription_expiry(
                &self,
                subscription_id: &str,
                expires_at_ms: i64,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE graph_subscriptions SET expires_at_ms = $1 WHERE subscription_id = $2",
                )
                .bind(expires_at_ms)
                .bind(subscription_id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn delete_subscription(&self, subscription_id: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM graph_subscriptions WHERE subscription_id = $1")
                    .bind(subscription_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn request_sync(
                &self,
                tenant_id: &str,
                organizer_id: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE sync_jobs SET due_at_ms = 0 WHERE tenant_id = $1 AND organizer_id = $2",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn event_organizer(
                &self,
                tenant_id: &str,
                event_id: &str,
            ) -> Result<Option<String>, StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT organizer_id FROM crm_events WHERE tenant_id = $1 AND id = $2 \
                     AND deleted_at_ms IS NULL",
                )
                .bind(tenant_id)
                .bind(event_id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn category_removals(
                &self,
                tenant_id: &str,
                organizer_id: &str,
            ) -> Result<Vec<CategoryRemoval>, StoreError> {
                Ok(sqlx::query_as::<_, CategoryRemoval>(
                    "SELECT r.graph_event_id, r.event_id, r.attempts, e.ical_uid \
                     FROM category_removals r JOIN crm_events e \
                     ON e.tenant_id = r.tenant_id AND e.id = r.event_id \
                     WHERE r.tenant_id = $1 AND r.mailbox_id = $2 ORDER BY r.requested_at_ms",
                )
                .bind(tenant_id)
                .bind(organizer_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn finish_category_removal(
                &self,
                tenant_id: &str,
                organizer_id: &str,
                removal: &CategoryRemoval,
                failure: Option<&str>,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await.map_err(StoreError::Unavailable)?;
                let now = now_ms();
                match failure {
                    None => {
                        sqlx::query(
                            "DELETE FROM category_removals WHERE tenant_id = $1 AND mailbox_id = $2 \
                             AND graph_event_id = $3",
                        )
                        .bind(tenant_id)
                        .bind(organizer_id)
                        .bind(&removal.graph_event_id)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(
                            "DELETE FROM item_sync_status WHERE tenant_id = $1 \
                             AND organizer_id = $2 AND ical_uid = $3",
                        )
                        .bind(tenant_id)
                        .bind(organizer_id)
                        .bind(&removal.ical_uid)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Some(message) => {
                        sqlx::query(
                            "UPDATE category_removals SET attempts = attempts + 1, last_error = $1 \
                             WHERE tenant_id = $2 AND mailbox_id = $3 AND graph_event_id = $4",
                        )
                        .bind(message)
                        .bind(tenant_id)
                        .bind(organizer_id)
                        .bind(&removal.graph_event_id)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(
                            "INSERT INTO item_sync_status (tenant_id, organizer_id, ical_uid, state, \
                             error_code, error_message, attempts, updated_at_ms) \
                             VALUES ($1, $2, $3, 'failed', 'category_not_removed', $4, 1, $5) \
                             ON CONFLICT (tenant_id, organizer_id, ical_uid) DO UPDATE SET \
                             state = 'failed', error_code = excluded.error_code, \
                             error_message = excluded.error_message, \
                             attempts = item_sync_status.attempts + 1, updated_at_ms = excluded.updated_at_ms",
                        )
                        .bind(tenant_id)
                        .bind(organizer_id)
                        .bind(&removal.ical_uid)
                        .bind(message)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn record_admin_consent(&self, consent: &AdminConsent) -> Result<(), StoreError> {
                sqlx::query(
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

            async fn admin_consent(&self, tenant_id: &str) -> Result<Option<AdminConsent>, StoreError> {
                let row = sqlx::query(
                    "SELECT tenant_id, granted_by_id, scopes, granted_at_ms FROM admin_consents \
                     WHERE tenant_id = $1",
                )
                .bind(tenant_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(AdminConsent {
                        tenant_id: r.try_get("tenant_id")?,
                        granted_by_id: r.try_get("granted_by_id")?,
                        scopes: r.try_get("scopes")?,
                        granted_at_ms: r.try_get("granted_at_ms")?,
                    })
                })
                .transpose()
            }
        }

        impl $store {
            async fn replay(
                &self,
                tenant_id: &str,
                user_id: &str,
                key: &IdempotencyKey,
            ) -> Result<Idempotent<StoredResponse>, StoreError> {
                Ok(self
                    .check_idempotency(tenant_id, user_id, key)
                    .await?
                    .unwrap_or(Idempotent::KeyReused))
            }
        }

        /// Claims `key` for this transaction; `false` when it was claimed before.
        async fn claim_key(
            tx: &mut Tx<'_>,
            tenant_id: &str,
            user_id: &str,
            key: &IdempotencyKey,
        ) -> Result<bool, StoreError> {
            let claimed = sqlx::query(
                "INSERT INTO idempotency_keys (tenant_id, user_id, key, request_hash, status, \
                 response, created_at_ms) VALUES ($1, $2, $3, $4, 0, '', $5) \
                 ON CONFLICT (tenant_id, user_id, key) DO NOTHING",
            )
            .bind(tenant_id)
            .bind(user_id)
            .bind(&key.key)
            .bind(&key.request_hash)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?
            .rows_affected();
            Ok(claimed == 1)
        }

        async fn store_response(
            tx: &mut Tx<'_>,
            tenant_id: &str,
            user_id: &str,
            key: &IdempotencyKey,
            response: &StoredResponse,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE idempotency_keys SET status = $1, response = $2 \
                 WHERE tenant_id = $3 AND user_id = $4 AND key = $5",
            )
            .bind(i32::from(response.status))
            .bind(&response.body)
            .bind(tenant_id)
            .bind(user_id)
            .bind(&key.key)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// The key of a CRM event: one per (tenant, Organizer, iCalUId).
        #[derive(Clone, Copy)]
        struct EventKey<'a> {
            tenant: &'a str,
            organizer: &'a str,
            ical_uid: &'a str,
        }

        /// Creates or updates the one CRM event of (organizer, iCalUId) from Graph's account of
        /// the meeting (so a live item lifts a cancellation); returns its id. Never brings back
        /// an event deleted in the CRM (`None`).
        async fn upsert_event(
            tx: &mut Tx<'_>,
            key: EventKey<'_>,
            write: &EventWrite,
            actor_id: &str,
            (event_type, series_master): (&str, Option<&str>),
            now: i64,
        ) -> Result<Option<String>, StoreError> {
            let (starts, ends, start_date, end_date) = match &write.time {
                EventTime::Timed { start_ms, end_ms } => (Some(*start_ms), Some(*end_ms), None, None),
                EventTime::AllDay { start_date, end_date } => {
                    (None, None, Some(start_date.as_str()), Some(end_date.as_str()))
                }
            };
            let attendees = serde_json::to_string(&write.attendees).unwrap_or_else(|_| "[]".into());
            Ok(sqlx::query_scalar(
                "INSERT INTO crm_events (tenant_id, id, organizer_id, ical_uid, subject, \
                 starts_at_ms, ends_at_ms, start_date, end_date, time_zone, location, is_private, \
                 created_by_id, modified_by_id, created_at_ms, updated_at_ms, event_type, \
                 series_master_graph_id, attendees) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18, $19) \
                 ON CONFLICT (tenant_id, organizer_id, ical_uid) DO UPDATE SET \
                 subject = excluded.subject, starts_at_ms = excluded.starts_at_ms, \
                 ends_at_ms = excluded.ends_at_ms, start_date = excluded.start_date, \
                 end_date = excluded.end_date, time_zone = excluded.time_zone, \
                 location = excluded.location, is_private = excluded.is_private, \
                 attendees = excluded.attendees, \
                 modified_by_id = excluded.modified_by_id, updated_at_ms = excluded.updated_at_ms, \
                 event_type = excluded.event_type, \
                 series_master_graph_id = excluded.series_master_graph_id, \
                 cancelled_at_ms = NULL, version = crm_events.version + 1 \
                 WHERE crm_events.deleted_at_ms IS NULL \
                 RETURNING id",
            )
            .bind(key.tenant)
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(key.organizer)
            .bind(key.ical_uid)
            .bind(&write.subject)
            .bind(starts)
            .bind(ends)
            .bind(start_date)
            .bind(end_date)
            .bind(&write.time_zone)
            .bind(&write.location)
            .bind(write.is_private)
            .bind(actor_id)
            .bind(actor_id)
            .bind(now)
            .bind(now)
            .bind(event_type)
            .bind(series_master)
            .bind(attendees)
            .fetch_optional(&mut **tx)
            .await?)
        }

        fn link_from(r: &<$db as sqlx::Database>::Row) -> Result<GraphLink, StoreError> {
            Ok(GraphLink {
                event_id: r.try_get("event_id")?,
                ical_uid: r.try_get("ical_uid")?,
                via_category: r.try_get("via_category")?,
                following: r.try_get("following")?,
                event_type: r.try_get("event_type")?,
                deleted: r.try_get::<Option<i64>, _>("deleted_at_ms")?.is_some(),
                starts_at_ms: r.try_get::<Option<i64>, _>("starts_at_ms")?.or_else(|| {
                    r.try_get::<Option<String>, _>("start_date")
                        .ok()
                        .flatten()
                        .and_then(|d| crate::instant::from_rfc3339(&format!("{d}T00:00:00Z")))
                }),
            })
        }

        /// Writes one change of a sync session.
        async fn apply_write(
            tx: &mut Tx<'_>,
            job: &SyncJob,
            write: &SyncWrite,
            now: i64,
        ) -> Result<(), StoreError> {
            let tenant = job.tenant_id.as_str();
            let organizer = job.organizer_id.as_str();
            match write {
                SyncWrite::Upsert(item) => {
                    let key = EventKey { tenant, organizer, ical_uid: &item.ical_uid };
                    let recurrence = (item.event_type.as_str(), item.series_master_graph_id.as_deref());
                    let Some(event_id) =
                        upsert_event(tx, key, &item.write, organizer, recurrence, now).await?
                    else {
                        return Ok(());
                    };
                    sqlx::query(
                        "INSERT INTO graph_event_links (tenant_id, mailbox_id, graph_event_id, \
                         event_id, via_category, following) VALUES ($1, $2, $3, $4, $5, TRUE) \
                         ON CONFLICT (tenant_id, mailbox_id, graph_event_id) DO UPDATE SET \
                         event_id = excluded.event_id, following = TRUE, \
                         via_category = graph_event_links.via_category OR excluded.via_category",
                    )
                    .bind(tenant)
                    .bind(organizer)
                    .bind(&item.graph_id)
                    .bind(&event_id)
                    .bind(item.via_category)
                    .execute(&mut **tx)
                    .await?;
                    set_status(tx, tenant, organizer, &item.ical_uid, "synced", Some(now), now).await?;
                }
                SyncWrite::Cancel { graph_id } => {
                    sqlx::query(
                        "UPDATE crm_events SET cancelled_at_ms = $1, updated_at_ms = $1, \
                         version = version + 1 WHERE tenant_id = $2 AND cancelled_at_ms IS NULL \
                         AND id = (SELECT event_id FROM graph_event_links WHERE tenant_id = $2 \
                         AND mailbox_id = $3 AND graph_event_id = $4 AND following)",
                    )
                    .bind(now)
                    .bind(tenant)
                    .bind(organizer)
                    .bind(graph_id)
                    .execute(&mut **tx)
                    .await?;
                }
                SyncWrite::Unfollow { graph_id } => {
                    sqlx::query(
                        "UPDATE graph_event_links SET following = FALSE WHERE tenant_id = $1 \
                         AND mailbox_id = $2 AND graph_event_id = $3",
                    )
                    .bind(tenant)
                    .bind(organizer)
                    .bind(graph_id)
                    .execute(&mut **tx)
                    .await?;
                }
                SyncWrite::BecameSeries { graph_id } => {
                    sqlx::query(
                        "UPDATE crm_events SET event_type = 'seriesMaster', updated_at_ms = $1, \
                         version = version + 1 WHERE tenant_id = $2 AND event_type <> 'seriesMaster' \
                         AND id = (SELECT event_id FROM graph_event_links WHERE tenant_id = $2 \
                         AND mailbox_id = $3 AND graph_event_id = $4)",
                    )
                    .bind(now)
                    .bind(tenant)
                    .bind(organizer)
                    .bind(graph_id)
                    .execute(&mut **tx)
                    .await?;
                }
            }
            Ok(())
        }

        async fn set_status(
            tx: &mut Tx<'_>,
            tenant_id: &str,
            organizer_id: &str,
            ical_uid: &str,
            state: &str,
            synced_at: Option<i64>,
            now: i64,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO item_sync_status (tenant_id, organizer_id, ical_uid, state, \
                 synced_at_ms, error_code, error_message, attempts, updated_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, NULL, NULL, 0, $6) \
                 ON CONFLICT (tenant_id, organizer_id, ical_uid) DO UPDATE SET \
                 state = excluded.state, \
                 synced_at_ms = COALESCE(excluded.synced_at_ms, item_sync_status.synced_at_ms), \
                 error_code = NULL, error_message = NULL, updated_at_ms = excluded.updated_at_ms",
            )
            .bind(tenant_id)
            .bind(organizer_id)
            .bind(ical_uid)
            .bind(state)
            .bind(synced_at)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn append_audit(tx: &mut Tx<'_>, entry: &AuditEntry) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO audit_log (at_ms, tenant_id, actor_id, on_behalf_of_id, action, \
                 target, outcome, reason, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(now_ms())
            .bind(&entry.tenant_id)
            .bind(&entry.actor_id)
            .bind(&entry.on_behalf_of_id)
            .bind(&entry.action)
            .bind(&entry.target)
            .bind(if entry.allowed { "allowed" } else { "refused" })
            .bind(&entry.reason)
            .bind(&entry.detail)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn load_event(
            conn: &mut $conn,
            tenant_id: &str,
            organizer_id: &str,
            ical_uid: &str,
        ) -> Result<Option<StoredEvent>, StoreError> {
            let Some(r) = sqlx::query(
                "SELECT e.id, e.ical_uid, e.subject, e.starts_at_ms, e.ends_at_ms, e.start_date, \
                 e.end_date, e.time_zone, e.location, e.is_private, e.cancelled_at_ms, \
                 e.deleted_at_ms, e.attendees, \
                 o.mailbox AS organizer_mailbox, c.mailbox AS created_by_mailbox, \
                 m.mailbox AS modified_by_mailbox FROM crm_events e \
                 JOIN users o ON o.tenant_id = e.tenant_id AND o.id = e.organizer_id \
                 LEFT JOIN users c ON c.tenant_id = e.tenant_id AND c.id = e.created_by_id \
                 LEFT JOIN users m ON m.tenant_id = e.tenant_id AND m.id = e.modified_by_id \
                 WHERE e.tenant_id = $1 AND e.organizer_id = $2 AND e.ical_uid = $3",
            )
            .bind(tenant_id)
            .bind(organizer_id)
            .bind(ical_uid)
            .fetch_optional(&mut *conn)
            .await?
            else {
                return Ok(None);
            };
            let id: String = r.try_get("id")?;
            let starts: Option<i64> = r.try_get("starts_at_ms")?;
            let ends: Option<i64> = r.try_get("ends_at_ms")?;
            let start_date: Option<String> = r.try_get("start_date")?;
            let end_date: Option<String> = r.try_get("end_date")?;
            let time = match (starts, ends, start_date, end_date) {
                (Some(start_ms), Some(end_ms), _, _) => EventTime::Timed { start_ms, end_ms },
                (_, _, Some(start_date), Some(end_date)) => EventTime::AllDay { start_date, end_date },
                _ => return Err(StoreError::Setup(format!("CRM event {id} has no time"))),
            };
            let cancelled_at: Option<i64> = r.try_get("cancelled_at_ms")?;
            let deleted_at: Option<i64> = r.try_get("deleted_at_ms")?;
            let attendees: String = r.try_get("attendees")?;
            let records = sqlx::query(
                "SELECT r.id, r.kind, r.name, r.email, r.company FROM crm_event_records l \
                 JOIN crm_records r ON r.tenant_id = l.tenant_id AND r.id = l.record_id \
                 WHERE l.tenant_id = $1 AND l.event_id = $2 ORDER BY r.name, r.id",
            )
            .bind(tenant_id)
            .bind(&id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(record_from)
            .collect::<Result<Vec<_>, _>>()?;
            Ok(Some(StoredEvent {
                organizer_mailbox: r.try_get("organizer_mailbox")?,
                ical_uid: r.try_get("ical_uid")?,
                write: EventWrite {
                    subject: r.try_get("subject")?,
                    time,
                    time_zone: r.try_get("time_zone")?,
                    location: r.try_get("location")?,
                    attendees: serde_json::from_str(&attendees).unwrap_or_default(),
                    is_private: r.try_get("is_private")?,
                },
                cancelled: cancelled_at.is_some(),
                deleted: deleted_at.is_some(),
                created_by_mailbox: r
                    .try_get::<Option<String>, _>("created_by_mailbox")?
                    .unwrap_or_default(),
                modified_by_mailbox: r
                    .try_get::<Option<String>, _>("modified_by_mailbox")?
                    .unwrap_or_default(),
                records,
                id,
            }))
        }

        async fn load_status(
            conn: &mut $conn,
            tenant_id: &str,
            organizer_id: &str,
            ical_uid: &str,
        ) -> Result<Option<StoredStatus>, StoreError> {
            let row = sqlx::query(
                "SELECT state, synced_at_ms, error_code, error_message FROM item_sync_status \
                 WHERE tenant_id = $1 AND organizer_id = $2 AND ical_uid = $3",
            )
            .bind(tenant_id)
            .bind(organizer_id)
            .bind(ical_uid)
            .fetch_optional(&mut *conn)
            .await?;
            row.map(|r| {
                Ok(StoredStatus {
                    state: r.try_get("state")?,
                    synced_at_ms: r.try_get("synced_at_ms")?,
                    error_code: r.try_get("error_code")?,
                    error_message: r.try_get("error_message")?,
                })
            })
            .transpose()
        }

        fn connection_from(r: &<$db as sqlx::Database>::Row) -> Result<Connection, StoreError> {
            let provider: String = r.try_get("provider")?;
            let status: String = r.try_get("status")?;
            Ok(Connection {
                tenant_id: r.try_get("tenant_id")?,
                user_id: r.try_get("user_id")?,
                provider: Provider::parse(&provider)
                    .ok_or_else(|| StoreError::Setup(format!("unknown provider {provider}")))?,
                account: r.try_get("account")?,
                account_email: r.try_get("account_email")?,
                refresh_token: r.try_get("refresh_token")?,
                scopes: r.try_get("scopes")?,
                status: if status == "needs_reconnect" {
                    ConnectionStatus::NeedsReconnect
                } else {
                    ConnectionStatus::Connected
                },
                status_reason: r.try_get("status_reason")?,
            })
        }

        fn user_from(r: &<$db as sqlx::Database>::Row) -> Result<User, StoreError> {
            Ok(User {
                tenant_id: r.try_get("tenant_id")?,
                id: r.try_get("id")?,
                mailbox: r.try_get("mailbox")?,
                display_name: r.try_get("display_name")?,
                sync_enabled: r.try_get("sync_enabled")?,
            })
        }

        fn record_from(r: &<$db as sqlx::Database>::Row) -> Result<CrmRecord, StoreError> {
            let kind: String = r.try_get("kind")?;
            Ok(CrmRecord {
                id: r.try_get("id")?,
                kind: RecordKind::parse(&kind)
                    .ok_or_else(|| StoreError::Setup(format!("unknown record kind {kind}")))?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                company: r.try_get("company")?,
            })
        }

        /// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
        fn escape_like(text: &str) -> String {
            let mut out = String::with_capacity(text.len());
            for c in text.chars() {
                if matches!(c, '%' | '_' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        }
    };
}

pub(super) use impl_store;
