-- Password aging: when the password was last set. Existing accounts count from
-- now (the constant default only satisfies NOT NULL while the column is added;
-- SQLite allows no CURRENT_TIMESTAMP default there, and every insert sets it).
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE users SET password_changed_at = CURRENT_TIMESTAMP;
