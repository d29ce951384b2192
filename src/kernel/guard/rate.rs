//! Fixed-window rate limits in the `rate_limits` table. A hit is one upsert that
//! returns the new count, so concurrent hits on PostgreSQL (any number of
//! instances) and on SQLite (one writer) are all counted exactly once.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::kernel::db::DbConn;
use crate::kernel::db::schema::rate_limits;
use crate::kernel::error::AppResult;
use crate::kernel::jobs::worker::JobCtx;

/// The job kind that deletes expired windows (queued hourly).
pub const PURGE_JOB: &str = "guard.purge";

/// Counts one hit on `key` in the current window of length `window` and says
/// whether it is allowed: true for the first `max` hits of a window. Refused hits
/// are counted too, so a client that keeps trying stays refused until the window
/// ends. Call it in its own `Db::write` if refused or failed attempts must count
/// even when the caller's transaction rolls back.
pub fn hit(conn: &mut DbConn, key: &str, window: Duration, max: i32) -> AppResult<bool> {
    hit_at(conn, key, window, max, Utc::now().naive_utc())
}

/// `hit` at a given time (tests, and callers that already hold "now").
pub fn hit_at(conn: &mut DbConn, key: &str, window: Duration, max: i32, now: NaiveDateTime) -> AppResult<bool> {
    Ok(tally(conn, key, window, now, 1)? <= max)
}

/// Counts one hit on `key` at `now` and returns the window's count with it:
/// for a caller that decides from the count itself, without reading it first.
pub fn hit_count(conn: &mut DbConn, key: &str, window: Duration, now: NaiveDateTime) -> AppResult<i32> {
    tally(conn, key, window, now, 1)
}

/// Takes back a hit `hit_count` just counted at `now` (the same instant, so
/// the same window), when what it counted turned out not to happen.
pub fn take_back(conn: &mut DbConn, key: &str, window: Duration, now: NaiveDateTime) -> AppResult<()> {
    tally(conn, key, window, now, -1)?;
    Ok(())
}

/// Moves `key`'s count in the window containing `now` by `delta` (the row
/// made if missing) and returns the new count: one upsert.
// The key may hold a client address or a phone index: not logged.
#[tracing::instrument(level = "debug", skip(conn, key))]
fn tally(conn: &mut DbConn, key: &str, window: Duration, now: NaiveDateTime, delta: i32) -> AppResult<i32> {
    let (secs, start, expires) = bounds(window, now);
    let insert = diesel::insert_into(rate_limits::table)
        .values((
            rate_limits::key.eq(key),
            rate_limits::window_secs.eq(secs),
            rate_limits::window_start.eq(start),
            rate_limits::count.eq(delta.max(0)),
            rate_limits::expires_at.eq(expires),
        ))
        .on_conflict((rate_limits::key, rate_limits::window_secs, rate_limits::window_start))
        .do_update()
        .set(rate_limits::count.eq(rate_limits::count + delta))
        .returning(rate_limits::count);
    // The statement is the same on both backends; the MultiConnection does not
    // implement ON CONFLICT itself, so each arm runs it on its own connection.
    Ok(match conn {
        DbConn::Pg(c) => insert.get_result(c)?,
        DbConn::Sqlite(c) => insert.get_result(c)?,
    })
}

/// Hits counted so far on `key` in the current window (refused ones included),
/// without counting one: e.g. to ask for the challenge after a few submissions.
pub fn count(conn: &mut DbConn, key: &str, window: Duration) -> AppResult<i32> {
    count_at(conn, key, window, Utc::now().naive_utc())
}

#[tracing::instrument(level = "debug", skip(conn, key))]
pub fn count_at(conn: &mut DbConn, key: &str, window: Duration, now: NaiveDateTime) -> AppResult<i32> {
    let (secs, start, _) = bounds(window, now);
    let n = rate_limits::table
        .filter(
            rate_limits::key.eq(key).and(rate_limits::window_secs.eq(secs)).and(rate_limits::window_start.eq(start)),
        )
        .select(rate_limits::count)
        .first::<i32>(conn)
        .optional()?;
    Ok(n.unwrap_or(0))
}

/// Deletes windows that ended before `now`; returns how many.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::delete(rate_limits::table.filter(rate_limits::expires_at.lt(now))).execute(conn)?)
}

/// The `guard.purge` job's handler.
pub async fn purge_job(ctx: JobCtx, _payload: serde_json::Value) -> anyhow::Result<()> {
    let now = Utc::now().naive_utc();
    let n = ctx.db.write(move |c| purge_expired(c, now)).await?;
    tracing::info!(deleted = n, "expired rate-limit windows purged");
    Ok(())
}

/// The window containing `now`: its length in seconds (at least 1), its start
/// (windows are aligned to the Unix epoch, whole seconds, so both backends store
/// the same value) and its end.
fn bounds(window: Duration, now: NaiveDateTime) -> (i32, NaiveDateTime, NaiveDateTime) {
    let secs = window.num_seconds().clamp(1, i64::from(i32::MAX));
    let t = now.and_utc().timestamp();
    let start_secs = t - t.rem_euclid(secs);
    let start = DateTime::from_timestamp(start_secs, 0).map(|d| d.naive_utc()).unwrap_or(now);
    // `secs` was clamped into i32 just above.
    (secs as i32, start, start + Duration::seconds(secs))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 28).and_then(|d| d.and_hms_opt(h, m, s)).expect("time")
    }

    #[test]
    fn windows_are_aligned() {
        let (secs, start, end) = bounds(Duration::hours(1), at(10, 59, 59));
        assert_eq!((secs, start, end), (3600, at(10, 0, 0), at(11, 0, 0)));
        assert_eq!(bounds(Duration::hours(1), at(11, 0, 0)).1, at(11, 0, 0));
        assert_eq!(bounds(Duration::minutes(10), at(10, 29, 1)).1, at(10, 20, 0));
        // Sub-second instants fall in the window of their second.
        let frac = at(10, 0, 5) + Duration::milliseconds(700);
        assert_eq!(bounds(Duration::seconds(10), frac).1, at(10, 0, 0));
        // A zero or negative window is one second, not a division by zero.
        assert_eq!(bounds(Duration::zero(), at(10, 0, 5)), (1, at(10, 0, 5), at(10, 0, 6)));
    }
}
