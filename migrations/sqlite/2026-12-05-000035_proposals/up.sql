-- 提案 (issue 20): members', joint (联名) and sectors' proposals, numbered
-- per session when accepted (立案), handled by one lead unit (主办) and
-- co-units (会办) until the proposer rates the answer and the committee
-- closes them; a timeline of every step as the opinion box keeps one.
CREATE TABLE proposal_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    name TEXT NOT NULL,
    year INTEGER NOT NULL,
    opens_on DATE NOT NULL,
    closes_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX proposal_sessions_committee ON proposal_sessions (committee_id, year);

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    session_id BIGINT NOT NULL REFERENCES proposal_sessions(id),
    number INTEGER,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    grounds TEXT NOT NULL,
    suggestions TEXT NOT NULL,
    member_id BIGINT NOT NULL REFERENCES members(id),
    sector_id BIGINT REFERENCES sectors(id),
    in_session BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    source_kind TEXT,
    source_ref TEXT,
    reason TEXT NOT NULL,
    merged_into BIGINT REFERENCES proposals(id),
    opinion_id BIGINT REFERENCES opinions(id),
    lead_department_id BIGINT REFERENCES departments(id),
    deadline DATE,
    assigned_at TIMESTAMP,
    signed_at TIMESTAMP,
    returned BOOLEAN NOT NULL,
    reopened BOOLEAN NOT NULL,
    answer TEXT NOT NULL,
    answered_at TIMESTAMP,
    rating TEXT,
    key_proposal BOOLEAN NOT NULL,
    key_leader_id BIGINT REFERENCES users(id),
    public BOOLEAN NOT NULL,
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX proposals_number ON proposals (session_id, number);
CREATE INDEX proposals_status ON proposals (committee_id, status);
CREATE INDEX proposals_member ON proposals (member_id);
CREATE INDEX proposals_lead ON proposals (lead_department_id, status);

-- Co-signers of a joint proposal (联名), beside its lead proposer: each
-- agrees (confirmed_at) before the proposal can be submitted.
CREATE TABLE proposal_signers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    confirmed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX proposal_signers_once ON proposal_signers (proposal_id, member_id);
CREATE INDEX proposal_signers_member ON proposal_signers (member_id);

-- Co-units (会办): each signs and gives its opinion to the lead unit.
CREATE TABLE proposal_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    opinion TEXT NOT NULL,
    signed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX proposal_units_once ON proposal_units (proposal_id, department_id);
CREATE INDEX proposal_units_department ON proposal_units (department_id);

CREATE TABLE proposal_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    kind TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    actor_name TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX proposal_events_proposal ON proposal_events (proposal_id, id);

-- The answer letter (答复函) and other files the lead unit sends with its answer.
CREATE TABLE proposal_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    file_id BIGINT NOT NULL REFERENCES files(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX proposal_files_proposal ON proposal_files (proposal_id);
