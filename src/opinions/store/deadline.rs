//! Deadlines in working days, from the committee's holiday calendar: arithmetic
//! for the opinion box's own store and sweep, not an entry point.

use chrono::{Datelike, NaiveDateTime};

use crate::kernel::calendar::model::{end_of_day_utc, shanghai_date};
use crate::kernel::calendar::store as calendar;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::ids::CommitteeId;

/// The end of the `days`th working day after `from` (Asia/Shanghai). Deadlines
/// are at most a few months long, so this year's and next year's calendar do.
pub(in crate::opinions) fn due_at(
    conn: &mut DbConn,
    committee: CommitteeId,
    from: NaiveDateTime,
    days: u32,
) -> AppResult<NaiveDateTime> {
    let year = shanghai_date(from).year();
    let cal = calendar::load_unscoped(conn, committee, year, year + 1)?;
    Ok(cal.due_at(from, days))
}

/// A deadline moved `days` working days later (an approved extension).
pub(in crate::opinions) fn extend(
    conn: &mut DbConn,
    committee: CommitteeId,
    due: NaiveDateTime,
    days: u32,
) -> AppResult<NaiveDateTime> {
    let day = shanghai_date(due);
    let cal = calendar::load_unscoped(conn, committee, day.year(), day.year() + 1)?;
    Ok(end_of_day_utc(cal.add_working_days(day, days)))
}
