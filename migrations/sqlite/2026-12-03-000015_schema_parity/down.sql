-- The table as migration 000008 made it (event_id without NOT NULL), every row
-- copied with its rowid.
CREATE TABLE opinion_event_units_old (
    event_id BIGINT PRIMARY KEY REFERENCES opinion_events(id),
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    opinion_id BIGINT NOT NULL REFERENCES opinions(id),
    assignee_kind TEXT,
    assignee_id BIGINT,
    due_at TIMESTAMP
);
INSERT INTO opinion_event_units_old (rowid, event_id, committee_id, opinion_id, assignee_kind, assignee_id, due_at)
SELECT rowid, event_id, committee_id, opinion_id, assignee_kind, assignee_id, due_at FROM opinion_event_units;
DROP TABLE opinion_event_units;
ALTER TABLE opinion_event_units_old RENAME TO opinion_event_units;
CREATE INDEX opinion_event_units_case ON opinion_event_units (opinion_id);
