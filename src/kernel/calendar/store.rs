//! The committee's holiday calendar in `calendar_days`. Reading the rules for a
//! deadline needs no actor (background jobs compute deadlines too:
//! `load_unscoped`); the page is for the business roles, and changing the days
//! is the district admin's, audited in the same transaction.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::model::{self, Calendar, DayKind, SpecialDay};
use super::national;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::schema::calendar_days;
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::CommitteeId;
use crate::kernel::time::now;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = calendar_days)]
pub struct CalendarDay {
    pub id: i64,
    pub committee_id: CommitteeId,
    pub day: NaiveDate,
    /// An unknown kind (only editing the database by hand makes one) fails the
    /// read: a deadline must not be computed from it.
    pub kind: DayKind,
    pub name: String,
    pub created_at: NaiveDateTime,
}

impl CalendarDay {
    /// The row as a rule.
    pub fn special(&self) -> SpecialDay {
        SpecialDay { day: self.day, kind: self.kind, name: self.name.clone() }
    }
}

/// Jan 1 of `from_year` to Dec 31 of `to_year`.
fn span(from_year: i32, to_year: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(from_year, 1, 1);
    let last = NaiveDate::from_ymd_opt(to_year, 12, 31);
    first.zip(last).ok_or(AppError::BadRequest("calendar.bad_year"))
}

fn rows(conn: &mut DbConn, committee_id: CommitteeId, from_year: i32, to_year: i32) -> AppResult<Vec<CalendarDay>> {
    let (first, last) = span(from_year, to_year)?;
    Ok(calendar_days::table
        .filter(calendar_days::committee_id.eq(committee_id))
        .filter(calendar_days::day.between(first, last))
        .order(calendar_days::day.asc())
        .select(CalendarDay::as_select())
        .load(conn)?)
}

/// The working-day rules of `from_year..=to_year`. Load the year after too when a
/// deadline may run past New Year (a case assigned in late December). Unscoped:
/// deadlines are computed by jobs and for residents too, and the rules are the
/// State Council's, not anyone's business record.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn load_unscoped(
    conn: &mut DbConn,
    committee_id: CommitteeId,
    from_year: i32,
    to_year: i32,
) -> AppResult<Calendar> {
    Ok(Calendar::new(rows(conn, committee_id, from_year, to_year)?.iter().map(CalendarDay::special)))
}

/// The special days of one year, for the calendar page.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn list(conn: &mut DbConn, actor: &Actor, year: i32) -> AppResult<Vec<CalendarDay>> {
    if !model::can_read(actor) {
        return Err(AppError::Forbidden);
    }
    rows(conn, actor.committee_id, year, year)
}

fn find(conn: &mut DbConn, committee_id: CommitteeId, day: NaiveDate) -> AppResult<Option<CalendarDay>> {
    Ok(calendar_days::table
        .filter(calendar_days::committee_id.eq(committee_id).and(calendar_days::day.eq(day)))
        .select(CalendarDay::as_select())
        .first(conn)
        .optional()?)
}

fn insert(conn: &mut DbConn, committee_id: CommitteeId, d: &SpecialDay) -> AppResult<()> {
    diesel::insert_into(calendar_days::table)
        .values((
            calendar_days::committee_id.eq(committee_id),
            calendar_days::day.eq(d.day),
            calendar_days::kind.eq(d.kind),
            calendar_days::name.eq(&d.name),
            calendar_days::created_at.eq(now()),
        ))
        .execute(conn)
        .map_err(|e| if is_unique_violation(&e) { AppError::Conflict("calendar.day_taken") } else { e.into() })?;
    Ok(())
}

/// Inserts the national days the committee does not have yet; a day it already has
/// (perhaps changed by the admin) is left alone. Returns how many were added.
fn insert_missing(conn: &mut DbConn, committee_id: CommitteeId, year: i32, days: &[SpecialDay]) -> AppResult<usize> {
    let have: BTreeSet<NaiveDate> = rows(conn, committee_id, year, year)?.into_iter().map(|r| r.day).collect();
    let mut added = 0;
    for d in days.iter().filter(|d| !have.contains(&d.day)) {
        insert(conn, committee_id, d)?;
        added += 1;
    }
    Ok(added)
}

/// A new committee starts with every national schedule this build knows
/// (`setup` only: no acting user yet).
#[tracing::instrument(level = "debug", skip(conn, who))]
pub fn seed(conn: &mut DbConn, who: Who<'_>, committee_id: CommitteeId) -> AppResult<()> {
    let mut added = 0;
    let years: Vec<i32> = national::years().collect();
    for &year in &years {
        let days = national::schedule(year).unwrap_or_default();
        added += insert_missing(conn, committee_id, year, &days)?;
    }
    // One entry for the whole schedule: forty rows of the State Council's notice
    // say nothing an auditor needs one by one.
    audit::record(
        conn,
        who,
        Change::new("calendar.seed", "calendar", committee_id)
            .after(serde_json::json!({ "years": years, "days": added })),
    )
}

/// Whether the built-in schedule of `year` has days the committee lacks: the page
/// then offers to fill them in (a committee created before a build that knows the year).
/// Only for those who may fill them in: false for everyone else.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn national_missing(conn: &mut DbConn, actor: &Actor, year: i32) -> AppResult<bool> {
    if !model::can_manage(actor) {
        return Ok(false);
    }
    let Some(days) = national::schedule(year) else { return Ok(false) };
    let have: BTreeSet<NaiveDate> = rows(conn, actor.committee_id, year, year)?.into_iter().map(|r| r.day).collect();
    Ok(days.iter().any(|d| !have.contains(&d.day)))
}

/// The district admin fills in `year`'s national schedule; days already set stay.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn fill_national(conn: &mut DbConn, actor: &Actor, year: i32) -> AppResult<usize> {
    if !model::can_manage(actor) {
        return Err(AppError::Forbidden);
    }
    let days = national::schedule(year).ok_or(AppError::BadRequest("calendar.no_national"))?;
    let added = insert_missing(conn, actor.committee_id, year, &days)?;
    if added > 0 {
        audit::record(
            conn,
            Who::User(actor),
            Change::new("calendar.fill", "calendar", year).after(serde_json::json!({ "days": added })),
        )?;
    }
    Ok(added)
}

/// Adds a special day, or changes the one already on that date. A mistake (a year
/// out of range, 调休上班 on a weekday, a blank name) is a `BadRequest` with a message key.
#[tracing::instrument(level = "debug", skip(conn, actor, name))]
pub fn set_day(conn: &mut DbConn, actor: &Actor, day: NaiveDate, kind: DayKind, name: &str) -> AppResult<()> {
    if !model::can_manage(actor) {
        return Err(AppError::Forbidden);
    }
    let entry = model::check_entry(day, kind, name).map_err(AppError::BadRequest)?;
    let after = serde_json::json!({ "day": entry.day, "kind": entry.kind, "name": entry.name });
    match find(conn, actor.committee_id, entry.day)? {
        Some(before) if before.kind == entry.kind && before.name == entry.name => {}
        Some(before) => {
            diesel::update(calendar_days::table.find(before.id))
                .set((calendar_days::kind.eq(entry.kind), calendar_days::name.eq(&entry.name)))
                .execute(conn)?;
            audit::record(
                conn,
                Who::User(actor),
                Change::new("calendar.change", "calendar_day", entry.day)
                    .before(serde_json::json!({ "day": before.day, "kind": before.kind, "name": before.name }))
                    .after(after),
            )?;
        }
        None => {
            insert(conn, actor.committee_id, &entry)?;
            audit::record(conn, Who::User(actor), Change::new("calendar.add", "calendar_day", entry.day).after(after))?;
        }
    }
    Ok(())
}

/// Removes a special day: the date follows the week again.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn remove_day(conn: &mut DbConn, actor: &Actor, day: NaiveDate) -> AppResult<()> {
    if !model::can_manage(actor) {
        return Err(AppError::Forbidden);
    }
    let before = find(conn, actor.committee_id, day)?.ok_or(AppError::BadRequest("calendar.not_special"))?;
    diesel::delete(calendar_days::table.find(before.id)).execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("calendar.remove", "calendar_day", day)
            .before(serde_json::json!({ "day": before.day, "kind": before.kind, "name": before.name })),
    )
}
