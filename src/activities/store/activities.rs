//! Activities in the database: planning, the record, photos, and the scoped
//! lists. Who may do what is checked here, not in the handlers.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::activities::model::{self, Kind, Quarter, Status};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, OfficeScope};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{activities, localities, members_homes, offices};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, CommitteeId, HomeId, LocalityId, MemberId, OfficeId, UserId};
use crate::kernel::time::now;
use crate::kernel::web::form::bounded;
use crate::meetings::{self, store::attendees};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = activities)]
pub struct Activity {
    pub id: ActivityId,
    pub committee_id: CommitteeId,
    pub office_id: OfficeId,
    pub kind: Kind,
    pub title: String,
    pub locality_id: Option<LocalityId>,
    pub home_id: Option<HomeId>,
    pub venue: String,
    pub planned_at: NaiveDateTime,
    pub held_at: Option<NaiveDateTime>,
    pub status: Status,
    pub topic: String,
    pub findings: String,
    pub minutes: String,
    pub outcomes: String,
    pub residents_count: i32,
    pub other_participants: String,
    pub public: bool,
    #[serde(skip)]
    pub signin_token: String,
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Minutes it lasted, when recorded.
    pub duration_minutes: Option<i32>,
}

impl Activity {
    pub fn kind_label_key(&self) -> String {
        self.kind.label_key()
    }
    pub fn status_label_key(&self) -> String {
        self.status.label_key()
    }
    /// When it took place, or is to.
    pub fn when(&self) -> NaiveDateTime {
        self.held_at.unwrap_or(self.planned_at)
    }
    pub fn quarter(&self) -> Quarter {
        Quarter::at(self.when())
    }
}

/// What staff fill in to plan an activity.
#[derive(Debug, Clone)]
pub struct Plan {
    pub office_id: OfficeId,
    pub kind: Kind,
    pub title: String,
    pub locality_id: Option<LocalityId>,
    pub venue: String,
    pub planned_at: NaiveDateTime,
    pub topic: String,
    /// Invited members (the point's linked members are suggested by the form).
    pub members: Vec<MemberId>,
}

/// What staff record after the activity.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub held_at: Option<NaiveDateTime>,
    /// Minutes it lasted, when recorded (duty time counts it).
    pub duration_minutes: Option<i32>,
    pub minutes: String,
    pub outcomes: String,
    pub topic: String,
    pub findings: String,
    pub residents_count: i32,
    pub other_participants: String,
    pub public: bool,
}

/// District staff manage every office's activities, office staff their own.
pub use crate::org::model::can_manage_office as can_manage;

fn manage(actor: &Actor, a: &Activity) -> AppResult<()> {
    if can_manage(actor, a.office_id) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Plans an activity and invites its members.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn plan(conn: &mut DbConn, actor: &Actor, p: &Plan) -> AppResult<ActivityId> {
    if !can_manage(actor, p.office_id) {
        return Err(AppError::Forbidden);
    }
    let office_ok: i64 = offices::table
        .filter(offices::id.eq(p.office_id).and(offices::committee_id.eq(actor.committee_id)))
        .count()
        .get_result(conn)?;
    if office_ok == 0 {
        return Err(AppError::BadRequest("activity.bad_office"));
    }
    let title = bounded(&p.title, model::MAX_TITLE, "activity.title_too_long")?;
    if title.is_empty() {
        return Err(AppError::BadRequest("activity.title_required"));
    }
    if p.kind == Kind::Liaison && p.locality_id.is_none() {
        return Err(AppError::BadRequest("activity.locality_required"));
    }
    if let Some(l) = p.locality_id {
        let ok: i64 = localities::table
            .filter(localities::id.eq(l).and(localities::office_id.eq(p.office_id)))
            .count()
            .get_result(conn)?;
        if ok == 0 {
            return Err(AppError::BadRequest("activity.bad_locality"));
        }
    }
    let home: Option<HomeId> = members_homes::table
        .filter(members_homes::office_id.eq(p.office_id))
        .select(members_homes::id)
        .first(conn)
        .optional()?;
    let t = now();
    let id: ActivityId = diesel::insert_into(activities::table)
        .values((
            activities::committee_id.eq(actor.committee_id),
            activities::office_id.eq(p.office_id),
            activities::kind.eq(p.kind),
            activities::title.eq(&title),
            activities::locality_id.eq(p.locality_id),
            // A visit to a village is not at the Home; everything else defaults to it.
            activities::home_id.eq(if p.kind == Kind::Liaison { None } else { home }),
            activities::venue.eq(bounded(&p.venue, model::MAX_TITLE, "activity.venue_too_long")?),
            activities::planned_at.eq(p.planned_at),
            activities::status.eq(Status::Planned),
            activities::topic.eq(bounded(&p.topic, model::MAX_TITLE, "activity.topic_too_long")?),
            activities::findings.eq(""),
            activities::minutes.eq(""),
            activities::outcomes.eq(""),
            activities::residents_count.eq(0),
            activities::other_participants.eq(""),
            activities::public.eq(false),
            activities::signin_token.eq(meetings::model::new_token()),
            activities::created_by.eq(Some(actor.user_id)),
            activities::created_at.eq(t),
            activities::updated_at.eq(t),
        ))
        .returning(activities::id)
        .get_result(conn)?;
    let invited = attendees::invite::<super::Activities>(conn, actor, id.0, &p.members)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("activity.plan", "activity", id).after(serde_json::json!({
            "kind": p.kind.as_str(), "title": title, "planned_at": p.planned_at, "members": invited,
        })),
    )?;
    Ok(id)
}

/// An activity of the actor's committee by id, whatever its office: a member
/// invited from another office, or signing in, may not see the office's
/// other activities. Only for the meeting side (`host`), which checks the
/// invitation or the sign-in token.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub(super) fn in_committee(conn: &mut DbConn, actor: &Actor, id: ActivityId) -> AppResult<Option<Activity>> {
    Ok(activities::table
        .find(id)
        .filter(activities::committee_id.eq(actor.committee_id))
        .select(Activity::as_select())
        .first(conn)
        .optional()?)
}

/// An activity the actor may see: the committee's for the district and
/// leaders, the office's for its staff and members.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn get(conn: &mut DbConn, actor: &Actor, id: ActivityId) -> AppResult<Option<Activity>> {
    Ok(in_committee(conn, actor, id)?.filter(|a| visible(actor, a.office_id)))
}

fn visible(actor: &Actor, office: OfficeId) -> bool {
    match actor.office_scope() {
        OfficeScope::All => true,
        OfficeScope::One(o) => o == office,
        OfficeScope::None => false,
    }
}

/// The list's filters.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub office: Option<OfficeId>,
    pub quarter: Option<Quarter>,
    pub year: Option<i32>,
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    /// Held (or, for those not held, planned) from this Beijing day on …
    pub from: Option<chrono::NaiveDate>,
    /// … to this one, included.
    pub to: Option<chrono::NaiveDate>,
}

impl Filter {
    /// The list's address that shows this filter (the route reads it back).
    pub fn href(&self) -> String {
        let mut pairs: Vec<(&str, String)> = vec![];
        if let Some(o) = self.office {
            pairs.push(("office", o.to_string()));
        }
        if let Some(q) = self.quarter {
            pairs.push(("quarter", q.to_string()));
        }
        if let Some(y) = self.year {
            pairs.push(("year", y.to_string()));
        }
        if let Some(k) = self.kind {
            pairs.push(("kind", k.as_str().into()));
        }
        if let Some(s) = self.status {
            pairs.push(("status", s.as_str().into()));
        }
        if let Some(d) = self.from {
            pairs.push(("from", d.to_string()));
        }
        if let Some(d) = self.to {
            pairs.push(("to", d.to_string()));
        }
        match serde_urlencoded::to_string(pairs) {
            Ok(q) if !q.is_empty() => format!("/activities?{q}"),
            _ => "/activities".into(),
        }
    }
}

/// A row of the list, with names.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub activity: Activity,
    pub office: String,
    pub locality: Option<String>,
    pub present: i64,
    pub invited: i64,
}

type Boxed<'a> = activities::BoxedQuery<'a, crate::kernel::db::MultiBackend>;

/// The actor's activities narrowed by `f` (`None`: none), for the list and its counts.
fn filtered(actor: &Actor, f: &Filter) -> Option<Boxed<'static>> {
    let mut q = activities::table.filter(activities::committee_id.eq(actor.committee_id)).into_boxed();
    match actor.office_scope() {
        OfficeScope::All => {}
        OfficeScope::One(o) => q = q.filter(activities::office_id.eq(o)),
        OfficeScope::None => return None,
    }
    if let Some(o) = f.office {
        q = q.filter(activities::office_id.eq(o));
    }
    if let Some(k) = f.kind {
        q = q.filter(activities::kind.eq(k));
    }
    if let Some(s) = f.status {
        q = q.filter(activities::status.eq(s));
    }
    // An activity belongs to the period it was held in, or is planned for.
    let day = crate::kernel::time::start_of_local_day;
    let mut ranges = vec![];
    match (f.quarter, f.year) {
        (Some(qr), _) => ranges.push(qr.bounds()),
        (None, Some(y)) => ranges.push((Quarter { year: y, q: 1 }.bounds().0, Quarter { year: y, q: 4 }.bounds().1)),
        _ => {}
    }
    if f.from.is_some() || f.to.is_some() {
        let a = f.from.map(day).unwrap_or(chrono::NaiveDateTime::MIN);
        let b = f.to.map(|d| day(d + chrono::Duration::days(1))).unwrap_or(chrono::NaiveDateTime::MAX);
        ranges.push((a, b));
    }
    for (a, b) in ranges {
        q = q.filter(
            activities::held_at
                .ge(a)
                .and(activities::held_at.lt(b))
                .or(activities::held_at.is_null().and(activities::planned_at.ge(a)).and(activities::planned_at.lt(b))),
        );
    }
    Some(q)
}

/// How many of the actor's activities `f` lets through (one COUNT).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn count(conn: &mut DbConn, actor: &Actor, f: &Filter) -> AppResult<i64> {
    let Some(q) = filtered(actor, f) else { return Ok(0) };
    Ok(q.count().get_result(conn)?)
}

/// The actor's activities by time (newest first), filtered.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn list(conn: &mut DbConn, actor: &Actor, f: &Filter) -> AppResult<Vec<Row>> {
    use crate::kernel::db::schema::activity_members as am;
    let Some(q) = filtered(actor, f) else { return Ok(vec![]) };
    let rows: Vec<Activity> = q
        .order((activities::planned_at.desc(), activities::id.desc()))
        .limit(500)
        .select(Activity::as_select())
        .load(conn)?;
    let ids: Vec<ActivityId> = rows.iter().map(|a| a.id).collect();
    let counts: Vec<(ActivityId, bool, bool)> = am::table
        .filter(am::activity_id.eq_any(&ids))
        .select((am::activity_id, am::invited, am::attended))
        .load(conn)?;
    let office_names: Vec<(OfficeId, String)> = offices::table
        .filter(offices::committee_id.eq(actor.committee_id))
        .select((offices::id, offices::name))
        .load(conn)?;
    let loc_ids: Vec<LocalityId> = rows.iter().filter_map(|a| a.locality_id).collect();
    let loc_names: Vec<(LocalityId, String)> = localities::table
        .filter(localities::id.eq_any(loc_ids))
        .select((localities::id, localities::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|a| Row {
            office: office_names.iter().find(|(i, _)| *i == a.office_id).map(|(_, n)| n.clone()).unwrap_or_default(),
            locality: a.locality_id.and_then(|l| loc_names.iter().find(|(i, _)| *i == l).map(|(_, n)| n.clone())),
            present: counts.iter().filter(|(i, _, at)| *i == a.id && *at).count() as i64,
            invited: counts.iter().filter(|(i, inv, _)| *i == a.id && *inv).count() as i64,
            activity: a,
        })
        .collect())
}

/// Records what happened: the activity is then held (and may be corrected later).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn record(conn: &mut DbConn, actor: &Actor, id: ActivityId, r: &Record) -> AppResult<()> {
    let a = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    manage(actor, &a)?;
    if a.status == Status::Cancelled {
        return Err(AppError::Conflict("activity.cancelled"));
    }
    let held_at = r.held_at.unwrap_or(a.planned_at);
    if held_at > now() + chrono::Duration::hours(1) {
        return Err(AppError::BadRequest("activity.held_in_future"));
    }
    if !(0..=100_000).contains(&r.residents_count) {
        return Err(AppError::BadRequest("activity.bad_count"));
    }
    let minutes = bounded(&r.minutes, model::MAX_TEXT, "activity.text_too_long")?;
    if minutes.is_empty() {
        return Err(AppError::BadRequest("activity.minutes_required"));
    }
    diesel::update(activities::table.find(id))
        .set((
            activities::status.eq(Status::Held),
            activities::held_at.eq(Some(held_at)),
            activities::duration_minutes.eq(r.duration_minutes),
            activities::minutes.eq(&minutes),
            activities::outcomes.eq(bounded(&r.outcomes, model::MAX_TEXT, "activity.text_too_long")?),
            activities::topic.eq(bounded(&r.topic, model::MAX_TITLE, "activity.topic_too_long")?),
            activities::findings.eq(bounded(&r.findings, model::MAX_TEXT, "activity.text_too_long")?),
            activities::residents_count.eq(r.residents_count),
            activities::other_participants.eq(bounded(&r.other_participants, 1000, "activity.text_too_long")?),
            activities::public.eq(r.public),
            activities::updated_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("activity.record", "activity", id)
            .before(serde_json::json!({ "status": a.status, "held_at": a.held_at }))
            .after(serde_json::json!({ "status": Status::Held, "held_at": held_at, "public": r.public })),
    )?;
    crate::kernel::search::index(
        conn,
        a.committee_id,
        "activity",
        id.0,
        &format!("{} {} {}", a.title, minutes, r.outcomes),
    )?;
    Ok(())
}

/// Cancels a planned activity (kept, with its invitations, for the record).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn cancel(conn: &mut DbConn, actor: &Actor, id: ActivityId) -> AppResult<()> {
    let a = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    manage(actor, &a)?;
    if a.status != Status::Planned {
        return Err(AppError::Conflict("activity.not_planned"));
    }
    diesel::update(activities::table.find(id))
        .set((activities::status.eq(Status::Cancelled), activities::updated_at.eq(now())))
        .execute(conn)?;
    audit::record(conn, Who::User(actor), Change::new("activity.cancel", "activity", id))?;
    Ok(())
}

/// Names for the page: office, locality, Members' Home.
#[tracing::instrument(level = "debug", skip_all)]
pub fn place_names(conn: &mut DbConn, a: &Activity) -> AppResult<(String, Option<String>, Option<String>)> {
    let office: String = offices::table.find(a.office_id).select(offices::name).first(conn)?;
    let locality = match a.locality_id {
        Some(l) => localities::table.find(l).select(localities::name).first(conn).optional()?,
        None => None,
    };
    let home = match a.home_id {
        Some(h) => members_homes::table.find(h).select(members_homes::name).first(conn).optional()?,
        None => None,
    };
    Ok((office, locality, home))
}

/// A member's attended activities in a year (the duty record, 履职档案), by
/// date. Whether the actor may read the member's record is the caller's
/// check (`crate::duty`, which finds the member through the roster's scope).
#[tracing::instrument(level = "debug", skip_all, fields(member = ?member, year = ?year))]
pub fn attended_in_unscoped(conn: &mut DbConn, member: MemberId, year: i32) -> AppResult<Vec<Activity>> {
    use crate::kernel::db::schema::activity_members as am;
    let q1 = Quarter { year, q: 1 }.bounds().0;
    let q4 = Quarter { year, q: 4 }.bounds().1;
    Ok(activities::table
        .inner_join(am::table)
        .filter(am::member_id.eq(member).and(am::attended.eq(true)))
        .filter(activities::status.eq(Status::Held))
        .filter(activities::held_at.ge(q1).and(activities::held_at.lt(q4)))
        .order(activities::held_at.asc())
        .select(Activity::as_select())
        .load(conn)?)
}
