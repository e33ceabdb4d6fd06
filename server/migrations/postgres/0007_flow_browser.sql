-- The browser a sign-in flow was started in: the SHA-256 of the secret in its flow cookie. A
-- callback is accepted only from that browser. A Google-connect flow without one is the
-- one-time start link a signed-in person's pane asked for (no browser has opened it yet).
ALTER TABLE sign_in_flows ADD COLUMN browser_hash TEXT;
