DROP TABLE jobs;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE offices;
DROP TABLE committees;
