-- Full-text search and near-duplicates (src/kernel/search/).
-- id = ref_id * 256 + the kind's code (search::text::KINDS): descending rowid order is
-- newest-first within a kind, which is the order FTS5 can walk without sorting.
CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    terms TEXT NOT NULL,
    simhash BIGINT NOT NULL,
    band0 INTEGER NOT NULL,
    band1 INTEGER NOT NULL,
    band2 INTEGER NOT NULL,
    band3 INTEGER NOT NULL,
    -- PostgreSQL stores the terms' tsvector here; on SQLite search_fts is the
    -- index, and this is only an alias (virtual: no storage) for schema parity.
    tsv TEXT GENERATED ALWAYS AS (terms) VIRTUAL
);
-- SimHash bands for near-duplicates; with simhash (and the rowid, always there) the
-- lookups never touch the table.
CREATE INDEX search_docs_band0 ON search_docs (committee_id, kind, band0, simhash);
CREATE INDEX search_docs_band1 ON search_docs (committee_id, kind, band1, simhash);
CREATE INDEX search_docs_band2 ON search_docs (committee_id, kind, band2, simhash);
CREATE INDEX search_docs_band3 ON search_docs (committee_id, kind, band3, simhash);

-- Documents written but not yet in search_fts: the search.sync job moves them in
-- batches, off the transaction that wrote them.
CREATE TABLE search_pending (
    doc_id INTEGER PRIMARY KEY
);

-- The full-text index: rowid = search_docs.id, one column holding a scope token
-- (_c<committee>_k<kind code>) and the terms. Contentless (the terms are in
-- search_docs) with delete support; detail=none because terms are de-duplicated
-- and never queried as phrases. The ascii tokenizer splits only on ASCII
-- punctuation and spaces, so every term stays one token; '_' is a token character
-- so that scope tokens, which terms never contain, are single tokens too.
CREATE VIRTUAL TABLE search_fts USING fts5(
    terms,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = "ascii tokenchars '_'"
);
