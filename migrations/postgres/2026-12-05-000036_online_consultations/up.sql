-- 网络议政 / 远程协商 (issue 20): a consultation's online phase for a set
-- period, open to the members invited and, when staff choose, to residents;
-- comments one reply deep, held or published and hidden with a reason by
-- staff; the staff's summary, which also goes into the consultation's record.
CREATE TABLE online_consultations (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    residents_open BOOLEAN NOT NULL,
    summary TEXT NOT NULL,
    summary_at TIMESTAMP,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX online_consultations_consultation ON online_consultations (consultation_id);
CREATE INDEX online_consultations_committee ON online_consultations (committee_id, closes_at);

CREATE TABLE online_members (
    id BIGSERIAL PRIMARY KEY,
    online_id BIGINT NOT NULL REFERENCES online_consultations(id),
    member_id BIGINT NOT NULL REFERENCES members(id)
);
CREATE UNIQUE INDEX online_members_online ON online_members (online_id, member_id);
CREATE INDEX online_members_member ON online_members (member_id);

-- A resident's name and phone are encrypted like the box's (the phone only
-- for staff to call back; neither is ever shown in clear); the phone's blind
-- index counts one resident once in the participation figures.
CREATE TABLE online_comments (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    online_id BIGINT NOT NULL REFERENCES online_consultations(id),
    parent_id BIGINT REFERENCES online_comments(id),
    author TEXT NOT NULL,
    member_id BIGINT REFERENCES members(id),
    name_enc TEXT,
    phone_enc TEXT,
    phone_index TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    moderated_by BIGINT REFERENCES users(id),
    moderated_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX online_comments_online ON online_comments (online_id, id);
CREATE INDEX online_comments_member ON online_comments (member_id, created_at);
