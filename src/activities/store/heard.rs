//! Opinions heard at an activity: entered from the activity, they become cases
//! in the opinion box (source "activity", with the member who heard them) and
//! stay listed on the activity.

use diesel::prelude::*;

use super::activities::{self, Activity};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{activity_opinions, opinions};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, CategoryId, MemberId, OpinionId};
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
    };
    let (opinion, code) = cases::enter(conn, actor, &new)?;
    diesel::insert_into(activity_opinions::table)
        .values((activity_opinions::activity_id.eq(id), activity_opinions::opinion_id.eq(opinion)))
        .execute(conn)?;
    Ok((opinion, code))
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
