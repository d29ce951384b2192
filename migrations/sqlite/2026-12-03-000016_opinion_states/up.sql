-- A handler's request for more time (延期) in typed columns, instead of the
-- encoded `opinions.extension_state` ('requested:7', 'approved', 'refused').
-- A table of its own: `opinions` is at diesel's 32-column limit. One row per
-- case, deleted when the case is assigned again (one request per assignment).
CREATE TABLE opinion_extensions (
    -- NOT NULL spelled out: a SQLite primary key other than INTEGER accepts NULL.
    opinion_id BIGINT NOT NULL PRIMARY KEY REFERENCES opinions(id),
    -- requested | approved | refused
    state TEXT NOT NULL,
    -- Working days asked. NULL only for decisions carried over from the old
    -- column, which kept no days once an extension was decided.
    days INTEGER
);
INSERT INTO opinion_extensions (opinion_id, state, days)
    SELECT id, 'requested', CAST(substr(extension_state, 11) AS INTEGER)
    FROM opinions WHERE extension_state LIKE 'requested:%';
INSERT INTO opinion_extensions (opinion_id, state, days)
    SELECT id, extension_state, NULL
    FROM opinions WHERE extension_state IN ('approved', 'refused');
ALTER TABLE opinions DROP COLUMN extension_state;
