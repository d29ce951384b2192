-- Figures of the opinion loop (opinions::stats).
--
-- Counters kept in the same transaction as every change of a case, so the
-- dashboards never run a GROUP BY over the cases themselves (> 1 s at 10^6):
-- `status.<status>` counts cases by the month (Asia/Shanghai) they were
-- submitted, `rating.<rating>` counts ratings by the month they were given.
-- office_id / category_id are 0 for "none" (a NULL would not conflict in the
-- upsert); category_id is the major class.
CREATE TABLE opinion_stats (
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    month TEXT NOT NULL,
    office_id BIGINT NOT NULL,
    category_id BIGINT NOT NULL,
    measure TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (committee_id, month, office_id, category_id, measure)
);

-- The handling unit, and the deadline in force, at each assignment and each
-- approved answer: events do not say who held the case, and the case row only
-- knows its current handler and deadline.
CREATE TABLE opinion_event_units (
    event_id BIGINT PRIMARY KEY REFERENCES opinion_events(id),
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    opinion_id BIGINT NOT NULL REFERENCES opinions(id),
    assignee_kind TEXT,
    assignee_id BIGINT,
    due_at TIMESTAMP
);
CREATE INDEX opinion_event_units_case ON opinion_event_units (opinion_id);

-- A month's assignments, answers and ratings without reading other events.
CREATE INDEX opinion_events_month ON opinion_events (committee_id, kind, created_at, opinion_id);
-- The public results wall, newest closed first. Partial, so that it holds only
-- the published cases and never competes with the inbox's (committee_id, id):
-- a full-width version of it made the inbox's first page sort 10^6 rows.
CREATE INDEX opinions_public ON opinions (committee_id, closed_at, id) WHERE public = TRUE AND status = 'closed';

-- Counters for the cases already there.
INSERT INTO opinion_stats (committee_id, month, office_id, category_id, measure, n)
SELECT o.committee_id, to_char(o.created_at + INTERVAL '8 hours', 'YYYY-MM'), COALESCE(o.office_id, 0),
       COALESCE(c.parent_id, o.category_id, 0), 'status.' || o.status, COUNT(*)
FROM opinions o LEFT JOIN opinion_categories c ON c.id = o.category_id
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO opinion_stats (committee_id, month, office_id, category_id, measure, n)
SELECT e.committee_id, to_char(e.created_at + INTERVAL '8 hours', 'YYYY-MM'), COALESCE(o.office_id, 0),
       COALESCE(c.parent_id, o.category_id, 0),
       'rating.' || CASE e.kind WHEN 'reopened' THEN 'unsatisfied' WHEN 'auto_closed' THEN 'unrated'
                                ELSE COALESCE(o.rating, 'unrated') END,
       COUNT(*)
FROM opinion_events e JOIN opinions o ON o.id = e.opinion_id
LEFT JOIN opinion_categories c ON c.id = o.category_id
WHERE e.kind IN ('rated', 'reopened', 'auto_closed')
GROUP BY 1, 2, 3, 4, 5;
