//! What the public sees of activities (活动成果展示): held activities that staff
//! published, per Members' Home, without personal data; members by name only
//! where they agreed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::activities::Activity;
use crate::activities::model::Status;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{activities, activity_members, localities, members, members_homes};
use crate::kernel::error::AppResult;
use crate::kernel::files::FileRow;
use crate::kernel::ids::{ActivityId, CommitteeId, FileId, HomeId, OfficeId};
use crate::meetings::Meeting;
use crate::meetings::store::files;

#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub activity: Activity,
    pub place: Option<String>,
    pub photos: Vec<FileId>,
    /// Members present who agreed to be named.
    pub named: Vec<String>,
    /// Everyone present, named or not.
    pub present: usize,
}

/// A Home with its address: (name, address, office).
#[tracing::instrument(level = "debug", skip_all, fields(committee = ?committee, id = ?id))]
pub fn home(
    conn: &mut DbConn,
    committee: CommitteeId,
    id: HomeId,
) -> AppResult<Option<(String, Option<String>, OfficeId)>> {
    Ok(members_homes::table
        .find(id)
        .filter(members_homes::committee_id.eq(committee))
        .select((members_homes::name, members_homes::address, members_homes::office_id))
        .first(conn)
        .optional()?)
}

/// The Members' Home of an office.
#[tracing::instrument(level = "debug", skip_all, fields(committee = ?committee, office = ?office))]
pub fn home_of(conn: &mut DbConn, committee: CommitteeId, office: OfficeId) -> AppResult<Option<HomeId>> {
    Ok(members_homes::table
        .filter(members_homes::committee_id.eq(committee).and(members_homes::office_id.eq(office)))
        .select(members_homes::id)
        .first(conn)
        .optional()?)
}

/// A Members' Home as the front page lists it, with its latest published
/// activities: (title, when held).
#[derive(Debug, Clone)]
pub struct HomeCard {
    pub id: HomeId,
    pub name: String,
    pub latest: Vec<(String, NaiveDateTime)>,
}

/// Every Home of the committee with up to `per_home` of its latest published
/// activities; Homes with recent activities first. One read of the latest
/// 200 activities, not one per Home.
#[tracing::instrument(level = "debug", skip_all, fields(committee = ?committee))]
pub fn homes_with_latest(conn: &mut DbConn, committee: CommitteeId, per_home: usize) -> AppResult<Vec<HomeCard>> {
    let homes: Vec<(HomeId, String, OfficeId)> = members_homes::table
        .filter(members_homes::committee_id.eq(committee))
        .order(members_homes::id.asc())
        .select((members_homes::id, members_homes::name, members_homes::office_id))
        .load(conn)?;
    let held: Vec<(OfficeId, String, Option<NaiveDateTime>)> = activities::table
        .filter(activities::committee_id.eq(committee))
        .filter(activities::status.eq(Status::Held.as_str()).and(activities::public.eq(true)))
        .order(activities::held_at.desc())
        .limit(200)
        .select((activities::office_id, activities::title, activities::held_at))
        .load(conn)?;
    let mut cards: Vec<HomeCard> = homes
        .into_iter()
        .map(|(id, name, office)| HomeCard {
            id,
            name,
            latest: held
                .iter()
                .filter(|(o, _, _)| *o == office)
                .filter_map(|(_, title, at)| at.map(|at| (title.clone(), at)))
                .take(per_home)
                .collect(),
        })
        .collect();
    // Newest activity first; Homes with none keep their order at the end.
    cards.sort_by_key(|c| std::cmp::Reverse(c.latest.first().map(|(_, at)| *at)));
    Ok(cards)
}

/// The office's latest published activities (up to 20).
#[tracing::instrument(level = "debug", skip_all, fields(committee = ?committee, office = ?office))]
pub fn recent(conn: &mut DbConn, committee: CommitteeId, office: OfficeId) -> AppResult<Vec<Shown>> {
    let rows: Vec<Activity> = activities::table
        .filter(activities::committee_id.eq(committee).and(activities::office_id.eq(office)))
        .filter(activities::status.eq(Status::Held.as_str()).and(activities::public.eq(true)))
        .order(activities::held_at.desc())
        .limit(20)
        .select(Activity::as_select())
        .load(conn)?;
    let mut out = vec![];
    for a in rows {
        let place = match a.locality_id {
            Some(l) => localities::table.find(l).select(localities::name).first(conn).optional()?,
            None => None,
        };
        let photos = files::photos_unscoped(conn, Meeting::Activity(a.id))?;
        let present: Vec<(String, bool)> = activity_members::table
            .inner_join(members::table)
            .filter(activity_members::activity_id.eq(a.id).and(activity_members::attended.eq(true)))
            .order(members::name.asc())
            .select((members::name, members::public_name))
            .load(conn)?;
        out.push(Shown {
            place,
            photos,
            named: present.iter().filter(|(_, ok)| *ok).map(|(n, _)| n.clone()).collect(),
            present: present.len(),
            activity: a,
        });
    }
    Ok(out)
}

/// A photo of a published activity, for the public page; nothing else.
#[tracing::instrument(level = "debug", skip_all, fields(committee = ?committee, id = ?id, file = ?file))]
pub fn photo(conn: &mut DbConn, committee: CommitteeId, id: ActivityId, file: FileId) -> AppResult<Option<FileRow>> {
    let shown: i64 = activities::table
        .find(id)
        .filter(activities::committee_id.eq(committee))
        .filter(activities::status.eq(Status::Held.as_str()).and(activities::public.eq(true)))
        .count()
        .get_result(conn)?;
    if shown == 0 {
        return Ok(None);
    }
    files::photo_unscoped(conn, Meeting::Activity(id), file)
}
