//! Records one at a time: create, read, change at a version, delete, restore, share; CRM
//! calendar shares; a record's history; the export's stream.

use liaison_domain::api::{
    CalendarShares, RecordDetail, RecordEvents, RecordFields, RecordInput, RecordKind, RecordShare,
    ShareAccess,
};
use liaison_domain::permissions::{CrmAccess, RecordRights, record_rights};

use super::error::RecordError;
use super::service::{Reader, Records};
use super::{export, present};
use crate::store::{
    AuditAction, AuditEntry, IdempotencyKey, Idempotent, RecordCreate, RecordEventsQuery,
    RecordRead, RecordWrite, Share, StoredResponse, User,
};

/// A record's history, per page.
const DEFAULT_EVENTS: u32 = 50;
const MAX_EVENTS: u32 = 200;

impl Records {
    /// Creates a record the reader owns; under an `Idempotency-Key`, the first answer again.
    pub async fn create(
        &self,
        who: Reader<'_>,
        input: &RecordInput,
        key: Option<&str>,
    ) -> Result<StoredResponse, RecordError> {
        let idempotency = key.map(|key| idempotency(key, input)).transpose()?;
        let kind = input.kind.unwrap_or(RecordKind::Contact);
        let fields = input.apply(&RecordFields::empty(kind), true)?;
        self.check_account(who, &fields).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let audit = audit(who.user, AuditAction::CrmRecordCreate, &id, kind.as_str());
        let is_admin = who.is_admin;
        let respond = move |record: &crate::store::StoredRecord| {
            let rights = record_rights(true, is_admin, CrmAccess::None);
            let body = present::detail(record, rights, Vec::new());
            StoredResponse {
                status: 201,
                body: serde_json::to_string(&body).unwrap_or_default(),
            }
        };
        let answer = self
            .records
            .create_record(
                RecordCreate {
                    tenant_id: &who.user.tenant_id,
                    id: &id,
                    fields: &fields,
                    owner_id: &who.user.id,
                },
                &audit,
                idempotency.as_ref(),
                &respond,
            )
            .await?;
        match answer {
            Idempotent::Fresh(response) | Idempotent::Replayed(response) => Ok(response),
            Idempotent::KeyReused => Err(RecordError::KeyReused),
        }
    }

    /// The tenant's live records (of `kind`, when given) as CSV, streamed.
    pub fn export(
        &self,
        tenant_id: &crate::store::TenantId,
        kind: Option<RecordKind>,
    ) -> impl futures::Stream<Item = Result<String, crate::store::StoreError>> + Send + 'static
    {
        export::export(self.records.clone(), tenant_id.clone(), kind)
    }

    /// The CRM's changes after the cursor `after` (none: from the start), oldest first: for
    /// administrators, who mirror the store elsewhere.
    pub async fn changes(
        &self,
        who: Reader<'_>,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<liaison_domain::api::ChangePage, RecordError> {
        if !who.is_admin {
            return Err(RecordError::AdminOnly);
        }
        let after = match after.map(str::trim).filter(|a| !a.is_empty()) {
            None => 0,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| RecordError::invalid("after", "a cursor this feed gave out"))?,
        };
        let limit = limit.unwrap_or(100);
        if !(1..=export::MAX_CHANGES).contains(&limit) {
            return Err(RecordError::invalid(
                "limit",
                &format!("must be from 1 to {}", export::MAX_CHANGES),
            ));
        }
        Ok(export::change_page(self.feed.as_ref(), &who.user.tenant_id, after, limit).await?)
    }

    /// The record, to one who may see it (administrators also a deleted one).
    pub async fn get(&self, who: Reader<'_>, id: &str) -> Result<RecordDetail, RecordError> {
        let (read, rights) = self.visible(who, id, true).await?;
        let shares = self.shares(who, rights, id).await?;
        Ok(present::detail(&read.record, rights, shares))
    }

    /// Writes the input over the record at `version` (what `If-Match` named).
    pub async fn update(
        &self,
        who: Reader<'_>,
        id: &str,
        input: &RecordInput,
        version: i64,
    ) -> Result<RecordDetail, RecordError> {
        let (read, rights) = self.visible(who, id, false).await?;
        if rights.edit_refusal().is_some() {
            return Err(RecordError::ReadOnly);
        }
        let fields = input.apply(&read.record.fields, false)?;
        if fields.account_id != read.record.fields.account_id {
            self.check_account(who, &fields).await?;
        }
        let audit = audit(
            who.user,
            AuditAction::CrmRecordUpdate,
            id,
            &format!("version {version}"),
        );
        let written = self
            .records
            .update_record(
                &who.user.tenant_id,
                id,
                &fields,
                version,
                &who.user.id,
                &audit,
            )
            .await?;
        self.written(who, rights, written).await
    }

    /// Deletes the record (softly: an administrator can restore it).
    pub async fn delete(
        &self,
        who: Reader<'_>,
        id: &str,
        version: Option<i64>,
    ) -> Result<(), RecordError> {
        let (_, rights) = self.visible(who, id, false).await?;
        if rights.manage_refusal().is_some() {
            return Err(RecordError::NotManager);
        }
        let audit = audit(who.user, AuditAction::CrmRecordDelete, id, "deleted");
        let written = self
            .records
            .delete_record(&who.user.tenant_id, id, version, &who.user.id, &audit)
            .await?;
        self.written(who, rights, written).await.map(drop)
    }

    /// Brings a deleted record back (administrators).
    pub async fn restore(&self, who: Reader<'_>, id: &str) -> Result<RecordDetail, RecordError> {
        let (_, rights) = self.visible(who, id, true).await?;
        if !rights.restore {
            return Err(RecordError::AdminOnly);
        }
        let audit = audit(who.user, AuditAction::CrmRecordRestore, id, "restored");
        let written = self
            .records
            .restore_record(&who.user.tenant_id, id, &who.user.id, &audit)
            .await?;
        self.written(who, rights, written).await
    }

    /// Shares the record with the person of `mailbox` (`Some`), or ends their share.
    pub async fn share(
        &self,
        who: Reader<'_>,
        id: &str,
        mailbox: &str,
        access: Option<ShareAccess>,
    ) -> Result<RecordDetail, RecordError> {
        let (read, rights) = self.visible(who, id, false).await?;
        if rights.manage_refusal().is_some() {
            return Err(RecordError::NotManager);
        }
        let person = self.person(who.user, mailbox).await?;
        if person.id == read.record.owner_id {
            return Err(RecordError::invalid(
                "mailbox",
                "the record's owner needs no share",
            ));
        }
        let detail = format!(
            "{} → {}",
            person.mailbox,
            access.map_or("no share", ShareAccess::as_str)
        );
        let audit = audit(who.user, AuditAction::CrmRecordShare, id, &detail);
        self.records
            .set_record_share(
                &who.user.tenant_id,
                id,
                &person.id,
                access.map(share_of),
                &audit,
            )
            .await?;
        self.get(who, id).await
    }

    /// Whom the Organizer's CRM calendar is shared with: the reader's own, or (administrators)
    /// anyone's.
    pub async fn calendar_shares(
        &self,
        who: Reader<'_>,
        organizer: Option<&str>,
    ) -> Result<CalendarShares, RecordError> {
        let organizer = self.organizer(who, organizer).await?;
        let shares = self
            .records
            .calendar_shares(&organizer.tenant_id, &organizer.id)
            .await?;
        Ok(CalendarShares {
            organizer: organizer.mailbox,
            shares: shares
                .into_iter()
                .map(|(mailbox, share)| RecordShare {
                    mailbox,
                    access: access_of(share),
                })
                .collect(),
        })
    }

    /// Shares an Organizer's CRM calendar with the person of `delegate` (so they may see or
    /// edit the CRM events the rules give them), or ends the share.
    pub async fn share_calendar(
        &self,
        who: Reader<'_>,
        organizer: Option<&str>,
        delegate: &str,
        access: Option<ShareAccess>,
    ) -> Result<CalendarShares, RecordError> {
        let organizer_user = self.organizer(who, organizer).await?;
        let person = self.person(who.user, delegate).await?;
        if person.id == organizer_user.id {
            return Err(RecordError::invalid(
                "mailbox",
                "an Organizer's own CRM calendar needs no share",
            ));
        }
        let detail = format!(
            "{} → {}",
            person.mailbox,
            access.map_or("no share", ShareAccess::as_str)
        );
        let mut audit = audit(
            who.user,
            AuditAction::CrmCalendarShare,
            &organizer_user.mailbox,
            &detail,
        );
        if organizer_user.id != who.user.id {
            audit.on_behalf_of_id = Some(organizer_user.id.clone());
        }
        self.records
            .set_calendar_share(
                &who.user.tenant_id,
                &organizer_user.id,
                &person.id,
                access.map(share_of),
                &audit,
            )
            .await?;
        self.calendar_shares(who, Some(&organizer_user.mailbox))
            .await
    }

    /// The meetings linked to the record that the reader may see, newest first.
    pub async fn history(
        &self,
        who: Reader<'_>,
        id: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<RecordEvents, RecordError> {
        self.visible(who, id, false).await?;
        let limit = limit.unwrap_or(DEFAULT_EVENTS);
        if !(1..=MAX_EVENTS).contains(&limit) {
            return Err(RecordError::invalid(
                "limit",
                &format!("must be from 1 to {MAX_EVENTS}"),
            ));
        }
        let before = cursor.map(present::decode_cursor).transpose()?;
        let mut rows = self
            .records
            .record_events(&RecordEventsQuery {
                tenant_id: &who.user.tenant_id,
                record_id: id,
                viewer_id: &who.user.id,
                all_organizers: who.is_admin,
                before,
                limit: limit + 1,
            })
            .await?;
        let next_cursor = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(present::encode_cursor)
        } else {
            None
        };
        Ok(RecordEvents {
            events: rows
                .iter()
                .map(|row| present::event(row, &who.user.id))
                .collect(),
            next_cursor,
        })
    }

    /// The record and the reader's rights, when they may see it; else "not found" (a deleted
    /// record only for administrators, and only when `deleted_too`).
    async fn visible(
        &self,
        who: Reader<'_>,
        id: &str,
        deleted_too: bool,
    ) -> Result<(RecordRead, RecordRights), RecordError> {
        if id.is_empty() || id.len() > 64 {
            return Err(RecordError::NotFound);
        }
        let read = self
            .records
            .record(&who.user.tenant_id, id, &who.user.id)
            .await?
            .ok_or(RecordError::NotFound)?;
        let rights = record_rights(
            read.record.owner_id == who.user.id,
            who.is_admin,
            Share::crm_access(read.share),
        );
        let hidden = rights.access == CrmAccess::None
            || (read.record.deleted && !(deleted_too && rights.restore));
        if hidden {
            return Err(RecordError::NotFound);
        }
        Ok((read, rights))
    }

    /// Whom the record is shared with, for those who manage it (others see none).
    async fn shares(
        &self,
        who: Reader<'_>,
        rights: RecordRights,
        id: &str,
    ) -> Result<Vec<RecordShare>, RecordError> {
        if !rights.manage {
            return Ok(Vec::new());
        }
        Ok(self
            .records
            .record_shares(&who.user.tenant_id, id)
            .await?
            .into_iter()
            .map(|(mailbox, share)| RecordShare {
                mailbox,
                access: access_of(share),
            })
            .collect())
    }

    /// The answer to a conditional write.
    async fn written(
        &self,
        who: Reader<'_>,
        rights: RecordRights,
        written: RecordWrite,
    ) -> Result<RecordDetail, RecordError> {
        match written {
            RecordWrite::Done(record) => {
                let shares = self.shares(who, rights, &record.id).await?;
                Ok(present::detail(&record, rights, shares))
            }
            RecordWrite::Stale { current } => Err(RecordError::Stale { current }),
            RecordWrite::Missing => Err(RecordError::NotFound),
        }
    }

    /// A contact's or an opportunity's account must be an account the writer may see.
    async fn check_account(
        &self,
        who: Reader<'_>,
        fields: &RecordFields,
    ) -> Result<(), RecordError> {
        let Some(account_id) = &fields.account_id else {
            return Ok(());
        };
        let found = self
            .crm
            .visible_records(
                &who.user.tenant_id,
                &who.user.id,
                std::slice::from_ref(account_id),
            )
            .await?;
        let is_account = found.iter().any(|r| r.kind == RecordKind::Account);
        let admin_sees = who.is_admin
            && self
                .records
                .record(&who.user.tenant_id, account_id, &who.user.id)
                .await?
                .is_some_and(|r| !r.record.deleted && r.record.fields.kind == RecordKind::Account);
        if is_account || admin_sees {
            Ok(())
        } else {
            Err(RecordError::NotFoundField {
                field: "accountId",
                message: "no account with this id that you may see".into(),
            })
        }
    }

    /// A person of the tenant by mailbox (one who has signed in to Liaison).
    async fn person(&self, caller: &User, mailbox: &str) -> Result<User, RecordError> {
        let mailbox = mailbox.trim().to_lowercase();
        if mailbox.is_empty() || mailbox.len() > 320 {
            return Err(RecordError::invalid("mailbox", "an e-mail address"));
        }
        self.identity
            .user_by_mailbox(&caller.tenant_id, &mailbox)
            .await?
            .ok_or(RecordError::NotFoundField {
                field: "mailbox",
                message: "no one with this mailbox in your organization has used Liaison yet"
                    .into(),
            })
    }

    /// The Organizer a calendar-share request is about: the reader, or — for administrators —
    /// the mailbox named.
    async fn organizer(&self, who: Reader<'_>, named: Option<&str>) -> Result<User, RecordError> {
        match named.map(str::trim).filter(|m| !m.is_empty()) {
            None => Ok(who.user.clone()),
            Some(mailbox) if mailbox.eq_ignore_ascii_case(&who.user.mailbox) => {
                Ok(who.user.clone())
            }
            Some(_) if !who.is_admin => Err(RecordError::AdminOnly),
            Some(mailbox) => {
                self.person(who.user, mailbox)
                    .await
                    .map_err(|_| RecordError::NotFoundField {
                        field: "organizer",
                        message:
                            "no one with this mailbox in your organization has used Liaison yet"
                                .into(),
                    })
            }
        }
    }
}

fn share_of(access: ShareAccess) -> Share {
    match access {
        ShareAccess::View => Share::View,
        ShareAccess::Edit => Share::Edit,
    }
}

fn access_of(share: Share) -> ShareAccess {
    match share {
        Share::View => ShareAccess::View,
        Share::Edit => ShareAccess::Edit,
    }
}

fn audit(actor: &User, action: AuditAction, target: &str, detail: &str) -> AuditEntry {
    AuditEntry {
        detail: Some(detail.to_owned()),
        ..AuditEntry::allowed(&actor.tenant_id, &actor.id, action, target)
    }
}

fn idempotency(key: &str, input: &RecordInput) -> Result<IdempotencyKey, RecordError> {
    // The path is part of what the key names: the same key on another endpoint is reuse.
    let mut canonical = b"POST /api/crm/records\n".to_vec();
    canonical.extend(serde_json::to_vec(input).unwrap_or_default());
    IdempotencyKey::of(key, &canonical)
        .map_err(|message| RecordError::invalid("Idempotency-Key", &message))
}
