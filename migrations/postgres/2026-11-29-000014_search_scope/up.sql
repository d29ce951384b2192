-- A search is always within one committee and one kind. The GIN index held the
-- words of every committee, so two common words matched every committee's
-- documents (9,463 rows for 305 of c001's with 30 committees; five times that
-- at 150), then a second index picked the committee's: 5.9 ms, growing with the
-- province. Each document now also carries its scope as a lexeme that no text
-- can produce (`to_tsvector` never keeps a leading '_'), the same token SQLite's
-- FTS5 index carries, and the query asks for it with the words: GIN intersects
-- the committee's postings directly, 2.0 ms (kernel::search::store::search).
DROP INDEX search_docs_tsv;
ALTER TABLE search_docs DROP COLUMN tsv;
ALTER TABLE search_docs ADD COLUMN tsv TSVECTOR GENERATED ALWAYS AS (
    strip(to_tsvector('simple', terms)) || ('_c' || committee_id || '_k' || kind)::tsvector
) STORED;
CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv);
