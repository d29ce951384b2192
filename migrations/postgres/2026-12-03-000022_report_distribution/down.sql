DROP TABLE opinion_report_settings;
ALTER TABLE opinion_reports DROP COLUMN copy_to;
ALTER TABLE opinion_reports DROP COLUMN deliver_to;
ALTER TABLE opinion_reports DROP COLUMN report_to;
