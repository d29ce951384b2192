//! Workers that run inside `serve`: claim a due job, run its handler, record
//! the outcome. Several workers (in one or many processes) may share one queue.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, Timelike, Utc};
use tokio::sync::watch;

use super::store::{self, Job};
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::Db;
use crate::kernel::error::AppResult;
use crate::kernel::ids::JobId;
use crate::kernel::time::start_of_local_day;

pub struct JobCtx {
    pub db: Db,
    pub job_id: JobId,
    pub attempt: i32,
}

type BoxFut = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;
type Handler = Arc<dyn Fn(JobCtx, serde_json::Value) -> BoxFut + Send + Sync>;

/// Job kinds and what runs them.
#[derive(Default, Clone)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
}

impl Registry {
    pub fn register<F, Fut>(&mut self, kind: &str, f: F)
    where
        F: Fn(JobCtx, serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.handlers.insert(kind.to_string(), Arc::new(move |ctx, p| Box::pin(f(ctx, p))));
    }

    /// The kinds the app itself runs.
    pub fn standard() -> Registry {
        let mut r = Registry::default();
        r.register(PURGE_SESSIONS, |ctx, _| async move {
            let n = ctx.db.write(crate::kernel::auth::session_store::purge_expired).await?;
            tracing::info!(deleted = n, "expired sessions purged");
            Ok(())
        });
        r.register(crate::kernel::guard::PURGE_JOB, crate::kernel::guard::purge_job);
        crate::kernel::search::register_jobs(&mut r);
        r
    }
}

pub const PURGE_SESSIONS: &str = "sessions.purge";

pub struct Worker {
    db: Db,
    registry: Arc<Registry>,
    name: String,
    poll: Duration,
}

impl Worker {
    pub fn new(db: Db, registry: Arc<Registry>, name: impl Into<String>) -> Worker {
        Worker { db, registry, name: name.into(), poll: Duration::from_secs(1) }
    }

    pub fn with_poll(mut self, poll: Duration) -> Worker {
        self.poll = poll;
        self
    }

    /// Claims and runs one due job; false when none was due.
    pub async fn run_once(&self) -> AppResult<bool> {
        let name = self.name.clone();
        let Some(job) = self.db.write(move |c| store::claim(c, &name)).await? else {
            return Ok(false);
        };
        let outcome = self.execute(&job).await;
        let id = job.id;
        match outcome {
            Ok(()) => self.db.write(move |c| store::complete(c, id)).await?,
            Err(e) => {
                let msg = format!("{e:#}");
                tracing::warn!(job = %id, kind = %job.kind, attempt = job.attempts, error = %msg, "job failed");
                self.db.write(move |c| store::fail(c, &job, &msg)).await?
            }
        }
        Ok(true)
    }

    async fn execute(&self, job: &Job) -> anyhow::Result<()> {
        let handler = self
            .registry
            .handlers
            .get(&job.kind)
            .ok_or_else(|| anyhow::anyhow!("no handler for job kind {}", job.kind))?;
        let payload: serde_json::Value = serde_json::from_str(&job.payload)?;
        let ctx = JobCtx { db: self.db.clone(), job_id: job.id, attempt: job.attempts };
        // A panicking handler fails its job instead of killing the worker.
        tokio::spawn(handler(ctx, payload)).await.map_err(|e| anyhow::anyhow!("job handler panicked: {e}"))?
    }

    /// Runs until `shutdown` turns true; the job in hand is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let busy = match self.run_once().await {
                Ok(ran) => ran,
                Err(e) => {
                    tracing::error!(error = %e, worker = %self.name, "job queue unavailable");
                    false
                }
            };
            if !busy {
                tokio::select! {
                    _ = tokio::time::sleep(self.poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }
}

/// Queues today's run of a daily job, at `hour`:00 Beijing time; the day's
/// dedupe key means that any number of instances queue it once.
pub async fn schedule_daily(db: &Db, kind: &'static str, now: NaiveDateTime, hour: i64) -> AppResult<()> {
    let day = shanghai_date(now);
    let at = start_of_local_day(day) + chrono::Duration::hours(hour);
    let key = format!("{kind}:{}", day.format("%Y%m%d"));
    db.write(move |c| store::enqueue(c, kind, &serde_json::json!({}), at, Some(&key))).await?;
    Ok(())
}

/// Queues the periodic housekeeping jobs; the hourly dedupe key means that any
/// number of instances ticking at once still queue each job once per hour.
pub async fn schedule_periodic(db: &Db) -> AppResult<()> {
    let now = Utc::now().naive_utc();
    let key = format!("{PURGE_SESSIONS}:{}", now.format("%Y%m%d%H"));
    let at = now.with_minute(0).unwrap_or(now);
    db.write(move |c| store::enqueue(c, PURGE_SESSIONS, &serde_json::json!({}), at, Some(&key))).await?;
    let guard_key = format!("{}:{}", crate::kernel::guard::PURGE_JOB, now.format("%Y%m%d%H"));
    db.write(move |c| store::enqueue(c, crate::kernel::guard::PURGE_JOB, &serde_json::json!({}), at, Some(&guard_key)))
        .await?;
    // Reminders, escalation (督办), sign-late flags and auto-close of opinion cases.
    let sweep = crate::opinions::jobs::SWEEP;
    let sweep_key = format!("{sweep}:{}", now.format("%Y%m%d%H"));
    db.write(move |c| store::enqueue(c, sweep, &serde_json::json!({}), at, Some(&sweep_key))).await?;
    // The opinion box's digest for staff: once a day at 08:00 Beijing time.
    crate::opinions::jobs::schedule_digest(db, now).await?;
    // Liaison points with nothing planned near the quarter's end: once a day.
    crate::activities::jobs::schedule(db, now).await?;
    // Agreed items near or past their deadline: once a day.
    crate::consultations::jobs::schedule(db, now).await?;
    Ok(())
}
