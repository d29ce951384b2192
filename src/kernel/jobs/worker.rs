//! Workers that run inside `serve`: claim a due job, run its handler, record
//! the outcome. Several workers (in one or many processes) may share one queue.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, Timelike};
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

/// When a periodic job is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    /// At the top of every hour.
    Hour,
    /// Once a day at this hour, Beijing time.
    Day { hour: i64 },
}

/// Job kinds, what runs them, and which of them run periodically. Each area
/// registers its own, so the worker knows no area by name.
#[derive(Default, Clone)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
    periodic: Vec<(&'static str, Every)>,
}

impl Registry {
    pub fn register<F, Fut>(&mut self, kind: &str, f: F)
    where
        F: Fn(JobCtx, serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.handlers.insert(kind.to_string(), Arc::new(move |ctx, p| Box::pin(f(ctx, p))));
    }

    /// Queues `kind` (registered with `register`) every hour or every day.
    pub fn periodic(&mut self, kind: &'static str, every: Every) {
        self.periodic.push((kind, every));
    }

    /// The kinds the kernel itself runs.
    pub fn standard() -> Registry {
        let mut r = Registry::default();
        r.register(PURGE_SESSIONS, |ctx, _| async move {
            let n = ctx.db.write(crate::kernel::auth::session_store::purge_expired).await?;
            tracing::info!(deleted = n, "expired sessions purged");
            // Failed sign-ins that no longer count, with them: same cadence.
            let n = ctx.db.write(crate::kernel::auth::sign_in::purge_old).await?;
            tracing::info!(deleted = n, "old sign-in failures purged");
            Ok(())
        });
        r.periodic(PURGE_SESSIONS, Every::Hour);
        r.register(crate::kernel::guard::PURGE_JOB, crate::kernel::guard::purge_job);
        r.periodic(crate::kernel::guard::PURGE_JOB, Every::Hour);
        crate::kernel::search::register_jobs(&mut r);
        r
    }

    /// Queues the periodic jobs due at `now` that are not queued yet: the
    /// hour's or the day's dedupe key means that any number of instances
    /// ticking at once queue each run once.
    pub async fn schedule(&self, db: &Db, now: NaiveDateTime) -> AppResult<()> {
        for &(kind, every) in &self.periodic {
            let (at, key) = slot(kind, every, now);
            db.write(move |c| store::enqueue(c, kind, &serde_json::json!({}), at, Some(&key))).await?;
        }
        Ok(())
    }
}

/// When the run of a periodic job that `now` falls in is due, and its dedupe key.
pub fn slot(kind: &str, every: Every, now: NaiveDateTime) -> (NaiveDateTime, String) {
    match every {
        Every::Hour => (
            now.with_minute(0).and_then(|t| t.with_second(0)).unwrap_or(now),
            format!("{kind}:{}", now.format("%Y%m%d%H")),
        ),
        Every::Day { hour } => {
            let day = shanghai_date(now);
            (start_of_local_day(day) + chrono::Duration::hours(hour), format!("{kind}:{}", day.format("%Y%m%d")))
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn hourly_runs_at_the_top_of_the_hour() {
        assert_eq!(slot("x", Every::Hour, t("2026-12-01 10:42")), (t("2026-12-01 10:00"), "x:2026120110".into()));
    }

    #[test]
    fn daily_runs_at_the_hour_in_beijing() {
        // 23:30 UTC on the 30th is already 07:30 on 1 December in Beijing: 08:00 there is 00:00 UTC.
        let eight = Every::Day { hour: 8 };
        assert_eq!(slot("d", eight, t("2026-11-30 23:30")), (t("2026-12-01 00:00"), "d:20261201".into()));
        assert_eq!(slot("d", eight, t("2026-12-01 15:59")), (t("2026-12-01 00:00"), "d:20261201".into()));
        assert_eq!(slot("d", eight, t("2026-12-01 16:00")).1, "d:20261202");
        assert_eq!(slot("d", Every::Day { hour: 9 }, t("2026-12-01 03:00")).0, t("2026-12-01 01:00"));
    }
}
