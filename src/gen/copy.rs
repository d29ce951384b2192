//! PostgreSQL's generated data, copied from a SQLite database that `gen`
//! wrote through the store. Replayed on PostgreSQL itself, a case's history
//! is some ninety statements, each a round trip: the province took three
//! hours. SQLite replays it in process; this then copies every table as it
//! is, ids included, in multi-row INSERTs of literals that SQLite itself
//! spells (`quote`), with the secondary indexes built afterwards. The rows
//! are those the store wrote, so `Load::Plain` (the store on PostgreSQL) is
//! what tests/it/gen.rs compares them with.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

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

#[derive(QueryableByName)]
struct Edge {
    #[diesel(sql_type = Text)]
    child: String,
    #[diesel(sql_type = Text)]
    parent: String,
}

fn internal(what: String) -> AppError {
    AppError::Internal(anyhow::anyhow!(what))
}

/// Rowids per piece of work: two connections take pieces of the same table.
const ROWIDS_PER_PIECE: i64 = 200_000;

/// A table's rows with rowids in `from..=to`.
struct Piece {
    table: String,
    from: i64,
    to: i64,
}

/// Copies every table of the SQLite file `src` into `db` (PostgreSQL), which
/// has the same migrations and no data of its own (what its migrations seeded
/// is replaced); returns the rows copied. A superuser's copy runs on two
/// connections at once, each taking the next piece of a table: PostgreSQL's
/// side (the generated `tsv` above all) is most of the work. Anyone else's
/// runs on one, in reference order.
pub fn sqlite_to_pg(src: &std::path::Path, db: &Db, pb: &ProgressBar) -> AppResult<u64> {
    let src = src.to_string_lossy().to_string();
    let open = || SqliteConnection::establish(&src).map_err(|e| internal(format!("{src}: {e}")));
    let mut sqlite = open()?;
    let (pieces, superuser) = db.write_blocking(|c| {
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
        let superuser = skip_checks(dst)?;
        let tables = in_reference_order(dst)?;
        for t in tables.iter().rev() {
            dst.batch_execute(&format!("DELETE FROM \"{t}\""))?;
        }
        let mut pieces = vec![];
        for t in tables {
            let (first, last, rows) = extent(&mut sqlite, &t)?;
            pb.inc_length(rows);
            let mut from = first;
            while rows > 0 && from <= last {
                let to = from.saturating_add(ROWIDS_PER_PIECE - 1).min(last);
                pieces.push(Piece { table: t.clone(), from, to });
                from = to.saturating_add(1);
            }
        }
        dst.batch_execute("RESET session_replication_role")?;
        Ok((pieces, superuser))
    })?;
    let queue = Mutex::new(pieces.into_iter());
    let workers = if superuser { 2 } else { 1 };
    let copied: Vec<AppResult<u64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (queue, open) = (&queue, &open);
                scope.spawn(move || {
                    let mut sqlite = open()?;
                    db.write_blocking(|c| {
                        pg(c)?.batch_execute("SET synchronous_commit = off")?;
                        skip_checks(pg(c)?)?;
                        let mut rows = 0;
                        loop {
                            let Some(piece) = queue.lock().map_err(|e| internal(e.to_string()))?.next() else { break };
                            let n = copy_piece(&mut sqlite, pg(c)?, &piece)?;
                            super::commit(c)?;
                            pb.inc(n);
                            rows += n;
                        }
                        let dst = pg(c)?;
                        dst.batch_execute("RESET synchronous_commit; RESET session_replication_role")?;
                        Ok(rows)
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(internal("a copy thread panicked".into()))))
            .collect()
    });
    let rows = copied.into_iter().sum::<AppResult<u64>>()?;
    db.write_blocking(|c| set_sequences(pg(c)?))?;
    Ok(rows)
}

fn pg(c: &mut DbConn) -> AppResult<&mut PgConnection> {
    match c {
        DbConn::Pg(pg) => Ok(pg),
        DbConn::Sqlite(_) => Err(internal("gen copies into PostgreSQL only".into())),
    }
}

/// Foreign keys were checked by the store that wrote the rows: a superuser's
/// connection skips their triggers (and the audit log's refusal to be
/// deleted from, which only the migrations' empty log meets). True if it may.
fn skip_checks(dst: &mut PgConnection) -> AppResult<bool> {
    let superuser: String =
        diesel::select(diesel::dsl::sql::<Text>("current_setting('is_superuser')")).get_result(dst)?;
    if superuser == "on" {
        dst.batch_execute("SET session_replication_role = replica")?;
    }
    Ok(superuser == "on")
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
        "SELECT COALESCE(min(rowid), 0) AS first, COALESCE(max(rowid), -1) AS last, count(*) AS rows FROM \"{table}\""
    ))
    .get_result(src)
    .map_err(|e| internal(format!("SQLite's {table}: {e}")))?;
    Ok((e.first, e.last, e.rows.max(0) as u64))
}

/// The tables to copy, each after those it references (self-references and
/// cycles aside), in name order otherwise.
fn in_reference_order(dst: &mut PgConnection) -> AppResult<Vec<String>> {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         AND table_name <> '__diesel_schema_migrations' ORDER BY 1",
    )
    .load(dst)?;
    let edges: Vec<Edge> = diesel::sql_query(
        "SELECT c.relname::text AS child, p.relname::text AS parent FROM pg_constraint k \
         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid \
         WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace",
    )
    .load(dst)?;
    let mut parents: BTreeMap<String, BTreeSet<String>> =
        names.into_iter().map(|n| (n.name, BTreeSet::new())).collect();
    for e in edges {
        if e.child != e.parent && parents.contains_key(&e.parent) {
            parents.entry(e.child).or_default().insert(e.parent);
        }
    }
    let mut order = vec![];
    while !parents.is_empty() {
        let ready: Vec<String> = parents.iter().filter(|(_, ps)| ps.is_empty()).map(|(t, _)| t.clone()).collect();
        // A cycle: take its first table and let the checks (if on) judge.
        let ready = if ready.is_empty() { parents.keys().take(1).cloned().collect() } else { ready };
        for t in &ready {
            parents.remove(t);
        }
        for ps in parents.values_mut() {
            for t in &ready {
                ps.remove(t);
            }
        }
        order.extend(ready);
    }
    Ok(order)
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
        "SELECT rowid AS rowid, '(' || {literal} || ')' AS v FROM \"{table}\" \
         WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?"
    );
    let names = columns.iter().map(|c| format!("\"{}\"", c.name)).collect::<Vec<_>>().join(", ");
    let mut after = piece.from - 1;
    let mut copied = 0u64;
    loop {
        let batch: Vec<Values> = diesel::sql_query(&select)
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(piece.to)
            .bind::<BigInt, _>(ROWS_PER_INSERT)
            .load(src)?;
        let Some(last) = batch.last() else { break };
        after = last.rowid;
        let values = batch.iter().map(|r| r.v.as_str()).collect::<Vec<_>>().join(",");
        dst.batch_execute(&format!("INSERT INTO \"{table}\" ({names}) VALUES {values}"))?;
        copied += batch.len() as u64;
        if (batch.len() as i64) < ROWS_PER_INSERT {
            break;
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
    let c = format!("\"{name}\"");
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
    for s in serials {
        let (t, c) = (&s.table_name, &s.column_name);
        dst.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence('\"{t}\"', '{c}'), COALESCE(max(\"{c}\"), 0) + 1, false) FROM \"{t}\""
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
