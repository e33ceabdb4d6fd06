-- Booking links (issue 28): a link to an Organizer's free times that a sender inserts into a
-- message or meeting they compose; invitees book on a public page. Only a SHA-256 of the link's
-- secret is kept. `offer` is the link's JSON offer (kind, length, zone, days or slots).
CREATE TABLE booking_links (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    organizer_id TEXT NOT NULL,
    created_by_id TEXT NOT NULL,
    initiator_address TEXT NOT NULL,
    initiator_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    offer TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX booking_links_token ON booking_links (token_hash);
CREATE INDEX booking_links_by_organizer ON booking_links (tenant_id, organizer_id, created_at_ms);

-- A booking, from its first step: `attempt` is the page's one-time form key, so a double submit
-- books once. `event_id` is the meeting Graph created (null while it is being made).
CREATE TABLE bookings (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    link_id TEXT NOT NULL,
    attempt TEXT NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    invitee_name TEXT NOT NULL,
    invitee_address TEXT NOT NULL,
    event_id TEXT,
    crm_note TEXT NOT NULL DEFAULT '',
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX bookings_attempt ON bookings (tenant_id, link_id, attempt);

-- The five-minute cells of an Organizer's calendar a booking holds while it is made (and a
-- while after, until Graph's free/busy shows the meeting): two invitees racing for one time —
-- through one link or two, on one instance or several — cannot both hold a cell.
CREATE TABLE booking_claims (
    tenant_id TEXT NOT NULL,
    organizer_id TEXT NOT NULL,
    cell_ms BIGINT NOT NULL,
    booking_id TEXT NOT NULL,
    held_until_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, organizer_id, cell_ms)
);
