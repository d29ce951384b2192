//! Counts the statements every connection runs, and logs each one's SQL at
//! `trace` (target `xieshang::sql`): the statement log a profile starts
//! from. `/metrics` shows the count (`xieshang_db_statements_total`) and
//! bench/run prints it per request, so a page that starts running more
//! statements shows in the table.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use diesel::connection::{Instrumentation, InstrumentationEvent};

static STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// Statements run since the process started, on every connection, every
/// `BEGIN`, `SAVEPOINT` and `COMMIT` included.
pub fn total() -> u64 {
    STATEMENTS.load(Ordering::Relaxed)
}

/// Set on each connection a pool opens. `failed` is raised when a statement
/// fails, so that the pool tries the connection before handing it out again
/// (it may have lost its server).
pub(super) struct Counter {
    pub(super) failed: Arc<AtomicBool>,
}

impl Instrumentation for Counter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                STATEMENTS.fetch_add(1, Ordering::Relaxed);
                tracing::trace!(target: "xieshang::sql", "{query}");
            }
            InstrumentationEvent::FinishQuery { error: Some(_), .. } => self.failed.store(true, Ordering::Relaxed),
            _ => {}
        }
    }
}
