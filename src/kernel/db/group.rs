//! Group commit on SQLite. With `synchronous = FULL` every commit waits for an
//! fsync of the WAL, and there is one writer: committing each request's write
//! alone caps the app at one fsync's worth of writes. One thread owns the
//! writer instead; it takes every write waiting, runs each in its own savepoint
//! of one transaction, commits once, and only then answers them all.
//!
//! A write that fails rolls back to its savepoint and gets its own error; the
//! others still commit. If the commit itself fails, every write of the batch
//! gets the error (none of them is durable).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};
use tokio::sync::oneshot;

use super::{DbConn, Pool};
use crate::kernel::error::AppError;

/// Most writes sharing one commit: enough to amortise the fsync, few enough
/// that the first of them does not wait long behind the others.
const MAX_BATCH: usize = 256;

/// One write waiting for the writer thread.
trait Work: Send {
    /// Runs the write in its savepoint of the batch's transaction; true if it
    /// succeeded (and so will commit with the batch).
    fn run(&mut self, conn: &mut DbConn) -> bool;
    /// Answers the caller once the batch is committed, or failed to.
    fn finish(self: Box<Self>, commit: Result<(), &str>);
}

struct Pending<T, F> {
    f: Option<F>,
    out: Option<Result<T, AppError>>,
    tx: oneshot::Sender<Result<T, AppError>>,
}

impl<T, F> Work for Pending<T, F>
where
    T: Send,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send,
{
    fn run(&mut self, conn: &mut DbConn) -> bool {
        let Some(f) = self.f.take() else { return false };
        // A panic becomes this write's error inside its savepoint, so the
        // savepoint is rolled back like any failure and the batch goes on.
        let out = in_savepoint(conn, |c| {
            catch_unwind(AssertUnwindSafe(|| f(c)))
                .unwrap_or_else(|_| Err(AppError::Internal(anyhow::anyhow!("a database write panicked"))))
        });
        let ok = out.is_ok();
        self.out = Some(out);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), &str>) {
        let out = match (commit, self.out) {
            (_, Some(Err(e))) => Err(e),
            (Ok(()), Some(ok)) => ok,
            (Err(e), _) => Err(AppError::Internal(anyhow::anyhow!("commit failed: {e}"))),
            (Ok(()), None) => Err(AppError::Internal(anyhow::anyhow!("a database write did not run"))),
        };
        // The caller may have gone (a dropped request): its write stands.
        let _ = self.tx.send(out);
    }
}

/// A statement of fixed text that SQLite prepares once and diesel keeps in its
/// statement cache (keyed by the text). Diesel's own savepoints are run with
/// `sqlite3_exec`, parsed afresh each time: a tenth of the writer's time at
/// full load went to parsing `SAVEPOINT` and `RELEASE`.
struct Fixed(&'static str);

impl QueryFragment<Sqlite> for Fixed {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql(self.0);
        Ok(())
    }
}

impl QueryId for Fixed {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C> RunQueryDsl<C> for Fixed {}

/// Runs one write in its own savepoint of the batch's transaction: released
/// when it succeeds, rolled back to (its changes undone, the batch's kept)
/// when it fails. When the savepoint itself cannot be released or rolled
/// back to (SQLite may have rolled back the whole transaction: disk full, an
/// I/O error), or a failure left diesel's own transaction depth other than
/// the batch's (a panic inside a nested `transaction`), the connection is
/// marked broken: the writes after it are not run, the batch's commit fails
/// and every write of it gets that error (none of them is durable), and the
/// pool drops the connection.
fn in_savepoint<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, AppError>) -> Result<T, AppError> {
    let DbConn::Sqlite(sqlite) = conn else {
        return Err(AppError::Internal(anyhow::anyhow!("group commit is for SQLite")));
    };
    if AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth().is_err() {
        return Err(AppError::Internal(anyhow::anyhow!("an earlier write of this batch broke its transaction")));
    }
    Fixed("SAVEPOINT xs_write").execute(sqlite).inspect_err(|_| broken(sqlite))?;
    let out = f(conn);
    let DbConn::Sqlite(sqlite) = conn else { unreachable!("checked above") };
    let ended = match &out {
        Ok(_) => Fixed("RELEASE xs_write").execute(sqlite),
        Err(_) => Fixed("ROLLBACK TO xs_write").execute(sqlite).and_then(|_| Fixed("RELEASE xs_write").execute(sqlite)),
    };
    let depth = AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth();
    if ended.is_err() || !matches!(depth, Ok(Some(d)) if d.get() == 1) {
        broken(sqlite);
    }
    ended?;
    out
}

fn broken(sqlite: &mut diesel::SqliteConnection) {
    AnsiTransactionManager::transaction_manager_status_mut(sqlite).set_in_error();
}

/// The way to the writer thread; the thread ends when the last clone is dropped.
#[derive(Clone)]
pub(super) struct Queue {
    tx: mpsc::Sender<Box<dyn Work>>,
}

impl Queue {
    pub(super) fn start(pool: Pool) -> std::io::Result<Queue> {
        let (tx, rx) = mpsc::channel::<Box<dyn Work>>();
        std::thread::Builder::new().name("db-writer".into()).spawn(move || writer(&pool, &rx))?;
        Ok(Queue { tx })
    }

    pub(super) async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let work: Box<dyn Work> = Box::new(Pending { f: Some(f), out: None, tx });
        self.tx.send(work).map_err(|_| AppError::Internal(anyhow::anyhow!("the database writer has stopped")))?;
        rx.await.map_err(|_| AppError::Internal(anyhow::anyhow!("the database writer dropped a write")))?
    }
}

fn writer(pool: &Pool, rx: &mpsc::Receiver<Box<dyn Work>>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        let commit = match pool.get() {
            Ok(mut conn) => run_batch(&mut conn, &mut batch).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = &commit {
            tracing::error!(error = %e, writes = batch.len(), "group commit failed");
        }
        for w in batch {
            w.finish(commit.as_ref().map(|_| ()).map_err(String::as_str));
        }
    }
}

/// Runs the batch in one `BEGIN IMMEDIATE` transaction and commits it. Immediate:
/// the write lock is taken first, waiting (`busy_timeout`) for another process's
/// writer. A deferred transaction would take it at its first write, after other
/// writes' reads, and fail at once (`SQLITE_BUSY_SNAPSHOT`) if another process
/// had committed in between.
fn run_batch(conn: &mut DbConn, batch: &mut [Box<dyn Work>]) -> QueryResult<()> {
    let DbConn::Sqlite(sqlite) = conn else {
        return Err(diesel::result::Error::QueryBuilderError("group commit is for SQLite".into()));
    };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    // Each write nests in it: diesel makes its `transaction` a savepoint.
    for w in batch.iter_mut() {
        w.run(conn);
    }
    let DbConn::Sqlite(sqlite) = conn else { unreachable!("checked above") };
    let committed = AnsiTransactionManager::commit_transaction(sqlite);
    if committed.is_err()
        && AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth()?.is_some()
    {
        AnsiTransactionManager::rollback_transaction(sqlite)?;
    }
    committed
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use crate::kernel::db::Db;
    use crate::kernel::db::schema::sessions;
    use crate::kernel::error::AppError;

    fn insert(c: &mut crate::kernel::db::DbConn, id: &str) -> Result<(), AppError> {
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(id),
                sessions::data.eq("{}"),
                sessions::expiry_date.eq(chrono::NaiveDateTime::MIN),
            ))
            .execute(c)?;
        Ok(())
    }

    fn stored(db: &Db) -> Vec<String> {
        db.read_blocking(|c| Ok(sessions::table.select(sessions::id).order(sessions::id).load(c)?)).expect("read")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_or_panicking_write_rolls_back_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(&dir.path().join("t.db").to_string_lossy(), 2).expect("open");
        // Many writes at once, so that they share commits; every fourth fails
        // after writing, one panics after writing.
        let mut tasks = vec![];
        for i in 0..64 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                db.write(move |c| {
                    insert(c, &format!("s{i:02}"))?;
                    if i == 13 {
                        panic!("a bug in one write");
                    }
                    if i % 4 == 3 { Err(AppError::BadRequest("test.refused")) } else { Ok(i) }
                })
                .await
            }));
        }
        let mut answers = vec![];
        for t in tasks {
            answers.push(t.await.expect("task"));
        }
        for (i, a) in answers.iter().enumerate() {
            match a {
                Ok(n) => assert_eq!(*n, i),
                Err(AppError::BadRequest(k)) => assert!(i % 4 == 3 && *k == "test.refused"),
                Err(AppError::Internal(_)) => assert_eq!(i, 13),
                Err(e) => panic!("unexpected answer for {i}: {e}"),
            }
        }
        let expected: Vec<String> = (0..64).filter(|i| i % 4 != 3 && *i != 13).map(|i| format!("s{i:02}")).collect();
        assert_eq!(stored(&db), expected);
        // The writer goes on after all that.
        db.write(|c| insert(c, "z")).await.expect("a later write");
        assert_eq!(stored(&db).last().map(String::as_str), Some("z"));
    }

    #[tokio::test]
    async fn a_duplicate_key_refuses_that_write_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(&dir.path().join("t.db").to_string_lossy(), 2).expect("open");
        db.write(|c| insert(c, "a")).await.expect("first");
        let (dup, other) = tokio::join!(db.write(|c| insert(c, "a")), db.write(|c| insert(c, "b")));
        assert!(dup.is_err());
        other.expect("the other write");
        assert_eq!(stored(&db), ["a", "b"]);
    }
}
