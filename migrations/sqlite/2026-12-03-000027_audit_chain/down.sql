DROP TABLE audit_settings;
ALTER TABLE audit_log DROP COLUMN row_hash;
ALTER TABLE audit_log DROP COLUMN prev_hash;
ALTER TABLE audit_log DROP COLUMN hash_alg;
