-- Whose session it is, as a column: a password change, a reset, a lock or a
-- disable ends the user's sessions by this index instead of matching the JSON.
ALTER TABLE sessions ADD COLUMN user_id BIGINT;
UPDATE sessions SET user_id = (data::jsonb ->> 'uid')::bigint WHERE data::jsonb ? 'uid';
CREATE INDEX sessions_user ON sessions (user_id);
