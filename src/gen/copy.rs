//! PostgreSQL's generated data, copied from a SQLite database that `gen`
//! wrote through the store. Replayed on PostgreSQL itself, a case's history
//! is some ninety statements, each a round trip: the province took three
//! hours. SQLite replays it in process; this then copies every table as it
//! is, ids included, in multi-row INSERTs of literals that SQLite itself
//! spells (`quote`), with the secondary indexes built afterwards. The rows
//! are those the store wrote, so `Load::Plain` (the store on PostgreSQL) is
//! what tests/it/gen.rs compares them with.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use indicatif::ProgressBar;

use crate::kernel::db::{Db, DbConn};
use crate::kernel::error::{AppError, AppResult};

/// Rows per INSERT: large enough that PostgreSQL's per-statement work
/// vanishes, small enough that a statement of wide rows stays a few MB.
const ROWS_PER_INSERT: i64 = 1000;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
}

#[derive(QueryableByName)]
struct Values {
    #[diesel(sql_type = BigInt)]
    rowid: i64,
    #[diesel(sql_type = Text)]
    v: String,
}

fn internal(what: String) -> AppError {
    AppError::Internal(anyhow::anyhow!(what))
}

/// Rowids per piece of work: two connections take pieces of the same table.
const ROWIDS_PER_PIECE: i64 = 200_000;

/// Tables a database fresh from its migrations has no rows in: gen copies
/// only into such a one, so the `DELETE`s below never meet anybody's data.
const MUST_BE_EMPTY: [&str; 4] = ["committees", "users", "opinions", "audit_log"];

/// A table's rows with rowids in `from..=to`.
struct Piece {
    table: String,
    from: i64,
    to: i64,
}

/// Why `src` cannot be copied into `db`, checked before anything is changed:
/// PostgreSQL must be fresh (nothing in `MUST_BE_EMPTY`: its migrations'
/// rows alone are replaced), both at the same migration, and gen's user a
/// superuser (the copy skips the foreign-key triggers: the schema's
/// references form cycles — offices and their conveners, members and their
/// accounts — that no order of tables satisfies row by row).
pub fn check(src: &std::path::Path, db: &Db) -> AppResult<()> {
    check_target(db)?;
    let mut sqlite = open(src)?;
    db.read_blocking(|c| {
        let dst = pg(c)?;
        let migrations = "SELECT version AS name FROM __diesel_schema_migrations ORDER BY version";
        let names = |rows: Vec<Name>| rows.into_iter().map(|n| n.name).collect::<Vec<_>>();
        let (from, to) =
            (names(diesel::sql_query(migrations).load(&mut sqlite)?), names(diesel::sql_query(migrations).load(dst)?));
        if from != to {
            return Err(internal(format!(
                "the SQLite database is at migration {}, PostgreSQL at {}: run `xieshang migrate` on both first",
                from.last().map_or("none", String::as_str),
                to.last().map_or("none", String::as_str)
            )));
        }
        Ok(())
    })
}

/// Whether gen may fill a PostgreSQL database by copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Fresh from its migrations, and gen's user a superuser.
    Fresh,
    /// It holds data (a demo, other committees): a copy would replace it.
    InUse,
    /// gen's user may not skip the foreign-key triggers.
    NotSuperuser,
}

/// What `db` is to a copy: fresh (no row in `MUST_BE_EMPTY`) and gen's user
/// a superuser, or why not.
pub fn target(db: &Db) -> AppResult<Target> {
    db.read_blocking(|c| {
        let dst = pg(c)?;
        for t in MUST_BE_EMPTY {
            let rows: Vec<Name> =
                diesel::sql_query(format!("SELECT 'x' AS name FROM {} LIMIT 1", ident(t))).load(dst)?;
            if !rows.is_empty() {
                return Ok(Target::InUse);
            }
        }
        let superuser: String =
            diesel::select(diesel::dsl::sql::<Text>("current_setting('is_superuser')")).get_result(dst)?;
        Ok(if superuser == "on" { Target::Fresh } else { Target::NotSuperuser })
    })
}

/// `check`'s part that needs no source: refused unless `target` is `Fresh`.
pub fn check_target(db: &Db) -> AppResult<()> {
    match target(db)? {
        Target::Fresh => Ok(()),
        Target::InUse => Err(AppError::Conflict("gen.already_generated")),
        Target::NotSuperuser => Err(internal(
            "gen copies into PostgreSQL as a superuser (it skips the foreign-key triggers): connect as one".into(),
        )),
    }
}

/// Copies every table of the SQLite file `src` into `db` (PostgreSQL), which
/// `check` found fresh; returns the rows copied. Two connections copy at
/// once, each taking the next piece of a table: PostgreSQL's side (the
/// generated `tsv` above all) is most of the work. The rows copied are
/// counted against SQLite's.
pub fn sqlite_to_pg(src: &std::path::Path, db: &Db, pb: &ProgressBar) -> AppResult<u64> {
    let mut sqlite = open(src)?;
    let (pieces, expected) = db.write_blocking(|c| {
        let dst = pg(c)?;
        bulk_session(dst)?;
        let tables: Vec<Name> = diesel::sql_query(
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name <> '__diesel_schema_migrations' ORDER BY 1",
        )
        .load(dst)?;
        let mut pieces = vec![];
        let mut expected = 0;
        for t in tables.into_iter().map(|t| t.name) {
            // What the migrations seeded; SQLite's copy of it follows.
            dst.batch_execute(&format!("DELETE FROM {}", ident(&t)))?;
            let (first, last, rows) = extent(&mut sqlite, &t)?;
            expected += rows;
            let mut from = Some(first).filter(|_| rows > 0);
            while let Some(f) = from {
                let to = f.saturating_add(ROWIDS_PER_PIECE - 1).min(last);
                pieces.push(Piece { table: t.clone(), from: f, to });
                from = if to >= last { None } else { Some(to + 1) };
            }
        }
        pb.set_length(expected);
        Ok((pieces, expected))
    })?;
    let queue = Mutex::new(pieces.into_iter());
    let failed = AtomicBool::new(false);
    let copied: Vec<AppResult<u64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (queue, failed) = (&queue, &failed);
                scope.spawn(move || {
                    let copied = copy_pieces(src, db, queue, failed, pb);
                    if copied.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    copied
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(internal("a copy thread panicked".into()))))
            .collect()
    });
    let rows = copied.into_iter().sum::<AppResult<u64>>()?;
    if rows != expected {
        return Err(internal(format!("copied {rows} rows of SQLite's {expected}")));
    }
    db.write_blocking(|c| set_sequences(pg(c)?))?;
    Ok(rows)
}

/// One connection's share: pieces from `queue` until none is left or the
/// other connection failed, each committed.
fn copy_pieces(
    src: &std::path::Path,
    db: &Db,
    queue: &Mutex<std::vec::IntoIter<Piece>>,
    failed: &AtomicBool,
    pb: &ProgressBar,
) -> AppResult<u64> {
    let mut sqlite = open(src)?;
    db.write_blocking(|c| {
        let mut rows = 0;
        loop {
            if failed.load(Ordering::Relaxed) {
                return Err(internal("stopped: the other connection's copy failed".into()));
            }
            let Some(piece) = queue.lock().map_err(|e| internal(e.to_string()))?.next() else { break };
            bulk_session(pg(c)?)?;
            let n = copy_piece(&mut sqlite, pg(c)?, &piece)?;
            super::commit(c)?;
            pb.inc(n);
            rows += n;
        }
        Ok(rows)
    })
}

fn open(src: &std::path::Path) -> AppResult<SqliteConnection> {
    let url = src.to_string_lossy();
    SqliteConnection::establish(&url).map_err(|e| internal(format!("{url}: {e}")))
}

fn pg(c: &mut DbConn) -> AppResult<&mut PgConnection> {
    match c {
        DbConn::Pg(pg) => Ok(pg),
        DbConn::Sqlite(_) => Err(internal("gen copies into PostgreSQL only".into())),
    }
}

/// The current transaction's settings for the copy, gone at its end (`SET
/// LOCAL`), so no pooled connection keeps them: no wait for the WAL at commit,
/// the foreign-key triggers skipped (the rows' references were checked by the
/// store that wrote them; `check` made sure of a superuser), and strings read
/// as written (`quote` doubles quotes, never escapes backslashes).
fn bulk_session(dst: &mut PgConnection) -> AppResult<()> {
    dst.batch_execute(
        "SET LOCAL synchronous_commit = off; SET LOCAL session_replication_role = replica; \
         SET LOCAL standard_conforming_strings = on",
    )?;
    Ok(())
}

/// A table or column name as an SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table's first and last rowid and its number of rows.
fn extent(src: &mut SqliteConnection, table: &str) -> AppResult<(i64, i64, u64)> {
    #[derive(QueryableByName)]
    struct Extent {
        #[diesel(sql_type = BigInt)]
        first: i64,
        #[diesel(sql_type = BigInt)]
        last: i64,
        #[diesel(sql_type = BigInt)]
        rows: i64,
    }
    let e: Extent = diesel::sql_query(format!(
        "SELECT COALESCE(min(rowid), 0) AS first, COALESCE(max(rowid), -1) AS last, count(*) AS rows FROM {}",
        ident(table)
    ))
    .get_result(src)
    .map_err(|e| internal(format!("SQLite's {table}: {e}")))?;
    Ok((e.first, e.last, e.rows.max(0) as u64))
}

/// A piece's rows, `ROWS_PER_INSERT` at a time in rowid order; returns how many.
fn copy_piece(src: &mut SqliteConnection, dst: &mut PgConnection, piece: &Piece) -> AppResult<u64> {
    let table = piece.table.as_str();
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT column_name::text AS name, data_type::text AS data_type FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' \
         ORDER BY ordinal_position",
    )
    .bind::<Text, _>(table)
    .load(dst)?;
    let present: BTreeSet<String> = diesel::sql_query("SELECT name FROM pragma_table_info(?)")
        .bind::<Text, _>(table)
        .load::<Name>(src)?
        .into_iter()
        .map(|n| n.name)
        .collect();
    if let Some(missing) = columns.iter().find(|c| !present.contains(&c.name)) {
        return Err(internal(format!("SQLite's {table} has no column {}", missing.name)));
    }
    let literal = columns.iter().map(|c| literal(&c.name, &c.data_type)).collect::<Vec<_>>().join(" || ',' || ");
    let select = format!(
        "SELECT rowid AS rowid, '(' || {literal} || ')' AS v FROM {} \
         WHERE rowid >= ? AND rowid <= ? ORDER BY rowid LIMIT ?",
        ident(table)
    );
    let names = columns.iter().map(|c| ident(&c.name)).collect::<Vec<_>>().join(", ");
    let mut from = piece.from;
    let mut copied = 0u64;
    loop {
        let batch: Vec<Values> = diesel::sql_query(&select)
            .bind::<BigInt, _>(from)
            .bind::<BigInt, _>(piece.to)
            .bind::<BigInt, _>(ROWS_PER_INSERT)
            .load(src)?;
        let Some(last) = batch.last() else { break };
        let values = batch.iter().map(|r| r.v.as_str()).collect::<Vec<_>>().join(",");
        dst.batch_execute(&format!("INSERT INTO {} ({names}) VALUES {values}", ident(table)))?;
        copied += batch.len() as u64;
        match last.rowid.checked_add(1) {
            Some(next) if (batch.len() as i64) == ROWS_PER_INSERT => from = next,
            _ => break,
        }
    }
    Ok(copied)
}

/// SQLite's spelling of column `name` as a PostgreSQL literal of `data_type`.
/// `quote` gives numbers bare and text in quotes with quotes doubled (and
/// PostgreSQL's strings keep backslashes as they are); booleans are stored
/// as 0 and 1, doubles need all 17 digits to come back the same, and bytea
/// is written as hex.
fn literal(name: &str, data_type: &str) -> String {
    let c = ident(name);
    match data_type {
        "boolean" => format!("CASE WHEN {c} IS NULL THEN 'NULL' WHEN {c} THEN 'true' ELSE 'false' END"),
        "double precision" | "real" => format!("CASE WHEN {c} IS NULL THEN 'NULL' ELSE printf('%!.17g', {c}) END"),
        "bytea" => format!("CASE WHEN {c} IS NULL THEN 'NULL' ELSE '''\\x' || hex({c}) || '''' END"),
        _ => format!("quote({c})"),
    }
}

/// Each serial column's sequence moved past the ids copied, so the next row
/// the app writes gets a new one.
fn set_sequences(dst: &mut PgConnection) -> AppResult<()> {
    #[derive(QueryableByName)]
    struct Serial {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
    }
    let serials: Vec<Serial> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns \
         WHERE table_schema = current_schema() AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')",
    )
    .load(dst)?;
    let literal = |s: &str| format!("'{}'", s.replace('\'', "''"));
    for s in serials {
        let (t, c) = (ident(&s.table_name), ident(&s.column_name));
        dst.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE(max({c}), 0) + 1, false) FROM {t}",
            literal(&t),
            literal(&s.column_name)
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn literals_are_spelled_for_the_column_s_type() {
        assert_eq!(
            literal("public", "boolean"),
            "CASE WHEN \"public\" IS NULL THEN 'NULL' WHEN \"public\" THEN 'true' ELSE 'false' END"
        );
        assert_eq!(literal("body", "text"), "quote(\"body\")");
        assert!(literal("lat", "double precision").contains("%!.17g"));
        assert!(literal("data", "bytea").contains("'''\\x' || hex(\"data\")"));
    }
}
