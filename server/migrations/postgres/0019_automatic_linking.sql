-- Automatic linking (issue 27): the organization's policy — whose addresses of a meeting are
-- matched to contacts and leads (none, organizer, participants, both) — and the domains never
-- matched, space-separated. And the links a person removed from an event, which automatic
-- linking never makes again.
ALTER TABLE tenants ADD COLUMN auto_link_policy TEXT NOT NULL DEFAULT 'both';
ALTER TABLE tenants ADD COLUMN auto_link_blocked_domains TEXT NOT NULL DEFAULT '';

CREATE TABLE crm_event_unlinks (
    tenant_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    unlinked_by_id TEXT NOT NULL,
    unlinked_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, event_id, record_id)
);
