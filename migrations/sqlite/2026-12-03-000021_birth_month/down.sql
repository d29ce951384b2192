ALTER TABLE members DROP COLUMN birth_month_only;
