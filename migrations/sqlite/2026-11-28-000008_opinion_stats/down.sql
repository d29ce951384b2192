DROP INDEX opinions_public;
DROP INDEX opinion_events_month;
DROP TABLE opinion_event_units;
DROP TABLE opinion_stats;
