-- A foreign-key check looks its parent row up by (tenant_id, id). PostgreSQL plans that lookup
-- once per connection and keeps the plan; on a table not yet analysed (a new installation's first
-- full sync writes thousands of events in seconds) a second unique index that also starts with
-- tenant_id costs the same on paper, and the kept plan then scans the whole tenant for every
-- check (measured: a 500-row chunk of Graph links went from 7 ms to 250 ms as the table grew).
-- With tenant_id no longer leading those indexes, only the primary key can serve the lookup.
-- Lookups by all their columns (ON CONFLICT, the item's status, a mailbox) use them as before.
ALTER TABLE crm_events DROP CONSTRAINT crm_events_tenant_id_organizer_id_ical_uid_key;
ALTER TABLE crm_events ADD CONSTRAINT crm_events_organizer_ical_uid
    UNIQUE (organizer_id, ical_uid, tenant_id);

ALTER TABLE users DROP CONSTRAINT users_tenant_id_mailbox_key;
ALTER TABLE users ADD CONSTRAINT users_mailbox UNIQUE (mailbox, tenant_id);
