-- A member's birth date may be known to the month only (花名册 often say
-- 1975年3月): such a date is kept as the first of its month, marked here.
ALTER TABLE members ADD COLUMN birth_month_only BOOLEAN NOT NULL DEFAULT 0;
