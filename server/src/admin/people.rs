//! The people of the administrators' console: every person Liaison knows in the tenant, as an
//! Organizer and as a delegate, a page at a time.

use liaison_domain::api::{AdminUser, DelegateOf, OrganizerState, UserPage};
use liaison_domain::permissions::delegate_level;

use crate::clock::to_rfc3339;
use crate::store::{
    ConnectionStatus, DelegationRecord, Operations, PeopleQuery, PersonRecord, StoreError, TenantId,
};

/// People per page at most.
pub const MAX_PAGE: u32 = 200;

/// One page of the tenant's people after `cursor` (a mailbox), `limit` of them (1 to
/// [`MAX_PAGE`]); `attention_only`: only those who need attention.
pub async fn page(
    store: &dyn Operations,
    tenant_id: &TenantId,
    cursor: Option<String>,
    limit: u32,
    attention_only: bool,
) -> Result<UserPage, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut people = store
        .people(
            tenant_id,
            &PeopleQuery {
                after_mailbox: cursor,
                // One more than asked: whether a next page exists.
                limit: limit + 1,
                attention_only,
            },
        )
        .await?;
    let more = people.len() > limit as usize;
    people.truncate(limit as usize);
    let ids: Vec<_> = people.iter().map(|p| p.user_id.clone()).collect();
    let delegations = store.delegations_of(tenant_id, &ids).await?;
    let next_cursor = more
        .then(|| people.last().map(|p| p.mailbox.clone()))
        .flatten();
    let users = people
        .into_iter()
        .map(|person| {
            let delegate_of = delegations
                .iter()
                .filter(|d| d.delegate_id == person.user_id)
                .map(delegate_of)
                .collect();
            admin_user(person, delegate_of)
        })
        .collect();
    Ok(UserPage { users, next_cursor })
}

fn admin_user(person: PersonRecord, delegate_of: Vec<DelegateOf>) -> AdminUser {
    AdminUser {
        mailbox: person.mailbox,
        display_name: person.display_name,
        organizer: OrganizerState {
            sync_enabled: person.sync_enabled,
            connection: ConnectionStatus::shown(person.microsoft),
            last_session_at: person.last_finished_at_ms.map(to_rfc3339),
            last_error_code: person.last_error_code,
            last_error: person.last_error_message,
            sync_stopped: person.sync_stopped,
            failed_items: u32::try_from(person.failed_items).unwrap_or(u32::MAX),
        },
        delegate_of,
        needs_attention: person.needs_attention,
    }
}

fn delegate_of(record: &DelegationRecord) -> DelegateOf {
    let check = &record.check;
    DelegateOf {
        owner: record.owner_mailbox.clone(),
        level: delegate_level(
            &check.sources(),
            check.can_view_private(),
            check.sends_on_behalf(),
        ),
        verified_at: to_rfc3339(check.checked_at_ms),
        conflict: record.sources_conflict,
    }
}
