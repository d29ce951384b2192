//! Rate limits in the database: the same counts on both backends, exact under
//! concurrent hits, purged by their job.

use std::sync::Arc;

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use xieshang::kernel::db::schema::{jobs, rate_limits};
use xieshang::kernel::guard;
use xieshang::kernel::jobs::model::JobStatus;
use xieshang::kernel::jobs::{Registry, Worker, store};

use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(limits_per_key_and_window, concurrent_hits_count_exactly, expired_windows_are_purged);

const HOUR: Duration = Duration::hours(1);

/// Ten minutes into an hour, so that `now + 1 min` stays in the same window.
fn ten_past() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t - Duration::seconds(t.and_utc().timestamp().rem_euclid(3600)) + Duration::minutes(10)
}

async fn hit(app: &TestApp, key: &'static str, window: Duration, max: i32, now: NaiveDateTime) -> bool {
    app.db.write(move |c| guard::hit_at(c, key, window, max, now)).await.expect("hit")
}

async fn count(app: &TestApp, key: &'static str, window: Duration, now: NaiveDateTime) -> i32 {
    app.db.read(move |c| guard::count_at(c, key, window, now)).await.expect("count")
}

async fn limits_per_key_and_window(app: TestApp) {
    let now = ten_past();
    assert_eq!(count(&app, "submit:ip:1.2.3.4", HOUR, now).await, 0);
    for i in 0..3 {
        assert!(hit(&app, "submit:ip:1.2.3.4", HOUR, 3, now + Duration::minutes(i)).await, "hit {i}");
    }
    assert!(!hit(&app, "submit:ip:1.2.3.4", HOUR, 3, now).await, "the fourth is refused");
    assert!(!hit(&app, "submit:ip:1.2.3.4", HOUR, 3, now).await, "and stays refused");
    // Refused hits are counted too.
    assert_eq!(count(&app, "submit:ip:1.2.3.4", HOUR, now).await, 5);

    // Other keys, and the same key under another window length, count apart.
    assert!(hit(&app, "submit:ip:5.6.7.8", HOUR, 3, now).await);
    assert_eq!(count(&app, "submit:ip:5.6.7.8", HOUR, now).await, 1);
    assert!(hit(&app, "submit:ip:1.2.3.4", Duration::days(1), 3, now).await);
    assert_eq!(count(&app, "submit:ip:1.2.3.4", Duration::days(1), now).await, 1);

    // The next window starts fresh; the old one is still there until purged.
    let next = now + HOUR;
    assert_eq!(count(&app, "submit:ip:1.2.3.4", HOUR, next).await, 0);
    assert!(hit(&app, "submit:ip:1.2.3.4", HOUR, 3, next).await);
    assert_eq!(count(&app, "submit:ip:1.2.3.4", HOUR, next).await, 1);
    assert_eq!(count(&app, "submit:ip:1.2.3.4", HOUR, now).await, 5);

    // The wall-clock functions use the same windows.
    assert!(app.db.write(|c| guard::hit(c, "wall", HOUR, 1)).await.expect("hit"));
    assert!(!app.db.write(|c| guard::hit(c, "wall", HOUR, 1)).await.expect("hit"));
    assert_eq!(app.db.read(|c| guard::count(c, "wall", HOUR)).await.expect("count"), 2);
}

async fn concurrent_hits_count_exactly(app: TestApp) {
    let app = Arc::new(app);
    let now = ten_past();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { hit(&app, "submit:phone:abc", HOUR, 15, now).await })
        })
        .collect();
    let mut allowed = 0;
    for t in tasks {
        if t.await.expect("task") {
            allowed += 1;
        }
    }
    assert_eq!(count(&app, "submit:phone:abc", HOUR, now).await, 20);
    assert_eq!(allowed, 15, "exactly `max` hits are allowed");
}

async fn expired_windows_are_purged(app: TestApp) {
    let now = Utc::now().naive_utc();
    let long_ago = now - Duration::hours(3);
    hit(&app, "old", HOUR, 5, long_ago).await;
    hit(&app, "current", HOUR, 5, now).await;
    // A day-long window that began hours ago has not ended yet.
    hit(&app, "daily", Duration::days(1), 5, now).await;

    let id = app
        .db
        .write(move |c| store::enqueue(c, guard::PURGE_JOB, &serde_json::json!({}), now, None))
        .await
        .expect("enqueue")
        .expect("queued");
    let worker = Worker::new(app.db.clone(), Arc::new(Registry::standard()), "test");
    // Other areas' jobs may be queued too; run until nothing is due.
    while worker.run_once().await.expect("run") {}
    let status: JobStatus =
        app.db.read(move |c| Ok(jobs::table.find(id).select(jobs::status).first(c)?)).await.expect("job");
    assert_eq!(status, JobStatus::Done);

    let mut keys: Vec<String> = app
        .db
        .read(|c| Ok(rate_limits::table.select(rate_limits::key).order(rate_limits::key).load(c)?))
        .await
        .expect("rows");
    keys.dedup();
    assert_eq!(keys, ["current", "daily"]);
}
