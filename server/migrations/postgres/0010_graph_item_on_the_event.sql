-- The Graph item a CRM event follows lives on the event: its id in the Organizer's mailbox (an
-- immutable id), whether it came in through the CRM category, whether sync still follows it.
-- One meeting (Organizer, iCalUId) is one item in the Organizer's mailbox, so one id per event;
-- a sync writes one row per item instead of an event and a link row (with its foreign-key
-- check). Where an event had several links, the one still followed is kept.
ALTER TABLE crm_events ADD COLUMN graph_event_id TEXT;
ALTER TABLE crm_events ADD COLUMN via_category BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE crm_events ADD COLUMN following BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE crm_events SET
    graph_event_id = (
        SELECT l.graph_event_id FROM graph_event_links l
        WHERE l.tenant_id = crm_events.tenant_id AND l.event_id = crm_events.id
        ORDER BY l.following DESC, l.graph_event_id LIMIT 1
    ),
    via_category = EXISTS (
        SELECT 1 FROM graph_event_links l
        WHERE l.tenant_id = crm_events.tenant_id AND l.event_id = crm_events.id AND l.via_category
    ),
    following = EXISTS (
        SELECT 1 FROM graph_event_links l
        WHERE l.tenant_id = crm_events.tenant_id AND l.event_id = crm_events.id AND l.following
    );
-- Not led by tenant_id (see 0005); only events that follow an item are indexed.
CREATE INDEX crm_events_by_graph_item ON crm_events (organizer_id, graph_event_id, tenant_id)
    WHERE graph_event_id IS NOT NULL;
DROP TABLE graph_event_links;
