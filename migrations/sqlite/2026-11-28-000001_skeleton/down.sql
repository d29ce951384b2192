DROP TABLE jobs;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE offices;
DROP TABLE committees;
