-- Consultations (协商议事): topics proposed and approved, the session planned
-- with its invited sectors, members, departments and residents, attendance,
-- speakers, the record and photos, the agreed items (协商成果) followed up
-- until done or explained, and the opinion-box cases a topic was raised from.
CREATE TABLE consultations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    title TEXT NOT NULL,
    background TEXT NOT NULL,
    status TEXT NOT NULL,
    -- office, member or district
    proposer_kind TEXT NOT NULL,
    proposed_by BIGINT REFERENCES users(id),
    decision_note TEXT NOT NULL,
    format TEXT NOT NULL,
    planned_at TIMESTAMP,
    place TEXT NOT NULL,
    host TEXT NOT NULL,
    residents TEXT NOT NULL,
    materials TEXT NOT NULL,
    held_at TIMESTAMP,
    record TEXT NOT NULL,
    residents_count INTEGER NOT NULL,
    results TEXT NOT NULL,
    closed_at TIMESTAMP,
    signin_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX consultations_office ON consultations (committee_id, office_id, status);

CREATE TABLE consultation_sectors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    sector_id BIGINT NOT NULL REFERENCES sectors(id),
    UNIQUE (consultation_id, sector_id)
);

CREATE TABLE consultation_localities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    locality_id BIGINT NOT NULL REFERENCES localities(id),
    UNIQUE (consultation_id, locality_id)
);

CREATE TABLE consultation_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    invited BOOLEAN NOT NULL,
    reply TEXT NOT NULL,
    attended BOOLEAN NOT NULL,
    signed_in_at TIMESTAMP,
    signed_by TEXT,
    UNIQUE (consultation_id, member_id)
);
CREATE INDEX consultation_members_member ON consultation_members (member_id, consultation_id);

CREATE TABLE consultation_departments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    reply TEXT NOT NULL,
    UNIQUE (consultation_id, department_id)
);

CREATE TABLE consultation_speakers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    name TEXT NOT NULL,
    points TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX consultation_speakers_c ON consultation_speakers (consultation_id);

CREATE TABLE consultation_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    file_id BIGINT NOT NULL REFERENCES files(id),
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX consultation_files_c ON consultation_files (consultation_id);

-- Opinion-box cases a topic was raised from: their residents are told.
CREATE TABLE consultation_opinions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    opinion_id BIGINT NOT NULL REFERENCES opinions(id),
    UNIQUE (consultation_id, opinion_id)
);

-- 协商成果: each agreed item with its owner (a department or an office).
CREATE TABLE consultation_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    body TEXT NOT NULL,
    owner_department_id BIGINT REFERENCES departments(id),
    owner_office_id BIGINT REFERENCES offices(id),
    deadline DATE NOT NULL,
    status TEXT NOT NULL,
    explanation TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);
CREATE INDEX consultation_items_c ON consultation_items (consultation_id);
CREATE INDEX consultation_items_dept ON consultation_items (owner_department_id, status);
CREATE INDEX consultation_items_office ON consultation_items (owner_office_id, status);

CREATE TABLE consultation_item_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES consultation_items(id),
    note TEXT NOT NULL,
    file_id BIGINT REFERENCES files(id),
    author TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX consultation_item_notes_item ON consultation_item_notes (item_id);
