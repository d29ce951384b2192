//! Who is invited, who replied, who came: invitations, members' replies,
//! sign-in by the meeting's QR code, and staff ticking attendance.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::{Facts, Host, on_tables, seen};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{members, sectors};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, MemberId, OfficeId};
use crate::kernel::time::now;
use crate::meetings::model::{self, Candidate, Meeting, Pick, PickGroup, Reply, SignedBy};
use crate::org::model::MemberStatus;
use crate::org::store::members as member_store;

/// A member on a meeting's list.
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Attendee {
    pub member_id: MemberId,
    pub name: String,
    pub sector: Option<String>,
    pub invited: bool,
    pub reply: Reply,
    /// The reason given with an apology.
    pub reply_note: String,
    pub attended: bool,
    pub signed_in_at: Option<NaiveDateTime>,
    pub signed_by: Option<SignedBy>,
    /// The member agreed to be named on public pages.
    pub public_name: bool,
}

impl Attendee {
    pub fn reply_label_key(&self) -> String {
        self.reply.label_key()
    }
    /// Signed in by the QR code on their own phone.
    pub fn by_qr(&self) -> bool {
        self.signed_by == Some(SignedBy::Own)
    }
    pub fn apologised(&self) -> bool {
        self.invited && !self.attended && self.reply == Reply::Apology
    }
}

/// The meeting's list, by name, for whoever may see the meeting.
#[tracing::instrument(level = "debug", skip_all, fields(area = H::AREA, id = id, user = %actor.user_id))]
pub fn list<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Vec<Attendee>> {
    let f = seen::<H>(conn, actor, id)?;
    list_of(conn, f.meeting)
}

fn list_of(conn: &mut DbConn, m: Meeting) -> AppResult<Vec<Attendee>> {
    Ok(on_tables!(m, activity_members | consultation_members, t, col, id => t::table
        .inner_join(members::table.left_join(sectors::table))
        .filter(col.eq(id))
        .order(members::name.asc())
        .select((
            t::member_id,
            members::name,
            sectors::name.nullable(),
            t::invited,
            t::reply,
            t::reply_note,
            t::attended,
            t::signed_in_at,
            t::signed_by,
            members::public_name,
        ))
        .load(conn)?))
}

/// One member's line on a meeting's list, for a caller that has the
/// meeting's facts from its host (and so its scope checked).
pub fn entry(conn: &mut DbConn, f: &Facts, member: MemberId) -> AppResult<Option<Attendee>> {
    Ok(list_of(conn, f.meeting)?.into_iter().find(|a| a.member_id == member))
}

/// The actor's own line on the list, when they are a listed member.
pub fn mine(conn: &mut DbConn, actor: &Actor, list: &[Attendee]) -> AppResult<Option<Attendee>> {
    let own = member_store::own_record(conn, actor)?.map(|m| m.id);
    Ok(list.iter().find(|x| Some(x.member_id) == own).cloned())
}

/// Members of the meeting's committee among `ids` (each once), all active,
/// else a clear refusal.
fn active_members(conn: &mut DbConn, committee: CommitteeId, ids: &[MemberId]) -> AppResult<Vec<MemberId>> {
    let ids = model::present_once(ids);
    let found: i64 = members::table
        .filter(members::id.eq_any(&ids))
        .filter(members::committee_id.eq(committee).and(members::status.eq(MemberStatus::Active)))
        .count()
        .get_result(conn)?;
    if found != ids.len() as i64 {
        return Err(AppError::BadRequest("activity.bad_member"));
    }
    Ok(ids)
}

/// Invites members (each once; those already listed are marked invited, their
/// reply kept), by whoever manages the meeting. Returns the invitees.
#[tracing::instrument(level = "debug", skip_all, fields(area = H::AREA, id = id, user = %actor.user_id, n = members.len()))]
pub fn invite<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64, members: &[MemberId]) -> AppResult<Vec<MemberId>> {
    let f = seen::<H>(conn, actor, id)?;
    f.require_manage()?;
    let invitees = active_members(conn, f.committee_id, members)?;
    for m in &invitees {
        on_tables!(f.meeting, activity_members | consultation_members, t, col, mid => {
            let listed = t::table.filter(col.eq(mid).and(t::member_id.eq(*m)));
            if diesel::update(listed).set(t::invited.eq(true)).execute(conn)? == 0 {
                diesel::insert_into(t::table)
                    .values((
                        t::committee_id.eq(f.committee_id),
                        col.eq(mid),
                        t::member_id.eq(*m),
                        t::invited.eq(true),
                        t::reply.eq(Reply::Pending),
                        t::reply_note.eq(""),
                        t::attended.eq(false),
                    ))
                    .execute(conn)?;
            }
        });
    }
    Ok(invitees)
}

/// A member confirms or sends apologies (请假, with the reason) for a meeting
/// they are invited to.
#[tracing::instrument(level = "debug", skip_all, fields(area = H::AREA, id = id, user = %actor.user_id))]
pub fn reply<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64, reply: Reply, note: &str) -> AppResult<()> {
    let me = member_store::own_id(conn, actor)?;
    let f = H::in_committee(conn, actor, id)?.ok_or(AppError::NotFound)?;
    // Only an invitee learns anything of the meeting, even its stage.
    let invited: i64 = on_tables!(f.meeting, activity_members | consultation_members, t, col, mid => t::table
        .filter(col.eq(mid).and(t::member_id.eq(me)).and(t::invited.eq(true)))
        .count()
        .get_result(conn)?);
    if invited == 0 {
        return Err(AppError::NotFound);
    }
    if !f.replies_open {
        return Err(AppError::Conflict("activity.not_planned"));
    }
    let (reply, note) = model::reply(reply, note)?;
    on_tables!(f.meeting, activity_members | consultation_members, t, col, mid => diesel::update(
        t::table.filter(col.eq(mid).and(t::member_id.eq(me))),
    )
    .set((t::reply.eq(reply), t::reply_note.eq(&note)))
    .execute(conn)?);
    audit::record(
        conn,
        Who::User(actor),
        Change::new(&format!("{}.reply", H::ENTITY), H::ENTITY, id)
            .after(serde_json::json!({ "member": me, "reply": reply.as_str() })),
    )
}

/// What the phone's sign-in page shows: the meeting, whether sign-in is open
/// now, and whether the member has signed in already. The token proves the
/// phone scanned this meeting's code; a member of another office may be
/// invited, so the meeting is looked up in the committee.
pub fn sign_in_facts<H: Host>(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    token: &str,
) -> AppResult<(Facts, bool, bool)> {
    let f = H::in_committee(conn, actor, id)?.ok_or(AppError::NotFound)?;
    model::check_token(&f.signin_token, token)?;
    let open = open_now(&f);
    let own = member_store::own_record(conn, actor)?.map(|m| m.id);
    let done = match own {
        Some(me) => {
            on_tables!(f.meeting, activity_members | consultation_members, t, col, mid => t::table
            .filter(col.eq(mid).and(t::member_id.eq(me)).and(t::attended.eq(true)))
            .count()
            .get_result::<i64>(conn)?)
                > 0
        }
        None => false,
    };
    Ok((f, open, done))
}

/// A member signs themself in by the meeting's QR code, on the day. Returns
/// false when they had already signed in. A member who was not invited but
/// came is welcome, and on the list.
#[tracing::instrument(level = "debug", skip_all, fields(area = H::AREA, id = id, user = %actor.user_id))]
pub fn sign_in<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64, token: &str) -> AppResult<bool> {
    let me = member_store::own_id(conn, actor)?;
    let (f, open, done) = sign_in_facts::<H>(conn, actor, id, token)?;
    if !open {
        return Err(AppError::Conflict("activity.signin_closed"));
    }
    if done {
        return Ok(false);
    }
    mark(conn, &f, me, SignedBy::Own)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new(&format!("{}.sign_in", H::ENTITY), H::ENTITY, id).after(serde_json::json!({ "member": me })),
    )?;
    Ok(true)
}

/// Marks `member` present, signed in by `by` now: their line, or a new one.
fn mark(conn: &mut DbConn, f: &Facts, member: MemberId, by: SignedBy) -> AppResult<()> {
    let t = now();
    on_tables!(f.meeting, activity_members | consultation_members, l, col, mid => {
        let line = l::table.filter(col.eq(mid).and(l::member_id.eq(member)));
        let updated = diesel::update(line)
            .set((l::attended.eq(true), l::signed_in_at.eq(Some(t)), l::signed_by.eq(Some(by))))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(l::table)
                .values((
                    l::committee_id.eq(f.committee_id),
                    col.eq(mid),
                    l::member_id.eq(member),
                    l::invited.eq(false),
                    l::reply.eq(Reply::Pending),
                    l::reply_note.eq(""),
                    l::attended.eq(true),
                    l::signed_in_at.eq(Some(t)),
                    l::signed_by.eq(Some(by)),
                ))
                .execute(conn)?;
        }
    });
    Ok(())
}

/// Staff tick who was there: `present` attended (each once, whatever the form
/// repeated), every other listed member not. Members already present keep
/// how and when they signed in.
#[tracing::instrument(level = "debug", skip_all, fields(area = H::AREA, id = id, user = %actor.user_id, n = present.len()))]
pub fn set_present<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64, present: &[MemberId]) -> AppResult<()> {
    let f = seen::<H>(conn, actor, id)?;
    f.require_session()?;
    let present = of_committee(conn, &f, present)?;
    let was: Vec<MemberId> =
        list_of(conn, f.meeting)?.into_iter().filter(|x| x.attended).map(|x| x.member_id).collect();
    for m in present.iter().filter(|m| !was.contains(m)) {
        mark(conn, &f, *m, SignedBy::Staff)?;
    }
    let absent: Vec<MemberId> = was.into_iter().filter(|m| !present.contains(m)).collect();
    on_tables!(f.meeting, activity_members | consultation_members, t, col, mid => diesel::update(
        t::table.filter(col.eq(mid).and(t::member_id.eq_any(&absent))),
    )
    .set((t::attended.eq(false), t::signed_in_at.eq(None::<NaiveDateTime>), t::signed_by.eq(None::<SignedBy>)))
    .execute(conn)?);
    audit::record(
        conn,
        Who::User(actor),
        Change::new(&format!("{}.attendance", H::ENTITY), H::ENTITY, id)
            .after(serde_json::json!({ "present": present })),
    )
}

/// The members ticked present, each once: members of the meeting's committee
/// (a member who has since left may still be on the list).
fn of_committee(conn: &mut DbConn, f: &Facts, ids: &[MemberId]) -> AppResult<Vec<MemberId>> {
    let ids = model::present_once(ids);
    let found: i64 = members::table
        .filter(members::id.eq_any(&ids).and(members::committee_id.eq(f.committee_id)))
        .count()
        .get_result(conn)?;
    if found != ids.len() as i64 {
        return Err(AppError::BadRequest("activity.bad_member"));
    }
    Ok(ids)
}

/// How both areas store a planned meeting's status (`activities::model::Status::Planned`,
/// `consultations::model::Status::Planned`; a unit test in each pins it).
pub const PLANNED: &str = "planned";

/// One of a member's invitations, for their home page.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub title: String,
    pub planned_at: Option<NaiveDateTime>,
    pub reply: Reply,
}

impl Invitation {
    pub fn reply_label_key(&self) -> String {
        self.reply.label_key()
    }
}

/// Which kind of meeting a list is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Activity,
    Consultation,
}

/// The actor's own invitations of a kind, planned for today or later,
/// soonest first (the member's home page runs this on every visit: one
/// query each).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, kind = ?kind))]
pub fn upcoming(conn: &mut DbConn, actor: &Actor, kind: Kind) -> AppResult<Vec<Invitation>> {
    let Some(me) = member_store::own_record(conn, actor)? else { return Ok(vec![]) };
    let from = crate::kernel::time::start_of_local_day(crate::kernel::time::today());
    macro_rules! invitations {
        ($meetings:ident, $links:ident, $col:ident) => {{
            use crate::kernel::db::schema::{$links as l, $meetings as m};
            m::table
                .inner_join(l::table.on(l::$col.eq(m::id)))
                .filter(l::member_id.eq(me.id).and(l::invited.eq(true)))
                .filter(m::committee_id.eq(actor.committee_id))
                .filter(m::status.eq(PLANNED).and(m::planned_at.nullable().ge(Some(from))))
                .order(m::planned_at.asc())
                .limit(20)
                .select((m::id, m::title, m::planned_at.nullable(), l::reply))
                .load::<(i64, String, Option<NaiveDateTime>, Reply)>(conn)?
        }};
    }
    let rows = match kind {
        Kind::Activity => invitations!(activities, activity_members, activity_id),
        Kind::Consultation => invitations!(consultations, consultation_members, consultation_id),
    };
    Ok(rows.into_iter().map(|(id, title, planned_at, reply)| Invitation { id, title, planned_at, reply }).collect())
}

/// The actor's own line on a meeting that takes place in a span: for the
/// member's phone (today's meetings, and those an opinion was heard at).
#[derive(Debug, Clone)]
pub struct Line {
    pub kind: Kind,
    pub id: i64,
    pub title: String,
    pub planned_at: Option<NaiveDateTime>,
    pub held_at: Option<NaiveDateTime>,
    pub invited: bool,
    pub reply: Reply,
    pub attended: bool,
}

impl Line {
    /// When it takes place, or took place.
    pub fn at(&self) -> Option<NaiveDateTime> {
        self.held_at.or(self.planned_at)
    }
}

/// The actor's lines (invited, or signed in) on the committee's meetings of
/// `kind` planned or held in `[from, to)`, neither cancelled nor closed,
/// soonest first; none for those without a member record. One query.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, kind = ?kind))]
pub fn lines_between(
    conn: &mut DbConn,
    actor: &Actor,
    kind: Kind,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> AppResult<Vec<Line>> {
    let Some(me) = member_store::own_record(conn, actor)? else { return Ok(vec![]) };
    type Row = (i64, String, Option<NaiveDateTime>, Option<NaiveDateTime>, bool, Reply, bool);
    macro_rules! lines {
        ($meetings:ident, $links:ident, $col:ident) => {{
            use crate::kernel::db::schema::{$links as l, $meetings as m};
            m::table
                .inner_join(l::table.on(l::$col.eq(m::id)))
                .filter(l::member_id.eq(me.id).and(l::invited.eq(true).or(l::attended.eq(true))))
                .filter(m::committee_id.eq(actor.committee_id))
                .filter(m::status.eq_any([PLANNED, "held"]))
                .filter(
                    m::held_at
                        .ge(from)
                        .and(m::held_at.lt(to))
                        .or(m::held_at.is_null().and(m::planned_at.ge(from)).and(m::planned_at.lt(to))),
                )
                .order((m::planned_at.asc(), m::id.asc()))
                .limit(50)
                .select((m::id, m::title, m::planned_at.nullable(), m::held_at, l::invited, l::reply, l::attended))
                .load::<Row>(conn)?
        }};
    }
    let rows = match kind {
        Kind::Activity => lines!(activities, activity_members, activity_id),
        Kind::Consultation => lines!(consultations, consultation_members, consultation_id),
    };
    Ok(rows
        .into_iter()
        .map(|(id, title, planned_at, held_at, invited, reply, attended)| Line {
            kind,
            id,
            title,
            planned_at,
            held_at,
            invited,
            reply,
            attended,
        })
        .collect())
}

/// Whether members may sign in to the meeting now (`model::may_sign_in`, on
/// a session still open), looked up in the actor's committee.
pub fn sign_in_open<H: Host>(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<bool> {
    Ok(H::in_committee(conn, actor, id)?.is_some_and(|f| open_now(&f)))
}

fn open_now(f: &Facts) -> bool {
    f.session_open && f.planned_at.is_some_and(|p| model::may_sign_in(p, f.held_at, now()))
}

/// A member picker's parts for staff (the district, an office); others get
/// none. The committee's active members, laid out by `model::groups`.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn candidates(conn: &mut DbConn, actor: &Actor, pick: Pick<'_>) -> AppResult<Vec<PickGroup>> {
    if !matches!(actor.role, Role::DistrictAdmin | Role::OfficeStaff) {
        return Ok(vec![]);
    }
    let rows: Vec<(MemberId, String, Option<OfficeId>, Option<String>)> = members::table
        .left_join(sectors::table)
        .filter(members::committee_id.eq(actor.committee_id).and(members::status.eq(MemberStatus::Active)))
        .order(members::name.asc())
        .select((members::id, members::name, members::office_id, sectors::name.nullable()))
        .load(conn)?;
    let all = rows
        .into_iter()
        .map(|(id, name, office_id, note)| Candidate { id, name, office_id, note, ticked: false })
        .collect();
    Ok(model::groups(all, pick))
}

/// A planned meeting of the actor's office with invitees who have not replied.
#[derive(Debug, Clone)]
pub struct Unanswered {
    pub kind: Kind,
    pub id: i64,
    pub title: String,
    pub planned_at: Option<NaiveDateTime>,
    /// Invitees who have not replied yet.
    pub pending: i64,
}

impl Unanswered {
    /// The meeting's page, where its list shows who has not replied.
    pub fn href(&self) -> String {
        match self.kind {
            Kind::Activity => format!("/activities/{}", self.id),
            Kind::Consultation => format!("/consultations/{}", self.id),
        }
    }
}

/// The meetings of the actor's own office (office staff), planned for today
/// or later, whose invitees have not all replied, soonest first: one grouped
/// query per kind. Nothing for those without one office.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn unanswered(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Unanswered>> {
    use crate::kernel::auth::OfficeScope;
    let OfficeScope::One(office) = actor.office_scope() else { return Ok(vec![]) };
    let from = crate::kernel::time::start_of_local_day(crate::kernel::time::today());
    macro_rules! pending {
        ($meetings:ident, $links:ident, $col:ident) => {{
            use crate::kernel::db::schema::{$links as l, $meetings as m};
            m::table
                .inner_join(l::table.on(l::$col.eq(m::id)))
                .filter(m::committee_id.eq(actor.committee_id).and(m::office_id.eq(office)))
                .filter(m::status.eq(PLANNED).and(m::planned_at.nullable().ge(Some(from))))
                .filter(l::invited.eq(true).and(l::reply.eq(Reply::Pending)))
                .group_by((m::id, m::title, m::planned_at))
                .select((m::id, m::title, m::planned_at.nullable(), diesel::dsl::count_star()))
                .load::<(i64, String, Option<NaiveDateTime>, i64)>(conn)?
        }};
    }
    let mut out: Vec<Unanswered> = vec![];
    for (kind, rows) in [
        (Kind::Activity, pending!(activities, activity_members, activity_id)),
        (Kind::Consultation, pending!(consultations, consultation_members, consultation_id)),
    ] {
        out.extend(rows.into_iter().map(|(id, title, planned_at, pending)| Unanswered {
            kind,
            id,
            title,
            planned_at,
            pending,
        }));
    }
    out.sort_by_key(|u| u.planned_at);
    Ok(out)
}

/// One member's place on a held meeting's list, for duty time and scores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turnout {
    pub kind: Kind,
    pub id: i64,
    pub title: String,
    pub held_at: NaiveDateTime,
    /// Minutes it lasted, as recorded.
    pub duration_minutes: Option<i32>,
    pub member: MemberId,
    pub invited: bool,
    pub reply: Reply,
    pub attended: bool,
}

impl Turnout {
    /// Invited, not there, and no apology given (无故缺席).
    pub fn unexcused(&self) -> bool {
        self.invited && !self.attended && self.reply != Reply::Apology
    }

    pub fn href(&self) -> String {
        match self.kind {
            Kind::Activity => format!("/activities/{}", self.id),
            Kind::Consultation => format!("/consultations/{}", self.id),
        }
    }
}

/// The members' places on the lists of the committee's meetings held in
/// `year` (Beijing), both kinds: one query per kind and batch of members.
/// Unscoped: the caller has checked that the actor may see these members.
pub fn turnout_unscoped(
    conn: &mut DbConn,
    committee: CommitteeId,
    members: &[MemberId],
    year: i32,
) -> AppResult<Vec<Turnout>> {
    let Some((from, to)) = crate::kernel::time::year_bounds(year) else { return Ok(vec![]) };
    type Row = (i64, String, Option<NaiveDateTime>, Option<i32>, MemberId, bool, Reply, bool);
    macro_rules! lists {
        ($meetings:ident, $links:ident, $col:ident, $held:expr, $chunk:expr) => {{
            use crate::kernel::db::schema::{$links as l, $meetings as m};
            m::table
                .inner_join(l::table.on(l::$col.eq(m::id)))
                .filter(m::committee_id.eq(committee).and(m::status.eq_any($held)))
                .filter(m::held_at.ge(from).and(m::held_at.lt(to)))
                .filter(l::member_id.eq_any($chunk))
                .select((
                    m::id,
                    m::title,
                    m::held_at,
                    m::duration_minutes,
                    l::member_id,
                    l::invited,
                    l::reply,
                    l::attended,
                ))
                .load::<Row>(conn)?
        }};
    }
    let mut out = vec![];
    for chunk in members.chunks(500) {
        for (kind, rows) in [
            (Kind::Activity, lists!(activities, activity_members, activity_id, ["held"], chunk)),
            (
                Kind::Consultation,
                lists!(consultations, consultation_members, consultation_id, ["held", "closed"], chunk),
            ),
        ] {
            out.extend(rows.into_iter().filter_map(
                |(id, title, held_at, duration_minutes, member, invited, reply, attended)| {
                    Some(Turnout {
                        kind,
                        id,
                        title,
                        held_at: held_at?,
                        duration_minutes,
                        member,
                        invited,
                        reply,
                        attended,
                    })
                },
            ));
        }
    }
    Ok(out)
}
