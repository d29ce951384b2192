//! `xieshang gen`: deterministic synthetic data for benchmarks, written through
//! the real store code (roster, accounts, `cases::submit`/`act`, search
//! indexing), never with raw inserts, so every row, event, audit entry, roll-up
//! and search term is what the app itself would have written.
//!
//! - **district**: the Hubin demo committee (10 offices, 148 members, 94
//!   localities) and five years of opinions (5,000 by default).
//! - **province**: 150 committees named after Henan's districts and counties,
//!   25,000 members, 50,000 localities, 1,000,000 opinions by default.
//!
//! The same seed and `until` date give the same data (bodies, statuses, tracking
//! codes, times) on either database; only the encrypted personal data differs
//! (random nonces), and on PostgreSQL how the ids of different committees
//! interleave. History is replayed with the kernel clock set to each step's
//! moment (`kernel::time::with_clock`), committee by committee streams merged in
//! time order (`opinions::Stream`), on one writer connection in transactions of
//! 20,000 steps.
//!
//! It is a bulk load: gen's connections do not wait for the disk (SQLite
//! `synchronous = OFF`, PostgreSQL `synchronous_commit = off`), so a crash or a
//! power cut during gen may leave a damaged database — run it again on a fresh
//! one. On a fresh PostgreSQL (`Load::Copy`) the history is replayed into a
//! SQLite file and copied (`copy`): every row is still the store's, written in
//! process rather than a round trip at a time; tests/it/gen.rs compares the
//! tables with those of a replay on PostgreSQL itself. See docs/decisions.md
//! "Generated data".

pub mod activities;
pub mod copy;
pub mod funds;
pub mod names;
pub mod opinions;
pub mod org;
pub mod text;

use std::time::{Duration as Elapsed, Instant};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::kernel::db::schema::{
    activities as acts, committees, liaisons, localities, members, offices, opinion_events, opinions as ops, users,
};
use crate::kernel::db::{Backend, Db, DbConn};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, JobId};
use crate::kernel::personal::Vault;
use crate::kernel::time::{start_of_local_day, with_clock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    District,
    Province,
}

impl Scale {
    pub fn parse(s: &str) -> Option<Scale> {
        match s {
            "district" => Some(Scale::District),
            "province" => Some(Scale::Province),
            _ => None,
        }
    }
}

/// The province's size (the figures); `--committees` takes a part of it.
pub const PROVINCE_COMMITTEES: usize = 150;
pub const PROVINCE_MEMBERS: usize = 25_000;
pub const PROVINCE_LOCALITIES: usize = 50_000;
pub const PROVINCE_OPINIONS: usize = 1_000_000;
pub const DISTRICT_OPINIONS: usize = 5_000;
/// Years of history before `until`.
pub const YEARS: i64 = 5;
/// Store steps per transaction: a page of an index touched again within one
/// transaction is written once.
const BATCH: usize = 20_000;
/// Secondary indexes of the tables gen fills that are dropped for the copy
/// into PostgreSQL and built again after it, which is far cheaper than
/// keeping them up to date row by row. Unique indexes stay.
const DEFERRED_INDEXES: [&str; 19] = [
    "search_docs_tsv",
    "opinions_inbox",
    "opinions_status",
    "opinions_office",
    "opinions_assignee",
    "opinions_phone",
    "opinions_due",
    "opinions_open",
    "opinions_public",
    "opinion_events_case",
    "opinion_events_month",
    "audit_log_committee",
    "search_docs_recent",
    "search_docs_band0",
    "search_docs_band1",
    "search_docs_band2",
    "search_docs_band3",
    "opinion_stats_sums",
    "opinion_event_units_case",
];
/// Documents moved into FTS5 per transaction at the end (large batches are
/// several times faster than the service's 1000; nothing waits on them here).
const SYNC_BATCH: i64 = 50_000;

#[derive(Debug, Clone)]
pub struct Options {
    pub scale: Scale,
    /// Opinions in all; default by scale (province: 1,000,000 × committees / 150).
    pub opinions: Option<usize>,
    /// Province only: how many of the 150 committees (tests use a few).
    pub committees: Option<usize>,
    pub seed: u64,
    /// History ends at the start of this day (Beijing) and began `years` before.
    pub until: NaiveDate,
    /// Years of history (`YEARS`; tests take fewer).
    pub years: i64,
    pub progress: bool,
    /// Where PostgreSQL's data is replayed before it is copied (`Load::Copy`):
    /// a SQLite file here, deleted afterwards.
    pub scratch: std::path::PathBuf,
}

/// What was generated, and how long each phase took.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub committees: i64,
    pub offices: i64,
    pub members: i64,
    pub localities: i64,
    pub liaisons: i64,
    pub accounts: i64,
    pub opinions: i64,
    /// Opinions per status, in the loop's order.
    pub by_status: Vec<(String, i64)>,
    pub events: i64,
    pub public: i64,
    /// Liaison and Members' Home activities (district), and those held.
    pub activities: i64,
    pub activities_held: i64,
    /// The district's books: budget lines set (office × year × line) and expenses.
    pub budget_lines: u64,
    pub expenses: u64,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub phases: Vec<(&'static str, Elapsed)>,
    /// Store calls of the replay by kind: (kind, how many, time in the store).
    pub steps: Vec<(&'static str, u64, Elapsed)>,
    /// Time spent committing the replay's transactions.
    pub commits: Elapsed,
}

impl Summary {
    pub fn total(&self) -> Elapsed {
        self.phases.iter().map(|p| p.1).sum()
    }
}

fn committee_share(total: usize, committees: usize, i: usize) -> usize {
    total / committees + usize::from(i < total % committees)
}

fn bar(show: bool, len: u64, what: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    let template =
        format!("{{elapsed_precise}} {what:<9} [{{bar:40}}] {{human_pos}}/{{human_len}} ({{per_sec}}, {{eta}} left)");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

/// How gen fills a PostgreSQL database (SQLite has one way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// Replayed into a SQLite file in `Options::scratch`, then copied
    /// (`copy`) with the secondary indexes built at the end — into a fresh
    /// database as a superuser (`copy::Target::Fresh`); `Plain` otherwise.
    Copy,
    /// Every store call on PostgreSQL itself, as in service: what `Copy`'s
    /// data is compared with (tests/it/gen.rs).
    Plain,
}

/// Generates the data into `db` (migrated), encrypting personal data with
/// `vault`.
pub fn run(db: &Db, vault: &Vault, o: &Options) -> AppResult<Summary> {
    run_with(db, vault, o, Load::Copy)
}

/// `run`, with PostgreSQL's way of loading.
pub fn run_with(db: &Db, vault: &Vault, o: &Options, load: Load) -> AppResult<Summary> {
    // A database in use (the demo, other committees) or a user who may not
    // skip the foreign-key triggers gets the replay on PostgreSQL itself,
    // which adds to what is there; a copy would replace it.
    if db.backend == Backend::Postgres && load == Load::Copy && copy::target(db)? == copy::Target::Fresh {
        return staged(db, vault, o);
    }
    let until = start_of_local_day(o.until);
    let years = o.years.max(1);
    let start = start_of_local_day(o.until - Duration::days(365 * years + years / 4));
    // The committees existed a month before the box opened.
    let founded = start - Duration::days(30);
    let mut summary = Summary { from: Some(start), until: Some(until), ..Summary::default() };
    if db.backend == Backend::Sqlite {
        // A bigger page cache for the writer: the indexes of 10^6 cases do not fit
        // SQLite's default 2 MB, and every step touches several of them.
        db.write_blocking(|c| Ok(c.batch_execute("PRAGMA cache_size = -524288")?))?;
    }

    // The organisation.
    let clock = Instant::now();
    let committee_ids: Vec<CommitteeId> = match o.scale {
        Scale::District => {
            with_clock(founded, || crate::demo::load(db))?;
            let id = db
                .read_blocking(|c| crate::org::store::committee_by_code_unscoped(c, crate::demo::COMMITTEE_CODE))?
                .ok_or_else(|| internal("the demo committee is missing"))?
                .id;
            vec![id]
        }
        Scale::Province => {
            let n = o.committees.unwrap_or(PROVINCE_COMMITTEES).max(1);
            let first = names::committee(0).0;
            if db.read_blocking(|c| crate::org::store::committee_by_code_unscoped(c, &first))?.is_some() {
                return Err(AppError::Conflict("gen.already_generated"));
            }
            let pb = bar(o.progress, n as u64, "roster");
            let mut ids = vec![];
            for i in 0..n {
                let mut rng = StdRng::seed_from_u64(o.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(i as u64));
                let spec = org::CommitteeSpec {
                    index: i,
                    offices: rand::Rng::random_range(&mut rng, 8..=20),
                    members: committee_share(PROVINCE_MEMBERS, PROVINCE_COMMITTEES, i % PROVINCE_COMMITTEES),
                    localities: committee_share(PROVINCE_LOCALITIES, PROVINCE_COMMITTEES, i % PROVINCE_COMMITTEES),
                    since: founded.date(),
                };
                ids.push(with_clock(founded, || db.write_blocking(|c| org::build_committee(c, &mut rng, &spec)))?);
                pb.inc(1);
            }
            pb.finish_and_clear();
            ids
        }
    };
    // One password for every generated account (the demo's), hashed once.
    let hash = crate::kernel::auth::password::hash(crate::demo::PASSWORD)?;
    let casts = with_clock(founded, || {
        db.write_blocking(|c| committee_ids.iter().map(|id| org::cast(c, *id, &hash)).collect::<AppResult<Vec<_>>>())
    })?;
    summary.phases.push(("roster", clock.elapsed()));

    // Five years of cases.
    let clock = Instant::now();
    let n = o.opinions.unwrap_or(match o.scale {
        Scale::District => DISTRICT_OPINIONS,
        Scale::Province => {
            let share = casts.len().min(PROVINCE_COMMITTEES);
            (PROVINCE_OPINIONS * share).div_ceil(PROVINCE_COMMITTEES)
        }
    });
    let mut rng = StdRng::seed_from_u64(o.seed);
    let arrivals = opinions::arrivals(&mut rng, n, start, until, &casts);
    let streams = opinions::streams(o.seed, &arrivals, casts.len());
    drop(arrivals);
    let last_job = db.read_blocking(opinions::last_job)?;
    // The district's liaison activities (the province has none: the issue asks
    // for its cases, and 50,000 points a quarter would dwarf them).
    let agenda = match o.scale {
        Scale::District => activities::agenda(&mut StdRng::seed_from_u64(o.seed ^ 0xAC71), &casts, start, until),
        Scale::Province => activities::Agenda::default(),
    };
    let pb = bar(o.progress, n as u64, "opinions");
    let replay = opinions::Replay::new(&casts, vault, streams, agenda, until);
    let (tally, commits) = replay_on(db, replay, last_job, &pb)?;
    pb.finish_and_clear();
    summary.commits = commits;
    summary.steps = tally.by_kind.into_iter().map(|(k, (n, d))| (k, n, d)).collect();
    summary.phases.push(("opinions", clock.elapsed()));

    // The district's books over the years, against the activities held.
    if o.scale == Scale::District {
        let clock = Instant::now();
        let mut rng = StdRng::seed_from_u64(o.seed ^ 0xF0D5);
        let (lines, entered) = db.write_blocking(|c| funds::books(c, &mut rng, &casts, funds::years(start, until)))?;
        summary.budget_lines = lines;
        summary.expenses = entered;
        summary.phases.push(("funds", clock.elapsed()));
    }

    // SQLite's full-text index, filled now rather than by the job queue.
    let clock = Instant::now();
    if db.backend == Backend::Sqlite {
        let pending: i64 =
            db.read_blocking(|c| Ok(crate::kernel::db::schema::search_pending::table.count().get_result(c)?))?;
        let pb = bar(o.progress, pending.max(0) as u64, "search");
        db.write_blocking(|c| {
            bulk_load(c, true)?;
            loop {
                let moved = crate::kernel::search::sync(c, SYNC_BATCH)?;
                commit(c)?;
                pb.inc(moved as u64);
                if (moved as i64) < SYNC_BATCH {
                    break;
                }
            }
            bulk_load(c, false)?;
            // Everything into the database file, the WAL emptied: what is copied
            // (bench/run's cache) is the file alone.
            outside_transaction(c, "PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")
        })?;
        pb.finish_and_clear();
    } else {
        vacuum(db)?;
    }
    summary.phases.push((if db.backend == Backend::Sqlite { "search" } else { "vacuum" }, clock.elapsed()));
    db.read_blocking(|c| count(c, &committee_ids, &mut summary))?;
    Ok(summary)
}

/// Replays `replay`'s committees on the writer connection, committing every
/// `BATCH` steps; returns its tally and the time its commits took.
fn replay_on(
    db: &Db,
    mut replay: opinions::Replay<'_>,
    last_job: JobId,
    pb: &ProgressBar,
) -> AppResult<(opinions::Tally, Elapsed)> {
    let mut commits = Elapsed::ZERO;
    db.write_blocking(|c| {
        bulk_load(c, true)?;
        let mut shown = 0;
        loop {
            let more = replay.play(c, BATCH)?;
            opinions::drop_replayed_jobs(c, last_job)?;
            let clock = Instant::now();
            commit(c)?;
            commits += clock.elapsed();
            pb.inc((replay.arrived() - shown) as u64);
            shown = replay.arrived();
            if !more {
                break;
            }
        }
        bulk_load(c, false)
    })?;
    Ok((replay.tally, commits))
}

/// `Load::Copy`: the data replayed into a SQLite file in `o.scratch`, then
/// copied into `db`.
fn staged(db: &Db, vault: &Vault, o: &Options) -> AppResult<Summary> {
    copy::check_target(db)?;
    // Unique within the process too: tests generate several at once.
    static STAGED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = STAGED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = o.scratch.join(format!("gen-{}-{n}.db", std::process::id()));
    let remove = || {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    };
    remove();
    let generated = (|| {
        let src = Db::open(&file.to_string_lossy(), 1).map_err(AppError::Internal)?;
        let summary = run_with(&src, vault, o, Load::Plain)?;
        drop(src);
        copy_from(db, &file, o.progress, summary)
    })();
    remove();
    generated
}

/// Copies a database `gen` made on SQLite (`file`, at `db`'s migrations) into
/// `db` on PostgreSQL, which must be fresh (`copy::check`: refused
/// otherwise, before anything changes), builds its indexes and vacuums it. `summary`: what made `file`, to which the copy's
/// phases are added.
pub fn copy_from(db: &Db, file: &std::path::Path, progress: bool, mut summary: Summary) -> AppResult<Summary> {
    copy::check(file, db)?;
    let clock = Instant::now();
    let deferred = db.write_blocking(drop_indexes)?;
    let pb = bar(progress, 0, "copy");
    let copied = copy::sqlite_to_pg(file, db, &pb);
    pb.finish_and_clear();
    summary.phases.push(("copy", clock.elapsed()));
    let clock = Instant::now();
    // Built again even when the copy failed: a database is never left
    // without them.
    build_indexes(db, deferred)?;
    copied?;
    summary.phases.push(("indexes", clock.elapsed()));
    let clock = Instant::now();
    vacuum(db)?;
    summary.phases.push(("vacuum", clock.elapsed()));
    let ids: Vec<CommitteeId> = db.read_blocking(|c| Ok(committees::table.select(committees::id).load(c)?))?;
    db.read_blocking(|c| count(c, &ids, &mut summary))?;
    Ok(summary)
}

/// PostgreSQL made as it would be after a day of autovacuum: the visibility
/// map set (index-only scans), hint bits written, GIN pending lists merged
/// into the search index and the planner's statistics taken. Without it the
/// first hours of reads pay for all of that.
fn vacuum(db: &Db) -> AppResult<()> {
    db.write_blocking(|c| outside_transaction(c, "VACUUM (ANALYZE)"))
}

/// Drops those of `DEFERRED_INDEXES` the database has, returning each one's
/// definition as PostgreSQL prints it, to build again (`build_indexes`).
fn drop_indexes(c: &mut DbConn) -> AppResult<Vec<String>> {
    let DbConn::Pg(pg) = c else { return Ok(vec![]) };
    #[derive(QueryableByName)]
    struct Def {
        #[diesel(sql_type = diesel::sql_types::Text)]
        indexname: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        indexdef: String,
    }
    let names: Vec<String> = DEFERRED_INDEXES.iter().map(|n| format!("'{n}'")).collect();
    let defs: Vec<Def> = diesel::sql_query(format!(
        "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN ({})",
        names.join(", ")
    ))
    .load(pg)?;
    for d in &defs {
        pg.batch_execute(&format!("DROP INDEX {}", d.indexname))?;
    }
    // In the list's order: the GIN index, the longest to build, first.
    let mut defs: Vec<(usize, String)> = defs
        .into_iter()
        .map(|d| (DEFERRED_INDEXES.iter().position(|n| *n == d.indexname).unwrap_or(usize::MAX), d.indexdef))
        .collect();
    defs.sort();
    Ok(defs.into_iter().map(|d| d.1).collect())
}

/// Builds the indexes `drop_indexes` dropped, on two connections at once.
fn build_indexes(db: &Db, defs: Vec<String>) -> AppResult<()> {
    let next = std::sync::Mutex::new(defs.into_iter());
    let built: Vec<AppResult<()>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let next = &next;
                scope.spawn(move || {
                    db.write_blocking(|c| {
                        // Sorting in memory rather than in temporary files.
                        c.batch_execute("SET maintenance_work_mem = '256MB'")?;
                        loop {
                            let Some(def) = next.lock().map_err(internal)?.next() else { break };
                            c.batch_execute(&def)?;
                            commit(c)?;
                        }
                        Ok(c.batch_execute("RESET maintenance_work_mem")?)
                    })
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Err(internal("an index build panicked")))).collect()
    });
    built.into_iter().collect()
}

/// A bulk load's settings on gen's own writer connection, or back to the
/// app's (`on: false`). Nothing here needs to survive a crash: a generation
/// that stops half way is started again on a fresh database. So SQLite does
/// not fsync (`synchronous = OFF`) and checkpoints its WAL every 256 MB
/// rather than every 4 MB (a page written again before then is copied into the
/// database once); PostgreSQL does not wait for its WAL at commit
/// (`synchronous_commit = off`, this session only).
fn bulk_load(c: &mut DbConn, on: bool) -> AppResult<()> {
    match c {
        DbConn::Sqlite(_) if on => {
            outside_transaction(c, "PRAGMA synchronous = OFF; PRAGMA wal_autocheckpoint = 65536;")
        }
        // The app's settings (kernel::db) and SQLite's default checkpoint.
        DbConn::Sqlite(_) => outside_transaction(c, "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 1000;"),
        DbConn::Pg(pg) if on => Ok(pg.batch_execute("SET synchronous_commit = off")?),
        DbConn::Pg(pg) => Ok(pg.batch_execute("RESET synchronous_commit")?),
    }
}

type Transactions = <DbConn as Connection>::TransactionManager;

/// Commits the transaction `write_blocking` opened and begins the next: one
/// connection kept for a whole phase, committed in batches.
fn commit(c: &mut DbConn) -> AppResult<()> {
    Transactions::commit_transaction(c)?;
    Transactions::begin_transaction(c)?;
    Ok(())
}

/// Runs `sql` between two transactions (`write_blocking` opened one): SQLite
/// refuses to change `synchronous` or to checkpoint inside a transaction.
fn outside_transaction(c: &mut DbConn, sql: &str) -> AppResult<()> {
    Transactions::commit_transaction(c)?;
    c.batch_execute(sql)?;
    Transactions::begin_transaction(c)?;
    Ok(())
}

/// The generated committees' figures, as a user would count them.
fn count(c: &mut DbConn, ids: &[CommitteeId], s: &mut Summary) -> AppResult<()> {
    s.committees = committees::table.filter(committees::id.eq_any(ids)).count().get_result(c)?;
    s.offices = offices::table.filter(offices::committee_id.eq_any(ids)).count().get_result(c)?;
    s.members = members::table.filter(members::committee_id.eq_any(ids)).count().get_result(c)?;
    s.localities = localities::table.filter(localities::committee_id.eq_any(ids)).count().get_result(c)?;
    s.liaisons = liaisons::table.filter(liaisons::committee_id.eq_any(ids)).count().get_result(c)?;
    s.accounts = users::table.filter(users::committee_id.eq_any(ids)).count().get_result(c)?;
    let rows: Vec<(String, i64)> = ops::table
        .filter(ops::committee_id.eq_any(ids))
        .group_by(ops::status)
        .select((ops::status, diesel::dsl::count_star()))
        .load(c)?;
    s.opinions = rows.iter().map(|r| r.1).sum();
    s.by_status = crate::opinions::model::Status::ALL
        .iter()
        .filter_map(|st| rows.iter().find(|r| r.0 == st.as_str()).cloned())
        .collect();
    s.events = opinion_events::table.filter(opinion_events::committee_id.eq_any(ids)).count().get_result(c)?;
    s.public = ops::table.filter(ops::committee_id.eq_any(ids).and(ops::public.eq(true))).count().get_result(c)?;
    s.activities = acts::table.filter(acts::committee_id.eq_any(ids)).count().get_result(c)?;
    s.activities_held =
        acts::table.filter(acts::committee_id.eq_any(ids).and(acts::status.eq("held"))).count().get_result(c)?;
    Ok(())
}
