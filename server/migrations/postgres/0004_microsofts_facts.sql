-- The server decides on Microsoft's facts. Delegations are no longer recorded once and kept:
-- each is verified when used, from the owner's `calendarPermissions` and the delegate's own view
-- of the owner's calendar, and the answer is kept a few minutes only (`delegation_checks`).
DROP TABLE calendar_delegations;

CREATE TABLE delegation_checks (
    tenant_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    delegate_id TEXT NOT NULL,
    -- The owner's calendarPermissions role for the delegate ('none' when not listed); NULL when
    -- the owner's list could not be read (no working connection).
    graph_role TEXT,
    -- The delegate's own GET /users/{owner}/calendar: could they open it, and what it said.
    view_read BOOLEAN NOT NULL,
    view_can_edit BOOLEAN NOT NULL,
    view_can_view_private BOOLEAN NOT NULL,
    checked_at_ms BIGINT NOT NULL,
    -- The client-reported delegatePermissions last written to the audit log as a disagreement.
    client_bits_audited INTEGER,
    PRIMARY KEY (tenant_id, owner_id, delegate_id)
);

-- The attendees Graph lists for the meeting (a JSON array of addresses).
ALTER TABLE crm_events ADD COLUMN attendees TEXT NOT NULL DEFAULT '[]';

-- A save waiting for its item to appear in the owner's calendar (Outlook in cached mode uploads a
-- newly saved meeting a little later): the item's REST id; its iCalUId is learned then.
ALTER TABLE save_outbox ADD COLUMN item_id TEXT;

-- A session signed in with Liaison's app role `Liaison.Admin` (Entra's `roles` claim).
ALTER TABLE sessions ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE dialog_codes ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT FALSE;
