-- 整改 (issue 18): the photos and documents that show a rectification item
-- done (a new sign, the rules on the wall), uploaded with the office's report
-- and filed with the inspection in the archive.
CREATE TABLE rectification_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    rectification_id BIGINT NOT NULL REFERENCES rectifications(id),
    file_id BIGINT NOT NULL REFERENCES files(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX rectification_files_item ON rectification_files (rectification_id);
