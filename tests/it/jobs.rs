//! The job queue: shared by several workers without running a job twice,
//! retried with backoff, deduplicated, recovered from dead workers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use tokio::sync::watch;
use xieshang::kernel::db::Db;
use xieshang::kernel::db::schema::jobs;
use xieshang::kernel::ids::JobId;
use xieshang::kernel::jobs::model::{DEFAULT_MAX_ATTEMPTS, JobStatus};
use xieshang::kernel::jobs::{Registry, Worker, store};

use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(two_instances_never_run_a_job_twice, failures_retry_with_backoff_then_die, dedupe_and_stale_jobs);

const JOBS: usize = 120;

/// The demo leaves jobs of its own (search indexing); these tests count theirs
/// on an empty queue.
async fn empty_queue(app: &TestApp) {
    app.db.write(|c| Ok(diesel::delete(jobs::table).execute(c)?)).await.expect("empty the queue");
}

async fn two_instances_never_run_a_job_twice(app: TestApp) {
    empty_queue(&app).await;
    let now = Utc::now().naive_utc();
    let ids: Vec<JobId> = app
        .db
        .write(move |c| {
            (0..JOBS)
                .map(|i| {
                    store::enqueue(c, "test.count", &serde_json::json!({ "n": i }), now, None)
                        .map(|id| id.expect("queued"))
                })
                .collect()
        })
        .await
        .expect("enqueue");

    let runs: Arc<Mutex<HashMap<i64, u32>>> = Arc::default();
    let mut registry = Registry::default();
    let r = runs.clone();
    registry.register("test.count", move |ctx, _| {
        let r = r.clone();
        async move {
            *r.lock().expect("lock").entry(ctx.job_id.0).or_default() += 1;
            // Hold the job a moment so that claims really overlap.
            tokio::time::sleep(Duration::from_millis(2)).await;
            Ok(())
        }
    });
    let registry = Arc::new(registry);
    // Two instances: each its own connection pool, two workers each.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut handles = vec![];
    for instance in 0..2 {
        let url = app.db_url.clone();
        let db = tokio::task::spawn_blocking(move || Db::open(&url, 4)).await.expect("join").expect("open");
        for w in 0..2 {
            let worker = Worker::new(db.clone(), registry.clone(), format!("instance{instance}-{w}"))
                .with_poll(Duration::from_millis(20));
            handles.push(tokio::spawn(worker.run(stop_rx.clone())));
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let done: i64 = app
            .db
            .read(|c| Ok(jobs::table.filter(jobs::status.eq(JobStatus::Done)).count().get_result(c)?))
            .await
            .expect("count");
        if done as usize == JOBS || tokio::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop_tx.send(true).expect("stop");
    for h in handles {
        h.await.expect("worker");
    }
    let runs = runs.lock().expect("lock").clone();
    assert_eq!(runs.len(), JOBS, "every job ran");
    for id in ids {
        assert_eq!(runs.get(&id.0), Some(&1), "job {id} ran exactly once");
    }
    let owners: Vec<Option<String>> =
        app.db.read(|c| Ok(jobs::table.select(jobs::locked_by).load(c)?)).await.expect("load");
    assert!(owners.iter().all(Option::is_none), "done jobs are unlocked");
    let attempts: Vec<i32> = app.db.read(|c| Ok(jobs::table.select(jobs::attempts).load(c)?)).await.expect("load");
    assert!(attempts.iter().all(|&a| a == 1));
}

async fn failures_retry_with_backoff_then_die(app: TestApp) {
    empty_queue(&app).await;
    let mut registry = Registry::default();
    registry.register("test.fail", |_, _| async { anyhow::bail!("gateway said no") });
    registry.register("test.panic", |_, _| async { panic!("handler bug") });
    let worker = Worker::new(app.db.clone(), Arc::new(registry), "w");
    let now = Utc::now().naive_utc();
    let id = app
        .db
        .write(move |c| store::enqueue(c, "test.fail", &serde_json::json!({}), now, None))
        .await
        .expect("enqueue")
        .expect("queued");

    assert!(worker.run_once().await.expect("run"));
    let job = app.db.read(move |c| store::find(c, id)).await.expect("find").expect("job");
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(job.attempts, 1);
    assert_eq!(job.last_error.as_deref(), Some("gateway said no"));
    let wait = (job.run_at - Utc::now().naive_utc()).num_seconds();
    assert!((25..=30).contains(&wait), "first retry after ~30 s, got {wait}");
    // Not due yet: nothing to run.
    assert!(!worker.run_once().await.expect("run"));

    for attempt in 2..=DEFAULT_MAX_ATTEMPTS {
        make_due(&app.db, id).await;
        assert!(worker.run_once().await.expect("run"), "attempt {attempt}");
    }
    let job = app.db.read(move |c| store::find(c, id)).await.expect("find").expect("job");
    assert_eq!(job.status, JobStatus::Dead);
    assert_eq!(job.attempts, DEFAULT_MAX_ATTEMPTS);
    make_due(&app.db, id).await;
    assert!(!worker.run_once().await.expect("run"), "a dead job is not retried");

    // A panicking handler fails its job; the worker lives on.
    let pid = app
        .db
        .write(move |c| store::enqueue(c, "test.panic", &serde_json::json!({}), now, None))
        .await
        .expect("enqueue")
        .expect("queued");
    assert!(worker.run_once().await.expect("run"));
    let job = app.db.read(move |c| store::find(c, pid)).await.expect("find").expect("job");
    assert_eq!(job.status, JobStatus::Queued);
    assert!(job.last_error.unwrap_or_default().contains("panicked"));
}

async fn make_due(db: &Db, id: JobId) {
    db.write(move |c| {
        diesel::update(jobs::table.find(id))
            .filter(jobs::status.eq(JobStatus::Queued))
            .set(jobs::run_at.eq(Utc::now().naive_utc() - chrono::Duration::seconds(1)))
            .execute(c)?;
        Ok(())
    })
    .await
    .expect("make due");
}

async fn dedupe_and_stale_jobs(app: TestApp) {
    empty_queue(&app).await;
    let now = Utc::now().naive_utc();
    let (first, second) = app
        .db
        .write(move |c| {
            let a = store::enqueue(c, "test.x", &serde_json::json!({}), now, Some("remind:42:2026Q4"))?;
            let b = store::enqueue(c, "test.x", &serde_json::json!({}), now, Some("remind:42:2026Q4"))?;
            Ok((a, b))
        })
        .await
        .expect("enqueue");
    let first = first.expect("first queued");
    assert!(second.is_none(), "the same key is queued once");

    // A job left running by a worker that died is handed out again later.
    let claimed = app.db.write(|c| store::claim(c, "dead-worker")).await.expect("claim").expect("job");
    assert_eq!(claimed.id, first);
    assert!(app.db.write(|c| store::claim(c, "other")).await.expect("claim").is_none(), "held while fresh");
    app.db
        .write(move |c| {
            diesel::update(jobs::table.find(first))
                .set(jobs::locked_at.eq(Some(now - chrono::Duration::minutes(11))))
                .execute(c)?;
            Ok(())
        })
        .await
        .expect("age");
    let again = app.db.write(|c| store::claim(c, "other")).await.expect("claim").expect("reclaimed");
    assert_eq!(again.id, first);
    assert_eq!(again.status, JobStatus::Running);
    assert_eq!(again.locked_by.as_deref(), Some("other"));
    assert_eq!(again.attempts, 2);

    // The periodic scheduler queues the session purge once per hour, however often it ticks.
    app.schedule_periodic().await;
    app.schedule_periodic().await;
    let purges: i64 = app
        .db
        .read(|c| Ok(jobs::table.filter(jobs::kind.eq("sessions.purge")).count().get_result(c)?))
        .await
        .expect("count");
    assert_eq!(purges, 1);
    // The opinion box's hourly sweep (reminders, escalation, auto-close) is queued too.
    let sweeps: i64 = app
        .db
        .read(|c| Ok(jobs::table.filter(jobs::kind.eq(xieshang::opinions::jobs::SWEEP)).count().get_result(c)?))
        .await
        .expect("count");
    assert_eq!(sweeps, 1);
    let worker = Worker::new(app.db.clone(), Arc::new(Registry::standard()), "std");
    while worker.run_once().await.expect("run") {}
    let status: JobStatus = app
        .db
        .read(|c| Ok(jobs::table.filter(jobs::kind.eq("sessions.purge")).select(jobs::status).first(c)?))
        .await
        .expect("status");
    assert_eq!(status, JobStatus::Done);
}
