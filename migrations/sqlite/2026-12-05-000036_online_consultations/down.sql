DROP TABLE online_comments;
DROP TABLE online_members;
DROP TABLE online_consultations;
