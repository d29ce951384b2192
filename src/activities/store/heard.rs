//! Opinions heard at an activity: entered from the activity, they become cases
//! in the opinion box (source "activity", with the member who heard them) and
//! stay listed on the activity.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::activities::{self, Activity};
use crate::activities::model::Status as ActivityStatus;
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{activity_members, activity_opinions, opinions};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, CategoryId, LocalityId, MemberId, OfficeId, OpinionId};
use crate::kernel::time::{start_of_local_day, today};
use crate::opinions::model::{Source, Status};
use crate::opinions::store::cases::{self, NewOpinion};

/// What staff type in for one opinion heard.
pub struct Heard {
    pub heard_by: MemberId,
    pub category_id: Option<CategoryId>,
    pub body: String,
    /// Encrypted by the caller, like every resident's contact.
    pub name_enc: Option<String>,
    pub phone_enc: Option<String>,
    pub phone_index: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn add(conn: &mut DbConn, actor: &Actor, id: ActivityId, h: Heard) -> AppResult<(OpinionId, String)> {
    let a = activities::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if !activities::can_manage(actor, a.office_id) {
        return Err(AppError::Forbidden);
    }
    let new = NewOpinion {
        office_id: Some(a.office_id),
        locality_id: a.locality_id,
        category_id: h.category_id,
        source: Some(Source::Activity),
        heard_by: Some(h.heard_by),
        body: h.body,
        name_enc: h.name_enc,
        phone_enc: h.phone_enc,
        phone_index: h.phone_index,
        urgent: false,
        doc: None,
    };
    let (opinion, code) = cases::enter(conn, actor, &new)?;
    diesel::insert_into(activity_opinions::table)
        .values((activity_opinions::activity_id.eq(id), activity_opinions::opinion_id.eq(opinion)))
        .execute(conn)?;
    Ok((opinion, code))
}

/// How far back an activity may be named as where a member heard an opinion
/// (`heard_at_own`, and the workbench's choice of them).
pub const HEARD_WITHIN_DAYS: i64 = 30;

/// The span an activity named as where an opinion was heard took place in:
/// from the start of the day `HEARD_WITHIN_DAYS` before `day` to the end of
/// `day` (Beijing days).
pub fn heard_window(day: chrono::NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    (start_of_local_day(day - Duration::days(HEARD_WITHIN_DAYS)), start_of_local_day(day + Duration::days(1)))
}

/// An activity a member was at, or is invited to, as the place where they
/// heard an opinion: made only by `heard_at_own`, which checked that.
#[derive(Debug, Clone, Copy)]
pub struct OwnActivity {
    id: ActivityId,
    /// The member it was checked for.
    member: MemberId,
    pub office_id: OfficeId,
    pub locality_id: Option<LocalityId>,
}

impl OwnActivity {
    /// The member whose list it was found on.
    pub fn member(&self) -> MemberId {
        self.member
    }
}

/// The activity `id`, if the acting member is on its list (invited or
/// signed in), it is planned or held (not cancelled), and it took place in
/// the last `HEARD_WITHIN_DAYS` days up to today (`heard_window`): what they
/// heard there is filed with its office and place (`link_own`). An activity
/// not on their list is refused alike whatever it is, so nothing is learnt
/// of one the member was not at.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn heard_at_own(conn: &mut DbConn, actor: &Actor, id: ActivityId) -> AppResult<OwnActivity> {
    let me = crate::org::store::members::own_id(conn, actor)?;
    let a = activities::in_committee(conn, actor, id)?.ok_or(AppError::BadRequest("activity.not_on_list"))?;
    let on_list: i64 = activity_members::table
        .filter(activity_members::activity_id.eq(id).and(activity_members::member_id.eq(me)))
        .filter(activity_members::invited.eq(true).or(activity_members::attended.eq(true)))
        .count()
        .get_result(conn)?;
    if on_list == 0 {
        return Err(AppError::BadRequest("activity.not_on_list"));
    }
    if !matches!(a.status, ActivityStatus::Planned | ActivityStatus::Held) {
        return Err(AppError::BadRequest("activity.not_on_list"));
    }
    let (from, to) = heard_window(today());
    let at = a.held_at.unwrap_or(a.planned_at);
    if at < from || at >= to {
        return Err(AppError::BadRequest("activity.heard_out_of_range"));
    }
    Ok(OwnActivity { id: a.id, member: me, office_id: a.office_id, locality_id: a.locality_id })
}

/// Lists a member's new case on the activity it was heard at (the opinion
/// box's intake of a member's filing, `cases::enter_heard_by_member`).
pub(crate) fn link_own(conn: &mut DbConn, at: OwnActivity, opinion: OpinionId) -> AppResult<()> {
    diesel::insert_into(activity_opinions::table)
        .values((activity_opinions::activity_id.eq(at.id), activity_opinions::opinion_id.eq(opinion)))
        .execute(conn)?;
    Ok(())
}

/// The cases raised at an activity (one the caller found in scope): (id,
/// code, status, first words).
#[tracing::instrument(level = "debug", skip_all)]
pub fn list(conn: &mut DbConn, a: &Activity) -> AppResult<Vec<(OpinionId, String, Status, String)>> {
    let rows: Vec<(OpinionId, String, Status, String)> = activity_opinions::table
        .inner_join(opinions::table)
        .filter(activity_opinions::activity_id.eq(a.id))
        .order(opinions::id.asc())
        .select((opinions::id, opinions::code, opinions::status, opinions::body))
        .load(conn)?;
    Ok(rows.into_iter().map(|(i, c, s, b)| (i, c, s, b.chars().take(40).collect())).collect())
}

/// Of a member's cases in a Beijing calendar year, those heard at an
/// activity, with the activity's title: the duty record tells them from the
/// cases brought to staff. The caller checked the member (`crate::duty`).
#[tracing::instrument(level = "debug", skip(conn))]
pub fn at_activities_unscoped(
    conn: &mut DbConn,
    member: MemberId,
    year: i32,
) -> AppResult<Vec<(OpinionId, ActivityId, String)>> {
    use crate::kernel::db::schema::activities;
    let Some((from, to)) = crate::kernel::time::year_bounds(year) else { return Ok(vec![]) };
    Ok(activity_opinions::table
        .inner_join(opinions::table)
        .inner_join(activities::table)
        .filter(opinions::heard_by.eq(member))
        .filter(opinions::created_at.ge(from).and(opinions::created_at.lt(to)))
        .select((opinions::id, activities::id, activities::title))
        .load(conn)?)
}

/// Which of these cases were heard at an activity, for scores (heard there,
/// or brought to staff otherwise). Unscoped like `at_activities_unscoped`.
pub fn heard_at_activities_unscoped(conn: &mut DbConn, cases: &[OpinionId]) -> AppResult<Vec<OpinionId>> {
    let mut out = vec![];
    for chunk in cases.chunks(500) {
        out.extend(
            activity_opinions::table
                .filter(activity_opinions::opinion_id.eq_any(chunk))
                .select(activity_opinions::opinion_id)
                .load::<OpinionId>(conn)?,
        );
    }
    Ok(out)
}
