-- Full-text search and near-duplicates (src/kernel/search/).
-- id = ref_id * 256 + the kind's code (search::text::KINDS), as on SQLite.
CREATE TABLE search_docs (
    id BIGINT PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    terms TEXT NOT NULL,
    simhash BIGINT NOT NULL,
    band0 INTEGER NOT NULL,
    band1 INTEGER NOT NULL,
    band2 INTEGER NOT NULL,
    band3 INTEGER NOT NULL,
    -- Stored, so that checking a row while walking newest-first costs microseconds
    -- (an expression index re-parses the terms for every row it checks: ~60 µs);
    -- stripped of positions, which no query uses (a third smaller).
    tsv TSVECTOR GENERATED ALWAYS AS (strip(to_tsvector('simple', terms))) STORED
);
-- A search walks newest-first (common words) or reads the GIN index and sorts
-- (rare words): the planner picks by the words' statistics.
CREATE INDEX search_docs_recent ON search_docs (committee_id, kind, ref_id);
CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv);
-- SimHash bands for near-duplicates, covering (index-only scans).
CREATE INDEX search_docs_band0 ON search_docs (committee_id, kind, band0) INCLUDE (id, simhash);
CREATE INDEX search_docs_band1 ON search_docs (committee_id, kind, band1) INCLUDE (id, simhash);
CREATE INDEX search_docs_band2 ON search_docs (committee_id, kind, band2) INCLUDE (id, simhash);
CREATE INDEX search_docs_band3 ON search_docs (committee_id, kind, band3) INCLUDE (id, simhash);

-- Used on SQLite only (FTS5 is filled in batches); PostgreSQL's GIN index is
-- updated with the row. Kept so that both backends have the same tables.
CREATE TABLE search_pending (
    doc_id BIGINT PRIMARY KEY
);
