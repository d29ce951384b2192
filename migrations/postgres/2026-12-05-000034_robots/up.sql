-- Group robots (issue 19): a WeCom or DingTalk group's webhook per unit (the
-- district, an office, a department), which gets the unit's morning digest
-- and urgent alerts beside the in-app message. The webhook holds the group's
-- key and DingTalk's signing secret signs each call: both kept encrypted.
CREATE TABLE robots (
    id BIGSERIAL PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    webhook_enc TEXT NOT NULL,
    secret_enc TEXT,
    active BOOLEAN NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX robots_unit ON robots (committee_id, unit);

-- The job that delivers a message (a text, a robot's post): the deliveries
-- page sends a failed message again by queueing its job again.
ALTER TABLE outbox ADD COLUMN job_id BIGINT;
