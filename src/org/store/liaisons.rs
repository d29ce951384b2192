//! Liaison assignments (定点联系): which members are linked to which
//! localities, from and to which date. `insert_unscoped` serves the roster
//! import (which checks its permission first) and the loaders.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::localities::{self, Locality};
use super::members;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, OfficeScope};
use crate::kernel::db::schema::{liaisons, localities as loc, members as mem, offices};
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, LiaisonId, LocalityId, MemberId, OfficeId};
use crate::kernel::time::now;
use crate::org::model;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = liaisons)]
pub struct Liaison {
    pub id: LiaisonId,
    pub committee_id: CommitteeId,
    pub member_id: MemberId,
    pub locality_id: LocalityId,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

impl Liaison {
    /// In force on `day`: started, and not yet ended.
    pub fn current_on(&self, day: NaiveDate) -> bool {
        self.start_on <= day && self.end_on.is_none_or(|e| e > day)
    }
}

/// A linked member as an office's locality list shows them.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedMember {
    pub liaison_id: LiaisonId,
    pub member_id: MemberId,
    pub name: String,
    pub start_on: NaiveDate,
}

/// A locality with the members linked to it today; an empty list is a gap.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub locality: Locality,
    pub office_name: String,
    pub members: Vec<LinkedMember>,
}

fn today() -> NaiveDate {
    crate::kernel::time::today()
}

/// Every locality the actor may see (of one office, or all) with its current
/// members: the liaison view, and the gaps the district must see.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn points(conn: &mut DbConn, actor: &Actor, office: Option<OfficeId>) -> AppResult<Vec<Point>> {
    let locs = localities::list(conn, actor, office)?;
    with_members(conn, actor, locs)
}

/// One locality with its current members; a locality the actor may not see
/// is "not found".
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn point(conn: &mut DbConn, actor: &Actor, locality: LocalityId) -> AppResult<Point> {
    let l = localities::get(conn, actor, locality)?.ok_or(AppError::NotFound)?;
    with_members(conn, actor, vec![l])?.pop().ok_or(AppError::NotFound)
}

/// The points of `locs` (already scoped): each with the members linked today.
fn with_members(conn: &mut DbConn, actor: &Actor, locs: Vec<Locality>) -> AppResult<Vec<Point>> {
    let ids: Vec<LocalityId> = locs.iter().map(|l| l.id).collect();
    let day = today();
    let links: Vec<(LiaisonId, LocalityId, MemberId, String, NaiveDate)> = liaisons::table
        .inner_join(mem::table)
        .filter(liaisons::locality_id.eq_any(&ids))
        .filter(liaisons::start_on.le(day))
        .filter(liaisons::end_on.is_null().or(liaisons::end_on.gt(day)))
        .order((liaisons::locality_id.asc(), mem::name.asc()))
        .select((liaisons::id, liaisons::locality_id, liaisons::member_id, mem::name, liaisons::start_on))
        .load(conn)?;
    let names: Vec<(OfficeId, String)> = offices::table
        .filter(offices::committee_id.eq(actor.committee_id))
        .select((offices::id, offices::name))
        .load(conn)?;
    Ok(locs
        .into_iter()
        .map(|l| {
            let members = links
                .iter()
                .filter(|(_, lid, ..)| *lid == l.id)
                .map(|(id, _, mid, name, start)| LinkedMember {
                    liaison_id: *id,
                    member_id: *mid,
                    name: name.clone(),
                    start_on: *start,
                })
                .collect();
            let office_name =
                names.iter().find(|(id, _)| *id == l.office_id).map(|(_, n)| n.clone()).unwrap_or_default();
            Point { locality: l, office_name, members }
        })
        .collect())
}

/// Inserts a link. A member already linked to the place (and not ended) is a
/// conflict. Unscoped, permission and scope are the caller's: `link`, the
/// roster import (the district's, checked before it plans), the loaders.
#[tracing::instrument(level = "debug", skip(conn, who))]
pub fn insert_unscoped(
    conn: &mut DbConn,
    who: Who<'_>,
    committee_id: CommitteeId,
    locality: LocalityId,
    member: MemberId,
    start_on: NaiveDate,
) -> AppResult<LiaisonId> {
    let open: i64 = liaisons::table
        .filter(liaisons::member_id.eq(member).and(liaisons::locality_id.eq(locality)))
        .filter(liaisons::end_on.is_null().or(liaisons::end_on.gt(start_on)))
        .count()
        .get_result(conn)?;
    if open > 0 {
        return Err(AppError::Conflict("liaison.exists"));
    }
    let id: LiaisonId = diesel::insert_into(liaisons::table)
        .values((
            liaisons::committee_id.eq(committee_id),
            liaisons::member_id.eq(member),
            liaisons::locality_id.eq(locality),
            liaisons::start_on.eq(start_on),
            liaisons::created_at.eq(now()),
        ))
        .returning(liaisons::id)
        .get_result(conn)
        .map_err(|e| if is_unique_violation(&e) { AppError::Conflict("liaison.exists") } else { e.into() })?;
    audit::record(
        conn,
        who,
        Change::new("liaison.create", "liaison", id)
            .after(serde_json::json!({ "member_id": member, "locality_id": locality, "start_on": start_on })),
    )?;
    Ok(id)
}

/// Office staff link a member (of any office: points are not always in the
/// member's township) to one of their office's localities.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn link(
    conn: &mut DbConn,
    actor: &Actor,
    locality: LocalityId,
    member: MemberId,
    start_on: NaiveDate,
) -> AppResult<LiaisonId> {
    let l = localities::get(conn, actor, locality)?.ok_or(AppError::NotFound)?;
    if !model::can_manage_office(actor, l.office_id) {
        return Err(AppError::Forbidden);
    }
    let m: Option<members::Member> = mem::table
        .find(member)
        .filter(mem::committee_id.eq(actor.committee_id))
        .select(members::Member::as_select())
        .first(conn)
        .optional()?;
    let m = m.ok_or(AppError::BadRequest("liaison.bad_member"))?;
    if !m.is_active() {
        return Err(AppError::BadRequest("liaison.member_left"));
    }
    insert_unscoped(conn, Who::User(actor), actor.committee_id, locality, member, start_on)
}

/// Ends a link on `end_on` (the history stays).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn end(conn: &mut DbConn, actor: &Actor, id: LiaisonId, end_on: NaiveDate) -> AppResult<()> {
    let link: Liaison = liaisons::table
        .find(id)
        .filter(liaisons::committee_id.eq(actor.committee_id))
        .select(Liaison::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let l = localities::get(conn, actor, link.locality_id)?.ok_or(AppError::NotFound)?;
    if !model::can_manage_office(actor, l.office_id) {
        return Err(AppError::Forbidden);
    }
    if link.end_on.is_some() {
        return Err(AppError::Conflict("liaison.already_ended"));
    }
    if end_on < link.start_on {
        return Err(AppError::BadRequest("liaison.end_before_start"));
    }
    diesel::update(liaisons::table.find(id)).set(liaisons::end_on.eq(Some(end_on))).execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("liaison.end", "liaison", id).before(&link).after(serde_json::json!({ "end_on": end_on })),
    )?;
    Ok(())
}

/// A member's links, current and past, with the place and its office.
#[derive(Debug, Clone, Serialize)]
pub struct MemberLink {
    pub liaison: Liaison,
    pub locality_name: String,
    pub office_name: String,
}

/// A member's links, current and past; a member the actor may not see is
/// "not found". The places may belong to any office (points are not always
/// in the member's township).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn of_member(conn: &mut DbConn, actor: &Actor, member: MemberId) -> AppResult<Vec<MemberLink>> {
    members::get(conn, actor, member)?.ok_or(AppError::NotFound)?;
    links_of(conn, actor.committee_id, member)
}

/// The links of a member the caller has already found in scope.
pub(super) fn links_of(conn: &mut DbConn, committee_id: CommitteeId, member: MemberId) -> AppResult<Vec<MemberLink>> {
    let rows: Vec<(Liaison, String, String)> = liaisons::table
        .inner_join(loc::table.inner_join(offices::table))
        .filter(liaisons::member_id.eq(member).and(liaisons::committee_id.eq(committee_id)))
        .order((liaisons::end_on.is_null().desc(), liaisons::start_on.desc()))
        .select((Liaison::as_select(), loc::name, offices::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(liaison, locality_name, office_name)| MemberLink { liaison, locality_name, office_name })
        .collect())
}

/// Every link at the localities the actor may see, whoever the member (the
/// roster's import and export).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn all(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Liaison>> {
    let q = liaisons::table
        .inner_join(loc::table)
        .filter(liaisons::committee_id.eq(actor.committee_id))
        .order(liaisons::id.asc())
        .select(Liaison::as_select());
    Ok(match actor.office_scope() {
        OfficeScope::All => q.load(conn)?,
        OfficeScope::One(o) => q.filter(loc::office_id.eq(o)).load(conn)?,
        OfficeScope::None => vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_between_start_and_end() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("date");
        let mut l = Liaison {
            id: LiaisonId(1),
            committee_id: CommitteeId(1),
            member_id: MemberId(1),
            locality_id: LocalityId(1),
            start_on: d(3, 1),
            end_on: None,
            created_at: NaiveDateTime::default(),
        };
        assert!(!l.current_on(d(2, 28)));
        assert!(l.current_on(d(3, 1)));
        l.end_on = Some(d(6, 30));
        assert!(l.current_on(d(6, 29)));
        assert!(!l.current_on(d(6, 30)), "ends on its end date");
    }
}
