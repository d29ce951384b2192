//! The search tables. `search_docs` holds each document's terms and SimHash bands
//! on both backends. Full text: PostgreSQL's GIN index over the stored `tsv`
//! (the terms and a committee-and-kind scope lexeme) follows the row; SQLite's FTS5 table `search_fts`
//! is filled in batches by `sync` (the `search.sync` job), because indexing each
//! row in its own transaction costs FTS5 several times the insert itself.
//!
//! SQLite invariant: a document is in `search_fts` exactly when it is in
//! `search_docs` and not in `search_pending`.

use std::collections::HashMap;

use chrono::{Duration, DurationRound};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::text;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{jobs as jobs_table, search_docs, search_pending};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::CommitteeId;
use crate::kernel::jobs;
use crate::kernel::time::now;

/// The job that moves pending documents into FTS5 (SQLite only).
pub const SYNC_JOB: &str = "search.sync";
/// Most results a search returns at once.
pub const MAX_LIMIT: i64 = 200;
// Rows read per band in `similar`: a bucket this full holds copies of one text, and
// that many are enough to show.
const BAND_CANDIDATES: i64 = 1000;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn kind_code(kind: &str) -> AppResult<i64> {
    text::kind_code(kind).ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown search kind {kind:?}")))
}

fn doc_id(kind: &str, ref_id: i64) -> AppResult<(i64, i64)> {
    let code = kind_code(kind)?;
    let id = text::doc_id(ref_id, code)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("search ref_id out of range: {ref_id}")))?;
    Ok((id, code))
}

/// Indexes or re-indexes one document of `kind` (see `text::KINDS`) in the
/// committee. Runs in the caller's transaction: the row and its SimHash are there
/// at once (`similar` sees it), PostgreSQL searches it at once, SQLite after the
/// next `search.sync` job (queued here for the next second).
#[tracing::instrument(level = "debug", skip(conn, body))]
pub fn index(conn: &mut DbConn, committee_id: CommitteeId, kind: &str, ref_id: i64, body: &str) -> AppResult<()> {
    let (id, _) = doc_id(kind, ref_id)?;
    let doc = Doc::of(body);
    let old: Option<(CommitteeId, String)> =
        search_docs::table.find(id).select((search_docs::committee_id, search_docs::terms)).first(conn).optional()?;
    if old.as_ref().is_some_and(|(c, t)| *c == committee_id && *t == doc.terms) {
        return Ok(());
    }
    write(conn, committee_id, kind, ref_id, id, &doc, old.is_some())
}

/// A text's search terms and SimHash, worked out before the write that
/// indexes it (`index_new`): tokenising is CPU work that SQLite's one writer
/// thread need not do while the other writes wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    terms: String,
    hash: u64,
}

impl Doc {
    pub fn of(body: &str) -> Doc {
        let terms = text::terms(body);
        Doc { hash: text::simhash(&terms), terms }
    }
}

/// `index` for a document made in this transaction, which has no entry yet:
/// nothing to read first (a case's submission, the busiest write).
#[tracing::instrument(level = "debug", skip(conn, doc))]
pub fn index_new(conn: &mut DbConn, committee_id: CommitteeId, kind: &str, ref_id: i64, doc: &Doc) -> AppResult<()> {
    let (id, _) = doc_id(kind, ref_id)?;
    write(conn, committee_id, kind, ref_id, id, doc, false)
}

/// Writes document `id`'s terms and SimHash bands: a new row, or over the old
/// one (`existed`), which leaves FTS5 until the next sync.
fn write(
    conn: &mut DbConn,
    committee_id: CommitteeId,
    kind: &str,
    ref_id: i64,
    id: i64,
    doc: &Doc,
    existed: bool,
) -> AppResult<()> {
    let hash = doc.hash;
    let [b0, b1, b2, b3] = text::bands(hash);
    let values = (
        search_docs::committee_id.eq(committee_id),
        search_docs::terms.eq(&doc.terms),
        // Stored as the same 64 bits, read as a signed BIGINT.
        search_docs::simhash.eq(hash as i64),
        search_docs::band0.eq(b0),
        search_docs::band1.eq(b1),
        search_docs::band2.eq(b2),
        search_docs::band3.eq(b3),
    );
    if existed {
        diesel::update(search_docs::table.find(id)).set(values).execute(conn)?;
    } else {
        diesel::insert_into(search_docs::table)
            .values((search_docs::id.eq(id), search_docs::kind.eq(kind), search_docs::ref_id.eq(ref_id), values))
            .execute(conn)?;
    }
    if let DbConn::Sqlite(c) = conn {
        let newly_pending =
            diesel::insert_or_ignore_into(search_pending::table).values(search_pending::doc_id.eq(id)).execute(c)? == 1;
        // Out of FTS5 until the sync: a changed (say, redacted) text must not be
        // found by its old words meanwhile.
        if existed && newly_pending {
            diesel::sql_query("DELETE FROM search_fts WHERE rowid = ?").bind::<BigInt, _>(id).execute(c)?;
        }
        schedule_sync(conn)?;
    }
    Ok(())
}

/// One `search.sync` job per second at most, due at the start of the next second:
/// every document indexed before then is in its batch.
fn schedule_sync(conn: &mut DbConn) -> AppResult<()> {
    let second = Duration::seconds(1);
    let now = now();
    let at = now.duration_trunc(second).unwrap_or(now) + second;
    let key = format!("{SYNC_JOB}:{}", at.format("%Y%m%d%H%M%S"));
    // Look first: most calls find the job queued, and `enqueue`'s savepoint for a
    // duplicate key costs far more than this read.
    let queued: i64 = jobs_table::table.filter(jobs_table::dedupe_key.eq(&key)).count().get_result(conn)?;
    if queued == 0 {
        jobs::store::enqueue(conn, SYNC_JOB, &serde_json::json!({}), at, Some(&key))?;
    }
    Ok(())
}

/// The pending documents up to `?` into FTS5. The scope token is
/// text::scope_token(committee_id, id & 255) spelled in SQL. CROSS JOIN makes
/// the few pending rows the outer loop: with a plain JOIN SQLite walked every
/// document below the bound (nearly all, new ids being the highest) and looked
/// each up in the queue — 0.5–1.5 s a run at 10^6, with the writer held.
pub const SYNC_SQL: &str = "INSERT INTO search_fts (rowid, terms) \
     SELECT d.id, '_c' || d.committee_id || '_k' || (d.id & 255) || ' ' || d.terms \
     FROM search_pending p CROSS JOIN search_docs d ON d.id = p.doc_id WHERE p.doc_id <= ?";

/// Moves up to `max` pending documents into FTS5, in one statement each way;
/// returns how many. Nothing to do on PostgreSQL.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn sync(conn: &mut DbConn, max: i64) -> AppResult<usize> {
    let DbConn::Sqlite(c) = conn else { return Ok(0) };
    let batch: Vec<i64> =
        search_pending::table.select(search_pending::doc_id).order(search_pending::doc_id).limit(max).load(c)?;
    let Some(&last) = batch.last() else { return Ok(0) };
    diesel::sql_query(SYNC_SQL).bind::<BigInt, _>(last).execute(c)?;
    diesel::delete(search_pending::table.filter(search_pending::doc_id.le(last))).execute(c)?;
    Ok(batch.len())
}

/// Removes a document from the index (nothing happens if it is not there).
#[tracing::instrument(level = "debug", skip(conn))]
pub fn remove(conn: &mut DbConn, kind: &str, ref_id: i64) -> AppResult<()> {
    let (id, _) = doc_id(kind, ref_id)?;
    if diesel::delete(search_docs::table.find(id)).execute(conn)? == 0 {
        return Ok(());
    }
    if let DbConn::Sqlite(c) = conn {
        let was_pending = diesel::delete(search_pending::table.find(id)).execute(c)? == 1;
        if !was_pending {
            diesel::sql_query("DELETE FROM search_fts WHERE rowid = ?").bind::<BigInt, _>(id).execute(c)?;
        }
    }
    Ok(())
}

/// The ref_ids of the committee's documents of `kind` that contain every word of
/// `query`, newest (highest ref_id) first, at most `limit`, and only those below
/// `before` when given (the last ref_id of the previous page). A query with no
/// searchable words finds nothing.
// The query may name a resident: not logged.
#[tracing::instrument(level = "debug", skip(conn, query))]
pub fn search(
    conn: &mut DbConn,
    committee_id: CommitteeId,
    kind: &str,
    query: &str,
    limit: i64,
    before: Option<i64>,
) -> AppResult<Vec<i64>> {
    let code = kind_code(kind)?;
    let words = text::query_terms(query);
    let limit = limit.min(MAX_LIMIT);
    if words.is_empty() || limit <= 0 || before.is_some_and(|b| b <= 0) {
        return Ok(vec![]);
    }
    let rows: Vec<Id> = match conn {
        DbConn::Sqlite(c) => {
            // Terms are letters and digits only, so quoting each is safe; the scope
            // token keeps other committees and kinds out inside the index itself,
            // and FTS5 walks rowids (newest first) without sorting.
            let scope = text::scope_token(committee_id.0, code);
            let expr =
                std::iter::once(&scope).chain(&words).map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" AND ");
            let upper = before.map_or(i64::MAX, |b| b.checked_mul(256).unwrap_or(i64::MAX));
            diesel::sql_query(
                "SELECT rowid AS id FROM search_fts WHERE search_fts MATCH ? AND rowid < ? \
                 ORDER BY rowid DESC LIMIT ?",
            )
            .bind::<Text, _>(expr)
            .bind::<BigInt, _>(upper)
            .bind::<BigInt, _>(limit)
            .load(c)?
            .into_iter()
            .map(|r: Id| Id { id: text::ref_of(r.id) })
            .collect()
        }
        // The scope lexeme keeps the GIN scan inside the committee and kind (see
        // migration 000014); the plain filters say the same for the reader.
        DbConn::Pg(c) => diesel::sql_query(
            "SELECT ref_id AS id FROM search_docs \
             WHERE committee_id = $1 AND kind = $2 AND ref_id < $3 \
             AND tsv @@ (plainto_tsquery('simple', $4) && $5::tsquery) \
             ORDER BY ref_id DESC LIMIT $6",
        )
        .bind::<BigInt, _>(committee_id.0)
        .bind::<Text, _>(kind)
        .bind::<BigInt, _>(before.unwrap_or(i64::MAX))
        .bind::<Text, _>(words.join(" "))
        .bind::<Text, _>(pg_scope(committee_id, kind))
        .bind::<BigInt, _>(limit)
        .load(c)?,
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The lexeme PostgreSQL's `tsv` carries for a document's committee and kind:
/// the expression of migration 000014, `'_c' || committee_id || '_k' || kind`.
fn pg_scope(committee_id: CommitteeId, kind: &str) -> String {
    format!("_c{}_k{kind}", committee_id.0)
}

/// Near-duplicates of `body` among the committee's documents of `kind`: ref_ids
/// whose SimHash is within `max_distance` bits, closest first (then newest), at
/// most `limit`. Found through the four SimHash bands (four indexed lookups, never
/// a scan): complete up to `text::EXACT_DISTANCE` (3) bits, best effort beyond.
/// A document already indexed with this text is among the results (distance 0).
#[tracing::instrument(level = "debug", skip(conn, body))]
pub fn similar(
    conn: &mut DbConn,
    committee_id: CommitteeId,
    kind: &str,
    body: &str,
    max_distance: u32,
    limit: i64,
) -> AppResult<Vec<(i64, u32)>> {
    kind_code(kind)?;
    let terms = text::terms(body);
    if terms.is_empty() || limit <= 0 {
        return Ok(vec![]);
    }
    let hash = text::simhash(&terms);
    let b = text::bands(hash);
    let mut found: HashMap<i64, u32> = HashMap::new();
    for band in 0..4 {
        let q = search_docs::table
            .filter(search_docs::committee_id.eq(committee_id))
            .filter(search_docs::kind.eq(kind))
            // id rather than ref_id: the band indexes cover it.
            .select((search_docs::id, search_docs::simhash))
            .limit(BAND_CANDIDATES);
        let rows: Vec<(i64, i64)> = match band {
            0 => q.filter(search_docs::band0.eq(b[0])).load(conn)?,
            1 => q.filter(search_docs::band1.eq(b[1])).load(conn)?,
            2 => q.filter(search_docs::band2.eq(b[2])).load(conn)?,
            _ => q.filter(search_docs::band3.eq(b[3])).load(conn)?,
        };
        for (id, other) in rows {
            let d = text::hamming(hash, other as u64);
            if d <= max_distance {
                found.insert(text::ref_of(id), d);
            }
        }
    }
    let mut out: Vec<(i64, u32)> = found.into_iter().collect();
    out.sort_by_key(|&(r, d)| (d, std::cmp::Reverse(r)));
    out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(out)
}
