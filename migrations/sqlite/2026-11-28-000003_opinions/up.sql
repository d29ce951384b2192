-- The opinion box (社情民意): handling units, categories and routing, cases,
-- their timeline and photos.
CREATE TABLE departments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    name TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (committee_id, name)
);

ALTER TABLE users ADD COLUMN department_id BIGINT REFERENCES departments(id);

CREATE TABLE opinion_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    parent_id BIGINT REFERENCES opinion_categories(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    UNIQUE (committee_id, code)
);

-- category × office → default handler; office_id NULL is the committee-wide default.
CREATE TABLE opinion_routes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    category_id BIGINT NOT NULL REFERENCES opinion_categories(id),
    office_id BIGINT REFERENCES offices(id),
    assignee_kind TEXT NOT NULL,
    assignee_id BIGINT NOT NULL,
    answer_days INTEGER NOT NULL
);
CREATE INDEX opinion_routes_lookup ON opinion_routes (committee_id, category_id, office_id);

CREATE TABLE opinions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT REFERENCES offices(id),
    locality_id BIGINT REFERENCES localities(id),
    category_id BIGINT REFERENCES opinion_categories(id),
    code TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    heard_by BIGINT REFERENCES members(id),
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    submitter_name TEXT,
    submitter_phone TEXT,
    phone_index TEXT,
    merged_into BIGINT REFERENCES opinions(id),
    assignee_kind TEXT,
    assignee_id BIGINT,
    assigned_at TIMESTAMP,
    due_at TIMESTAMP,
    signed_at TIMESTAMP,
    extension_state TEXT,
    reopened BOOLEAN NOT NULL DEFAULT 0,
    answer TEXT,
    answered_at TIMESTAMP,
    rating TEXT,
    rating_comment TEXT,
    reject_reason TEXT,
    public BOOLEAN NOT NULL DEFAULT 0,
    escalated_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX opinions_inbox ON opinions (committee_id, id);
CREATE INDEX opinions_status ON opinions (committee_id, status, id);
CREATE INDEX opinions_office ON opinions (committee_id, office_id, id);
CREATE INDEX opinions_assignee ON opinions (assignee_kind, assignee_id, status, id);
CREATE INDEX opinions_phone ON opinions (phone_index);
CREATE INDEX opinions_due ON opinions (status, due_at);
-- The open cases, newest first: the "overdue only" inbox reads this instead of
-- sorting every overdue case (169 ms → 0.05 ms at 10^6 cases with 134k overdue).
CREATE INDEX opinions_open ON opinions (committee_id, id) WHERE status IN ('assigned', 'in_progress');

CREATE TABLE opinion_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    opinion_id BIGINT NOT NULL REFERENCES opinions(id),
    kind TEXT NOT NULL,
    status TEXT,
    actor_id BIGINT REFERENCES users(id),
    actor_name TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX opinion_events_case ON opinion_events (opinion_id, id);

CREATE TABLE opinion_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    opinion_id BIGINT NOT NULL REFERENCES opinions(id),
    file_id BIGINT NOT NULL REFERENCES files(id),
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX opinion_files_case ON opinion_files (opinion_id);

-- Outgoing messages (SMS, WeCom, …): one row per message, visible to staff,
-- retried by the job queue until sent.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    recipient_masked TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_committee ON outbox (committee_id, id);
