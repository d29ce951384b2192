-- The resident's front door (issue 14): which of an answer's files the handler
-- lets the resident see on the tracking page, and the committee's public phone
-- for residents who lost or mistyped their tracking code.
ALTER TABLE opinion_files ADD COLUMN public BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE committees ADD COLUMN public_phone TEXT;
