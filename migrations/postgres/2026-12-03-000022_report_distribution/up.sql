-- 社情民意信息 as 公文: the 版记 of each report (who it is reported 报, sent
-- 送 and copied 抄送 to), and each committee's defaults for them, the office
-- that issues the reports (印发; empty: the committee's name and 办公室) and,
-- where the committee numbers its reports across the years (总第N期), how
-- many it had issued before this system (NULL: it does not).
ALTER TABLE opinion_reports ADD COLUMN report_to TEXT NOT NULL DEFAULT '';
ALTER TABLE opinion_reports ADD COLUMN deliver_to TEXT NOT NULL DEFAULT '';
ALTER TABLE opinion_reports ADD COLUMN copy_to TEXT NOT NULL DEFAULT '';

CREATE TABLE opinion_report_settings (
    committee_id BIGINT PRIMARY KEY NOT NULL REFERENCES committees(id),
    report_to TEXT NOT NULL DEFAULT '',
    deliver_to TEXT NOT NULL DEFAULT '',
    copy_to TEXT NOT NULL DEFAULT '',
    issuer TEXT NOT NULL DEFAULT '',
    total_before BIGINT
);
