-- Working days: each committee's holidays and make-up working days (调休), pre-filled
-- from the State Council's notice and kept by the district admin. Any day not listed
-- follows the week (Mon–Fri work).
CREATE TABLE calendar_days (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    day DATE NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (committee_id, day)
);
