DROP INDEX search_docs_tsv;
ALTER TABLE search_docs DROP COLUMN tsv;
ALTER TABLE search_docs ADD COLUMN tsv TSVECTOR GENERATED ALWAYS AS (strip(to_tsvector('simple', terms))) STORED;
CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv);
