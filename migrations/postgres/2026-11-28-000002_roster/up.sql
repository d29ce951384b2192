-- The organisation's roster: sectors, members, localities, liaisons, Members' Homes.
CREATE TABLE sectors (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    name TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (committee_id, name)
);

CREATE TABLE members (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT REFERENCES offices(id),
    sector_id BIGINT REFERENCES sectors(id),
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    birth_date DATE,
    party TEXT NOT NULL,
    employer TEXT NOT NULL,
    post TEXT NOT NULL,
    phone TEXT NOT NULL,
    term TEXT NOT NULL,
    status TEXT NOT NULL,
    left_on DATE,
    user_id BIGINT UNIQUE REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (committee_id, phone)
);
CREATE INDEX members_office ON members (committee_id, office_id, id);
CREATE INDEX members_sector ON members (committee_id, sector_id, id);
CREATE INDEX members_status ON members (committee_id, status, id);
CREATE INDEX members_party ON members (committee_id, party, id);

ALTER TABLE offices ADD COLUMN address TEXT;
ALTER TABLE offices ADD COLUMN established_on DATE;
ALTER TABLE offices ADD COLUMN convener_id BIGINT REFERENCES members(id);
ALTER TABLE offices ADD COLUMN convener_post TEXT;

CREATE TABLE office_staffers (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    employment TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX office_staffers_office ON office_staffers (office_id);

CREATE TABLE localities (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (office_id, name)
);
CREATE INDEX localities_committee ON localities (committee_id, office_id);

CREATE TABLE liaisons (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    locality_id BIGINT NOT NULL REFERENCES localities(id),
    start_on DATE NOT NULL,
    end_on DATE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (member_id, locality_id, start_on)
);
CREATE INDEX liaisons_locality ON liaisons (locality_id);
CREATE INDEX liaisons_committee ON liaisons (committee_id, member_id);

CREATE TABLE members_homes (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT NOT NULL UNIQUE REFERENCES offices(id),
    name TEXT NOT NULL,
    address TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE home_items (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    home_id BIGINT NOT NULL REFERENCES members_homes(id),
    item TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    checked_by BIGINT REFERENCES users(id),
    checked_at TIMESTAMP,
    UNIQUE (home_id, item)
);

-- Uploaded files, stored by content hash (kernel/files); rows reference them.
CREATE TABLE files (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    original_name TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX files_hash ON files (sha256);

CREATE TABLE home_evidence (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    home_item_id BIGINT NOT NULL REFERENCES home_items(id),
    file_id BIGINT REFERENCES files(id),
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX home_evidence_item ON home_evidence (home_item_id);
