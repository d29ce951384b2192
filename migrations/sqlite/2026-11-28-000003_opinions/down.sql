DROP TABLE outbox;
DROP TABLE opinion_files;
DROP TABLE opinion_events;
DROP TABLE opinions;
DROP TABLE opinion_routes;
DROP TABLE opinion_categories;
ALTER TABLE users DROP COLUMN department_id;
DROP TABLE departments;
