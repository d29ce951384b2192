//! Every step of a proposal (`model::next` decides; this writes it): the
//! timeline event, the audit entry and the in-app messages to whoever must
//! act or be told, in the step's transaction. A step applies only to the
//! state it was decided on, so two staff acting at once cannot both move it.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::proposals::{Proposal, Viewer, event, get, proposers, viewer};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{
    departments, proposal_files as pfiles, proposal_signers as signers, proposal_units as units, proposals, users,
};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{DepartmentId, FileId, MemberId, ProposalId, UserId};
use crate::kernel::notify::{Unit, inapp};
use crate::kernel::time::{now, today};
use crate::kernel::web::form;
use crate::kernel::web::i18n::Lang;
use crate::opinions::model::{Rating, Source};
use crate::proposals::model::{self, Action, DEFAULT_DAYS, EventKind, MAX_CO_UNITS, MAX_TEXT, Party, Refused, Status};

/// What a step carries beside its action.
#[derive(Debug, Clone)]
pub struct Step {
    pub action: Action,
    /// A reason (不立案, 退回), the answer, or the proposer's comment.
    pub note: String,
    /// 并案: the number (第N号) of the session's proposal to merge into.
    pub merge_number: Option<i32>,
    pub lead: Option<DepartmentId>,
    pub co_units: Vec<DepartmentId>,
    pub deadline: Option<NaiveDate>,
}

impl Step {
    pub fn new(action: Action) -> Step {
        Step { action, note: String::new(), merge_number: None, lead: None, co_units: vec![], deadline: None }
    }
}

/// The part the actor plays on this proposal, if any.
pub fn party(conn: &mut DbConn, actor: &Actor, p: &Proposal) -> AppResult<Option<Party>> {
    if model::is_staff(actor) {
        return Ok(Some(Party::Staff));
    }
    Ok(match viewer(conn, actor)? {
        Viewer::Member(m) if m == p.member_id => Some(Party::Proposer),
        Viewer::Department(d) if Some(d) == p.lead_department_id => Some(Party::LeadUnit),
        _ => None,
    })
}

/// A step on a proposal the actor sees, by the part they play.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id, action = ?step.action))]
pub fn act(conn: &mut DbConn, actor: &Actor, id: ProposalId, step: &Step) -> AppResult<Status> {
    // An answer comes with its letter, through `answer`.
    if step.action == Action::Answer {
        return Err(AppError::BadRequest("proposal.letter_required"));
    }
    step_on(conn, actor, id, step)
}

fn step_on(conn: &mut DbConn, actor: &Actor, id: ProposalId, step: &Step) -> AppResult<Status> {
    let p = get(conn, actor, id)?;
    let party = party(conn, actor, &p)?.ok_or(AppError::Forbidden)?;
    let to = model::next(p.status, step.action, party, p.used()).map_err(|r| match r {
        Refused::NotYours => AppError::Forbidden,
        r => AppError::Conflict(r.message_key()),
    })?;
    let t = now();
    let note = apply(conn, actor, &p, to, step, t)?;
    // Only from the state it was decided on (a second click, a colleague).
    let n = diesel::update(proposals::table.find(id).filter(proposals::status.eq(p.status)))
        .set((proposals::status.eq(to), proposals::updated_at.eq(t)))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::Conflict("proposal.wrong_state"));
    }
    let kind = event_kind(step.action, to);
    event(conn, id, kind, Some(actor), &note)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new(&format!("proposal.{kind}"), "proposal", id)
            .before(serde_json::json!({ "status": p.status }))
            .after(serde_json::json!({ "status": to, "note": note })),
    )?;
    tell(conn, &p, kind, to)?;
    Ok(to)
}

fn event_kind(action: Action, to: Status) -> EventKind {
    match action {
        Action::Submit => EventKind::Submitted,
        Action::Withdraw => EventKind::Withdrawn,
        Action::Accept => EventKind::Accepted,
        Action::Decline => EventKind::Declined,
        Action::ToOpinion => EventKind::ToOpinion,
        Action::MergeInto => EventKind::Merged,
        Action::Assign => EventKind::Assigned,
        Action::Sign => EventKind::Signed,
        Action::Return => EventKind::Returned,
        Action::Answer => EventKind::Answered,
        Action::Rate(_) if to == Status::InProgress => EventKind::Reopened,
        Action::Rate(_) => EventKind::Rated,
        Action::Close => EventKind::Closed,
    }
}

fn required(note: &str, key: &'static str) -> AppResult<String> {
    let n = form::bounded(note, MAX_TEXT, "proposal.text_too_long")?;
    if n.is_empty() { Err(AppError::BadRequest(key)) } else { Ok(n) }
}

/// The step's own writes; returns the note its timeline shows.
fn apply(
    conn: &mut DbConn,
    actor: &Actor,
    p: &Proposal,
    to: Status,
    step: &Step,
    t: NaiveDateTime,
) -> AppResult<String> {
    let row = proposals::table.find(p.id);
    Ok(match step.action {
        Action::Submit => {
            if !super::proposals::pending_signers(conn, p.id)?.is_empty() {
                return Err(AppError::Conflict("proposal.signers_pending"));
            }
            let on = today();
            let session = super::sessions::for_date(conn, p.committee_id, on)?
                .ok_or(AppError::Conflict("proposal.no_session"))?;
            let in_session = super::sessions::holds(conn, session, on)?;
            diesel::update(row)
                .set((
                    proposals::session_id.eq(session),
                    proposals::in_session.eq(in_session),
                    proposals::submitted_at.eq(Some(t)),
                ))
                .execute(conn)?;
            String::new()
        }
        Action::Withdraw => {
            diesel::update(row).set(proposals::submitted_at.eq(None::<NaiveDateTime>)).execute(conn)?;
            String::new()
        }
        Action::Accept => {
            // One series per session, numbered in the order accepted.
            crate::kernel::db::serialise(conn, &format!("proposal numbers {}", p.session_id))?;
            let highest: Option<i32> = proposals::table
                .filter(proposals::session_id.eq(p.session_id))
                .select(diesel::dsl::max(proposals::number))
                .first(conn)?;
            let n = model::next_number(highest);
            diesel::update(row).set(proposals::number.eq(Some(n))).execute(conn)?;
            model::number_label(Some(n))
        }
        Action::Decline => {
            let reason = required(&step.note, "proposal.reason_required")?;
            diesel::update(row).set(proposals::reason.eq(&reason)).execute(conn)?;
            reason
        }
        Action::ToOpinion => to_opinion(conn, actor, p)?,
        Action::MergeInto => merge(conn, actor, p, step)?,
        Action::Assign => assign(conn, actor, p, step, t)?,
        Action::Sign => {
            diesel::update(row).set(proposals::signed_at.eq(Some(t))).execute(conn)?;
            String::new()
        }
        Action::Return => {
            let reason = required(&step.note, "proposal.reason_required")?;
            diesel::update(row)
                .set((
                    proposals::returned.eq(true),
                    proposals::lead_department_id.eq(None::<DepartmentId>),
                    proposals::deadline.eq(None::<NaiveDate>),
                    proposals::signed_at.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            diesel::delete(units::table.filter(units::proposal_id.eq(p.id))).execute(conn)?;
            reason
        }
        Action::Answer => {
            let answer = required(&step.note, "proposal.answer_required")?;
            diesel::update(row)
                .set((proposals::answer.eq(&answer), proposals::answered_at.eq(Some(t))))
                .execute(conn)?;
            String::new()
        }
        Action::Rate(rating) => {
            let comment: String = step.note.trim().chars().take(500).collect();
            diesel::update(row).set(proposals::rating.eq(Some(rating))).execute(conn)?;
            if to == Status::InProgress {
                // 不满意 sends it back once, to the same unit, with a month more.
                let due = p.deadline.map_or(today(), |d| d.max(today())) + Duration::days(30);
                // The first rating stays on the timeline; the next answer is
                // rated afresh, and is published again only if staff say so.
                diesel::update(row)
                    .set((
                        proposals::reopened.eq(true),
                        proposals::deadline.eq(Some(due)),
                        proposals::rating.eq(None::<Rating>),
                        proposals::public.eq(false),
                    ))
                    .execute(conn)?;
            }
            let label = Lang::Zh.t(&rating.label_key());
            if comment.is_empty() { label } else { format!("{label}：{comment}") }
        }
        Action::Close => String::new(),
    })
}

/// 转为社情民意: the matter (its title, grounds and suggestions, cut to a
/// case's length) goes to the opinion box as a case the lead proposer
/// brought in their office, and the proposal points at it.
fn to_opinion(conn: &mut DbConn, actor: &Actor, p: &Proposal) -> AppResult<String> {
    let office: Option<crate::kernel::ids::OfficeId> = crate::kernel::db::schema::members::table
        .find(p.member_id)
        .select(crate::kernel::db::schema::members::office_id)
        .first(conn)?;
    let text = [p.title.as_str(), p.grounds.as_str(), p.suggestions.as_str()]
        .iter()
        .filter(|x| !x.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    let body: String = text.chars().take(crate::opinions::model::MAX_BODY_CHARS).collect();
    let n = crate::opinions::store::cases::NewOpinion {
        office_id: office,
        locality_id: None,
        category_id: None,
        source: Some(Source::Activity),
        heard_by: Some(p.member_id),
        body,
        name_enc: None,
        phone_enc: None,
        phone_index: None,
        urgent: false,
        doc: None,
    };
    let (case, code) = crate::opinions::store::cases::enter(conn, actor, &n)?;
    diesel::update(proposals::table.find(p.id)).set(proposals::opinion_id.eq(Some(case))).execute(conn)?;
    Ok(code)
}

/// 并案: into a filed proposal of the same session, by its number. Its
/// proposers join the other's as co-signers, so they read it and are told
/// of each step.
fn merge(conn: &mut DbConn, actor: &Actor, p: &Proposal, step: &Step) -> AppResult<String> {
    let n = step.merge_number.ok_or(AppError::BadRequest("proposal.choose_merge"))?;
    let target: Proposal = proposals::table
        .filter(
            proposals::committee_id
                .eq(actor.committee_id)
                .and(proposals::session_id.eq(p.session_id))
                .and(proposals::number.eq(Some(n))),
        )
        .select(Proposal::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::BadRequest("proposal.merge_not_found"))?;
    if target.id == p.id {
        return Err(AppError::BadRequest("proposal.merge_itself"));
    }
    if !matches!(target.status, Status::Accepted | Status::Assigned | Status::InProgress) {
        return Err(AppError::BadRequest("proposal.merge_closed"));
    }
    // The target must still stand as read (two staff merging A→B and B→A at once).
    let n = diesel::update(proposals::table.find(target.id).filter(proposals::status.eq(target.status)))
        .set(proposals::updated_at.eq(now()))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::Conflict("proposal.wrong_state"));
    }
    let theirs: Vec<MemberId> = proposers(conn, target.id)?.into_iter().map(|x| x.0).collect();
    let t = now();
    for (m, _) in proposers(conn, p.id)? {
        if !theirs.contains(&m) {
            diesel::insert_into(signers::table)
                .values((
                    signers::proposal_id.eq(target.id),
                    signers::member_id.eq(m),
                    signers::confirmed_at.eq(Some(t)),
                    signers::created_at.eq(t),
                ))
                .execute(conn)?;
        }
    }
    diesel::update(proposals::table.find(p.id)).set(proposals::merged_into.eq(Some(target.id))).execute(conn)?;
    let label = target.number_label();
    event(conn, target.id, EventKind::MergedIn, Some(actor), &format!("{}（{}）", p.title, p.number_label()))?;
    Ok(label)
}

/// 交办: one lead unit, up to five co-units, a deadline (three months by default).
fn assign(conn: &mut DbConn, actor: &Actor, p: &Proposal, step: &Step, t: NaiveDateTime) -> AppResult<String> {
    let lead = step.lead.ok_or(AppError::BadRequest("proposal.choose_lead"))?;
    let mut co: Vec<DepartmentId> = step.co_units.iter().copied().filter(|d| *d != lead).collect();
    co.sort_by_key(|d| d.0);
    co.dedup();
    if co.len() > MAX_CO_UNITS {
        return Err(AppError::BadRequest("proposal.too_many_units"));
    }
    let mut all = co.clone();
    all.push(lead);
    let names: Vec<(DepartmentId, String)> = departments::table
        .filter(
            departments::id
                .eq_any(&all)
                .and(departments::committee_id.eq(actor.committee_id))
                .and(departments::active.eq(true)),
        )
        .select((departments::id, departments::name))
        .load(conn)?;
    if names.len() != all.len() {
        return Err(AppError::BadRequest("proposal.bad_unit"));
    }
    let deadline = step.deadline.unwrap_or_else(|| today() + Duration::days(DEFAULT_DAYS));
    if !model::deadline_ok(deadline, today()) {
        return Err(AppError::BadRequest("proposal.bad_deadline"));
    }
    diesel::update(proposals::table.find(p.id))
        .set((
            proposals::lead_department_id.eq(Some(lead)),
            proposals::deadline.eq(Some(deadline)),
            proposals::assigned_at.eq(Some(t)),
            proposals::signed_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    diesel::delete(units::table.filter(units::proposal_id.eq(p.id))).execute(conn)?;
    for d in &co {
        diesel::insert_into(units::table)
            .values((
                units::proposal_id.eq(p.id),
                units::department_id.eq(d),
                units::opinion.eq(""),
                units::created_at.eq(t),
            ))
            .execute(conn)?;
    }
    let name = |d: DepartmentId| names.iter().find(|x| x.0 == d).map(|x| x.1.clone()).unwrap_or_default();
    let subject = format!("proposal:{}", p.id);
    let fill = |key: &str| {
        Lang::Zh
            .t(key)
            .replace("%{number}", &p.number_label())
            .replace("%{title}", &p.title)
            .replace("%{date}", &crate::kernel::docx::chinese_date(deadline))
            .replace("%{lead}", &name(lead))
    };
    inapp::post(conn, actor.committee_id, Unit::Department(lead), &name(lead), &subject, &fill("proposal.inapp_lead"))?;
    for d in &co {
        inapp::post(conn, actor.committee_id, Unit::Department(*d), &name(*d), &subject, &fill("proposal.inapp_co"))?;
    }
    let co_names: Vec<String> = co.iter().map(|d| name(*d)).collect();
    Ok(if co_names.is_empty() { name(lead) } else { format!("{}；会办：{}", name(lead), co_names.join("、")) })
}

/// Who is told of a step: every proposer (the merged-in ones too) of the
/// steps they follow, the district of what waits for it.
fn tell(conn: &mut DbConn, p: &Proposal, kind: EventKind, to: Status) -> AppResult<()> {
    let subject = format!("proposal:{}", p.id);
    let key = format!("proposal.told_{kind}");
    let text = Lang::Zh.t(&key).replace("%{title}", &p.title);
    let to_proposers = matches!(
        kind,
        EventKind::Accepted
            | EventKind::Declined
            | EventKind::ToOpinion
            | EventKind::Merged
            | EventKind::Assigned
            | EventKind::Answered
            | EventKind::Closed
    );
    if to_proposers {
        for (m, name) in proposers(conn, p.id)? {
            inapp::post(conn, p.committee_id, Unit::Member(m), &name, &subject, &text)?;
        }
    }
    if matches!(kind, EventKind::Submitted | EventKind::Returned | EventKind::Rated)
        || (kind == EventKind::Reopened && to == Status::InProgress)
    {
        inapp::post(conn, p.committee_id, Unit::District, "区政协", &subject, &text)?;
    }
    if let (EventKind::Reopened, Some(d)) = (kind, p.lead_department_id) {
        let name: String = departments::table.find(d).select(departments::name).first(conn)?;
        inapp::post(conn, p.committee_id, Unit::Department(d), &name, &subject, &text)?;
    }
    Ok(())
}

/// The lead unit's answer: the reply's text and its letter (答复函), the
/// files stored already, committed with the step.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id, files = files.len()))]
pub fn answer(conn: &mut DbConn, actor: &Actor, id: ProposalId, text: &str, files: &[FileId]) -> AppResult<()> {
    let p = get(conn, actor, id)?;
    if files.is_empty() && p.status == Status::InProgress {
        return Err(AppError::BadRequest("proposal.letter_required"));
    }
    step_on(conn, actor, id, &Step { note: text.to_string(), ..Step::new(Action::Answer) })?;
    let t = now();
    for f in files {
        diesel::insert_into(pfiles::table)
            .values((
                pfiles::committee_id.eq(actor.committee_id),
                pfiles::proposal_id.eq(id),
                pfiles::file_id.eq(f),
                pfiles::created_at.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The demo's answer: the demo has no letter file to upload.
pub(crate) fn answer_without_letter(conn: &mut DbConn, actor: &Actor, id: ProposalId, text: &str) -> AppResult<()> {
    step_on(conn, actor, id, &Step { note: text.to_string(), ..Step::new(Action::Answer) }).map(|_| ())
}

/// Before the answer's files are stored: the proposal is the actor's to
/// answer now. Otherwise "not found" or a wrong state, and nothing stored.
pub fn may_answer(conn: &mut DbConn, actor: &Actor, id: ProposalId) -> AppResult<()> {
    let p = get(conn, actor, id)?;
    if party(conn, actor, &p)? != Some(Party::LeadUnit) {
        return Err(AppError::Forbidden);
    }
    if p.status != Status::InProgress {
        return Err(AppError::Conflict("proposal.wrong_state"));
    }
    Ok(())
}

/// A co-unit signs for its part and gives its opinion to the lead unit
/// (会办意见), while the proposal is being handled.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn co_opinion(conn: &mut DbConn, actor: &Actor, id: ProposalId, opinion: &str) -> AppResult<()> {
    let p = get(conn, actor, id)?;
    let Viewer::Department(d) = viewer(conn, actor)? else { return Err(AppError::Forbidden) };
    if !p.status.deadline_runs() {
        return Err(AppError::Conflict("proposal.wrong_state"));
    }
    let opinion = form::bounded(opinion, MAX_TEXT, "proposal.text_too_long")?;
    let n = diesel::update(units::table.filter(units::proposal_id.eq(id).and(units::department_id.eq(d))))
        .set((units::opinion.eq(&opinion), units::signed_at.eq(Some(now()))))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::Forbidden);
    }
    let kind = if opinion.is_empty() { EventKind::CoSigned } else { EventKind::CoOpinion };
    event(conn, id, kind, Some(actor), &opinion)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("proposal.co_opinion", "proposal", id).after(serde_json::json!({ "opinion": opinion })),
    )
}

/// 重点提案: staff mark a filed proposal key, with the leader who follows it.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn set_key(conn: &mut DbConn, actor: &Actor, id: ProposalId, on: bool, leader: Option<UserId>) -> AppResult<()> {
    if !model::is_staff(actor) {
        return Err(AppError::Forbidden);
    }
    let p = get(conn, actor, id)?;
    if !p.status.is_filed() {
        return Err(AppError::Conflict("proposal.not_filed"));
    }
    let leader = match (on, leader) {
        (true, Some(u)) => {
            let (name, role): (String, Role) = users::table
                .find(u)
                .filter(users::committee_id.eq(actor.committee_id))
                .select((users::display_name, users::role))
                .first(conn)
                .optional()?
                .ok_or(AppError::BadRequest("proposal.bad_leader"))?;
            if role != Role::Leader {
                return Err(AppError::BadRequest("proposal.bad_leader"));
            }
            Some((u, name))
        }
        (true, None) => return Err(AppError::BadRequest("proposal.choose_leader")),
        (false, _) => None,
    };
    diesel::update(proposals::table.find(id))
        .set((proposals::key_proposal.eq(on), proposals::key_leader_id.eq(leader.as_ref().map(|l| l.0))))
        .execute(conn)?;
    let note = leader.map(|l| l.1).unwrap_or_default();
    if on {
        event(conn, id, EventKind::MarkedKey, Some(actor), &note)?;
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("proposal.key", "proposal", id)
            .before(serde_json::json!({ "key": p.key_proposal }))
            .after(serde_json::json!({ "key": on, "leader": note })),
    )
}

/// The committee makes an answered proposal's answer public (or not).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn set_public(conn: &mut DbConn, actor: &Actor, id: ProposalId, on: bool) -> AppResult<()> {
    if !model::is_staff(actor) {
        return Err(AppError::Forbidden);
    }
    let p = get(conn, actor, id)?;
    if on && !p.status.shows_answer() {
        return Err(AppError::Conflict("proposal.not_answered"));
    }
    diesel::update(proposals::table.find(id)).set(proposals::public.eq(on)).execute(conn)?;
    if on {
        event(conn, id, EventKind::MadePublic, Some(actor), "")?;
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("proposal.public", "proposal", id)
            .before(serde_json::json!({ "public": p.public }))
            .after(serde_json::json!({ "public": on })),
    )
}

/// The leaders staff may name to follow a key proposal.
pub fn leaders(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(UserId, String)>> {
    if !model::is_staff(actor) {
        return Ok(vec![]);
    }
    Ok(users::table
        .filter(users::committee_id.eq(actor.committee_id).and(users::role.eq(Role::Leader)))
        .order(users::id.asc())
        .select((users::id, users::display_name))
        .load(conn)?)
}

/// Whether a rating is one a proposer may give.
pub fn given_rating(code: &str) -> AppResult<Rating> {
    Rating::parse(code).filter(|r| Rating::GIVEN.contains(r)).ok_or(AppError::BadRequest("proposal.choose_rating"))
}
