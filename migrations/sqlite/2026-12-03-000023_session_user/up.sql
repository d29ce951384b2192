-- Whose session it is, as a column: a password change, a reset, a lock or a
-- disable ends the user's sessions by this index instead of matching the JSON.
ALTER TABLE sessions ADD COLUMN user_id BIGINT;
UPDATE sessions SET user_id = json_extract(data, '$.uid') WHERE json_valid(data);
CREATE INDEX sessions_user ON sessions (user_id);
