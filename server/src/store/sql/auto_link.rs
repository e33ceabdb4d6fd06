//! Automatic linking in SQL: the contacts and leads whose addresses a meeting's people have,
//! linked to its CRM event — only records its Organizer may see (owned or shared), never one
//! someone unlinked from that event, each link once. One statement for any number of events.

use super::db::{Tx, Value};
use super::rows::{Kind, Rows};
use crate::store::error::StoreError;
use crate::store::ids::UserKey;

/// Links, for each (CRM event id, address) of `pairs`, the Organizer's visible contacts and
/// leads with that address; `actor` is who the links are recorded as made by.
pub(super) async fn link_by_address(
    tx: &mut Tx,
    organizer: &UserKey,
    actor: &str,
    pairs: &[(String, String)],
    now: i64,
) -> Result<(), StoreError> {
    if pairs.is_empty() {
        return Ok(());
    }
    use Kind::{BigInt, Text};
    let mut rows = Rows::new(&[Text, Text, Text, Text, Text, BigInt]);
    for (event_id, email) in pairs {
        rows.push([
            Value::from(organizer.tenant_id.as_str().to_owned()),
            Value::from(event_id.clone()),
            Value::from(email.clone()),
            Value::from(organizer.user_id.as_str().to_owned()),
            Value::from(actor.to_owned()),
            Value::from(now),
        ]);
    }
    for statement in rows.statements(tx.is_postgres(), |source| {
        format!(
            "WITH v(tenant_id, event_id, email, organizer_id, actor_id, at_ms) AS ({source}) \
             INSERT INTO crm_event_records (tenant_id, event_id, record_id, linked_by_id, \
             linked_at_ms) \
             SELECT DISTINCT v.tenant_id, v.event_id, r.id, v.actor_id, v.at_ms FROM v \
             JOIN crm_record_emails m ON m.tenant_id = v.tenant_id AND m.email = v.email \
             JOIN crm_records r ON r.tenant_id = m.tenant_id AND r.id = m.record_id \
             WHERE r.kind IN ('contact', 'lead') AND r.deleted_at_ms IS NULL \
             AND (r.owner_id = v.organizer_id OR EXISTS (SELECT 1 FROM crm_record_shares s \
               WHERE s.tenant_id = r.tenant_id AND s.record_id = r.id \
               AND s.user_id = v.organizer_id)) \
             AND NOT EXISTS (SELECT 1 FROM crm_event_unlinks u WHERE u.tenant_id = r.tenant_id \
               AND u.event_id = v.event_id AND u.record_id = r.id) \
             ON CONFLICT (tenant_id, event_id, record_id) DO NOTHING"
        )
    }) {
        statement.execute(&mut *tx).await?;
    }
    Ok(())
}
