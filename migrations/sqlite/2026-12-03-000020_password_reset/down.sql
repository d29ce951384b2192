DROP TABLE password_resets;
DROP INDEX users_phone_index;
ALTER TABLE users DROP COLUMN phone_verified_at;
ALTER TABLE users DROP COLUMN phone_index;
ALTER TABLE users DROP COLUMN phone_enc;
