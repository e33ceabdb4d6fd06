-- How many people in the owner's calendarPermissions (and the owner) bear the delegate's
-- display name, counted when the delegation is verified: an item's creator name that matches a
-- name borne by several identifies nobody, whether or not they use Liaison. NULL: not read.
ALTER TABLE delegation_checks ADD COLUMN namesakes_in_list INTEGER;
