-- One queued save per (tenant, Organizer, item): a later save of an item replaces the one that
-- waits for it, so repeated saves of one unknown id cannot fill the outbox. Of the rows already
-- queued for one item, the newest is kept.
DELETE FROM save_outbox WHERE item_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM save_outbox newer
    WHERE newer.tenant_id = save_outbox.tenant_id
      AND newer.organizer_id = save_outbox.organizer_id
      AND newer.item_id = save_outbox.item_id
      AND (newer.created_at_ms > save_outbox.created_at_ms
           OR (newer.created_at_ms = save_outbox.created_at_ms AND newer.id > save_outbox.id))
);
CREATE UNIQUE INDEX save_outbox_one_per_item ON save_outbox (tenant_id, organizer_id, item_id);
