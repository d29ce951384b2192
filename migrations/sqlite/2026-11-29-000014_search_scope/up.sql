-- PostgreSQL's search index gets each document's committee-and-kind scope token
-- here; SQLite's FTS5 index has carried it from the start (search.sync), so
-- nothing changes on SQLite. Kept so that both backends count the same migrations.
SELECT 1;
