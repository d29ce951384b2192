DROP TABLE notice_files;
DROP TABLE notice_recipients;
DROP TABLE notices;
