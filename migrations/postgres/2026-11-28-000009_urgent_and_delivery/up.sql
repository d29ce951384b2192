-- Urgent cases (紧急件): staff mark them; the handler is told at once instead of
-- in the next morning's digest.
ALTER TABLE opinions ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT FALSE;

-- One outbox row per delivery, whatever the retries: a retried job finds its
-- row by this key (and the gateway gets the row id to drop duplicates).
ALTER TABLE outbox ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX outbox_dedupe_key ON outbox (dedupe_key);
