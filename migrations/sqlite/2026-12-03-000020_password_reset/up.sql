-- Forgotten passwords: a staff phone on the account, set and verified by the
-- sysadmin (encrypted, found by its blind index), and the six-digit codes
-- texted to it (only their keyed hash is kept; closed when used, replaced or
-- tried five times wrong).
ALTER TABLE users ADD COLUMN phone_enc TEXT;
ALTER TABLE users ADD COLUMN phone_index TEXT;
ALTER TABLE users ADD COLUMN phone_verified_at TIMESTAMP;
CREATE INDEX users_phone_index ON users (phone_index);

CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id, id);
