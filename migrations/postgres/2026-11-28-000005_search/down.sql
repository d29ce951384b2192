DROP TABLE search_pending;
DROP TABLE search_docs;
