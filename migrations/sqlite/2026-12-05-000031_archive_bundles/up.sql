-- 档案 (issue 18): an office's archive for a year as one bundle for an
-- inspection (zip: table of contents, lists, numbered attachments), built in
-- the background. The row shows its progress while it is built and keeps the
-- finished zip (a stored file, by its hash) for download.
CREATE TABLE archive_bundles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    year INTEGER NOT NULL,
    status TEXT NOT NULL,
    files_done INTEGER NOT NULL,
    files_total INTEGER NOT NULL,
    pieces INTEGER NOT NULL,
    sha256 TEXT,
    size BIGINT,
    error TEXT,
    requested_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX archive_bundles_office ON archive_bundles (committee_id, office_id, year, id);
