-- 通知公告 (issue 18). A public notice is shown on the committee's front
-- page (office_id NULL) or on its office's Members' Home page; an internal
-- one goes to units (offices, departments, members), each with its own
-- read receipt and reply (回执). Recipients are fixed when it is published,
-- so later roster changes do not rewrite who was told.
CREATE TABLE notices (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT REFERENCES offices(id),
    public BOOLEAN NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    audience TEXT NOT NULL,
    reply_by DATE,
    texted BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX notices_list ON notices (committee_id, status, published_at);

CREATE TABLE notice_recipients (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    notice_id BIGINT NOT NULL REFERENCES notices(id),
    unit TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    read_at TIMESTAMP,
    read_by BIGINT REFERENCES users(id),
    reply TEXT,
    replied_at TIMESTAMP,
    replied_by BIGINT REFERENCES users(id)
);
CREATE UNIQUE INDEX notice_recipients_unit ON notice_recipients (notice_id, unit);
CREATE INDEX notice_recipients_inbox ON notice_recipients (committee_id, unit, notice_id);

CREATE TABLE notice_files (
    id BIGSERIAL PRIMARY KEY,
    notice_id BIGINT NOT NULL REFERENCES notices(id),
    file_id BIGINT NOT NULL REFERENCES files(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notice_files_notice ON notice_files (notice_id);
