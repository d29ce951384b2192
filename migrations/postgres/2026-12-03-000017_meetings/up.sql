-- One meetings module for liaison activities and consultations: one reply
-- vocabulary (pending / confirmed / apology, an apology with its reason) for
-- members and departments, and speakers' points for activities too.
ALTER TABLE consultation_members ADD COLUMN reply_note TEXT NOT NULL DEFAULT '';
ALTER TABLE consultation_departments ADD COLUMN reply_note TEXT NOT NULL DEFAULT '';
UPDATE consultation_members SET reply = 'confirmed' WHERE reply = 'accepted';
UPDATE consultation_members SET reply = 'apology' WHERE reply = 'declined';
UPDATE consultation_departments SET reply = 'confirmed' WHERE reply = 'accepted';
UPDATE consultation_departments SET reply = 'apology' WHERE reply = 'declined';

CREATE TABLE activity_speakers (
    id BIGSERIAL PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    name TEXT NOT NULL,
    points TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX activity_speakers_a ON activity_speakers (activity_id);
