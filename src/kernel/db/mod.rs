//! The database: one `MultiConnection` over SQLite and PostgreSQL, pools, migrations.
//!
//! SQLite gets one writer connection and a pool of read-only readers (WAL lets
//! readers run beside the writer); PostgreSQL gets one pool for both.
//! On SQLite every `write` goes through one writer thread that commits the
//! writes waiting together (group commit, see `group`).

mod group;
pub mod prepared;
pub mod schema;
pub mod statements;

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use tokio::sync::Semaphore;

use crate::kernel::error::AppError;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Opens the right backend by the URL's scheme (r2d2's generic manager would try
/// every backend in turn, and SQLite accepts any string as a file name).
#[derive(Debug, Clone)]
struct Manager {
    url: String,
    backend: Backend,
    read_only: bool,
}

/// A pooled connection, with when it was last handed out and whether a
/// statement failed on it since it was last tried.
pub struct Pooled {
    conn: DbConn,
    checked_out: Instant,
    failed: Arc<AtomicBool>,
}

impl Deref for Pooled {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// A PostgreSQL connection idle longer than this, or one a statement failed
/// on, is tried (`SELECT 1`) before it is handed out: the server, a proxy or a
/// firewall may have closed it meanwhile. One used since without an error is
/// alive: trying it on every checkout cost a round trip per request.
const IDLE_BEFORE_CHECK: Duration = Duration::from_secs(30);

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let mut conn = match self.backend {
            Backend::Postgres => {
                diesel::PgConnection::establish(&self.url).map(DbConn::Pg).map_err(r2d2::Error::ConnectionError)?
            }
            Backend::Sqlite => {
                let mut c = diesel::SqliteConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                // FULL: an acknowledged write survives a power cut (NORMAL could lose
                // the last commits in WAL mode). Readers refuse writes outright.
                // temp_store: the savepoint sub-journals (group commit gives each
                // write one) in memory; in a temporary file they were a tenth of
                // the writer's time (docs/benchmarks.md, issue 21).
                let pragmas = format!(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                     PRAGMA temp_store = MEMORY; PRAGMA query_only = {};",
                    if self.read_only { 1 } else { 0 }
                );
                c.batch_execute(&pragmas).map_err(r2d2::Error::QueryError)?;
                DbConn::Sqlite(c)
            }
        };
        let failed = Arc::new(AtomicBool::new(false));
        conn.set_instrumentation(statements::Counter { failed: failed.clone() });
        Ok(Pooled { conn, checked_out: Instant::now(), failed })
    }

    /// A SQLite connection is a file handle in this process: nothing to try.
    fn is_valid(&self, conn: &mut Pooled) -> Result<(), r2d2::Error> {
        let idle = conn.checked_out.elapsed();
        conn.checked_out = Instant::now();
        let failed = conn.failed.swap(false, Ordering::Relaxed);
        if self.backend == Backend::Postgres && (failed || idle > IDLE_BEFORE_CHECK) {
            conn.conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)?;
        }
        Ok(())
    }

    fn has_broken(&self, conn: &mut Pooled) -> bool {
        // A transaction that could not be rolled back leaves the connection unusable.
        <<DbConn as Connection>::TransactionManager as TransactionManager<DbConn>>::is_broken_transaction_manager(
            &mut conn.conn,
        )
    }
}

type Pool = r2d2::Pool<Manager>;

/// Handle to the database, cheap to clone. All calls run on tokio's blocking pool.
#[derive(Clone)]
pub struct Db {
    writer: Pool,
    reader: Pool,
    /// SQLite: the group-commit writer thread's queue.
    group: Option<group::Queue>,
    /// Permits for `read_heavy`, one per core.
    heavy: Arc<Semaphore>,
    pub backend: Backend,
}

impl Db {
    /// Connects (creating the SQLite file and its folder if needed) and migrates.
    pub fn open(url: &str, pool_size: u32) -> anyhow::Result<Db> {
        let backend = Backend::of_url(url);
        let url = match backend {
            Backend::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                path.to_string()
            }
            Backend::Postgres => url.to_string(),
        };
        let build = |read_only: bool, size: u32| {
            r2d2::Pool::builder().max_size(size).connection_timeout(Duration::from_secs(15)).build(Manager {
                url: url.clone(),
                backend,
                read_only,
            })
        };
        let db = match backend {
            Backend::Sqlite => {
                let writer = build(false, 1)?;
                // The writer creates the file and switches it to WAL before readers open it.
                migrate(&mut *writer.get()?)?;
                let reader = build(true, pool_size.max(1))?;
                let group = Some(group::Queue::start(writer.clone())?);
                Db { writer, reader, group, heavy: heavy_permits(), backend }
            }
            Backend::Postgres => {
                let pool = build(false, pool_size.max(2))?;
                migrate(&mut *pool.get()?)?;
                Db { writer: pool.clone(), reader: pool, group: None, heavy: heavy_permits(), backend }
            }
        };
        Ok(db)
    }

    /// Runs `f` on a reader connection.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.reader.clone();
        let f = in_request_span(f);
        run_blocking(move || f(&mut *pool.get()?)).await
    }

    /// `read` for a page that reads and tallies a period's records (the
    /// figures, the leaders' dashboard): such a read keeps a core busy for
    /// tens of milliseconds and holds its working set meanwhile, so at most
    /// one per core runs at a time and the rest wait their turn: at 10^6
    /// opinions, sixteen dashboards at once took the server to 149–155 MB,
    /// one per core to 132 MB (docs/benchmarks.md, 2026-12-05).
    pub async fn read_heavy<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let _turn =
            self.heavy.acquire().await.map_err(|e| AppError::Internal(anyhow::anyhow!("heavy reads closed: {e}")))?;
        self.read(f).await
    }

    /// Runs `f` in one transaction on the writer: all of it commits, or none of
    /// it, and the answer comes once it is durable. On SQLite `f` may share its
    /// commit with other writes waiting at the same moment, each in its own
    /// savepoint (an error in one rolls back only that one).
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let f = in_request_span(f);
        if let Some(group) = &self.group {
            return group.write(f).await;
        }
        let pool = self.writer.clone();
        run_blocking(move || {
            let mut conn = pool.get()?;
            conn.transaction(|c| f(c))
        })
        .await
    }

    /// For the CLI and tests: `write` without a runtime.
    pub fn write_blocking<T>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut conn = self.writer.get()?;
        conn.transaction(|c| f(c))
    }

    /// For the CLI and tests: `read` without a runtime.
    pub fn read_blocking<T>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, AppError>) -> Result<T, AppError> {
        f(&mut *self.reader.get()?)
    }
}

/// `f` run inside the span of the caller (the request's, with its id): the
/// store's spans on the blocking pool or the writer thread nest under it, so a
/// slow request shows which store call was slow.
fn in_request_span<T, F>(f: F) -> impl FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
{
    let span = tracing::Span::current();
    move |c| span.in_scope(|| f(c))
}

fn heavy_permits() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)))
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
}

/// Applies pending migrations. On PostgreSQL an advisory lock keeps several
/// starting instances from migrating at once.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<()> {
    match conn {
        DbConn::Sqlite(c) => {
            c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        }
        DbConn::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7204853)")?;
            let done = c
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|_| ())
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
            c.batch_execute("SELECT pg_advisory_unlock(7204853)")?;
            done?;
        }
    }
    Ok(())
}

/// Serialises what `key` names (a series of numbers) until the transaction
/// ends. SQLite has one writer already; PostgreSQL, with several app
/// servers, takes an advisory lock on the key's hash.
pub fn serialise(conn: &mut DbConn, key: &str) -> Result<(), AppError> {
    if let DbConn::Pg(_) = conn {
        use sha2::Digest;
        let h = sha2::Sha256::digest(key.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&h[..8]);
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({})", i64::from_be_bytes(first))).execute(conn)?;
    }
    Ok(())
}

/// Whether the database answers (`/healthz`).
pub fn ping(conn: &mut DbConn) -> Result<(), AppError> {
    Ok(conn.batch_execute("SELECT 1")?)
}

/// True when a write failed on a unique constraint (a duplicate username, say).
pub fn is_unique_violation(e: &DieselError) -> bool {
    matches!(e, DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
}
