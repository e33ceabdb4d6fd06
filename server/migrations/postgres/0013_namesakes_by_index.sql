-- Namesakes are counted on every item a delegate opens (is the creator's display name one
-- person's?): by index, not by reading every user of the tenant.
CREATE INDEX users_by_display_name ON users (tenant_id, LOWER(display_name));
