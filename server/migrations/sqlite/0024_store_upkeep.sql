-- One-time work the server does after migrating (what SQL alone cannot do in both backends),
-- marked done so it is not looked for again at every start: `record_words` (the search's
-- words of records written before migration 0020, `sql/record_words.rs`).
CREATE TABLE store_upkeep (
    task TEXT PRIMARY KEY,
    done_at_ms BIGINT NOT NULL
);
