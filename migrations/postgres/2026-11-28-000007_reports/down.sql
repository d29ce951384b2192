DROP TABLE opinion_report_cases;
DROP TABLE opinion_reports;
