//! Both backends' migrations produce the same tables and columns.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::Text;
use xieshang::kernel::db::{Db, DbConn};

use crate::support::{Kind, drop_pg_database, fresh_database};

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// SQLite's FTS5 index `search_fts` and its shadow tables (`search_fts_data`,
/// `_idx`, `_docsize`, `_config`) have no PostgreSQL counterpart (a GIN index does
/// that job there), so they are left out; every regular table must match,
/// generated columns included (`table_xinfo`: `table_info` hides them).
fn columns(conn: &mut DbConn) -> BTreeSet<(String, String)> {
    let rows: Vec<Col> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '__diesel%' \
             AND m.name NOT LIKE 'search_fts%'",
        )
        .load(c),
        DbConn::Pg(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '__diesel%'",
        )
        .load(c),
    }
    .expect("columns");
    rows.into_iter().map(|r| (r.table_name, r.column_name)).collect()
}

#[test]
fn both_backends_have_the_same_schema() {
    let (lite_url, _tmp, _) = fresh_database(Kind::Sqlite).expect("sqlite");
    let lite = Db::open(&lite_url, 1).expect("open sqlite");
    let lite_cols = lite.read_blocking(|c| Ok(columns(c))).expect("sqlite columns");
    assert!(lite_cols.contains(&("users".into(), "password_hash".into())));

    let Some((pg_url, _, name)) = fresh_database(Kind::Postgres) else { return };
    let pg = Db::open(&pg_url, 2).expect("open postgres");
    let pg_cols = pg.read_blocking(|c| Ok(columns(c))).expect("pg columns");
    drop(pg);
    if let Some(n) = name {
        drop_pg_database(&n);
    }
    let only_lite: Vec<_> = lite_cols.difference(&pg_cols).collect();
    let only_pg: Vec<_> = pg_cols.difference(&lite_cols).collect();
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "only in SQLite: {only_lite:?}; only in PostgreSQL: {only_pg:?}"
    );
}
