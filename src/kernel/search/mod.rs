//! Chinese full-text search and near-duplicates, in the database
//! (architecture.md "Chinese text and search").
//!
//! Any area indexes its documents by kind and id; a search returns ids, newest
//! first, and the area loads and authorises the records itself:
//!
//! ```text
//! search::index(conn, committee_id, "opinion", opinion_id, &body)?;   // in the submit transaction
//! let ids = search::search(conn, committee_id, "opinion", "路灯 维修", 20, None)?;
//! let dups = search::similar(conn, committee_id, "opinion", &body, 3, 10)?;
//! ```
//!
//! `index` is cheap (segmentation takes microseconds; one row with its SimHash
//! bands): call it in the transaction that writes the text, so `similar` and
//! PostgreSQL's search see the document at once. SQLite's FTS5 index is then filled
//! in batches by the `search.sync` job (payload `{}`), queued by `index` for the
//! next second and registered by `register_jobs`: searchable within a second or
//! two, off the acknowledgement path. Because the job reads the rows as they are
//! when it runs, a text changed twice is always indexed as last written.

pub mod store;
pub mod text;

pub use store::{Doc, MAX_LIMIT, SYNC_JOB, index, index_new, remove, search, similar, sync};
pub use text::{KINDS, hamming, simhash, terms};

use crate::kernel::jobs::Registry;

/// Documents moved into FTS5 per transaction: large enough to batch, small enough
/// that a waiting submit is not held up for long.
pub const SYNC_BATCH: i64 = 1000;

/// Registers `search.sync`: moves all pending documents into FTS5, `SYNC_BATCH`
/// per transaction.
pub fn register_jobs(registry: &mut Registry) {
    registry.register(SYNC_JOB, |ctx, _| async move {
        loop {
            let moved = ctx.db.write(|c| sync(c, SYNC_BATCH)).await?;
            if moved < SYNC_BATCH as usize {
                return Ok(());
            }
        }
    });
}
