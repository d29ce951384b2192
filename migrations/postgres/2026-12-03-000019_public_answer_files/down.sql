ALTER TABLE committees DROP COLUMN public_phone;
ALTER TABLE opinion_files DROP COLUMN public;
