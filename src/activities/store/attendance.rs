//! Who is invited, who replied, who came: invitations, members' replies,
//! sign-in by the activity's QR code, and staff ticking attendance.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::activities::{self, Activity};
use crate::activities::model::{self, Reply, Status};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{activities as act, activity_members as am, members};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, CommitteeId, MemberId};
use crate::kernel::time::now;
use crate::org::store::members as member_store;

/// A member on an activity's list.
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Attendee {
    pub member_id: MemberId,
    pub name: String,
    pub invited: bool,
    pub reply: String,
    pub reply_note: String,
    pub attended: bool,
    pub signed_in_at: Option<NaiveDateTime>,
    /// `self` (the QR code) or `staff` (ticked).
    pub signed_by: Option<String>,
    pub public_name: bool,
}

impl Attendee {
    pub fn reply_label_key(&self) -> String {
        Reply::parse(&self.reply).unwrap_or(Reply::Pending).label_key()
    }
}

pub fn invite(conn: &mut DbConn, committee: CommitteeId, id: ActivityId, member: MemberId) -> AppResult<()> {
    diesel::insert_into(am::table)
        .values((
            am::committee_id.eq(committee),
            am::activity_id.eq(id),
            am::member_id.eq(member),
            am::invited.eq(true),
            am::reply.eq(Reply::Pending.as_str()),
            am::reply_note.eq(""),
            am::attended.eq(false),
        ))
        .execute(conn)?;
    Ok(())
}

/// The columns of an `Attendee`, from `activity_members` joined to `members`.
macro_rules! attendee_columns {
    () => {
        (
            am::member_id,
            members::name,
            am::invited,
            am::reply,
            am::reply_note,
            am::attended,
            am::signed_in_at,
            am::signed_by,
            members::public_name,
        )
    };
}

pub fn list(conn: &mut DbConn, id: ActivityId) -> AppResult<Vec<Attendee>> {
    Ok(am::table
        .inner_join(members::table)
        .filter(am::activity_id.eq(id))
        .order(members::name.asc())
        .select(attendee_columns!())
        .load(conn)?)
}

/// A member confirms or sends apologies (请假) for an activity they are invited to.
pub fn reply(conn: &mut DbConn, actor: &Actor, id: ActivityId, reply: Reply, note: &str) -> AppResult<()> {
    let me = member_store::own_id(conn, actor)?;
    let a = activities::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if a.status() != Status::Planned {
        return Err(AppError::Conflict("activity.not_planned"));
    }
    let note: String = note.trim().chars().take(200).collect();
    if reply == Reply::Apology && note.is_empty() {
        return Err(AppError::BadRequest("activity.apology_reason"));
    }
    let n =
        diesel::update(am::table.filter(am::activity_id.eq(id).and(am::member_id.eq(me)).and(am::invited.eq(true))))
            .set((am::reply.eq(reply.as_str()), am::reply_note.eq(&note)))
            .execute(conn)?;
    if n == 0 {
        return Err(AppError::Forbidden);
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("activity.reply", "activity", id)
            .after(serde_json::json!({ "member": me, "reply": reply.as_str() })),
    )?;
    Ok(())
}

/// An activity by its id for the sign-in page: the member may not be able to
/// see other offices' activities, but may be invited to one; the token checks
/// that they scanned this activity's code.
pub fn for_sign_in(conn: &mut DbConn, actor: &Actor, id: ActivityId, token: &str) -> AppResult<Activity> {
    let a: Activity = act::table
        .find(id)
        .filter(act::committee_id.eq(actor.committee_id))
        .select(Activity::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    crate::activities::meeting::check_token(&a.signin_token, token)?;
    Ok(a)
}

/// A member signs themself in by the activity's QR code, on the day. Returns
/// false when they had already signed in.
pub fn sign_in(conn: &mut DbConn, actor: &Actor, id: ActivityId, token: &str) -> AppResult<bool> {
    let me = member_store::own_id(conn, actor)?;
    let a = for_sign_in(conn, actor, id, token)?;
    if a.status() == Status::Cancelled {
        return Err(AppError::Conflict("activity.cancelled"));
    }
    let t = now();
    if !model::may_sign_in(a.planned_at, a.held_at, t) {
        return Err(AppError::Conflict("activity.signin_closed"));
    }
    let row: Option<bool> = am::table
        .filter(am::activity_id.eq(id).and(am::member_id.eq(me)))
        .select(am::attended)
        .first(conn)
        .optional()?;
    match row {
        Some(true) => return Ok(false),
        Some(false) => {
            diesel::update(am::table.filter(am::activity_id.eq(id).and(am::member_id.eq(me))))
                .set((am::attended.eq(true), am::signed_in_at.eq(Some(t)), am::signed_by.eq(Some("self"))))
                .execute(conn)?;
        }
        // Not invited, came anyway: welcome, and on the list.
        None => {
            diesel::insert_into(am::table)
                .values((
                    am::committee_id.eq(a.committee_id),
                    am::activity_id.eq(id),
                    am::member_id.eq(me),
                    am::invited.eq(false),
                    am::reply.eq(Reply::Pending.as_str()),
                    am::reply_note.eq(""),
                    am::attended.eq(true),
                    am::signed_in_at.eq(Some(t)),
                    am::signed_by.eq(Some("self")),
                ))
                .execute(conn)?;
        }
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("activity.sign_in", "activity", id).after(serde_json::json!({ "member": me })),
    )?;
    Ok(true)
}

/// Staff tick who was there: `present` attended, every other listed member not.
pub fn set_present(conn: &mut DbConn, actor: &Actor, id: ActivityId, present: &[MemberId]) -> AppResult<()> {
    let a = activities::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if !activities::can_manage(actor, a.office_id) {
        return Err(AppError::Forbidden);
    }
    let ok: i64 = members::table
        .filter(members::id.eq_any(present).and(members::committee_id.eq(a.committee_id)))
        .count()
        .get_result(conn)?;
    if ok != present.len() as i64 {
        return Err(AppError::BadRequest("activity.bad_member"));
    }
    let listed: Vec<(MemberId, bool)> =
        am::table.filter(am::activity_id.eq(id)).select((am::member_id, am::attended)).load(conn)?;
    let t = now();
    for (m, was) in &listed {
        let now_present = present.contains(m);
        if now_present != *was {
            let target = am::table.filter(am::activity_id.eq(id).and(am::member_id.eq(*m)));
            if now_present {
                diesel::update(target)
                    .set((am::attended.eq(true), am::signed_in_at.eq(Some(t)), am::signed_by.eq(Some("staff"))))
                    .execute(conn)?;
            } else {
                diesel::update(target)
                    .set((
                        am::attended.eq(false),
                        am::signed_in_at.eq(None::<NaiveDateTime>),
                        am::signed_by.eq(None::<String>),
                    ))
                    .execute(conn)?;
            }
        }
    }
    for m in present.iter().filter(|m| !listed.iter().any(|(x, _)| x == *m)) {
        diesel::insert_into(am::table)
            .values((
                am::committee_id.eq(a.committee_id),
                am::activity_id.eq(id),
                am::member_id.eq(*m),
                am::invited.eq(false),
                am::reply.eq(Reply::Pending.as_str()),
                am::reply_note.eq(""),
                am::attended.eq(true),
                am::signed_in_at.eq(Some(t)),
                am::signed_by.eq(Some("staff")),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("activity.attendance", "activity", id).after(serde_json::json!({ "present": present })),
    )?;
    Ok(())
}

/// A member's invitations still to come or today, soonest first.
pub fn upcoming(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(Activity, Attendee)>> {
    let Some(me) = member_store::own_record(conn, actor)? else { return Ok(vec![]) };
    let from = crate::kernel::time::start_of_local_day(crate::kernel::time::today());
    // One query with the member's own line (the home page runs this on every visit).
    Ok(act::table
        .inner_join(am::table.inner_join(members::table))
        .filter(am::member_id.eq(me.id).and(am::invited.eq(true)))
        .filter(act::status.eq(Status::Planned.as_str()).and(act::planned_at.ge(from)))
        .order(act::planned_at.asc())
        .limit(20)
        .select((Activity::as_select(), attendee_columns!()))
        .load(conn)?)
}

/// A member's attended activities in a year (the duty record, 履职档案), by date.
pub fn attended_in(conn: &mut DbConn, member: MemberId, year: i32) -> AppResult<Vec<Activity>> {
    let q1 = model::Quarter { year, q: 1 }.bounds().0;
    let q4 = model::Quarter { year, q: 4 }.bounds().1;
    Ok(act::table
        .inner_join(am::table)
        .filter(am::member_id.eq(member).and(am::attended.eq(true)))
        .filter(act::status.eq(Status::Held.as_str()))
        .filter(act::held_at.ge(q1).and(act::held_at.lt(q4)))
        .order(act::held_at.asc())
        .select(Activity::as_select())
        .load(conn)?)
}
