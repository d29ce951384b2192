-- Liaison activities (进社区、进乡村) and the other activities of an office:
-- plans, invitations and replies, attendance and sign-in, the record
-- (minutes, photos, outcomes), and the opinions heard there.
CREATE TABLE activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    -- The liaison point visited (a village or community), if any.
    locality_id BIGINT REFERENCES localities(id),
    home_id BIGINT REFERENCES members_homes(id),
    venue TEXT NOT NULL,
    planned_at TIMESTAMP NOT NULL,
    held_at TIMESTAMP,
    status TEXT NOT NULL,
    topic TEXT NOT NULL,
    findings TEXT NOT NULL,
    minutes TEXT NOT NULL,
    outcomes TEXT NOT NULL,
    residents_count INTEGER NOT NULL,
    other_participants TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    -- In the sign-in QR code: proves the phone scanned this activity's code.
    signin_token TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX activities_office ON activities (committee_id, office_id, planned_at);
CREATE INDEX activities_locality ON activities (locality_id, planned_at);
CREATE INDEX activities_home ON activities (home_id, held_at);

CREATE TABLE activity_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    invited BOOLEAN NOT NULL,
    reply TEXT NOT NULL,
    reply_note TEXT NOT NULL,
    attended BOOLEAN NOT NULL,
    signed_in_at TIMESTAMP,
    signed_by TEXT,
    UNIQUE (activity_id, member_id)
);
CREATE INDEX activity_members_member ON activity_members (member_id, activity_id);

CREATE TABLE activity_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    file_id BIGINT NOT NULL REFERENCES files(id),
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX activity_files_activity ON activity_files (activity_id);

-- Opinions heard at an activity become cases in the opinion box.
CREATE TABLE activity_opinions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    opinion_id BIGINT NOT NULL UNIQUE REFERENCES opinions(id)
);
CREATE INDEX activity_opinions_activity ON activity_opinions (activity_id);

-- Members' names appear on public pages only where they agreed.
ALTER TABLE members ADD COLUMN public_name BOOLEAN NOT NULL DEFAULT 0;
