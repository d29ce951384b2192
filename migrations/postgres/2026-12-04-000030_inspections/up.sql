-- 检查 (issue 18): the district inspects an office against its checklist
-- (the 六个有 by default, editable), scores it, and lists rectification
-- items (整改) that the office follows up until done. Findings keep the
-- item's words as inspected, so a later edit of the checklist does not
-- change a past inspection.
CREATE TABLE inspection_checklist (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    label TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    active BOOLEAN NOT NULL
);
CREATE INDEX inspection_checklist_committee ON inspection_checklist (committee_id, sort_order);
-- Committees that exist already start with the 六个有 (new ones get them from setup).
INSERT INTO inspection_checklist (committee_id, label, sort_order, active) SELECT id, '有阵地', 1, TRUE FROM committees;
INSERT INTO inspection_checklist (committee_id, label, sort_order, active) SELECT id, '有标识', 2, TRUE FROM committees;
INSERT INTO inspection_checklist (committee_id, label, sort_order, active) SELECT id, '有制度', 3, TRUE FROM committees;
INSERT INTO inspection_checklist (committee_id, label, sort_order, active) SELECT id, '有流程', 4, TRUE FROM committees;
INSERT INTO inspection_checklist (committee_id, label, sort_order, active) SELECT id, '有活动', 5, TRUE FROM committees;
INSERT INTO inspection_checklist (committee_id, label, sort_order, active) SELECT id, '有实效', 6, TRUE FROM committees;

CREATE TABLE inspections (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    planned_on DATE NOT NULL,
    inspectors TEXT NOT NULL,
    status TEXT NOT NULL,
    inspected_on DATE,
    score INTEGER,
    summary TEXT NOT NULL,
    answer TEXT,
    answered_at TIMESTAMP,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inspections_office ON inspections (committee_id, office_id, planned_on);

CREATE TABLE inspection_findings (
    id BIGSERIAL PRIMARY KEY,
    inspection_id BIGINT NOT NULL REFERENCES inspections(id),
    label TEXT NOT NULL,
    result TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX inspection_findings_inspection ON inspection_findings (inspection_id);

CREATE TABLE rectifications (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    inspection_id BIGINT NOT NULL REFERENCES inspections(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    body TEXT NOT NULL,
    deadline DATE NOT NULL,
    status TEXT NOT NULL,
    evidence TEXT NOT NULL,
    done_at TIMESTAMP,
    escalated_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX rectifications_open ON rectifications (status, deadline);
CREATE INDEX rectifications_inspection ON rectifications (inspection_id);
