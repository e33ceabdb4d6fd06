//! [`BookingStore`] in SQL. A booking claims the five-minute cells of the Organizer's calendar
//! it covers in the transaction that writes it: the claims' primary key makes a second
//! booking of any overlapping time fail there, whichever link or instance it comes through.

use async_trait::async_trait;

use super::SqlStore;
use super::audit;
use super::db::sql;
use crate::store::audit::AuditEntry;
use crate::store::bookings::{
    BookingStart, BookingStore, CLAIM_CELL_MS, LinksOf, NewBookingLink, StoredBooking,
    StoredBookingLink,
};
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};

const LINK_COLUMNS: &str = "l.tenant_id, l.id, l.organizer_id, l.created_by_id, \
     l.initiator_address, l.initiator_name, l.subject, l.offer, l.created_at_ms, \
     l.expires_at_ms, l.revoked_at_ms, (SELECT COUNT(*) FROM bookings b \
     WHERE b.tenant_id = l.tenant_id AND b.link_id = l.id AND b.event_id IS NOT NULL) AS bookings";

const BOOKING_COLUMNS: &str = "tenant_id, id, link_id, attempt, start_ms, end_ms, invitee_name, \
     invitee_address, event_id, crm_note, created_at_ms";

/// The cells `start_ms..end_ms` covers.
fn cells(start_ms: i64, end_ms: i64) -> Vec<i64> {
    let first = start_ms.div_euclid(CLAIM_CELL_MS) * CLAIM_CELL_MS;
    (0..)
        .map(|n| first + n * CLAIM_CELL_MS)
        .take_while(|cell| *cell < end_ms)
        .collect()
}

#[async_trait]
impl BookingStore for SqlStore {
    async fn create_booking_link(
        &self,
        new: &NewBookingLink,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let link = &new.link;
        let mut tx = self.pool.begin().await?;
        sql(
            "INSERT INTO booking_links (tenant_id, id, token_hash, organizer_id, created_by_id, \
             initiator_address, initiator_name, subject, offer, created_at_ms, expires_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&link.tenant_id)
        .bind(&link.id)
        .bind(&new.token_hash)
        .bind(&link.organizer_id)
        .bind(&link.created_by_id)
        .bind(&link.initiator_address)
        .bind(&link.initiator_name)
        .bind(&link.subject)
        .bind(&link.offer)
        .bind(link.created_at_ms)
        .bind(link.expires_at_ms)
        .execute(&mut tx)
        .await?;
        audit::append(&mut tx, audit_entry).await?;
        tx.commit().await
    }

    async fn booking_link_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<StoredBookingLink>, StoreError> {
        sql(format!(
            "SELECT {LINK_COLUMNS} FROM booking_links l WHERE l.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
    }

    async fn booking_link(
        &self,
        tenant_id: &TenantId,
        id: &str,
    ) -> Result<Option<StoredBookingLink>, StoreError> {
        sql(format!(
            "SELECT {LINK_COLUMNS} FROM booking_links l WHERE l.tenant_id = $1 AND l.id = $2"
        ))
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
    }

    async fn booking_links(
        &self,
        tenant_id: &TenantId,
        of: &LinksOf,
        limit: i64,
    ) -> Result<Vec<StoredBookingLink>, StoreError> {
        let statement = match of {
            LinksOf::User(user) => sql(format!(
                "SELECT {LINK_COLUMNS} FROM booking_links l WHERE l.tenant_id = $1 \
                 AND (l.created_by_id = $2 OR l.organizer_id = $2) \
                 ORDER BY l.created_at_ms DESC, l.id LIMIT $3"
            ))
            .bind(tenant_id)
            .bind(user),
            LinksOf::Tenant => sql(format!(
                "SELECT {LINK_COLUMNS} FROM booking_links l WHERE l.tenant_id = $1 \
                 ORDER BY l.created_at_ms DESC, l.id LIMIT $2"
            ))
            .bind(tenant_id),
        };
        statement.bind(limit).fetch_all(&self.pool).await
    }

    async fn revoke_booking_link(
        &self,
        tenant_id: &TenantId,
        id: &str,
        at_ms: i64,
        audit_entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let revoked = sql("UPDATE booking_links SET revoked_at_ms = $1 \
             WHERE tenant_id = $2 AND id = $3 AND revoked_at_ms IS NULL")
        .bind(at_ms)
        .bind(tenant_id)
        .bind(id)
        .execute(&mut tx)
        .await?;
        if revoked == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        audit::append(&mut tx, audit_entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn start_booking(
        &self,
        organizer_id: &UserId,
        booking: &StoredBooking,
        held_until_ms: i64,
        now_ms: i64,
    ) -> Result<BookingStart, StoreError> {
        let tenant_id = &booking.tenant_id;
        let mut tx = self.pool.begin().await?;
        let written = sql(format!(
            "INSERT INTO bookings ({BOOKING_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, '', $9) \
             ON CONFLICT (tenant_id, link_id, attempt) DO NOTHING"
        ))
        .bind(tenant_id)
        .bind(&booking.id)
        .bind(&booking.link_id)
        .bind(&booking.attempt)
        .bind(booking.start_ms)
        .bind(booking.end_ms)
        .bind(&booking.invitee_name)
        .bind(&booking.invitee_address)
        .bind(booking.created_at_ms)
        .execute(&mut tx)
        .await?;
        if written == 0 {
            tx.rollback().await?;
            let earlier: Option<StoredBooking> = sql(format!(
                "SELECT {BOOKING_COLUMNS} FROM bookings \
                 WHERE tenant_id = $1 AND link_id = $2 AND attempt = $3"
            ))
            .bind(tenant_id)
            .bind(&booking.link_id)
            .bind(&booking.attempt)
            .fetch_optional(&self.pool)
            .await?;
            // Abandoned between the two statements: this attempt may go again.
            return Ok(earlier.map_or(BookingStart::Taken, |b| BookingStart::Repeated(Box::new(b))));
        }
        let cells = cells(booking.start_ms, booking.end_ms);
        let listed = (0..cells.len())
            .map(|n| format!("${}", n + 4))
            .collect::<Vec<_>>()
            .join(", ");
        let mut lapsed = sql(format!(
            "DELETE FROM booking_claims WHERE tenant_id = $1 AND organizer_id = $2 \
             AND held_until_ms < $3 AND cell_ms IN ({listed})"
        ))
        .bind(tenant_id)
        .bind(organizer_id)
        .bind(now_ms);
        for cell in &cells {
            lapsed = lapsed.bind(*cell);
        }
        lapsed.execute(&mut tx).await?;
        let rows = (0..cells.len())
            .map(|n| format!("($1, $2, ${}, $3, $4)", n + 5))
            .collect::<Vec<_>>()
            .join(", ");
        let mut claim = sql(format!(
            "INSERT INTO booking_claims (tenant_id, organizer_id, cell_ms, booking_id, \
             held_until_ms) VALUES {rows}"
        ))
        .bind(tenant_id)
        .bind(organizer_id)
        .bind(&booking.id)
        .bind(held_until_ms);
        for cell in &cells {
            claim = claim.bind(*cell);
        }
        match claim.execute(&mut tx).await {
            Ok(_) => {
                tx.commit().await?;
                Ok(BookingStart::Started)
            }
            Err(StoreError::Conflict(_)) => {
                tx.rollback().await?;
                Ok(BookingStart::Taken)
            }
            Err(other) => Err(other),
        }
    }

    async fn finish_booking(
        &self,
        booking: &StoredBooking,
        event_id: &str,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql("UPDATE bookings SET event_id = $1 WHERE tenant_id = $2 AND id = $3")
            .bind(event_id)
            .bind(&booking.tenant_id)
            .bind(&booking.id)
            .execute(&mut tx)
            .await?;
        audit::append(&mut tx, audit_entry).await?;
        tx.commit().await
    }

    async fn note_booking(
        &self,
        tenant_id: &TenantId,
        booking_id: &str,
        crm_note: &str,
    ) -> Result<(), StoreError> {
        sql("UPDATE bookings SET crm_note = $1 WHERE tenant_id = $2 AND id = $3")
            .bind(crm_note)
            .bind(tenant_id)
            .bind(booking_id)
            .execute(&self.pool)
            .await
            .map(drop)
    }

    async fn abandon_booking(
        &self,
        tenant_id: &TenantId,
        booking_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql("DELETE FROM booking_claims WHERE tenant_id = $1 AND booking_id = $2")
            .bind(tenant_id)
            .bind(booking_id)
            .execute(&mut tx)
            .await?;
        sql("DELETE FROM bookings WHERE tenant_id = $1 AND id = $2 AND event_id IS NULL")
            .bind(tenant_id)
            .bind(booking_id)
            .execute(&mut tx)
            .await?;
        tx.commit().await
    }

    #[cfg(feature = "test-support")]
    async fn expire_booking_link_for_tests(
        &self,
        tenant_id: &TenantId,
        id: &str,
    ) -> Result<(), StoreError> {
        sql("UPDATE booking_links SET expires_at_ms = $1 WHERE tenant_id = $2 AND id = $3")
            .bind(crate::clock::now_ms() - 1)
            .bind(tenant_id)
            .bind(id)
            .execute(&self.pool)
            .await
            .map(drop)
    }

    async fn bookings_of_link(
        &self,
        tenant_id: &TenantId,
        link_id: &str,
    ) -> Result<Vec<StoredBooking>, StoreError> {
        sql(format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE tenant_id = $1 AND link_id = $2 \
             ORDER BY created_at_ms DESC, id LIMIT 200"
        ))
        .bind(tenant_id)
        .bind(link_id)
        .fetch_all(&self.pool)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_booking_claims_every_cell_it_covers() {
        let minute = 60_000;
        assert_eq!(cells(0, 30 * minute).len(), 6);
        // Not on a cell's edge: the cells it touches.
        assert_eq!(cells(2 * minute, 7 * minute), vec![0, CLAIM_CELL_MS]);
        assert!(cells(10 * minute, 10 * minute).is_empty());
    }
}
