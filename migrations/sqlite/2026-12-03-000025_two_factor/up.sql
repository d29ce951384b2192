-- Two-factor sign-in (RFC 6238 TOTP): the secret encrypted by the app's vault,
-- set when enrolment starts and in force once confirmed (totp_enabled_at); the
-- last accepted time step, so a code is never accepted twice; and ten one-time
-- recovery codes, of which only a keyed hash is kept.
ALTER TABLE users ADD COLUMN totp_secret_enc TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TIMESTAMP;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id, code_hash);
