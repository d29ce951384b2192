-- The audit log as a hash chain: each new row carries the hash of the row
-- before it and its own hash over its fields (src/kernel/audit/chain.rs).
-- Rows written before this migration keep NULL hashes: the chain starts at
-- the first row written after it (the append-only triggers forbid hashing
-- them afterwards, and rewriting history to hash it proves nothing).
ALTER TABLE audit_log ADD COLUMN hash_alg TEXT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN row_hash TEXT;
-- The hash for new rows, set from the configuration at every start
-- (`crypto`: sha256, or sm3 for "national").
CREATE TABLE audit_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    hash_alg TEXT NOT NULL
);
INSERT INTO audit_settings (id, hash_alg) VALUES (1, 'sha256');
