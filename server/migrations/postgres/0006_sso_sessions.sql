-- The Office SSO token a session was started with (its SHA-256): one SSO token keeps at most a
-- few sessions alive (the oldest end when another starts), however often it is replayed.
ALTER TABLE sessions ADD COLUMN sso_token_hash TEXT;
CREATE INDEX sessions_by_sso_token ON sessions (sso_token_hash);
