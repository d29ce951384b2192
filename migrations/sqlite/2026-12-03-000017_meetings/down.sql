DROP TABLE activity_speakers;
UPDATE consultation_departments SET reply = 'declined' WHERE reply = 'apology';
UPDATE consultation_departments SET reply = 'accepted' WHERE reply = 'confirmed';
UPDATE consultation_members SET reply = 'declined' WHERE reply = 'apology';
UPDATE consultation_members SET reply = 'accepted' WHERE reply = 'confirmed';
ALTER TABLE consultation_departments DROP COLUMN reply_note;
ALTER TABLE consultation_members DROP COLUMN reply_note;
