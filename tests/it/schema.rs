//! Both backends' migrations produce the same schema, and it is the one diesel
//! sees (`src/kernel/db/schema.rs`).
//!
//! Compared per table and column: the type, nullability, default and whether the
//! column is generated; per table: the primary key and every index (its columns
//! or expressions in order, uniqueness, partial `WHERE`, included columns,
//! method). Each backend's catalogue is read and normalised to one vocabulary,
//! PostgreSQL's spelling (`bigint`, `timestamp without time zone`, `false`), so a
//! failure says which table and column differ and what each side says.
//!
//! What differs by design is listed below (`SQLITE_ONLY_TABLES`,
//! `KNOWN_COLUMN_DIFFERENCES`, `KNOWN_INDEX_DIFFERENCES`, `NOT_IN_DIESEL`), each
//! entry with its reason; everything else must match exactly. An entry that no
//! longer matches anything fails the test too, so the lists stay minimal.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable, Text};
use xieshang::kernel::db::{Db, DbConn};

use crate::support::{Kind, drop_pg_database, fresh_database};

// ---------------------------------------------------------------------------
// What differs by design
// ---------------------------------------------------------------------------

/// Tables that exist on SQLite only and are not compared: SQLite's full-text
/// index `search_fts` (FTS5) and the shadow tables FTS5 keeps for it. PostgreSQL
/// does that job with the generated column `search_docs.tsv` and its GIN index
/// (see the known differences below). Each must exist on SQLite, and not on PostgreSQL.
const SQLITE_ONLY_TABLES: &[&str] =
    &["search_fts", "search_fts_config", "search_fts_data", "search_fts_docsize", "search_fts_idx"];

/// Not ours, so not compared: diesel's record of the migrations run (its own
/// shape on each backend), and SQLite's internal tables (`sqlite_sequence` keeps
/// the AUTOINCREMENT counters that PostgreSQL keeps in sequences).
fn is_bookkeeping(table: &str) -> bool {
    table == "__diesel_schema_migrations" || table.starts_with("sqlite_")
}

/// One fact of one column that differs between the backends on purpose.
struct KnownColumnDifference {
    column: &'static str,
    fact: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
    why: &'static str,
}

/// `search_docs.tsv` is PostgreSQL's full-text document: the terms and the
/// committee-and-kind scope lexeme as a `tsvector`, stored so that the GIN index
/// and a newest-first walk read it without re-parsing (migrations 000005 and
/// 000014). SQLite's full-text index is the FTS5 table `search_fts`, filled by
/// `search.sync`; its `tsv` is only a virtual alias of `terms` (no storage) that
/// keeps the column lists equal, and nothing reads it. Its nullability and
/// default (none) still match.
const KNOWN_COLUMN_DIFFERENCES: &[KnownColumnDifference] = &[
    KnownColumnDifference {
        column: "search_docs.tsv",
        fact: "type",
        sqlite: "text",
        postgres: "tsvector",
        why: "a tsvector on PostgreSQL; on SQLite an alias of terms (search_fts is the index)",
    },
    KnownColumnDifference {
        column: "search_docs.tsv",
        fact: "generated",
        sqlite: "virtual: terms",
        postgres: "stored: strip(to_tsvector('simple', terms)) || (((('_c' || committee_id) || '_k') || kind))",
        why: "PostgreSQL's GIN index reads the stored terms and scope lexeme (000014); SQLite's search_fts gets \
              both from search.sync, and its tsv is a virtual alias that nothing reads",
    },
];

/// An index that differs between the backends on purpose, as the failure
/// message describes it (`None`: the backend has no counterpart).
struct KnownIndexDifference {
    sqlite: Option<&'static str>,
    postgres: Option<&'static str>,
    why: &'static str,
}

const KNOWN_INDEX_DIFFERENCES: &[KnownIndexDifference] = &[
    KnownIndexDifference {
        sqlite: None,
        postgres: Some("search_docs: index (tsv) using gin"),
        why: "PostgreSQL's full-text index; on SQLite the FTS5 table search_fts is the index",
    },
    KnownIndexDifference {
        sqlite: None,
        postgres: Some("search_docs: index (committee_id, kind, ref_id)"),
        why: "a PostgreSQL search walks a committee's documents of a kind newest-first through it; a SQLite \
              search walks search_fts by rowid (newest-first already) and never reads search_docs by ref_id",
    },
    // The SimHash bands cover `similar`'s lookups on both backends (index-only):
    // SQLite has no INCLUDE, so simhash is a trailing key column there, and every
    // SQLite index carries the rowid, which is search_docs.id.
    KnownIndexDifference {
        sqlite: Some("search_docs: index (committee_id, kind, band0, simhash)"),
        postgres: Some("search_docs: index (committee_id, kind, band0) include (id, simhash)"),
        why: "covering band index: SQLite has no INCLUDE and carries the rowid (id) in every index",
    },
    KnownIndexDifference {
        sqlite: Some("search_docs: index (committee_id, kind, band1, simhash)"),
        postgres: Some("search_docs: index (committee_id, kind, band1) include (id, simhash)"),
        why: "covering band index: SQLite has no INCLUDE and carries the rowid (id) in every index",
    },
    KnownIndexDifference {
        sqlite: Some("search_docs: index (committee_id, kind, band2, simhash)"),
        postgres: Some("search_docs: index (committee_id, kind, band2) include (id, simhash)"),
        why: "covering band index: SQLite has no INCLUDE and carries the rowid (id) in every index",
    },
    KnownIndexDifference {
        sqlite: Some("search_docs: index (committee_id, kind, band3, simhash)"),
        postgres: Some("search_docs: index (committee_id, kind, band3) include (id, simhash)"),
        why: "covering band index: SQLite has no INCLUDE and carries the rowid (id) in every index",
    },
];

/// Columns both backends have that diesel's schema leaves out, and why.
const NOT_IN_DIESEL: &[(&str, &str)] =
    &[("search_docs.tsv", "only the search module's raw SQL reads it, and its type differs per backend")];

// ---------------------------------------------------------------------------
// The schema, normalised
// ---------------------------------------------------------------------------

/// A column's facts in PostgreSQL's vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    sql_type: String,
    nullable: bool,
    /// "none", "auto id", or the normalised expression.
    default: String,
    /// "no", or "virtual"/"stored" and the normalised expression.
    generated: String,
}

impl Column {
    /// The facts compared one by one, by the names failure messages use.
    fn facts(&self) -> [(&'static str, String); 4] {
        [
            ("type", self.sql_type.clone()),
            ("nullability", if self.nullable { "null" } else { "not null" }.to_string()),
            ("default", self.default.clone()),
            ("generated", self.generated.clone()),
        ]
    }
}

/// (table, column) → its facts.
type Columns = BTreeMap<(String, String), Column>;

/// The index of a UNIQUE constraint (SQLite's `sqlite_autoindex_*`, PostgreSQL's
/// `*_key`) is a unique index like one made by CREATE UNIQUE INDEX: it enforces
/// the same rule, so the two are not told apart. The primary key is compared
/// as its own kind (on SQLite an INTEGER PRIMARY KEY has no index at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum IndexKind {
    PrimaryKey,
    Unique,
    Plain,
}

/// What an index is, whatever its name: indexes are matched by this.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct IndexShape {
    table: String,
    kind: IndexKind,
    /// Columns or normalised expressions, in order, " desc" appended when descending.
    columns: Vec<String>,
    /// PostgreSQL's INCLUDE columns (SQLite has none).
    include: Vec<String>,
    /// The normalised partial-index condition.
    predicate: Option<String>,
    /// "btree" unless said otherwise ("gin").
    method: String,
}

impl fmt::Display for IndexShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            IndexKind::PrimaryKey => "primary key",
            IndexKind::Unique => "unique index",
            IndexKind::Plain => "index",
        };
        write!(f, "{}: {kind} ({})", self.table, self.columns.join(", "))?;
        if !self.include.is_empty() {
            write!(f, " include ({})", self.include.join(", "))?;
        }
        if let Some(p) = &self.predicate {
            write!(f, " where {p}")?;
        }
        if self.method != "btree" {
            write!(f, " using {}", self.method)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct Index {
    shape: IndexShape,
    name: String,
    /// Made by `CREATE INDEX` under a name a migration chose (and a later one may
    /// `DROP INDEX`), rather than by a PRIMARY KEY or UNIQUE constraint, whose
    /// index each backend names its own way.
    created: bool,
}

struct Schema {
    /// Every table in the catalogue, compared or not.
    all_tables: BTreeSet<String>,
    columns: Columns,
    indexes: Vec<Index>,
}

fn read_schema(conn: &mut DbConn) -> Schema {
    match conn {
        DbConn::Sqlite(c) => sqlite::schema(c),
        DbConn::Pg(c) => postgres::schema(c),
    }
}

// ---------------------------------------------------------------------------
// SQLite's catalogue
// ---------------------------------------------------------------------------

mod sqlite {
    use super::*;

    #[derive(QueryableByName)]
    struct ColumnRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Nullable<Text>)]
        table_sql: Option<String>,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Text)]
        declared_type: String,
        #[diesel(sql_type = Bool)]
        not_null: bool,
        #[diesel(sql_type = Nullable<Text>)]
        default_value: Option<String>,
        /// Position in the primary key, from 1; 0 when not part of it.
        #[diesel(sql_type = Integer)]
        pk: i32,
        /// 2: generated virtual, 3: generated stored.
        #[diesel(sql_type = Integer)]
        hidden: i32,
    }

    #[derive(QueryableByName)]
    struct IndexRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        index_name: String,
        #[diesel(sql_type = Bool)]
        is_unique: bool,
        /// "c": CREATE INDEX, "u": a UNIQUE constraint, "pk": the PRIMARY KEY.
        #[diesel(sql_type = Text)]
        origin: String,
        #[diesel(sql_type = Integer)]
        position: i32,
        /// -1: the rowid, -2: an expression.
        #[diesel(sql_type = Integer)]
        cid: i32,
        #[diesel(sql_type = Nullable<Text>)]
        column_name: Option<String>,
        #[diesel(sql_type = Bool)]
        descending: bool,
        #[diesel(sql_type = Nullable<Text>)]
        index_sql: Option<String>,
    }

    pub(super) fn schema(c: &mut SqliteConnection) -> Schema {
        // table_xinfo, not table_info: table_info hides generated columns.
        let rows: Vec<ColumnRow> = diesel::sql_query(
            "SELECT m.name AS table_name, m.sql AS table_sql, p.name AS column_name, p.type AS declared_type, \
             p.\"notnull\" AS not_null, p.dflt_value AS default_value, p.pk AS pk, p.hidden AS hidden \
             FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p \
             WHERE m.type = 'table' ORDER BY m.name, p.cid",
        )
        .load(c)
        .expect("sqlite columns");
        let all_tables = rows.iter().map(|r| r.table_name.clone()).collect();
        let rows: Vec<ColumnRow> = rows.into_iter().filter(|r| compared_table(&r.table_name)).collect();

        let mut columns = Columns::new();
        let mut primary_keys: BTreeMap<String, Vec<(i32, String)>> = BTreeMap::new();
        for r in &rows {
            if r.pk > 0 {
                primary_keys.entry(r.table_name.clone()).or_default().push((r.pk, r.column_name.clone()));
            }
        }
        for r in &rows {
            let single_key = primary_keys.get(&r.table_name).is_some_and(|k| k.len() == 1);
            let table_sql = without_comments(r.table_sql.as_deref().unwrap_or(""));
            let upper_sql = table_sql.to_ascii_uppercase();
            // `INTEGER PRIMARY KEY` (exactly that type, alone in the key, in a rowid
            // table) is the rowid itself: a 64-bit integer that is never NULL, like
            // PostgreSQL's BIGSERIAL / BIGINT PRIMARY KEY.
            let rowid = r.pk == 1
                && single_key
                && r.declared_type.eq_ignore_ascii_case("INTEGER")
                && !upper_sql.contains("WITHOUT ROWID");
            let sql_type = sql_type(&r.declared_type, rowid);
            // Only the rowid is kept from NULL by being the primary key: SQLite lets
            // any other primary-key column of a rowid table hold NULL unless it says
            // NOT NULL (a documented quirk kept for compatibility), so `pk` alone
            // does not make a column NOT NULL here.
            let nullable = !(r.not_null || rowid);
            // AUTOINCREMENT (only allowed on the rowid) never reuses an id, like a
            // sequence: both are "auto id". A plain INTEGER PRIMARY KEY would still
            // get max(rowid) + 1 when a row comes without one, but the migrations use
            // it only for keys the application always sets (search_docs.id,
            // search_pending.doc_id), which PostgreSQL declares without a default.
            let default = if rowid && upper_sql.contains("AUTOINCREMENT") {
                "auto id".to_string()
            } else {
                normalise_default(r.default_value.as_deref(), &sql_type)
            };
            let generated = match r.hidden {
                2 => format!("virtual: {}", generation_expr(&table_sql, &r.column_name)),
                3 => format!("stored: {}", generation_expr(&table_sql, &r.column_name)),
                _ => "no".into(),
            };
            let column = Column { sql_type, nullable, default, generated };
            columns.insert((r.table_name.clone(), r.column_name.clone()), column);
        }

        // The primary key from the columns: an INTEGER PRIMARY KEY has no index of
        // its own (the table is the b-tree of its rowids).
        let mut indexes: Vec<Index> = primary_keys
            .into_iter()
            .map(|(table, mut key)| {
                key.sort();
                let shape = IndexShape {
                    table,
                    kind: IndexKind::PrimaryKey,
                    columns: key.into_iter().map(|(_, name)| name).collect(),
                    include: vec![],
                    predicate: None,
                    method: "btree".into(),
                };
                Index { shape, name: "(primary key)".into(), created: false }
            })
            .collect();

        let rows: Vec<IndexRow> = diesel::sql_query(
            "SELECT m.name AS table_name, l.name AS index_name, l.\"unique\" AS is_unique, l.origin AS origin, \
             x.seqno AS position, x.cid AS cid, x.name AS column_name, x.\"desc\" AS descending, \
             s.sql AS index_sql \
             FROM sqlite_master m JOIN pragma_index_list(m.name) l JOIN pragma_index_xinfo(l.name) x \
             LEFT JOIN sqlite_master s ON s.type = 'index' AND s.name = l.name \
             WHERE m.type = 'table' AND x.key = 1 ORDER BY m.name, l.name, x.seqno",
        )
        .load(c)
        .expect("sqlite indexes");
        let mut by_name: BTreeMap<String, Vec<IndexRow>> = BTreeMap::new();
        for r in rows {
            // The PRIMARY KEY's own index is the primary key above.
            if compared_table(&r.table_name) && r.origin != "pk" {
                by_name.entry(r.index_name.clone()).or_default().push(r);
            }
        }
        for (name, cols) in by_name {
            let first = &cols[0];
            let index_sql = without_comments(first.index_sql.as_deref().unwrap_or(""));
            let (terms, rest) = parenthesised_terms(&index_sql);
            let predicate = partial_condition(rest);
            let booleans = boolean_columns(&columns, &first.table_name);
            let columns = cols
                .iter()
                .map(|col| {
                    let term = match col.cid {
                        -1 => "rowid".to_string(),
                        // An expression: its text is only in the CREATE INDEX statement.
                        -2 => {
                            terms.get(col.position as usize).map(|t| normalise_expr(t, &booleans)).unwrap_or_default()
                        }
                        _ => col.column_name.clone().unwrap_or_default(),
                    };
                    if col.descending { format!("{term} desc") } else { term }
                })
                .collect();
            let shape = IndexShape {
                table: first.table_name.clone(),
                kind: if first.is_unique { IndexKind::Unique } else { IndexKind::Plain },
                columns,
                include: vec![],
                predicate: predicate.map(|p| normalise_expr(&p, &booleans)),
                method: "btree".into(),
            };
            indexes.push(Index { shape, name, created: first.origin == "c" });
        }
        Schema { all_tables, columns, indexes }
    }

    fn compared_table(table: &str) -> bool {
        !is_bookkeeping(table) && !SQLITE_ONLY_TABLES.contains(&table)
    }

    /// A declared SQLite type in PostgreSQL's words. SQLite itself only has
    /// affinities (INTEGER and BIGINT columns hold the same 64-bit integers), so
    /// the declared name is what says what the column is meant to hold, and it is
    /// what diesel's schema follows.
    fn sql_type(declared: &str, rowid: bool) -> String {
        if rowid {
            return "bigint".into();
        }
        let t = match declared.to_ascii_uppercase().as_str() {
            "INTEGER" | "INT" => "integer",
            "BIGINT" => "bigint",
            "TEXT" => "text",
            "BOOLEAN" => "boolean",
            "TIMESTAMP" => "timestamp without time zone",
            "DATE" => "date",
            "DOUBLE" | "DOUBLE PRECISION" | "REAL" => "double precision",
            _ => return declared.to_lowercase(),
        };
        t.into()
    }

    /// The comma-separated terms in a statement's first parentheses, and the text
    /// after them: a CREATE INDEX's indexed terms (the pragmas do not give an
    /// expression's text) and its partial `WHERE`, a CREATE TABLE's column
    /// definitions.
    pub(super) fn parenthesised_terms(sql: &str) -> (Vec<String>, &str) {
        let Some(open) = sql.find('(') else { return (vec![], "") };
        let mut terms = vec![];
        let (mut depth, mut start, mut quote) = (0, open + 1, None);
        for (i, ch) in sql.char_indices().skip(open) {
            match (quote, ch) {
                (Some(q), _) if ch == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"' | '`') => quote = Some(ch),
                (None, '(') => depth += 1,
                (None, ',') if depth == 1 => {
                    terms.push(sql[start..i].trim().to_string());
                    start = i + 1;
                }
                (None, ')') => {
                    depth -= 1;
                    if depth == 0 {
                        terms.push(sql[start..i].trim().to_string());
                        return (terms, &sql[i + 1..]);
                    }
                }
                _ => {}
            }
        }
        (terms, "")
    }

    /// A partial index's condition: what follows `WHERE` after the indexed terms.
    pub(super) fn partial_condition(after_terms: &str) -> Option<String> {
        let rest = after_terms.trim();
        let keyword = rest.get(..5).filter(|w| w.eq_ignore_ascii_case("where"))?;
        Some(rest[keyword.len()..].trim().to_string())
    }

    /// A generated column's expression, from its table's CREATE TABLE text (the
    /// pragmas do not give it): `name TYPE GENERATED ALWAYS AS (expression) ...`.
    fn generation_expr(table_sql: &str, column: &str) -> String {
        let (definitions, _) = parenthesised_terms(table_sql);
        let Some(definition) = definitions.iter().find(|d| tokens(d).first().is_some_and(|w| w == column)) else {
            return format!("(no definition of {column} found)");
        };
        let toks = tokens(definition);
        let Some(start) = toks.windows(2).position(|w| w[0] == "as" && w[1] == "(") else {
            return format!("(no expression found in {definition})");
        };
        let (expression, _) = parenthesised_terms(&join_tokens(&toks[start + 1..]));
        normalise_expr(&expression.join(", "), &BTreeSet::new())
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL's catalogue
// ---------------------------------------------------------------------------

mod postgres {
    use super::*;

    #[derive(QueryableByName)]
    struct ColumnRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Text)]
        data_type: String,
        #[diesel(sql_type = Text)]
        is_nullable: String,
        #[diesel(sql_type = Nullable<Text>)]
        column_default: Option<String>,
        #[diesel(sql_type = Text)]
        is_identity: String,
        /// pg_attribute.attgenerated: "s" stored, "v" virtual (PostgreSQL 18), "" not generated.
        #[diesel(sql_type = Text)]
        generated: String,
        #[diesel(sql_type = Nullable<Text>)]
        generation_expression: Option<String>,
    }

    #[derive(QueryableByName)]
    struct IndexRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        index_name: String,
        #[diesel(sql_type = Bool)]
        is_primary: bool,
        #[diesel(sql_type = Bool)]
        is_unique: bool,
        /// Backs a PRIMARY KEY, UNIQUE or EXCLUDE constraint.
        #[diesel(sql_type = Bool)]
        is_constraint: bool,
        #[diesel(sql_type = Text)]
        method: String,
        #[diesel(sql_type = Bool)]
        included: bool,
        #[diesel(sql_type = Text)]
        term: String,
        #[diesel(sql_type = Bool)]
        descending: bool,
        #[diesel(sql_type = Nullable<Text>)]
        predicate: Option<String>,
    }

    pub(super) fn schema(c: &mut PgConnection) -> Schema {
        let rows: Vec<ColumnRow> = diesel::sql_query(
            "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
             c.data_type::text AS data_type, c.is_nullable::text AS is_nullable, \
             c.column_default::text AS column_default, c.is_identity::text AS is_identity, \
             a.attgenerated::text AS generated, c.generation_expression::text AS generation_expression \
             FROM information_schema.columns c \
             JOIN pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass \
             AND a.attname = c.column_name \
             WHERE c.table_schema = 'public'",
        )
        .load(c)
        .expect("postgres columns");
        let all_tables = rows.iter().map(|r| r.table_name.clone()).collect();
        let mut columns = Columns::new();
        for r in rows.into_iter().filter(|r| !is_bookkeeping(&r.table_name)) {
            // A serial's nextval(...) and an identity column both number the rows:
            // "auto id", as SQLite's AUTOINCREMENT.
            let auto = r.is_identity == "YES" || r.column_default.as_deref().is_some_and(|d| d.starts_with("nextval("));
            let default =
                if auto { "auto id".to_string() } else { normalise_default(r.column_default.as_deref(), &r.data_type) };
            let expression = normalise_expr(r.generation_expression.as_deref().unwrap_or(""), &BTreeSet::new());
            let generated = match r.generated.as_str() {
                "s" => format!("stored: {expression}"),
                "v" => format!("virtual: {expression}"),
                _ => "no".into(),
            };
            let column = Column { sql_type: r.data_type, nullable: r.is_nullable == "YES", default, generated };
            columns.insert((r.table_name, r.column_name), column);
        }

        // One row per index and term; pretty-printed (`true`), which keeps only the
        // parentheses the expression needs.
        let rows: Vec<IndexRow> = diesel::sql_query(
            "SELECT t.relname::text AS table_name, ic.relname::text AS index_name, \
             i.indisprimary AS is_primary, i.indisunique AS is_unique, \
             EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid \
                     AND k.contype IN ('p', 'u', 'x')) AS is_constraint, \
             am.amname::text AS method, k.n > i.indnkeyatts AS included, \
             pg_get_indexdef(i.indexrelid, k.n, true) AS term, \
             COALESCE((i.indoption[k.n - 1]::int & 1) = 1, false) AS descending, \
             pg_get_expr(i.indpred, i.indrelid, true) AS predicate \
             FROM pg_index i \
             JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_class t ON t.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_am am ON am.oid = ic.relam \
             CROSS JOIN LATERAL generate_series(1, i.indnatts::int) AS k(n) \
             WHERE n.nspname = 'public' ORDER BY t.relname, ic.relname, k.n",
        )
        .load(c)
        .expect("postgres indexes");
        let mut by_name: BTreeMap<String, Vec<IndexRow>> = BTreeMap::new();
        for r in rows.into_iter().filter(|r| !is_bookkeeping(&r.table_name)) {
            by_name.entry(r.index_name.clone()).or_default().push(r);
        }
        let mut indexes = vec![];
        for (name, terms) in by_name {
            let first = &terms[0];
            let booleans = boolean_columns(&columns, &first.table_name);
            let term = |r: &IndexRow| {
                let t = normalise_expr(&r.term, &booleans);
                if r.descending { format!("{t} desc") } else { t }
            };
            let kind = match (first.is_primary, first.is_unique) {
                (true, _) => IndexKind::PrimaryKey,
                (false, true) => IndexKind::Unique,
                (false, false) => IndexKind::Plain,
            };
            let shape = IndexShape {
                table: first.table_name.clone(),
                kind,
                columns: terms.iter().filter(|r| !r.included).map(term).collect(),
                include: terms.iter().filter(|r| r.included).map(term).collect(),
                predicate: first.predicate.as_deref().map(|p| normalise_expr(p, &booleans)),
                method: first.method.clone(),
            };
            indexes.push(Index { shape, name, created: !first.is_constraint });
        }
        Schema { all_tables, columns, indexes }
    }
}

// ---------------------------------------------------------------------------
// Normalising SQL text
// ---------------------------------------------------------------------------

/// The table's boolean columns: there `1`/`0` mean `true`/`false`.
fn boolean_columns(columns: &Columns, table: &str) -> BTreeSet<String> {
    columns.iter().filter(|((t, _), c)| t == table && c.sql_type == "boolean").map(|((_, c), _)| c.clone()).collect()
}

/// A column default: "none", or the expression normalised like a condition.
/// SQLite stores booleans as integers and the migrations say `DEFAULT 0`/`1`
/// there: on a boolean column that is `false`/`true`, as PostgreSQL prints them
/// (`FALSE` is lower-cased like every keyword).
fn normalise_default(default: Option<&str>, sql_type: &str) -> String {
    let Some(d) = default else { return "none".into() };
    let d = normalise_expr(d, &BTreeSet::new());
    match (sql_type, d.as_str()) {
        ("boolean", "0") => "false".into(),
        ("boolean", "1") => "true".into(),
        _ => d,
    }
}

/// SQL text without its `--` and `/* */` comments: SQLite keeps them in the
/// CREATE statements it stores, and their words are not SQL.
fn without_comments(sql: &str) -> String {
    let mut out = String::new();
    let mut chars = sql.chars().peekable();
    let mut quote = None;
    while let Some(ch) = chars.next() {
        match (quote, ch, chars.peek()) {
            (Some(q), _, _) => {
                if ch == q {
                    quote = None;
                }
                out.push(ch);
            }
            (None, '-', Some('-')) => while chars.next_if(|c| *c != '\n').is_some() {},
            (None, '/', Some('*')) => {
                chars.next();
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
                out.push(' ');
            }
            (None, '\'' | '"' | '`', _) => {
                quote = Some(ch);
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// SQL text split into tokens so that spacing, letter case and identifier
/// quoting never count as differences: string literals are kept as written,
/// `"quoted"` (and SQLite's `` `quoted` ``) identifiers lose their quotes,
/// everything else is lower-cased.
fn tokens(sql: &str) -> Vec<String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        let start = i;
        i += 1;
        if ch.is_whitespace() {
            continue;
        }
        if matches!(ch, '\'' | '"' | '`') {
            // To the closing quote; a doubled quote is one quote character.
            while i < chars.len() {
                if chars[i] == ch && chars.get(i + 1) == Some(&ch) {
                    i += 2;
                } else if chars[i] == ch {
                    i += 1;
                    break;
                } else {
                    i += 1;
                }
            }
            let text: String = chars[start..i].iter().collect();
            out.push(if ch == '\'' { text } else { text.trim_matches(ch).to_lowercase() });
        } else if ch.is_alphanumeric() || ch == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect::<String>().to_lowercase());
        } else {
            let two: String = chars[start..(start + 2).min(chars.len())].iter().collect();
            if matches!(two.as_str(), "::" | "<>" | "!=" | "<=" | ">=" | "==" | "||") {
                i += 1;
                out.push(two);
            } else {
                out.push(ch.to_string());
            }
        }
    }
    out
}

/// Words that continue a type name after its first word (`character varying`,
/// `timestamp without time zone`, `double precision`).
const TYPE_NAME_WORDS: &[&str] = &["varying", "without", "with", "time", "zone", "precision"];

/// The tokens without casts (`::`, the type's name, `[]` for an array type):
/// PostgreSQL adds them to the literals it stores (`'closed'::text`).
fn without_casts(toks: Vec<String>) -> Vec<String> {
    let mut out = vec![];
    let mut toks = toks.into_iter().peekable();
    while let Some(t) = toks.next() {
        if t != "::" {
            out.push(t);
            continue;
        }
        toks.next();
        while toks.next_if(|w| TYPE_NAME_WORDS.contains(&w.as_str())).is_some() {}
        if toks.next_if(|w| w == "[").is_some() {
            toks.next_if(|w| w == "]");
        }
    }
    out
}

/// An expression (a default, an indexed expression, a partial index's `WHERE`)
/// in one spelling for both backends. PostgreSQL prints what it stored, SQLite
/// keeps what the migration said, so:
/// - casts go (`without_casts`);
/// - `status IN ('a', 'b')` is how PostgreSQL's `status = ANY (ARRAY['a', 'b'])`
///   was written (and `NOT IN` its `<> ALL (ARRAY[...])`);
/// - `!=` is `<>` and `==` is `=`, as PostgreSQL prints them;
/// - a boolean column compared with `1`/`0` is compared with `true`/`false`;
/// - parentheses around the whole expression go (PostgreSQL's pretty printer
///   drops them; SQLite's default keeps `DEFAULT (x)`'s).
fn normalise_expr(sql: &str, booleans: &BTreeSet<String>) -> String {
    let toks = without_casts(tokens(sql));
    let at = |j: usize| toks.get(j).map(String::as_str);
    let mut out: Vec<String> = vec![];
    let mut i = 0;
    while let Some(t) = at(i) {
        // `= ANY (ARRAY[...])` → `IN (...)`, `<> ALL (ARRAY[...])` → `NOT IN (...)`.
        let array_test = matches!((t, at(i + 1)), ("=", Some("any")) | ("<>", Some("all")))
            && at(i + 2) == Some("(")
            && at(i + 3) == Some("array")
            && at(i + 4) == Some("[");
        if array_test {
            if t == "<>" {
                out.push("not".into());
            }
            out.extend(["in".to_string(), "(".to_string()]);
            i += 5;
            let mut depth = 1;
            while let Some(w) = at(i) {
                i += 1;
                depth += match w {
                    "[" => 1,
                    "]" => -1,
                    _ => 0,
                };
                if depth == 0 {
                    break;
                }
                out.push(w.to_string());
            }
            out.push(")".into());
            i += 1; // the `)` that closed `ANY (`
            continue;
        }
        let compared_boolean = out.len() >= 2
            && matches!(out[out.len() - 1].as_str(), "=" | "<>")
            && booleans.contains(&out[out.len() - 2]);
        let word = match t {
            "!=" => "<>",
            "==" => "=",
            "1" if compared_boolean => "true",
            "0" if compared_boolean => "false",
            _ => t,
        };
        out.push(word.to_string());
        i += 1;
    }
    join_tokens(strip_outer_parens(&out))
}

/// The tokens without one pair of parentheses that encloses all of them.
fn strip_outer_parens(toks: &[String]) -> &[String] {
    if toks.len() < 2 || toks[0] != "(" || toks[toks.len() - 1] != ")" {
        return toks;
    }
    let mut depth = 0;
    for (i, t) in toks.iter().enumerate() {
        depth += match t.as_str() {
            "(" => 1,
            ")" => -1,
            _ => 0,
        };
        if depth == 0 && i < toks.len() - 1 {
            return toks; // `(a) AND (b)`: the first pair closes early.
        }
    }
    strip_outer_parens(&toks[1..toks.len() - 1])
}

/// Tokens back into readable text: one space between tokens, none inside
/// parentheses and brackets, before a comma, or between a function and its `(`.
fn join_tokens(toks: &[String]) -> String {
    let mut s = String::new();
    let mut prev: Option<&str> = None;
    for t in toks {
        let call = t == "(" && prev.is_some_and(|p| p.starts_with(char::is_alphabetic) && !SQL_WORDS.contains(&p));
        let tight = matches!(prev, None | Some("(" | "[")) || matches!(t.as_str(), "," | ")" | "]") || call;
        if !tight {
            s.push(' ');
        }
        s.push_str(t);
        prev = Some(t);
    }
    s
}

/// Words before a `(` that is not a function call's.
const SQL_WORDS: &[&str] = &["and", "or", "not", "in", "any", "all", "exists"];

// ---------------------------------------------------------------------------
// Diesel's schema
// ---------------------------------------------------------------------------

const DIESEL_SCHEMA: &str = include_str!("../../src/kernel/db/schema.rs");

/// (table, column) → (type in PostgreSQL's words, nullable), from the
/// `diesel::table!` blocks of `schema.rs`.
fn diesel_columns() -> BTreeMap<(String, String), (String, bool)> {
    let mut out = BTreeMap::new();
    let mut table: Option<String> = None;
    for line in DIESEL_SCHEMA.lines().map(str::trim) {
        if line.starts_with("//") || line.starts_with("diesel::") {
            continue;
        }
        if let Some(t) = &table {
            if line == "}" {
                table = None;
            } else if let Some((column, ty)) = line.trim_end_matches(',').split_once(" -> ") {
                let (ty, nullable) = match ty.strip_prefix("Nullable<").and_then(|t| t.strip_suffix('>')) {
                    Some(inner) => (inner, true),
                    None => (ty, false),
                };
                out.insert((t.clone(), column.to_string()), (diesel_type(ty), nullable));
            }
        } else if line.ends_with('{')
            && let Some((name, _)) = line.split_once(' ')
        {
            table = Some(name.to_string());
        }
    }
    out
}

/// Diesel's SQL type in PostgreSQL's words.
fn diesel_type(ty: &str) -> String {
    match ty {
        "BigInt" => "bigint",
        "Integer" => "integer",
        "Text" => "text",
        "Bool" => "boolean",
        "Timestamp" => "timestamp without time zone",
        "Date" => "date",
        "Double" => "double precision",
        other => return format!("diesel {other} (unknown to this test)"),
    }
    .into()
}

// ---------------------------------------------------------------------------
// Comparisons; each returns what a person must fix, one line each
// ---------------------------------------------------------------------------

fn tables(columns: &Columns) -> BTreeSet<&str> {
    columns.keys().map(|(t, _)| t.as_str()).collect()
}

/// The tables left out as SQLite's own must be SQLite's only, so that the list
/// stays true.
fn check_sqlite_only_tables(lite: &Schema, pg: &Schema) -> Vec<String> {
    let mut problems = vec![];
    for t in SQLITE_ONLY_TABLES {
        if !lite.all_tables.contains(*t) {
            problems.push(format!("{t}: in SQLITE_ONLY_TABLES but not on SQLite; remove it from the list"));
        }
        if pg.all_tables.contains(*t) {
            problems.push(format!("{t}: in SQLITE_ONLY_TABLES but on PostgreSQL too; compare it"));
        }
    }
    problems
}

fn compare_columns(lite: &Columns, pg: &Columns) -> Vec<String> {
    let mut problems = vec![];
    let (lite_tables, pg_tables) = (tables(lite), tables(pg));
    for t in lite_tables.difference(&pg_tables) {
        problems.push(format!("table {t}: only in SQLite"));
    }
    for t in pg_tables.difference(&lite_tables) {
        problems.push(format!("table {t}: only in PostgreSQL"));
    }
    let mut known_seen = BTreeSet::new();
    for key @ (t, c) in lite.keys().chain(pg.keys()).collect::<BTreeSet<_>>() {
        let (l, p) = match (lite.get(key), pg.get(key)) {
            (Some(l), Some(p)) => (l, p),
            (Some(_), None) if pg_tables.contains(t.as_str()) => {
                problems.push(format!("{t}.{c}: only in SQLite"));
                continue;
            }
            (None, Some(_)) if lite_tables.contains(t.as_str()) => {
                problems.push(format!("{t}.{c}: only in PostgreSQL"));
                continue;
            }
            _ => continue, // the whole table is missing on one side, said above
        };
        for ((fact, lv), (_, pv)) in l.facts().into_iter().zip(p.facts()) {
            if lv == pv {
                continue;
            }
            let column = format!("{t}.{c}");
            let known = KNOWN_COLUMN_DIFFERENCES
                .iter()
                .position(|k| k.column == column && k.fact == fact && k.sqlite == lv && k.postgres == pv);
            match known {
                Some(i) => {
                    known_seen.insert(i);
                }
                None => problems.push(format!("{column} {fact}: SQLite says {lv}, PostgreSQL says {pv}")),
            }
        }
    }
    for (_, k) in KNOWN_COLUMN_DIFFERENCES.iter().enumerate().filter(|(i, _)| !known_seen.contains(i)) {
        problems.push(format!(
            "{} {}: listed as a known difference (SQLite says {}, PostgreSQL says {}; {}) but not seen; \
             update KNOWN_COLUMN_DIFFERENCES",
            k.column, k.fact, k.sqlite, k.postgres, k.why
        ));
    }
    problems
}

fn compare_indexes(lite: &[Index], pg: &[Index]) -> Vec<String> {
    let mut problems = vec![];

    // Indexes whose shape the other backend lacks: (description, name).
    let lacking = |a: &[Index], b: &[Index]| -> Vec<(String, String)> {
        let lacks = |i: &&Index| !b.iter().any(|j| j.shape == i.shape);
        a.iter().filter(lacks).map(|i| (i.shape.to_string(), i.name.clone())).collect()
    };
    let (mut only_lite, mut only_pg) = (lacking(lite, pg), lacking(pg, lite));
    for k in KNOWN_INDEX_DIFFERENCES {
        let found = |only: &[(String, String)], d: Option<&str>| d.is_none_or(|d| only.iter().any(|(s, _)| s == d));
        if found(&only_lite, k.sqlite) && found(&only_pg, k.postgres) {
            only_lite.retain(|(s, _)| Some(s.as_str()) != k.sqlite);
            only_pg.retain(|(s, _)| Some(s.as_str()) != k.postgres);
        } else {
            problems.push(format!(
                "known index difference not seen (SQLite: {}, PostgreSQL: {}; {}); update KNOWN_INDEX_DIFFERENCES",
                k.sqlite.unwrap_or("none"),
                k.postgres.unwrap_or("none"),
                k.why
            ));
        }
    }
    // One name on both sides: one index, made differently.
    for (shape, name) in only_lite {
        match only_pg.iter().position(|(_, n)| *n == name) {
            Some(i) => {
                let (pg_shape, _) = only_pg.remove(i);
                problems.push(format!("index {name}: SQLite says {shape}, PostgreSQL says {pg_shape}"));
            }
            None => problems.push(format!("{shape}: only on SQLite ({name})")),
        }
    }
    for (shape, name) in only_pg {
        problems.push(format!("{shape}: only on PostgreSQL ({name})"));
    }

    // The same shape on both: as many of them, and under the same names where
    // migrations chose the names (a later migration's DROP INDEX must work on both).
    let shared: BTreeSet<&IndexShape> =
        lite.iter().map(|i| &i.shape).filter(|s| pg.iter().any(|j| j.shape == **s)).collect();
    for shape in shared {
        let of_shape = |v: &[Index]| v.iter().filter(|i| i.shape == *shape).cloned().collect::<Vec<_>>();
        let (l, p) = (of_shape(lite), of_shape(pg));
        let names = |v: &[Index]| v.iter().map(|i| i.name.clone()).collect::<BTreeSet<_>>();
        let list = |v: &[Index]| names(v).into_iter().collect::<Vec<_>>().join(", ");
        if l.len() != p.len() {
            problems.push(format!(
                "{shape}: {} on SQLite ({}), {} on PostgreSQL ({})",
                l.len(),
                list(&l),
                p.len(),
                list(&p)
            ));
        } else if l.iter().chain(&p).all(|i| i.created) && names(&l) != names(&p) {
            problems.push(format!("{shape}: named {} on SQLite, {} on PostgreSQL", list(&l), list(&p)));
        }
    }
    problems
}

fn compare_with_diesel(
    backend: &str,
    db: &Columns,
    diesel: &BTreeMap<(String, String), (String, bool)>,
) -> Vec<String> {
    let mut problems = vec![];
    let left_out = |t: &str, c: &str| NOT_IN_DIESEL.iter().any(|(k, _)| *k == format!("{t}.{c}"));
    for ((t, c), col) in db {
        match diesel.get(&(t.clone(), c.clone())) {
            None if left_out(t, c) => {}
            None => problems.push(format!("{t}.{c}: on {backend} but not in diesel's schema.rs")),
            Some((ty, nullable)) => {
                if *ty != col.sql_type {
                    problems.push(format!("{t}.{c} type: diesel says {ty}, {backend} says {}", col.sql_type));
                }
                if *nullable != col.nullable {
                    let says = |n: bool| if n { "null" } else { "not null" };
                    problems.push(format!(
                        "{t}.{c} nullability: diesel says {}, {backend} says {}",
                        says(*nullable),
                        says(col.nullable)
                    ));
                }
            }
        }
    }
    for (t, c) in diesel.keys().filter(|k| !db.contains_key(*k)) {
        problems.push(format!("{t}.{c}: in diesel's schema.rs but not on {backend}"));
    }
    for (column, why) in NOT_IN_DIESEL {
        if diesel.keys().any(|(t, c)| format!("{t}.{c}") == *column) {
            problems.push(format!("{column}: in NOT_IN_DIESEL ({why}) but diesel has it; update the list"));
        }
    }
    problems
}

#[test]
fn both_backends_have_the_same_schema() {
    let diesel = diesel_columns();
    assert!(diesel.contains_key(&("users".into(), "password_hash".into())), "schema.rs was parsed");

    let (lite_url, _tmp, _) = fresh_database(Kind::Sqlite).expect("sqlite");
    let lite_db = Db::open(&lite_url, 1).expect("open sqlite");
    let lite = lite_db.read_blocking(|c| Ok(read_schema(c))).expect("sqlite schema");
    assert!(lite.columns.contains_key(&("users".into(), "password_hash".into())), "SQLite's catalogue was read");
    let mut problems = compare_with_diesel("SQLite", &lite.columns, &diesel);

    if let Some((pg_url, _, name)) = fresh_database(Kind::Postgres) {
        let pg_db = Db::open(&pg_url, 2).expect("open postgres");
        let pg = pg_db.read_blocking(|c| Ok(read_schema(c))).expect("pg schema");
        drop(pg_db);
        if let Some(n) = name {
            drop_pg_database(&n);
        }
        problems.extend(check_sqlite_only_tables(&lite, &pg));
        problems.extend(compare_with_diesel("PostgreSQL", &pg.columns, &diesel));
        problems.extend(compare_columns(&lite.columns, &pg.columns));
        problems.extend(compare_indexes(&lite.indexes, &pg.indexes));
    }
    assert!(problems.is_empty(), "{} schema difference(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn schema_text_is_normalised() {
    let none = BTreeSet::new();
    let public: BTreeSet<String> = ["public".to_string()].into();
    // PostgreSQL's stored forms and SQLite's as-written forms meet.
    assert_eq!(
        normalise_expr("status = ANY (ARRAY['assigned'::text, 'in_progress'::text])", &none),
        normalise_expr("status IN ('assigned', 'in_progress')", &none)
    );
    assert_eq!(
        normalise_expr("public = true AND status = 'closed'::text", &public),
        normalise_expr("public = 1 AND \"status\" = 'closed'", &public)
    );
    assert_eq!(normalise_expr("((merged_into IS NOT NULL))", &none), "merged_into is not null");
    assert_eq!(normalise_expr("kind <> ALL (ARRAY['a'::character varying])", &none), "kind not in ('a')");
    assert_eq!(normalise_default(Some("''::text"), "text"), "''");
    assert_eq!(normalise_default(Some("FALSE"), "boolean"), "false");
    assert_eq!(normalise_default(Some("0"), "boolean"), "false");
    assert_eq!(normalise_default(Some("0"), "integer"), "0");
    assert_eq!(normalise_default(None, "text"), "none");
    let (terms, rest) = sqlite::parenthesised_terms(
        "CREATE INDEX x ON t (committee_id, lower(name), \"a,b\") WHERE status IN ('a', 'b')",
    );
    assert_eq!(terms, ["committee_id", "lower(name)", "\"a,b\""]);
    assert_eq!(sqlite::partial_condition(rest).as_deref(), Some("status IN ('a', 'b')"));
    assert_eq!(sqlite::partial_condition(" "), None);
    assert_eq!(without_comments("a -- it's\n, b /* c */ 'd -- e'"), "a \n, b   'd -- e'");
}
