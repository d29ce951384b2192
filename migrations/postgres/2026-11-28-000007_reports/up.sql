-- 社情民意信息 reports: one or more cases written up in the usual format, sent
-- up the line, and their fate (采用 by which level, a leader's 批示) counted
-- for the reporting member.
CREATE TABLE opinion_reports (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    -- The office of the case it was compiled from (NULL: a district case): the
    -- office's staff keep working on it; it is their scope.
    office_id BIGINT REFERENCES offices(id),
    title TEXT NOT NULL,
    situation TEXT NOT NULL,
    analysis TEXT NOT NULL,
    suggestion TEXT NOT NULL,
    reporter_member_id BIGINT REFERENCES members(id),
    -- As printed: the member's name, or a unit's.
    reporter_name TEXT NOT NULL,
    status TEXT NOT NULL,
    sent_to TEXT,
    adopted_level TEXT,
    instruction TEXT,
    instruction_by TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX opinion_reports_list ON opinion_reports (committee_id, id);
CREATE INDEX opinion_reports_office ON opinion_reports (committee_id, office_id, id);
CREATE INDEX opinion_reports_member ON opinion_reports (reporter_member_id, created_at);

CREATE TABLE opinion_report_cases (
    report_id BIGINT NOT NULL REFERENCES opinion_reports(id),
    opinion_id BIGINT NOT NULL REFERENCES opinions(id),
    PRIMARY KEY (report_id, opinion_id)
);
CREATE INDEX opinion_report_cases_case ON opinion_report_cases (opinion_id);
