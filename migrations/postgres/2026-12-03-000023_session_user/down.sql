DROP INDEX sessions_user;
ALTER TABLE sessions DROP COLUMN user_id;
