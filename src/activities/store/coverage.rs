//! The coverage board: every liaison point (a village or community with its
//! linked members) in a quarter — held, planned or missing — and the members
//! who were at no visit. Loads what `model::coverage` needs, in three queries.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::activities::model::{self, Coverage, Mark, Quarter, Status, Visit};
use crate::kernel::auth::{Actor, OfficeScope};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{activities, activity_members, liaisons, localities, members, offices};
use crate::kernel::error::AppResult;
use crate::kernel::ids::{ActivityId, CommitteeId, LocalityId, MemberId, OfficeId};

/// One point on the board.
#[derive(Debug, Clone, Serialize)]
pub struct PointRow {
    pub locality_id: LocalityId,
    pub locality: String,
    pub office_id: OfficeId,
    pub office: String,
    pub members: Vec<(MemberId, String)>,
    pub mark: &'static str,
}

/// A member who was at no held visit this quarter.
#[derive(Debug, Clone, Serialize)]
pub struct MemberGap {
    pub member_id: MemberId,
    pub name: String,
    pub office: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub quarter: Quarter,
    pub points: Vec<PointRow>,
    pub members_without: Vec<MemberGap>,
    pub held: usize,
    pub planned: usize,
    pub missing: usize,
}

/// (activity, point, status, planned, held)
type VisitRow = (ActivityId, Option<LocalityId>, String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>);

/// What the board needs, for one committee (optionally one office): points
/// with the members linked during the quarter, and the liaison visits.
pub struct Loaded {
    pub links: BTreeMap<LocalityId, Vec<MemberId>>,
    pub places: Vec<(LocalityId, String, OfficeId)>,
    pub names: BTreeMap<MemberId, String>,
    pub coverage: Coverage,
}

/// A committee's (or one office's) points and visits in a quarter. Unscoped:
/// the daily reminders job reads every committee; `board` calls it for the
/// actor's own committee and office.
#[tracing::instrument(level = "debug", skip_all, fields(committee = ?committee, office = ?office, quarter = ?quarter))]
pub fn load_unscoped(
    conn: &mut DbConn,
    committee: CommitteeId,
    office: Option<OfficeId>,
    quarter: Quarter,
) -> AppResult<Loaded> {
    let (first, last) = (quarter.first_day(), quarter.last_day());
    let mut q = localities::table.filter(localities::committee_id.eq(committee)).into_boxed();
    if let Some(o) = office {
        q = q.filter(localities::office_id.eq(o));
    }
    let places: Vec<(LocalityId, String, OfficeId)> = q
        .order((localities::office_id.asc(), localities::id.asc()))
        .select((localities::id, localities::name, localities::office_id))
        .load(conn)?;
    let ids: Vec<LocalityId> = places.iter().map(|p| p.0).collect();
    // Linked at any time in the quarter: started by its last day, not ended before its first.
    let linked: Vec<(LocalityId, MemberId, String)> = liaisons::table
        .inner_join(members::table)
        .filter(liaisons::locality_id.eq_any(&ids))
        .filter(liaisons::start_on.le(last))
        .filter(liaisons::end_on.is_null().or(liaisons::end_on.gt(first)))
        .order(members::name.asc())
        .select((liaisons::locality_id, liaisons::member_id, members::name))
        .load(conn)?;
    let mut links: BTreeMap<LocalityId, Vec<MemberId>> = BTreeMap::new();
    let mut names = BTreeMap::new();
    for (l, m, n) in linked {
        links.entry(l).or_default().push(m);
        names.insert(m, n);
    }
    let (a, b) = quarter.bounds();
    let visits: Vec<VisitRow> = activities::table
        .filter(activities::committee_id.eq(committee))
        .filter(activities::kind.eq(model::Kind::Liaison.as_str()))
        .filter(activities::locality_id.eq_any(&ids))
        .filter(activities::status.ne(Status::Cancelled.as_str()))
        .filter(
            activities::held_at
                .ge(a)
                .and(activities::held_at.lt(b))
                .or(activities::planned_at.ge(a).and(activities::planned_at.lt(b))),
        )
        .select((
            activities::id,
            activities::locality_id,
            activities::status,
            activities::planned_at,
            activities::held_at,
        ))
        .load(conn)?;
    let visit_ids: Vec<ActivityId> = visits.iter().map(|v| v.0).collect();
    let present: Vec<(ActivityId, MemberId)> = activity_members::table
        .filter(activity_members::activity_id.eq_any(&visit_ids).and(activity_members::attended.eq(true)))
        .select((activity_members::activity_id, activity_members::member_id))
        .load(conn)?;
    let visits: Vec<Visit> = visits
        .into_iter()
        .filter_map(|(id, loc, status, planned, held)| {
            Some(Visit {
                locality: loc?,
                status: Status::parse(&status)?,
                at: held.unwrap_or(planned),
                present: present.iter().filter(|(a, _)| *a == id).map(|(_, m)| *m).collect(),
            })
        })
        .collect();
    let coverage = model::coverage(quarter, &links, &visits);
    Ok(Loaded { links, places, names, coverage })
}

/// The board the actor may see: the district's, or their office's; with
/// `mark`, only the points that stand so (the counts stay the whole board's).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, office = ?office, quarter = ?quarter))]
pub fn board(
    conn: &mut DbConn,
    actor: &Actor,
    office: Option<OfficeId>,
    quarter: Quarter,
    mark: Option<Mark>,
) -> AppResult<Board> {
    let office = match actor.office_scope() {
        OfficeScope::All => office,
        OfficeScope::One(o) => Some(o),
        OfficeScope::None => {
            return Ok(Board { quarter, points: vec![], members_without: vec![], held: 0, planned: 0, missing: 0 });
        }
    };
    let l = load_unscoped(conn, actor.committee_id, office, quarter)?;
    let office_names: BTreeMap<OfficeId, String> = offices::table
        .filter(offices::committee_id.eq(actor.committee_id))
        .select((offices::id, offices::name))
        .load::<(OfficeId, String)>(conn)?
        .into_iter()
        .collect();
    let member_office: BTreeMap<MemberId, OfficeId> =
        l.places.iter().flat_map(|(loc, _, o)| l.links.get(loc).into_iter().flatten().map(move |m| (*m, *o))).collect();
    let points = l
        .places
        .iter()
        .filter_map(|(loc, name, o)| {
            let here = *l.coverage.points.get(loc)?;
            if mark.is_some_and(|m| m != here) {
                return None;
            }
            Some(PointRow {
                locality_id: *loc,
                locality: name.clone(),
                office_id: *o,
                office: office_names.get(o).cloned().unwrap_or_default(),
                members: l
                    .links
                    .get(loc)
                    .into_iter()
                    .flatten()
                    .map(|m| (*m, l.names.get(m).cloned().unwrap_or_default()))
                    .collect(),
                mark: here.as_str(),
            })
        })
        .collect();
    let members_without = l
        .coverage
        .members_without
        .iter()
        .map(|m| MemberGap {
            member_id: *m,
            name: l.names.get(m).cloned().unwrap_or_default(),
            office: member_office.get(m).and_then(|o| office_names.get(o)).cloned().unwrap_or_default(),
        })
        .collect();
    Ok(Board {
        quarter,
        points,
        members_without,
        held: l.coverage.count(Mark::Held),
        planned: l.coverage.count(Mark::Planned),
        missing: l.coverage.count(Mark::Missing),
    })
}

/// The actor's own liaison points (a member's current links) and where each
/// stands in `quarter`: (point, its office, mark).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, quarter = ?quarter))]
pub fn own_points(conn: &mut DbConn, actor: &Actor, quarter: Quarter) -> AppResult<Vec<(String, String, Mark)>> {
    let Some(me) = crate::org::store::members::own_record(conn, actor)? else { return Ok(vec![]) };
    let links = crate::org::store::liaisons::of_member(conn, actor, me.id)?;
    let current: Vec<_> = links.into_iter().filter(|l| l.liaison.end_on.is_none()).collect();
    let mut offices: Vec<OfficeId> = vec![];
    for l in &current {
        let o: OfficeId =
            localities::table.find(l.liaison.locality_id).select(localities::office_id).get_result(conn)?;
        if !offices.contains(&o) {
            offices.push(o);
        }
    }
    let mut marks: BTreeMap<LocalityId, Mark> = BTreeMap::new();
    for o in offices {
        marks.extend(load_unscoped(conn, actor.committee_id, Some(o), quarter)?.coverage.points);
    }
    Ok(current
        .into_iter()
        .map(|l| {
            let mark = marks.get(&l.liaison.locality_id).copied().unwrap_or(Mark::Missing);
            (l.locality_name, l.office_name, mark)
        })
        .collect())
}
