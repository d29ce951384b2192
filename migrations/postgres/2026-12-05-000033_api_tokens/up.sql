-- Other systems (issue 19): a token per outside system (the 12345 hotline, a
-- city platform), created by the sysadmin. The system acts through its own
-- account (user_id), so its moves carry its name in the timeline and the
-- audit; the token itself is kept only as its SHA-256.
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    per_minute INTEGER NOT NULL,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX api_tokens_committee ON api_tokens (committee_id, id);

-- A case as another system knows it: its own id for it (an API client's
-- reference, an Open311 token), so that the same case sent twice is one case.
CREATE TABLE opinion_links (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    opinion_id BIGINT NOT NULL REFERENCES opinions(id),
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX opinion_links_external ON opinion_links (committee_id, system, external_id);
CREATE INDEX opinion_links_opinion ON opinion_links (opinion_id);
