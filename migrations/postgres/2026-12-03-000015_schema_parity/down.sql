-- SQLite's opinion_event_units.event_id gets the NOT NULL that PostgreSQL's
-- primary key has always implied; nothing changes here. Kept so that both
-- backends count the same migrations.
SELECT 1;
