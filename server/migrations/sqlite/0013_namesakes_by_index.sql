-- Namesakes are counted on every item a delegate opens (is the creator's display name one
-- person's?): by index, not by reading every user of the tenant. Led by the name, not by
-- `tenant_id`: on PostgreSQL a second index led by `tenant_id` can take a foreign-key check's
-- plan from the primary key (migration 0005).
CREATE INDEX users_by_display_name ON users (LOWER(display_name), tenant_id);
