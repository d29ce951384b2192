-- opinion_event_units.event_id is the table's primary key, yet SQLite let it hold
-- NULL: in a rowid table only an INTEGER PRIMARY KEY (the rowid itself) is kept
-- from NULL; any other primary-key column needs NOT NULL spelled out (a documented
-- SQLite quirk). PostgreSQL's primary key and diesel's schema (event_id -> BigInt)
-- both say NOT NULL, and the one writer (opinions::stats) always sets it to the
-- event's id, so NOT NULL is right and no row should need to change.
--
-- SQLite cannot add NOT NULL to a column in place, so the table is rebuilt: no
-- table, trigger or view refers to it, every row is copied with its rowid, and
-- the index is made again. Should a NULL event_id exist after all, the copy fails
-- and the migration stops (its transaction rolled back) rather than drop the row.
CREATE TABLE opinion_event_units_new (
    event_id BIGINT PRIMARY KEY NOT NULL REFERENCES opinion_events(id),
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    opinion_id BIGINT NOT NULL REFERENCES opinions(id),
    assignee_kind TEXT,
    assignee_id BIGINT,
    due_at TIMESTAMP
);
INSERT INTO opinion_event_units_new (rowid, event_id, committee_id, opinion_id, assignee_kind, assignee_id, due_at)
SELECT rowid, event_id, committee_id, opinion_id, assignee_kind, assignee_id, due_at FROM opinion_event_units;
DROP TABLE opinion_event_units;
ALTER TABLE opinion_event_units_new RENAME TO opinion_event_units;
CREATE INDEX opinion_event_units_case ON opinion_event_units (opinion_id);
