//! The `jobs` table as a queue. On PostgreSQL a worker claims a job with
//! `FOR UPDATE SKIP LOCKED`, so several app instances share the work and no job
//! runs twice; on SQLite the single writer connection serialises claims.
//! The queue is infrastructure, not business data: no function takes an acting
//! user (a job's handler scopes what it reads itself).

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use super::model::{self, JobStatus};
use crate::kernel::db::schema::jobs;
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::AppResult;
use crate::kernel::ids::JobId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    pub status: JobStatus,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
    pub dedupe_key: Option<String>,
    pub locked_by: Option<String>,
    pub locked_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Queues a job. With a `dedupe_key`, a second job with the same key is not
/// queued (returns `None`): that is how "remind once" and periodic jobs stay single.
#[tracing::instrument(level = "debug", skip(conn, payload))]
pub fn enqueue(
    conn: &mut DbConn,
    kind: &str,
    payload: &serde_json::Value,
    run_at: NaiveDateTime,
    dedupe_key: Option<&str>,
) -> AppResult<Option<JobId>> {
    let insert = diesel::insert_into(jobs::table)
        .values((
            jobs::kind.eq(kind),
            jobs::payload.eq(payload.to_string()),
            jobs::status.eq(JobStatus::Queued),
            jobs::attempts.eq(0),
            jobs::max_attempts.eq(model::DEFAULT_MAX_ATTEMPTS),
            jobs::run_at.eq(run_at),
            jobs::dedupe_key.eq(dedupe_key),
            jobs::created_at.eq(now()),
        ))
        .returning(jobs::id);
    // A savepoint, so that a duplicate key does not abort the caller's transaction
    // on PostgreSQL.
    let result = conn.transaction(|c| insert.get_result::<JobId>(c));
    match result {
        Ok(id) => Ok(Some(id)),
        Err(e) if is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Takes the next due job for `worker`, marking it running. Jobs left running by
/// a dead worker for longer than `STALE_AFTER` are due again.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn claim(conn: &mut DbConn, worker: &str) -> AppResult<Option<Job>> {
    let now = now();
    let stale = now - model::STALE_AFTER;
    let due = jobs::status
        .eq(JobStatus::Queued)
        .and(jobs::run_at.le(now))
        .or(jobs::status.eq(JobStatus::Running).and(jobs::locked_at.lt(stale)));
    let next: Option<JobId> = match conn {
        DbConn::Pg(pg) => jobs::table
            .filter(due)
            .order((jobs::run_at.asc(), jobs::id.asc()))
            .select(jobs::id)
            .for_update()
            .skip_locked()
            .first(pg)
            .optional()?,
        DbConn::Sqlite(lite) => jobs::table
            .filter(due)
            .order((jobs::run_at.asc(), jobs::id.asc()))
            .select(jobs::id)
            .first(lite)
            .optional()?,
    };
    let Some(id) = next else { return Ok(None) };
    let job = diesel::update(jobs::table.find(id))
        .set((
            jobs::status.eq(JobStatus::Running),
            jobs::locked_by.eq(worker),
            jobs::locked_at.eq(now),
            jobs::attempts.eq(jobs::attempts + 1),
        ))
        .returning(jobs::all_columns)
        .get_result::<Job>(conn)?;
    Ok(Some(job))
}

#[tracing::instrument(level = "debug", skip(conn))]
pub fn complete(conn: &mut DbConn, id: JobId) -> AppResult<()> {
    diesel::update(jobs::table.find(id))
        .set((
            jobs::status.eq(JobStatus::Done),
            jobs::finished_at.eq(Some(now())),
            jobs::locked_by.eq(None::<String>),
            jobs::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed try: queued again after the backoff, or dead when out of tries.
#[tracing::instrument(level = "debug", skip(conn, job, error), fields(id = %job.id, kind = %job.kind))]
pub fn fail(conn: &mut DbConn, job: &Job, error: &str) -> AppResult<()> {
    let now = now();
    let error: String = error.chars().take(2000).collect();
    let (status, run_at, finished) = if job.attempts >= job.max_attempts {
        (JobStatus::Dead, job.run_at, Some(now))
    } else {
        (JobStatus::Queued, now + model::backoff(job.attempts), None)
    };
    diesel::update(jobs::table.find(job.id))
        .set((
            jobs::status.eq(status),
            jobs::run_at.eq(run_at),
            jobs::finished_at.eq(finished),
            jobs::locked_by.eq(None::<String>),
            jobs::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip(conn))]
pub fn find(conn: &mut DbConn, id: JobId) -> AppResult<Option<Job>> {
    Ok(jobs::table.find(id).select(Job::as_select()).first(conn).optional()?)
}
