//! Topics, planning with invitations, the session (sign-in, attendance,
//! speakers, record, photos) and closing; every function takes the acting
//! user and checks its scope.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::consultations::model::{self, Action, Format, Planned, Proposer, Status};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, OfficeScope, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{
    consultation_departments as cd, consultation_localities as cl, consultation_members as cm,
    consultation_opinions as co, consultation_sectors as cs, consultations, departments, liaisons, localities, members,
    offices, opinions, sectors,
};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{
    CommitteeId, ConsultationId, DepartmentId, FileId, LocalityId, MemberId, OfficeId, OpinionId, SectorId, UserId,
};
use crate::kernel::notify::Unit;
use crate::kernel::notify::inapp::note_once;
use crate::kernel::time::now;
use crate::kernel::web::form::bounded;
use crate::meetings::Reply;
use crate::meetings::store::{attendees, files};
use crate::org::model::MemberStatus;
use crate::org::store::members as member_store;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = consultations)]
pub struct Consultation {
    pub id: ConsultationId,
    pub committee_id: CommitteeId,
    pub office_id: OfficeId,
    pub title: String,
    pub background: String,
    pub status: Status,
    pub proposer_kind: Proposer,
    pub proposed_by: Option<UserId>,
    pub decision_note: String,
    pub format: Planned,
    pub planned_at: Option<NaiveDateTime>,
    pub place: String,
    pub host: String,
    pub residents: String,
    pub materials: String,
    pub held_at: Option<NaiveDateTime>,
    pub record: String,
    pub residents_count: i32,
    pub results: String,
    pub closed_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub signin_token: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Minutes it lasted, when recorded.
    pub duration_minutes: Option<i32>,
}

impl Consultation {
    pub fn status_label_key(&self) -> String {
        self.status.label_key()
    }
    pub fn format_label_key(&self) -> String {
        self.format.0.map(|f| f.label_key()).unwrap_or_default()
    }
    pub fn proposer_label_key(&self) -> String {
        self.proposer_kind.label_key()
    }
    /// When it took place, is to, or was proposed.
    pub fn when(&self) -> NaiveDateTime {
        self.held_at.or(self.planned_at).unwrap_or(self.created_at)
    }
}

/// A topic as proposed.
#[derive(Debug, Clone, Default)]
pub struct Topic {
    /// The district chooses; office staff and members propose for their own.
    pub office_id: Option<OfficeId>,
    pub title: String,
    pub background: String,
    /// Tracking codes of opinion-box cases the topic was raised from.
    pub codes: String,
}

/// The session's plan and who is invited.
#[derive(Debug, Clone)]
pub struct Plan {
    pub format: Format,
    pub planned_at: NaiveDateTime,
    pub place: String,
    pub host: String,
    pub sectors: Vec<SectorId>,
    pub localities: Vec<LocalityId>,
    pub members: Vec<MemberId>,
    pub departments: Vec<DepartmentId>,
    /// Residents invited, as names or a count.
    pub residents: String,
    /// Materials sent beforehand.
    pub materials: String,
}

/// The record written after the session.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub held_at: Option<NaiveDateTime>,
    /// Minutes it lasted, when recorded (duty time counts it).
    pub duration_minutes: Option<i32>,
    pub record: String,
    pub residents_count: i32,
}

/// District staff manage every office's consultations, office staff their own.
pub use crate::org::model::can_manage_office as can_manage;

fn manage(actor: &Actor, c: &Consultation) -> AppResult<()> {
    if can_manage(actor, c.office_id) { Ok(()) } else { Err(AppError::Forbidden) }
}

fn step(c: &Consultation, action: Action) -> AppResult<Status> {
    model::next(c.status, action).ok_or(AppError::Conflict("consultation.wrong_state"))
}

/// Proposes a topic (议题), optionally raised from opinion-box cases.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn propose(conn: &mut DbConn, actor: &Actor, t: &Topic) -> AppResult<ConsultationId> {
    let (office, proposer) = match actor.role {
        Role::DistrictAdmin => (t.office_id, Proposer::District),
        Role::OfficeStaff => (actor.office_id, Proposer::Office),
        Role::Member => (actor.office_id, Proposer::Member),
        _ => return Err(AppError::Forbidden),
    };
    let office = office.ok_or(AppError::BadRequest("consultation.bad_office"))?;
    let ok: i64 = offices::table
        .filter(offices::id.eq(office).and(offices::committee_id.eq(actor.committee_id)))
        .count()
        .get_result(conn)?;
    if ok == 0 {
        return Err(AppError::BadRequest("consultation.bad_office"));
    }
    let title = bounded(&t.title, model::MAX_TITLE, "consultation.title_too_long")?;
    if title.is_empty() {
        return Err(AppError::BadRequest("consultation.title_required"));
    }
    let background = bounded(&t.background, model::MAX_TEXT, "consultation.text_too_long")?;
    let mut cases: Vec<OpinionId> = vec![];
    for code in model::parse_codes(&t.codes) {
        let code =
            crate::opinions::model::normalize_code(&code).ok_or(AppError::BadRequest("consultation.bad_code"))?;
        let id = crate::opinions::store::cases::linkable_by_code(conn, actor, office, &code)?;
        cases.push(id.ok_or(AppError::BadRequest("consultation.bad_code"))?);
    }
    cases.sort();
    cases.dedup();
    let t0 = now();
    let id: ConsultationId = diesel::insert_into(consultations::table)
        .values((
            consultations::committee_id.eq(actor.committee_id),
            consultations::office_id.eq(office),
            consultations::title.eq(&title),
            consultations::background.eq(&background),
            consultations::status.eq(Status::Proposed),
            consultations::proposer_kind.eq(proposer),
            consultations::proposed_by.eq(Some(actor.user_id)),
            consultations::decision_note.eq(""),
            consultations::format.eq(Planned(None)),
            consultations::place.eq(""),
            consultations::host.eq(""),
            consultations::residents.eq(""),
            consultations::materials.eq(""),
            consultations::record.eq(""),
            consultations::residents_count.eq(0),
            consultations::results.eq(""),
            consultations::signin_token.eq(crate::meetings::model::new_token()),
            consultations::created_at.eq(t0),
            consultations::updated_at.eq(t0),
        ))
        .returning(consultations::id)
        .get_result(conn)?;
    for case in &cases {
        diesel::insert_into(co::table).values((co::consultation_id.eq(id), co::opinion_id.eq(*case))).execute(conn)?;
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("consultation.propose", "consultation", id)
            .after(serde_json::json!({ "title": title, "office": office, "cases": cases })),
    )?;
    Ok(id)
}

/// A consultation the actor may see: the committee's for the district and
/// leaders, the office's for its staff and members.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn get(conn: &mut DbConn, actor: &Actor, id: ConsultationId) -> AppResult<Option<Consultation>> {
    let Some(c) = in_committee(conn, actor, id)? else { return Ok(None) };
    let in_scope = match actor.office_scope() {
        OfficeScope::All => true,
        OfficeScope::One(o) => o == c.office_id,
        OfficeScope::None => false,
    };
    // Members of other offices invited by sector, or who signed in, see it too.
    if in_scope || listed(conn, actor, c.id)? { Ok(Some(c)) } else { Ok(None) }
}

/// Whether the actor is a member on the consultation's list.
fn listed(conn: &mut DbConn, actor: &Actor, id: ConsultationId) -> AppResult<bool> {
    if actor.role != Role::Member {
        return Ok(false);
    }
    let Some(me) = member_store::own_record(conn, actor)? else { return Ok(false) };
    let n: i64 = cm::table.filter(cm::consultation_id.eq(id).and(cm::member_id.eq(me.id))).count().get_result(conn)?;
    Ok(n > 0)
}

/// A row of the list.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub c: Consultation,
    pub office: String,
    pub tally: model::Tally,
}

/// The list's filters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub status: Option<Status>,
    /// Held from this Beijing day on …
    pub held_from: Option<chrono::NaiveDate>,
    /// … to this one, included (either makes the list the sessions held).
    pub held_to: Option<chrono::NaiveDate>,
}

impl Filter {
    /// The list's address that shows this filter (the route reads it back).
    pub fn href(&self) -> String {
        let mut pairs: Vec<(&str, String)> = vec![];
        if let Some(s) = self.status {
            pairs.push(("status", s.as_str().into()));
        }
        if let Some(d) = self.held_from {
            pairs.push(("held_from", d.to_string()));
        }
        if let Some(d) = self.held_to {
            pairs.push(("held_to", d.to_string()));
        }
        match serde_urlencoded::to_string(pairs) {
            Ok(q) if !q.is_empty() => format!("/consultations?{q}"),
            _ => "/consultations".into(),
        }
    }
}

type Boxed<'a> = consultations::BoxedQuery<'a, crate::kernel::db::MultiBackend>;

/// The actor's consultations narrowed by `f` (`None`: none).
fn filtered(actor: &Actor, f: &Filter) -> Option<Boxed<'static>> {
    let mut q = consultations::table.filter(consultations::committee_id.eq(actor.committee_id)).into_boxed();
    match actor.office_scope() {
        OfficeScope::All => {}
        OfficeScope::One(o) => q = q.filter(consultations::office_id.eq(o)),
        OfficeScope::None => return None,
    }
    if let Some(s) = f.status {
        q = q.filter(consultations::status.eq(s));
    }
    let day = crate::kernel::time::start_of_local_day;
    if let Some(d) = f.held_from {
        q = q.filter(consultations::held_at.ge(day(d)));
    }
    if let Some(d) = f.held_to {
        q = q.filter(consultations::held_at.lt(day(d + chrono::Duration::days(1))));
    }
    Some(q)
}

/// How many of the actor's consultations `f` lets through (one COUNT).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn count(conn: &mut DbConn, actor: &Actor, f: &Filter) -> AppResult<i64> {
    let Some(q) = filtered(actor, f) else { return Ok(0) };
    Ok(q.count().get_result(conn)?)
}

/// The actor's consultations, newest first.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, filter = ?f))]
pub fn list(conn: &mut DbConn, actor: &Actor, f: &Filter) -> AppResult<Vec<Row>> {
    let Some(q) = filtered(actor, f) else { return Ok(vec![]) };
    let rows: Vec<Consultation> =
        q.order(consultations::id.desc()).limit(500).select(Consultation::as_select()).load(conn)?;
    let names: Vec<(OfficeId, String)> = offices::table
        .filter(offices::committee_id.eq(actor.committee_id))
        .select((offices::id, offices::name))
        .load(conn)?;
    let ids: Vec<ConsultationId> = rows.iter().map(|c| c.id).collect();
    let tallies = super::items::tallies(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|c| Row {
            office: names.iter().find(|(i, _)| *i == c.office_id).map(|(_, n)| n.clone()).unwrap_or_default(),
            tally: tallies.get(&c.id).copied().unwrap_or_default(),
            c,
        })
        .collect())
}

/// The district (any) or the office's staff approve a topic, or reject it with
/// a reason.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id, approve = ?approve))]
pub fn decide(conn: &mut DbConn, actor: &Actor, id: ConsultationId, approve: bool, reason: &str) -> AppResult<()> {
    let c = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    manage(actor, &c)?;
    let to = step(&c, if approve { Action::Approve } else { Action::Reject })?;
    let reason = bounded(reason, 500, "consultation.text_too_long")?;
    if !approve && reason.is_empty() {
        return Err(AppError::BadRequest("consultation.reason_required"));
    }
    diesel::update(consultations::table.find(id))
        .set((
            consultations::status.eq(to),
            consultations::decision_note.eq(&reason),
            consultations::updated_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("consultation.decide", "consultation", id)
            .before(serde_json::json!({ "status": c.status }))
            .after(serde_json::json!({ "status": to, "reason": reason })),
    )?;
    Ok(())
}

/// The members to suggest for the chosen sectors and localities: active
/// members of those sectors, and members linked to those places now.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn suggest(
    conn: &mut DbConn,
    actor: &Actor,
    sector_ids: &[SectorId],
    locality_ids: &[LocalityId],
) -> AppResult<Vec<MemberId>> {
    let committee = actor.committee_id;
    let mut out: Vec<MemberId> = members::table
        .filter(members::committee_id.eq(committee).and(members::status.eq(MemberStatus::Active)))
        .filter(members::sector_id.eq_any(sector_ids))
        .select(members::id)
        .load(conn)?;
    let linked: Vec<MemberId> = liaisons::table
        .inner_join(members::table)
        .filter(liaisons::committee_id.eq(committee).and(liaisons::end_on.is_null()))
        .filter(liaisons::locality_id.eq_any(locality_ids))
        .filter(members::status.eq(MemberStatus::Active))
        .select(members::id)
        .load(conn)?;
    out.extend(linked);
    out.sort();
    out.dedup();
    Ok(out)
}

fn dedup<T: Ord + Clone>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Plans the session and sends the invitations (in-app, once per invitee).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn plan(conn: &mut DbConn, actor: &Actor, id: ConsultationId, p: &Plan) -> AppResult<()> {
    let c = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    manage(actor, &c)?;
    let to = step(&c, Action::Plan)?;
    let place = bounded(&p.place, model::MAX_TITLE, "consultation.place_too_long")?;
    if place.is_empty() {
        return Err(AppError::BadRequest("consultation.place_required"));
    }
    let host = bounded(&p.host, model::MAX_TITLE, "consultation.place_too_long")?;
    let residents = bounded(&p.residents, 1000, "consultation.text_too_long")?;
    let materials = bounded(&p.materials, model::MAX_TEXT, "consultation.text_too_long")?;
    let (sector_ids, locality_ids, member_ids, dept_ids) =
        (dedup(&p.sectors), dedup(&p.localities), dedup(&p.members), dedup(&p.departments));
    let committee = actor.committee_id;
    let n: i64 = sectors::table
        .filter(sectors::id.eq_any(&sector_ids).and(sectors::committee_id.eq(committee)))
        .count()
        .get_result(conn)?;
    let l: i64 = localities::table
        .inner_join(offices::table)
        .filter(localities::id.eq_any(&locality_ids).and(offices::committee_id.eq(committee)))
        .count()
        .get_result(conn)?;
    if n != sector_ids.len() as i64 || l != locality_ids.len() as i64 {
        return Err(AppError::BadRequest("form.bad_choice"));
    }
    let d: i64 = departments::table
        .filter(departments::id.eq_any(&dept_ids))
        .filter(departments::committee_id.eq(committee).and(departments::active.eq(true)))
        .count()
        .get_result(conn)?;
    if d != dept_ids.len() as i64 {
        return Err(AppError::BadRequest("form.bad_choice"));
    }
    if member_ids.is_empty() && dept_ids.is_empty() {
        return Err(AppError::BadRequest("consultation.invite_someone"));
    }
    diesel::update(consultations::table.find(id))
        .set((
            consultations::status.eq(to),
            consultations::format.eq(Planned(Some(p.format))),
            consultations::planned_at.eq(Some(p.planned_at)),
            consultations::place.eq(&place),
            consultations::host.eq(&host),
            consultations::residents.eq(&residents),
            consultations::materials.eq(&materials),
            consultations::updated_at.eq(now()),
        ))
        .execute(conn)?;
    diesel::delete(cs::table.filter(cs::consultation_id.eq(id))).execute(conn)?;
    for s in &sector_ids {
        diesel::insert_into(cs::table).values((cs::consultation_id.eq(id), cs::sector_id.eq(*s))).execute(conn)?;
    }
    diesel::delete(cl::table.filter(cl::consultation_id.eq(id))).execute(conn)?;
    for l in &locality_ids {
        diesel::insert_into(cl::table).values((cl::consultation_id.eq(id), cl::locality_id.eq(*l))).execute(conn)?;
    }
    let member_ids = attendees::invite::<super::Consultations>(conn, actor, id.0, &member_ids)?;
    let depts: Vec<DepartmentId> = cd::table.filter(cd::consultation_id.eq(id)).select(cd::department_id).load(conn)?;
    for did in dept_ids.iter().filter(|d| !depts.contains(d)) {
        diesel::insert_into(cd::table)
            .values((
                cd::consultation_id.eq(id),
                cd::department_id.eq(*did),
                cd::reply.eq(Reply::Pending),
                cd::reply_note.eq(""),
            ))
            .execute(conn)?;
    }
    let body = crate::kernel::web::i18n::Lang::Zh
        .t("consultation.invite_body")
        .replace("%{title}", &c.title)
        .replace("%{time}", &crate::kernel::time::local(&p.planned_at))
        .replace("%{place}", &place);
    let subject = format!("consultation-invite:{id}");
    let recipients = member_ids.iter().map(|m| Unit::Member(*m)).chain(dept_ids.iter().map(|d| Unit::Department(*d)));
    // Once per invitee and arrangement: planning again with another time or
    // place tells everyone invited again; saving the same plan tells nobody.
    let arrangement = format!("{}:{place}", p.planned_at.and_utc().timestamp());
    for to in recipients {
        note_once(conn, committee, to, &subject, &body, &format!("{subject}:{to}:{arrangement}"))?;
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("consultation.plan", "consultation", id).after(serde_json::json!({
            "format": p.format, "planned_at": p.planned_at, "sectors": sector_ids,
            "localities": locality_ids, "members": member_ids, "departments": dept_ids,
        })),
    )?;
    Ok(())
}

// A consultation's child lists take the consultation itself: the caller found
// it through `get` (the actor's scope) or the public store (closed ones).

/// The sectors invited.
#[tracing::instrument(level = "debug", skip_all)]
pub fn sectors_of(conn: &mut DbConn, c: &Consultation) -> AppResult<Vec<(SectorId, String)>> {
    Ok(cs::table
        .inner_join(sectors::table)
        .filter(cs::consultation_id.eq(c.id))
        .order(sectors::sort_order.asc())
        .select((sectors::id, sectors::name))
        .load(conn)?)
}

/// The villages and communities concerned.
#[tracing::instrument(level = "debug", skip_all)]
pub fn localities_of(conn: &mut DbConn, c: &Consultation) -> AppResult<Vec<(LocalityId, String)>> {
    Ok(cl::table
        .inner_join(localities::table)
        .filter(cl::consultation_id.eq(c.id))
        .order(localities::name.asc())
        .select((localities::id, localities::name))
        .load(conn)?)
}

/// Linked opinion-box cases: (id, code, status).
#[tracing::instrument(level = "debug", skip_all)]
pub fn cases_of(
    conn: &mut DbConn,
    c: &Consultation,
) -> AppResult<Vec<(OpinionId, String, crate::opinions::model::Status)>> {
    Ok(co::table
        .inner_join(opinions::table)
        .filter(co::consultation_id.eq(c.id))
        .order(opinions::id.asc())
        .select((opinions::id, opinions::code, opinions::status))
        .load(conn)?)
}

/// A consultation of the actor's committee by id, whatever its office: an
/// invitee or a member signing in may belong to another office. Only for
/// `get` and the meeting side (`host`), which checks the invitation or the
/// sign-in token.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub(super) fn in_committee(conn: &mut DbConn, actor: &Actor, id: ConsultationId) -> AppResult<Option<Consultation>> {
    Ok(consultations::table
        .find(id)
        .filter(consultations::committee_id.eq(actor.committee_id))
        .select(Consultation::as_select())
        .first(conn)
        .optional()?)
}

/// The title's note on each linked case's public timeline, pushed to its
/// submitter.
fn tell_cases(conn: &mut DbConn, actor: &Actor, c: &Consultation, kind: &str, note: &str) -> AppResult<()> {
    for (case, _, _) in cases_of(conn, c)? {
        crate::opinions::store::cases::public_note(conn, actor, case, kind.try_into()?, note)?;
    }
    Ok(())
}

/// Records the session (纪要): it is then held. The first time, the residents
/// whose cases raised the topic are told.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn record(conn: &mut DbConn, actor: &Actor, id: ConsultationId, r: &Record) -> AppResult<()> {
    let c = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    manage(actor, &c)?;
    let to = step(&c, Action::Hold)?;
    let held_at = r.held_at.or(c.planned_at).unwrap_or_else(now);
    if held_at > now() + chrono::Duration::hours(1) {
        return Err(AppError::BadRequest("activity.held_in_future"));
    }
    if !(0..=100_000).contains(&r.residents_count) {
        return Err(AppError::BadRequest("activity.bad_count"));
    }
    let record = bounded(&r.record, model::MAX_TEXT, "consultation.text_too_long")?;
    if record.is_empty() {
        return Err(AppError::BadRequest("consultation.record_required"));
    }
    diesel::update(consultations::table.find(id))
        .set((
            consultations::status.eq(to),
            consultations::held_at.eq(Some(held_at)),
            consultations::duration_minutes.eq(r.duration_minutes),
            consultations::record.eq(&record),
            consultations::residents_count.eq(r.residents_count),
            consultations::updated_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("consultation.record", "consultation", id)
            .before(serde_json::json!({ "status": c.status }))
            .after(serde_json::json!({ "status": to, "held_at": held_at })),
    )?;
    if c.status == Status::Planned {
        tell_cases(conn, actor, &c, "consultation_held", &format!("《{}》", c.title))?;
    }
    crate::kernel::search::index(conn, c.committee_id, "consultation", id.0, &format!("{} {}", c.title, record))?;
    Ok(())
}

/// Publishes the results and closes the consultation; it needs its agreed
/// items, and an online phase ended with its summary written. The residents
/// whose cases raised the topic are told.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn close(conn: &mut DbConn, actor: &Actor, id: ConsultationId, results: &str) -> AppResult<()> {
    let c = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    manage(actor, &c)?;
    let to = step(&c, Action::Close)?;
    let results = bounded(results, model::MAX_TEXT, "consultation.text_too_long")?;
    if results.is_empty() {
        return Err(AppError::BadRequest("consultation.results_required"));
    }
    // Its online phase ended and summed up first: closed, nobody could.
    crate::consultations::online::store::phase::check_closable(conn, c.committee_id, id)?;
    if super::items::of_consultation(conn, actor, id)?.is_empty() {
        return Err(AppError::BadRequest("consultation.no_items"));
    }
    let t = now();
    diesel::update(consultations::table.find(id))
        .set((
            consultations::status.eq(to),
            consultations::results.eq(&results),
            consultations::closed_at.eq(Some(t)),
            consultations::updated_at.eq(t),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("consultation.close", "consultation", id).after(serde_json::json!({ "status": to })),
    )?;
    let summary: String = results.chars().take(200).collect();
    tell_cases(conn, actor, &c, "consultation_closed", &format!("《{}》{}", c.title, summary))?;
    Ok(())
}

/// Attaches a material sent to the invitees beforehand (from approval until
/// the session). The session's own photos and documents go through the
/// meeting routes.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id, file = ?file))]
pub fn attach_material(conn: &mut DbConn, actor: &Actor, id: ConsultationId, file: FileId) -> AppResult<()> {
    let c = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    manage(actor, &c)?;
    if !matches!(c.status, Status::Approved | Status::Planned) {
        return Err(AppError::Conflict("consultation.wrong_state"));
    }
    files::attach::<super::Consultations>(conn, actor, id.0, file, "material")
}

/// The name of the consultation's office.
#[tracing::instrument(level = "debug", skip_all)]
pub fn office_name(conn: &mut DbConn, c: &Consultation) -> AppResult<String> {
    Ok(offices::table.find(c.office_id).select(offices::name).first(conn)?)
}

/// Every village and community of the committee with its office: (id,
/// name, office), for the plan form of a consultation the actor manages.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn locality_choices(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(LocalityId, String, String)>> {
    Ok(localities::table
        .inner_join(offices::table)
        .filter(offices::committee_id.eq(actor.committee_id))
        .order((offices::id.asc(), localities::name.asc()))
        .select((localities::id, localities::name, offices::name))
        .load(conn)?)
}

/// A member's consultations attended in a Beijing calendar year (held or
/// closed, ticked present or signed in), by date: for the duty record
/// (履职档案). Whether the actor may read the member's record is the
/// caller's check (`crate::duty` finds the member through the roster's scope).
#[tracing::instrument(level = "debug", skip(conn))]
pub fn attended_in_unscoped(conn: &mut DbConn, member: MemberId, year: i32) -> AppResult<Vec<Consultation>> {
    let Some((from, to)) = crate::kernel::time::year_bounds(year) else { return Ok(vec![]) };
    Ok(consultations::table
        .inner_join(cm::table)
        .filter(cm::member_id.eq(member).and(cm::attended.eq(true)))
        .filter(consultations::status.eq_any([Status::Held, Status::Closed]))
        .filter(consultations::held_at.ge(from).and(consultations::held_at.lt(to)))
        .order(consultations::held_at.asc())
        .select(Consultation::as_select())
        .load(conn)?)
}
