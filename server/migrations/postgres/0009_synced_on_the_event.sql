-- An item synced without incident is the common case: when it was last written to the CRM is
-- kept on its CRM event, and `item_sync_status` holds only the exceptions (a save queued, a
-- sync or category removal that failed). A sync then writes one row per item, not two.
ALTER TABLE crm_events ADD COLUMN synced_at_ms BIGINT;
UPDATE crm_events SET synced_at_ms = (
    SELECT s.synced_at_ms FROM item_sync_status s
    WHERE s.tenant_id = crm_events.tenant_id AND s.organizer_id = crm_events.organizer_id
      AND s.ical_uid = crm_events.ical_uid AND s.state = 'synced'
);
DELETE FROM item_sync_status WHERE state = 'synced';
