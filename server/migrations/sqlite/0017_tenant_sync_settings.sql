-- The organization's own synced window (days back and ahead of today) and circuit-breaker
-- threshold (the share of an Organizer's CRM events, in percent, a session may cancel before
-- it stops and asks an administrator), set in the administrators' console. NULL: the server's
-- defaults (--sync-days-back, --sync-days-ahead; 30 %).
ALTER TABLE tenants ADD COLUMN sync_days_back INTEGER;
ALTER TABLE tenants ADD COLUMN sync_days_ahead INTEGER;
ALTER TABLE tenants ADD COLUMN breaker_percent INTEGER;
