-- An item's creator is known by Exchange's address-book identity (PidTagCreatorEntryId), no
-- longer by display name: the namesake counts of migrations 0013 and 0014 decide nothing now.
DROP INDEX users_by_display_name;
ALTER TABLE delegation_checks DROP COLUMN namesakes_in_list;
-- Who the user is in Exchange's address book (the X500 DN of their Address Book EntryID,
-- lower-cased), learned from an item they created in their own calendar; NULL: not learned yet.
ALTER TABLE users ADD COLUMN address_book_dn TEXT;
