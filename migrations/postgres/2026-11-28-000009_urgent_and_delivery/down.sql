DROP INDEX outbox_dedupe_key;
ALTER TABLE outbox DROP COLUMN dedupe_key;
ALTER TABLE opinions DROP COLUMN urgent;
