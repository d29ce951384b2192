ALTER TABLE outbox DROP COLUMN job_id;
DROP TABLE robots;
