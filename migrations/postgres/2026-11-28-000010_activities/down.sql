ALTER TABLE members DROP COLUMN public_name;
DROP TABLE activity_opinions;
DROP TABLE activity_files;
DROP TABLE activity_members;
DROP TABLE activities;
