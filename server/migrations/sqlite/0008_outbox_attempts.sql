-- A queued save that keeps failing is dead-lettered, not retried forever: how often carrying
-- it out failed, and why the last time.
ALTER TABLE save_outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE save_outbox ADD COLUMN last_error TEXT;
