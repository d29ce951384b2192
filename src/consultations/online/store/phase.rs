//! A consultation's online phase: who sees it, staff opening or changing it
//! (the period, residents, the members invited), ending it early, the summary
//! into the consultation's record and its lines into agreed items; the list,
//! the participation figures and members' published comments for 履职积分.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;

use crate::consultations::model::{MAX_TEXT, Status};
use crate::consultations::online::model::{self, CommentStatus, Group, Phase, SectorCount, Writer};
use crate::consultations::store::consultations::{self as cstore, Consultation, can_manage};
use crate::consultations::store::items::{self, Owner};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, OfficeScope, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{
    consultation_items, consultations, members, offices, online_comments as oc, online_consultations as oo,
    online_members as om, sectors,
};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, ConsultationId, ItemId, MemberId, OfficeId, OnlineCommentId, OnlineId, UserId};
use crate::kernel::notify::Unit;
use crate::kernel::notify::inapp::note_once;
use crate::kernel::time::now;
use crate::kernel::web::form::bounded;
use crate::kernel::web::i18n::Lang;
use crate::org::model::MemberStatus;
use crate::org::store::members as member_store;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = oo)]
pub struct Online {
    pub id: OnlineId,
    pub committee_id: CommitteeId,
    pub consultation_id: ConsultationId,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub residents_open: bool,
    pub summary: String,
    pub summary_at: Option<NaiveDateTime>,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Online {
    pub fn phase(&self) -> Phase {
        model::phase(self.opens_at, self.closes_at, now())
    }
    pub fn phase_label_key(&self) -> String {
        self.phase().label_key()
    }
    pub fn is_open(&self) -> bool {
        self.phase() == Phase::Open
    }
    pub fn summary_lines(&self) -> Vec<String> {
        model::summary_lines(&self.summary)
    }
}

/// A consultation's online side as one actor sees it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub c: Consultation,
    pub online: Option<Online>,
    /// The actor manages the consultation (its office's staff, the district).
    pub manage: bool,
    /// The actor sees the consultation itself (its page), not only its online
    /// phase as an invited member of another office.
    pub sees: bool,
    /// The actor's member record, when they are invited to comment.
    pub invited: Option<MemberId>,
    /// The actor's member record, if they are a member (their own comments).
    pub me: Option<MemberId>,
}

/// The consultation's online phase if the actor may see it: whoever sees the
/// consultation, and the members invited online (from any office). Staff who
/// manage it see it before it is opened, to open it.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn seen(conn: &mut DbConn, actor: &Actor, id: ConsultationId) -> AppResult<Seen> {
    let me = if actor.role == Role::Member { member_store::own_record(conn, actor)?.map(|m| m.id) } else { None };
    let online = of_consultation(conn, actor.committee_id, id)?;
    let invited = match (&online, me) {
        (Some(o), Some(m)) => is_invited(conn, o.id, m)?.then_some(m),
        _ => None,
    };
    let seen = cstore::get(conn, actor, id)?;
    let sees = seen.is_some();
    let c = match seen {
        Some(c) => c,
        None if invited.is_some() => consultations::table
            .find(id)
            .filter(consultations::committee_id.eq(actor.committee_id))
            .select(Consultation::as_select())
            .first(conn)?,
        None => return Err(AppError::NotFound),
    };
    let manage = can_manage(actor, c.office_id);
    if online.is_none() && !manage {
        return Err(AppError::NotFound);
    }
    Ok(Seen { c, online, manage, sees, invited, me })
}

pub(super) fn of_consultation(
    conn: &mut DbConn,
    committee: CommitteeId,
    id: ConsultationId,
) -> AppResult<Option<Online>> {
    Ok(oo::table
        .filter(oo::consultation_id.eq(id).and(oo::committee_id.eq(committee)))
        .select(Online::as_select())
        .first(conn)
        .optional()?)
}

fn is_invited(conn: &mut DbConn, online: OnlineId, member: MemberId) -> AppResult<bool> {
    let n: i64 = om::table.filter(om::online_id.eq(online).and(om::member_id.eq(member))).count().get_result(conn)?;
    Ok(n > 0)
}

/// What staff set when they open the online phase or change it.
#[derive(Debug, Clone)]
pub struct Settings {
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub residents_open: bool,
    pub members: Vec<MemberId>,
}

/// The consultation the actor manages, at a stage that takes an online
/// phase: approved (before the session), planned, or held (after it).
fn managed(conn: &mut DbConn, actor: &Actor, id: ConsultationId) -> AppResult<Consultation> {
    let c = cstore::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if !can_manage(actor, c.office_id) {
        return Err(AppError::Forbidden);
    }
    if !matches!(c.status, Status::Approved | Status::Planned | Status::Held) {
        return Err(AppError::Conflict("consultation.wrong_state"));
    }
    Ok(c)
}

/// Opens the online phase, or changes it: the period, whether residents take
/// part, the members invited (each told once, in-app).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn open(conn: &mut DbConn, actor: &Actor, id: ConsultationId, s: &Settings) -> AppResult<OnlineId> {
    let c = managed(conn, actor, id)?;
    model::period(s.opens_at, s.closes_at, now())?;
    let mut ids = s.members.clone();
    ids.sort();
    ids.dedup();
    let found: i64 = members::table
        .filter(members::id.eq_any(&ids))
        .filter(members::committee_id.eq(c.committee_id).and(members::status.eq(MemberStatus::Active)))
        .count()
        .get_result(conn)?;
    if found != ids.len() as i64 {
        return Err(AppError::BadRequest("activity.bad_member"));
    }
    if ids.is_empty() && !s.residents_open {
        return Err(AppError::BadRequest("online.invite_someone"));
    }
    let t = now();
    let before = of_consultation(conn, c.committee_id, id)?;
    let online = match &before {
        Some(o) => {
            diesel::update(oo::table.find(o.id))
                .set((
                    oo::opens_at.eq(s.opens_at),
                    oo::closes_at.eq(s.closes_at),
                    oo::residents_open.eq(s.residents_open),
                    oo::updated_at.eq(t),
                ))
                .execute(conn)?;
            o.id
        }
        None => diesel::insert_into(oo::table)
            .values((
                oo::committee_id.eq(c.committee_id),
                oo::consultation_id.eq(id),
                oo::opens_at.eq(s.opens_at),
                oo::closes_at.eq(s.closes_at),
                oo::residents_open.eq(s.residents_open),
                oo::summary.eq(""),
                oo::created_by.eq(actor.user_id),
                oo::created_at.eq(t),
                oo::updated_at.eq(t),
            ))
            .returning(oo::id)
            .get_result(conn)?,
    };
    let was: Vec<MemberId> = om::table.filter(om::online_id.eq(online)).select(om::member_id).load(conn)?;
    diesel::delete(om::table.filter(om::online_id.eq(online).and(om::member_id.ne_all(&ids)))).execute(conn)?;
    for m in ids.iter().filter(|m| !was.contains(m)) {
        diesel::insert_into(om::table).values((om::online_id.eq(online), om::member_id.eq(*m))).execute(conn)?;
    }
    let body = Lang::Zh
        .t("online.invite_body")
        .replace("%{title}", &c.title)
        .replace("%{from}", &crate::kernel::time::local(&s.opens_at))
        .replace("%{to}", &crate::kernel::time::local(&s.closes_at));
    let subject = format!("online-invite:{id}");
    for m in &ids {
        note_once(conn, c.committee_id, Unit::Member(*m), &subject, &body, &format!("{subject}:{m}"))?;
    }
    let json = |opens: NaiveDateTime, closes: NaiveDateTime, residents: bool, members: &[MemberId]| serde_json::json!({ "opens_at": opens, "closes_at": closes, "residents_open": residents, "members": members });
    let mut change = Change::new("online.open", "consultation", id);
    if let Some(o) = &before {
        change = change.before(json(o.opens_at, o.closes_at, o.residents_open, &was));
    }
    audit::record(conn, Who::User(actor), change.after(json(s.opens_at, s.closes_at, s.residents_open, &ids)))?;
    Ok(online)
}

/// Ends the period now (it may not have begun): no more comments; staff may
/// then write the summary.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn end(conn: &mut DbConn, actor: &Actor, id: ConsultationId) -> AppResult<()> {
    let c = managed(conn, actor, id)?;
    let o = of_consultation(conn, c.committee_id, id)?.ok_or(AppError::NotFound)?;
    if o.phase() == Phase::Ended {
        return Err(AppError::Conflict("online.not_open"));
    }
    let t = now();
    diesel::update(oo::table.find(o.id))
        .set((oo::opens_at.eq(o.opens_at.min(t)), oo::closes_at.eq(t), oo::updated_at.eq(t)))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("online.end", "consultation", id)
            .before(serde_json::json!({ "closes_at": o.closes_at }))
            .after(serde_json::json!({ "closes_at": t })),
    )
}

/// Staff write the summary once the period has ended: kept with the online
/// phase and written into the consultation's record under its heading
/// (written again, it replaces itself there).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn summarise(conn: &mut DbConn, actor: &Actor, id: ConsultationId, text: &str) -> AppResult<()> {
    let c = managed(conn, actor, id)?;
    let o = of_consultation(conn, c.committee_id, id)?.ok_or(AppError::NotFound)?;
    if o.phase() != Phase::Ended {
        return Err(AppError::Conflict("online.not_ended"));
    }
    let text = bounded(text, model::MAX_SUMMARY, "online.summary_too_long")?;
    if text.is_empty() {
        return Err(AppError::BadRequest("online.summary_required"));
    }
    let heading = Lang::Zh.t("online.record_heading");
    let record = model::record_with_summary(&c.record, &heading, &o.summary, &text);
    if record.chars().count() > MAX_TEXT {
        return Err(AppError::BadRequest("online.record_too_long"));
    }
    let t = now();
    diesel::update(oo::table.find(o.id))
        .set((oo::summary.eq(&text), oo::summary_at.eq(Some(t)), oo::updated_at.eq(t)))
        .execute(conn)?;
    diesel::update(consultations::table.find(id))
        .set((consultations::record.eq(&record), consultations::updated_at.eq(t)))
        .execute(conn)?;
    crate::kernel::search::index(conn, c.committee_id, "consultation", id.0, &format!("{} {}", c.title, record))?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("online.summary", "consultation", id)
            .before(serde_json::json!({ "summary": o.summary }))
            .after(serde_json::json!({ "summary": text })),
    )
}

/// Line `line` of the summary (as `model::summary_lines` numbers them) as an
/// agreed item of the consultation, which must be held (`items::add`); a
/// line the consultation already has as an item is refused.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id, line))]
pub fn item_from_summary(
    conn: &mut DbConn,
    actor: &Actor,
    id: ConsultationId,
    line: usize,
    owner: Owner,
    deadline: NaiveDate,
) -> AppResult<ItemId> {
    let c = managed(conn, actor, id)?;
    let o = of_consultation(conn, c.committee_id, id)?.ok_or(AppError::NotFound)?;
    let text = o.summary_lines().get(line).cloned().ok_or(AppError::BadRequest("online.bad_line"))?;
    if added(conn, id)?.contains(&text) {
        return Err(AppError::Conflict("online.line_added"));
    }
    items::add(conn, actor, id, &text, owner, deadline)
}

/// The consultation's agreed items' texts, to tell which lines of the summary
/// are items already. The caller found the consultation through the actor.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn added(conn: &mut DbConn, id: ConsultationId) -> AppResult<Vec<String>> {
    Ok(consultation_items::table
        .filter(consultation_items::consultation_id.eq(id))
        .select(consultation_items::body)
        .load(conn)?)
}

/// Whether consultation `id` may be closed as far as its online phase goes:
/// not while the period is open or yet to come, nor before its summary is
/// written (closed, nobody could end it or write the summary any more).
#[tracing::instrument(level = "debug", skip(conn))]
pub fn check_closable(conn: &mut DbConn, committee: CommitteeId, id: ConsultationId) -> AppResult<()> {
    let Some(o) = of_consultation(conn, committee, id)? else { return Ok(()) };
    if o.phase() != Phase::Ended {
        return Err(AppError::Conflict("online.close_not_ended"));
    }
    if o.summary_at.is_none() {
        return Err(AppError::Conflict("online.close_no_summary"));
    }
    Ok(())
}

/// Residents' comments waiting for staff in the online consultations the
/// actor moderates (its office's, or all for the district): the home's
/// work queue. Zero for everyone else.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn held_to_moderate(conn: &mut DbConn, actor: &Actor) -> AppResult<i64> {
    let mut q = oc::table
        .inner_join(oo::table.inner_join(consultations::table))
        .filter(oc::committee_id.eq(actor.committee_id).and(oc::status.eq(CommentStatus::Held)))
        .into_boxed();
    match (actor.role, actor.office_id) {
        (Role::DistrictAdmin, _) => {}
        (Role::OfficeStaff, Some(office)) => q = q.filter(consultations::office_id.eq(office)),
        _ => return Ok(0),
    }
    Ok(q.count().get_result(conn)?)
}

/// The members invited: (id, name, sector), by name.
#[tracing::instrument(level = "debug", skip_all)]
pub fn invitees(conn: &mut DbConn, o: &Online) -> AppResult<Vec<(MemberId, String, Option<String>)>> {
    Ok(om::table
        .inner_join(members::table.left_join(sectors::table))
        .filter(om::online_id.eq(o.id))
        .order(members::name.asc())
        .select((members::id, members::name, sectors::name.nullable()))
        .load(conn)?)
}

/// Participation per sector (`model::by_sector`): the members invited, and
/// the writers of published comments, residents as one group.
#[tracing::instrument(level = "debug", skip_all)]
pub fn figures(conn: &mut DbConn, o: &Online) -> AppResult<Vec<SectorCount>> {
    let group = |s: Option<(i32, String)>| s.map_or(Group::NoSector, |(n, name)| Group::Sector(n, name));
    let invited: Vec<Option<(i32, String)>> = om::table
        .inner_join(members::table.left_join(sectors::table))
        .filter(om::online_id.eq(o.id))
        .select((sectors::sort_order, sectors::name).nullable())
        .load(conn)?;
    let invited: Vec<Group> = invited.into_iter().map(group).collect();
    type Published = (OnlineCommentId, Option<MemberId>, Option<String>, Option<(i32, String)>);
    let rows: Vec<Published> = oc::table
        .left_join(members::table.left_join(sectors::table))
        .filter(oc::online_id.eq(o.id).and(oc::status.eq(CommentStatus::Published)))
        .select((oc::id, oc::member_id, oc::phone_index, (sectors::sort_order, sectors::name).nullable()))
        .load(conn)?;
    let comments: Vec<(Group, Writer)> = rows
        .into_iter()
        .map(|(id, member, phone, sector)| match (member, phone) {
            (Some(m), _) => (group(sector), Writer::Member(m)),
            (None, Some(p)) => (Group::Residents, Writer::Phone(p)),
            (None, None) => (Group::Residents, Writer::Unknown(id)),
        })
        .collect();
    Ok(model::by_sector(&invited, &comments))
}

/// A line of the online consultations list.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub o: Online,
    pub title: String,
    pub office: String,
    pub published: i64,
    /// Waiting for staff (shown to those who manage it).
    pub held: i64,
    pub manage: bool,
}

/// The online consultations the actor sees, newest first: the committee's
/// for the district and leaders, the office's for its staff and members, and
/// for a member those they are invited to.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn list(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Row>> {
    let invited: Vec<OnlineId> = match member_store::own_record(conn, actor)? {
        Some(m) if actor.role == Role::Member => {
            om::table.filter(om::member_id.eq(m.id)).select(om::online_id).load(conn)?
        }
        _ => vec![],
    };
    let mut q = oo::table
        .inner_join(consultations::table.inner_join(offices::table))
        .filter(oo::committee_id.eq(actor.committee_id))
        .into_boxed();
    match actor.office_scope() {
        OfficeScope::All => {}
        OfficeScope::One(o) => q = q.filter(consultations::office_id.eq(o).or(oo::id.eq_any(invited))),
        OfficeScope::None => q = q.filter(oo::id.eq_any(invited)),
    }
    let rows: Vec<(Online, String, String, OfficeId)> = q
        .order(oo::id.desc())
        .limit(200)
        .select((Online::as_select(), consultations::title, offices::name, consultations::office_id))
        .load(conn)?;
    let ids: Vec<OnlineId> = rows.iter().map(|r| r.0.id).collect();
    let counts: Vec<(OnlineId, CommentStatus, i64)> = oc::table
        .filter(oc::online_id.eq_any(&ids))
        .group_by((oc::online_id, oc::status))
        .select((oc::online_id, oc::status, count_star()))
        .load(conn)?;
    let mut by: HashMap<(OnlineId, CommentStatus), i64> = HashMap::new();
    for (o, s, n) in counts {
        by.insert((o, s), n);
    }
    Ok(rows
        .into_iter()
        .map(|(o, title, office, office_id)| {
            let manage = can_manage(actor, office_id);
            Row {
                published: by.get(&(o.id, CommentStatus::Published)).copied().unwrap_or(0),
                held: if manage { by.get(&(o.id, CommentStatus::Held)).copied().unwrap_or(0) } else { 0 },
                manage,
                title,
                office,
                o,
            }
        })
        .collect())
}

/// Members' online speeches in a Beijing calendar year, for 履职积分: one
/// per member and online consultation however many comments and replies
/// they published there, dated by their first published one (the year it
/// falls in scores it). (member, when, consultation, its title). Whether the
/// actor may read these members' records is the caller's check (`crate::duty`).
#[tracing::instrument(level = "debug", skip(conn, ids))]
pub fn published_by_members_unscoped(
    conn: &mut DbConn,
    committee: CommitteeId,
    ids: &[MemberId],
    year: i32,
) -> AppResult<Vec<(MemberId, NaiveDateTime, ConsultationId, String)>> {
    let Some((from, to)) = crate::kernel::time::year_bounds(year) else { return Ok(vec![]) };
    // The first published comment of each member in each consultation up to
    // the year's end; those before the year scored in an earlier one.
    let firsts: Vec<(Option<MemberId>, OnlineId, Option<NaiveDateTime>)> = oc::table
        .filter(oc::committee_id.eq(committee).and(oc::member_id.eq_any(ids)))
        .filter(oc::status.eq(CommentStatus::Published))
        .filter(oc::created_at.lt(to))
        .group_by((oc::member_id, oc::online_id))
        .select((oc::member_id, oc::online_id, diesel::dsl::min(oc::created_at)))
        .load(conn)?;
    let firsts: Vec<(MemberId, OnlineId, NaiveDateTime)> =
        firsts.into_iter().filter_map(|(m, o, at)| Some((m?, o, at?))).filter(|(_, _, at)| *at >= from).collect();
    let mut online: Vec<OnlineId> = firsts.iter().map(|f| f.1).collect();
    online.sort();
    online.dedup();
    let topics: HashMap<OnlineId, (ConsultationId, String)> = oo::table
        .inner_join(consultations::table)
        .filter(oo::id.eq_any(&online))
        .select((oo::id, oo::consultation_id, consultations::title))
        .load::<(OnlineId, ConsultationId, String)>(conn)?
        .into_iter()
        .map(|(o, c, t)| (o, (c, t)))
        .collect();
    let mut out: Vec<(MemberId, NaiveDateTime, ConsultationId, String)> =
        firsts.into_iter().filter_map(|(m, o, at)| topics.get(&o).map(|(c, t)| (m, at, *c, t.clone()))).collect();
    out.sort_by_key(|r| (r.1, r.2, r.0));
    Ok(out)
}
