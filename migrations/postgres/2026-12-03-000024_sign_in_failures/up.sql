-- Failed sign-ins, one row each, shared by every app server: counted per
-- address, per login name and address, and per account (with its distinct
-- addresses) over the last 15 minutes. `user_id` is NULL for an unknown name,
-- and is cleared when the account is unlocked (the address still counts).
CREATE TABLE sign_in_failures (
    id BIGSERIAL PRIMARY KEY,
    ip TEXT NOT NULL,
    login TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_failures_ip ON sign_in_failures (ip, created_at);
CREATE INDEX sign_in_failures_user ON sign_in_failures (user_id, created_at);
