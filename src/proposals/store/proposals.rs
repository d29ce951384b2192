//! Proposals as stored: who may see which (`model::sight`, applied in every
//! query), drafting by the proposers, and the pieces a page shows (signers,
//! units, timeline, files).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{
    departments, files, members, proposal_events as events, proposal_files as pfiles, proposal_signers as signers,
    proposal_units as units, proposals, sectors,
};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::FileRow;
use crate::kernel::ids::{
    CommitteeId, DepartmentId, FileId, MemberId, ProposalId, ProposalSessionId, SectorId, UserId,
};
use crate::kernel::time::{now, today};
use crate::kernel::web::form;
use crate::opinions::model::Rating;
use crate::org::store::{departments as org_departments, members as roster};
use crate::proposals::model::{
    self, EventKind, Kind, MAX_SIGNERS, MAX_TEXT, MAX_TITLE, Sight, SourceKind, Status, number_label,
};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = proposals)]
pub struct Proposal {
    pub id: ProposalId,
    pub committee_id: CommitteeId,
    pub session_id: ProposalSessionId,
    pub number: Option<i32>,
    pub kind: Kind,
    pub title: String,
    pub grounds: String,
    pub suggestions: String,
    pub member_id: MemberId,
    pub sector_id: Option<SectorId>,
    pub in_session: bool,
    pub status: Status,
    pub source_kind: Option<SourceKind>,
    pub source_ref: Option<String>,
    pub reason: String,
    pub merged_into: Option<ProposalId>,
    pub opinion_id: Option<crate::kernel::ids::OpinionId>,
    pub lead_department_id: Option<DepartmentId>,
    pub deadline: Option<NaiveDate>,
    pub assigned_at: Option<NaiveDateTime>,
    pub signed_at: Option<NaiveDateTime>,
    pub returned: bool,
    pub reopened: bool,
    pub answer: String,
    pub answered_at: Option<NaiveDateTime>,
    pub rating: Option<Rating>,
    pub key_proposal: bool,
    pub key_leader_id: Option<UserId>,
    pub public: bool,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Proposal {
    pub fn number_label(&self) -> String {
        number_label(self.number)
    }

    pub fn used(&self) -> model::Used {
        model::Used { returned: self.returned, reopened: self.reopened }
    }

    /// Late: its deadline passed and no answer yet.
    pub fn overdue(&self) -> bool {
        self.status.deadline_runs() && self.deadline.is_some_and(|d| today() > d)
    }
}

/// Who the actor is to proposals: their member record or their department.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    All,
    Member(MemberId),
    Department(DepartmentId),
    None,
}

pub fn viewer(conn: &mut DbConn, actor: &Actor) -> AppResult<Viewer> {
    Ok(match model::sight(actor) {
        Sight::All => Viewer::All,
        Sight::Proposers => roster::own_record(conn, actor)?.map_or(Viewer::None, |m| Viewer::Member(m.id)),
        Sight::Units => org_departments::department_of(conn, actor)?.map_or(Viewer::None, Viewer::Department),
        Sight::None => Viewer::None,
    })
}

/// The ids of the committee's proposals the viewer may see, as a filter:
/// a member's own and co-signed (drafts too), a unit's assigned ones.
pub fn visible_ids(conn: &mut DbConn, actor: &Actor) -> AppResult<Option<Vec<ProposalId>>> {
    let c = actor.committee_id;
    Ok(match viewer(conn, actor)? {
        Viewer::All => None,
        Viewer::None => Some(vec![]),
        Viewer::Member(m) => {
            let mut ids: Vec<ProposalId> = proposals::table
                .filter(proposals::committee_id.eq(c).and(proposals::member_id.eq(m)))
                .select(proposals::id)
                .load(conn)?;
            ids.extend(
                signers::table
                    .inner_join(proposals::table)
                    .filter(signers::member_id.eq(m).and(proposals::committee_id.eq(c)))
                    .select(proposals::id)
                    .load::<ProposalId>(conn)?,
            );
            Some(ids)
        }
        Viewer::Department(d) => {
            let mut ids: Vec<ProposalId> = proposals::table
                .filter(proposals::committee_id.eq(c).and(proposals::lead_department_id.eq(d)))
                .select(proposals::id)
                .load(conn)?;
            ids.extend(
                units::table
                    .inner_join(proposals::table)
                    .filter(units::department_id.eq(d).and(proposals::committee_id.eq(c)))
                    .select(proposals::id)
                    .load::<ProposalId>(conn)?,
            );
            Some(ids)
        }
    })
}

/// One proposal the actor may see. Staff and leaders never see drafts.
pub fn get(conn: &mut DbConn, actor: &Actor, id: ProposalId) -> AppResult<Proposal> {
    let p: Proposal = proposals::table
        .find(id)
        .filter(proposals::committee_id.eq(actor.committee_id))
        .select(Proposal::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let seen = match viewer(conn, actor)? {
        Viewer::All => p.status != Status::Draft,
        Viewer::None => false,
        Viewer::Member(m) => p.member_id == m || is_signer(conn, id, m)?,
        Viewer::Department(d) => p.lead_department_id == Some(d) || is_co_unit(conn, id, d)?,
    };
    if seen { Ok(p) } else { Err(AppError::NotFound) }
}

fn is_signer(conn: &mut DbConn, id: ProposalId, m: MemberId) -> AppResult<bool> {
    let n: i64 =
        signers::table.filter(signers::proposal_id.eq(id).and(signers::member_id.eq(m))).count().get_result(conn)?;
    Ok(n > 0)
}

fn is_co_unit(conn: &mut DbConn, id: ProposalId, d: DepartmentId) -> AppResult<bool> {
    let n: i64 =
        units::table.filter(units::proposal_id.eq(id).and(units::department_id.eq(d))).count().get_result(conn)?;
    Ok(n > 0)
}

/// The list's filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub session: Option<ProposalSessionId>,
    pub status: Option<Status>,
    pub key_only: bool,
}

/// A row of the list: the proposal, its proposers' names, its lead unit.
#[derive(Debug, Clone)]
pub struct Row {
    pub p: Proposal,
    pub proposer: String,
    pub lead: Option<String>,
}

/// The proposals the actor may see: the latest session first, then by
/// number, unnumbered (drafts, waiting for review) last (staff: no drafts).
pub fn list(conn: &mut DbConn, actor: &Actor, f: &Filter) -> AppResult<Vec<Row>> {
    let ids = visible_ids(conn, actor)?;
    let mut q = proposals::table
        .left_join(departments::table)
        .inner_join(members::table)
        .filter(proposals::committee_id.eq(actor.committee_id))
        .into_boxed();
    match ids {
        Some(ids) => q = q.filter(proposals::id.eq_any(ids)),
        None => q = q.filter(proposals::status.ne(Status::Draft)),
    }
    if let Some(s) = f.session {
        q = q.filter(proposals::session_id.eq(s));
    }
    if let Some(s) = f.status {
        q = q.filter(proposals::status.eq(s));
    }
    if f.key_only {
        q = q.filter(proposals::key_proposal.eq(true));
    }
    let rows: Vec<(Proposal, Option<String>, String)> = q
        .order((
            proposals::session_id.desc(),
            proposals::number.is_null(),
            proposals::number.asc(),
            proposals::id.desc(),
        ))
        .select((Proposal::as_select(), departments::name.nullable(), members::name))
        .limit(1000)
        .load(conn)?;
    let sector_names = sector_names(conn, actor.committee_id)?;
    Ok(rows
        .into_iter()
        .map(|(p, lead, name)| {
            let proposer = shown_proposer(&p, &name, &sector_names);
            Row { p, proposer, lead }
        })
        .collect())
}

fn sector_names(conn: &mut DbConn, c: CommitteeId) -> AppResult<Vec<(SectorId, String)>> {
    Ok(sectors::table.filter(sectors::committee_id.eq(c)).select((sectors::id, sectors::name)).load(conn)?)
}

/// How a proposal names who put it forward: the sector for a sector's,
/// "name 等" for a joint one.
fn shown_proposer(p: &Proposal, lead: &str, sectors: &[(SectorId, String)]) -> String {
    match p.kind {
        Kind::Sector => {
            p.sector_id.and_then(|s| sectors.iter().find(|x| x.0 == s)).map_or(lead.to_string(), |s| s.1.clone())
        }
        Kind::Joint => format!("{lead}等"),
        Kind::Member => lead.to_string(),
    }
}

/// What the proposers write.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub kind: Option<Kind>,
    pub title: String,
    pub grounds: String,
    pub suggestions: String,
    pub signers: Vec<MemberId>,
    pub source_kind: Option<SourceKind>,
    pub source_ref: String,
}

/// A checked draft: the text, the kind, the sector for a sector's, the co-signers.
struct Checked {
    kind: Kind,
    title: String,
    grounds: String,
    suggestions: String,
    sector: Option<SectorId>,
    signers: Vec<MemberId>,
}

fn check(conn: &mut DbConn, actor: &Actor, me: &roster::Member, d: &Draft) -> AppResult<Checked> {
    let title = form::bounded(&d.title, MAX_TITLE, "proposal.title_too_long")?;
    if title.is_empty() {
        return Err(AppError::BadRequest("proposal.title_required"));
    }
    let grounds = form::bounded(&d.grounds, MAX_TEXT, "proposal.text_too_long")?;
    let suggestions = form::bounded(&d.suggestions, MAX_TEXT, "proposal.text_too_long")?;
    if suggestions.is_empty() {
        return Err(AppError::BadRequest("proposal.suggestions_required"));
    }
    let kind = d.kind.ok_or(AppError::BadRequest("form.bad_choice"))?;
    let mut signers: Vec<MemberId> = d.signers.iter().copied().filter(|m| *m != me.id).collect();
    signers.sort_by_key(|m| m.0);
    signers.dedup();
    if signers.len() > MAX_SIGNERS {
        return Err(AppError::BadRequest("proposal.too_many_signers"));
    }
    if kind == Kind::Joint && signers.is_empty() {
        return Err(AppError::BadRequest("proposal.signers_required"));
    }
    if kind != Kind::Joint {
        signers.clear();
    }
    let known: i64 = members::table
        .filter(
            members::id
                .eq_any(&signers)
                .and(members::committee_id.eq(actor.committee_id))
                .and(members::status.eq(crate::org::model::MemberStatus::Active)),
        )
        .count()
        .get_result(conn)?;
    if known != signers.len() as i64 {
        return Err(AppError::BadRequest("proposal.bad_signer"));
    }
    let sector = match kind {
        Kind::Sector => Some(me.sector_id.ok_or(AppError::BadRequest("proposal.no_sector"))?),
        _ => None,
    };
    Ok(Checked { kind, title, grounds, suggestions, sector, signers })
}

/// A member starts a draft (optionally from a case, a consultation or a
/// research finding); only its proposers see it until it is submitted.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn create(conn: &mut DbConn, actor: &Actor, d: &Draft) -> AppResult<ProposalId> {
    let me = roster::own_record(conn, actor)?.ok_or(AppError::Forbidden)?;
    let c = check(conn, actor, &me, d)?;
    // Filed under today's session, else the latest: a draft may be written
    // before the district sets up the year's session (submitting files it again).
    let session = match super::sessions::for_date(conn, actor.committee_id, today())? {
        Some(s) => s,
        None => super::sessions::latest(conn, actor.committee_id)?.ok_or(AppError::Conflict("proposal.no_session"))?,
    };
    let source_ref = form::bounded(&d.source_ref, 200, "proposal.text_too_long")?;
    let t = now();
    let id: ProposalId = diesel::insert_into(proposals::table)
        .values((
            proposals::committee_id.eq(actor.committee_id),
            proposals::session_id.eq(session),
            proposals::kind.eq(c.kind),
            proposals::title.eq(&c.title),
            proposals::grounds.eq(&c.grounds),
            proposals::suggestions.eq(&c.suggestions),
            proposals::member_id.eq(me.id),
            proposals::sector_id.eq(c.sector),
            proposals::in_session.eq(false),
            proposals::status.eq(Status::Draft),
            proposals::source_kind.eq(d.source_kind.filter(|_| !source_ref.is_empty())),
            proposals::source_ref.eq(Some(&source_ref).filter(|s| !s.is_empty())),
            proposals::reason.eq(""),
            proposals::returned.eq(false),
            proposals::reopened.eq(false),
            proposals::answer.eq(""),
            proposals::key_proposal.eq(false),
            proposals::public.eq(false),
            proposals::created_at.eq(t),
            proposals::updated_at.eq(t),
        ))
        .returning(proposals::id)
        .get_result(conn)?;
    set_signers(conn, actor, id, &c.title, &c.signers)?;
    event(conn, id, EventKind::Created, Some(actor), "")?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("proposal.create", "proposal", id).after(serde_json::json!({ "title": c.title, "kind": c.kind })),
    )?;
    Ok(id)
}

/// The lead proposer edits a draft.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn update(conn: &mut DbConn, actor: &Actor, id: ProposalId, d: &Draft) -> AppResult<()> {
    let p = get(conn, actor, id)?;
    let me = roster::own_record(conn, actor)?.ok_or(AppError::Forbidden)?;
    if p.member_id != me.id {
        return Err(AppError::Forbidden);
    }
    if !p.status.editable() {
        return Err(AppError::Conflict("proposal.not_editable"));
    }
    let c = check(conn, actor, &me, d)?;
    let source_ref = form::bounded(&d.source_ref, 200, "proposal.text_too_long")?;
    diesel::update(proposals::table.find(id))
        .set((
            proposals::kind.eq(c.kind),
            proposals::title.eq(&c.title),
            proposals::grounds.eq(&c.grounds),
            proposals::suggestions.eq(&c.suggestions),
            proposals::sector_id.eq(c.sector),
            proposals::source_kind.eq(d.source_kind.filter(|_| !source_ref.is_empty())),
            proposals::source_ref.eq(Some(&source_ref).filter(|s| !s.is_empty())),
            proposals::updated_at.eq(now()),
        ))
        .execute(conn)?;
    set_signers(conn, actor, id, &c.title, &c.signers)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("proposal.edit", "proposal", id)
            .before(serde_json::json!({ "title": p.title }))
            .after(serde_json::json!({ "title": c.title })),
    )?;
    Ok(())
}

/// The draft's co-signers become `named`: those kept keep their consent,
/// those dropped go, and each newly named one is asked to agree (联名须本人同意).
fn set_signers(conn: &mut DbConn, actor: &Actor, id: ProposalId, title: &str, named: &[MemberId]) -> AppResult<()> {
    diesel::delete(signers::table.filter(signers::proposal_id.eq(id).and(signers::member_id.ne_all(named))))
        .execute(conn)?;
    let there: Vec<MemberId> =
        signers::table.filter(signers::proposal_id.eq(id)).select(signers::member_id).load(conn)?;
    let t = now();
    let text = crate::kernel::web::i18n::Lang::Zh
        .t("proposal.told_invited")
        .replace("%{title}", title)
        .replace("%{name}", &actor.display_name);
    for m in named.iter().filter(|m| !there.contains(m)) {
        diesel::insert_into(signers::table)
            .values((signers::proposal_id.eq(id), signers::member_id.eq(m), signers::created_at.eq(t)))
            .execute(conn)?;
        let name: String = members::table.find(m).select(members::name).first(conn)?;
        crate::kernel::notify::inapp::post(
            conn,
            actor.committee_id,
            crate::kernel::notify::Unit::Member(*m),
            &name,
            &format!("proposal:{id}"),
            &text,
        )?;
    }
    Ok(())
}

/// Co-signers who have not yet agreed.
pub fn pending_signers(conn: &mut DbConn, id: ProposalId) -> AppResult<Vec<MemberId>> {
    Ok(signers::table
        .filter(signers::proposal_id.eq(id).and(signers::confirmed_at.is_null()))
        .select(signers::member_id)
        .load(conn)?)
}

/// A named co-signer agrees to a draft (附议) or declines; declining takes
/// them off it, and the lead proposer is told either way.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id, agree))]
pub fn cosign(conn: &mut DbConn, actor: &Actor, id: ProposalId, agree: bool) -> AppResult<()> {
    let p = get(conn, actor, id)?;
    let Viewer::Member(me) = viewer(conn, actor)? else { return Err(AppError::Forbidden) };
    if p.status != Status::Draft {
        return Err(AppError::Conflict("proposal.not_editable"));
    }
    let row = signers::table.filter(signers::proposal_id.eq(id).and(signers::member_id.eq(me)));
    let n = if agree {
        diesel::update(row.filter(signers::confirmed_at.is_null()))
            .set(signers::confirmed_at.eq(Some(now())))
            .execute(conn)?
    } else {
        diesel::delete(row).execute(conn)?
    };
    if n == 0 {
        return Err(AppError::Conflict("proposal.wrong_state"));
    }
    let kind = if agree { EventKind::SignerAgreed } else { EventKind::SignerDeclined };
    event(conn, id, kind, Some(actor), "")?;
    let lead: String = members::table.find(p.member_id).select(members::name).first(conn)?;
    let text = crate::kernel::web::i18n::Lang::Zh
        .t(&format!("proposal.told_{kind}"))
        .replace("%{title}", &p.title)
        .replace("%{name}", &actor.display_name);
    crate::kernel::notify::inapp::post(
        conn,
        actor.committee_id,
        crate::kernel::notify::Unit::Member(p.member_id),
        &lead,
        &format!("proposal:{id}"),
        &text,
    )?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("proposal.cosign", "proposal", id).after(serde_json::json!({ "agree": agree })),
    )
}

/// Everyone who put the proposal forward: the lead proposer first.
pub fn proposers(conn: &mut DbConn, id: ProposalId) -> AppResult<Vec<(MemberId, String)>> {
    let lead: (MemberId, String) = proposals::table
        .inner_join(members::table)
        .filter(proposals::id.eq(id))
        .select((members::id, members::name))
        .first(conn)?;
    let mut all = vec![lead];
    all.extend(
        signers::table
            .inner_join(members::table)
            .filter(signers::proposal_id.eq(id))
            .order(signers::id.asc())
            .select((members::id, members::name))
            .load::<(MemberId, String)>(conn)?,
    );
    Ok(all)
}

/// A co-unit as the page shows it.
#[derive(Debug, Clone, Queryable)]
pub struct CoUnit {
    pub department_id: DepartmentId,
    pub name: String,
    pub opinion: String,
    pub signed_at: Option<NaiveDateTime>,
}

pub fn co_units(conn: &mut DbConn, id: ProposalId) -> AppResult<Vec<CoUnit>> {
    Ok(units::table
        .inner_join(departments::table)
        .filter(units::proposal_id.eq(id))
        .order(units::id.asc())
        .select((units::department_id, departments::name, units::opinion, units::signed_at))
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Event {
    pub kind: EventKind,
    pub actor_name: String,
    pub note: String,
    pub created_at: NaiveDateTime,
}

pub fn events(conn: &mut DbConn, id: ProposalId) -> AppResult<Vec<Event>> {
    Ok(events::table
        .filter(events::proposal_id.eq(id))
        .order(events::id.asc())
        .select((events::kind, events::actor_name, events::note, events::created_at))
        .load(conn)?)
}

/// A step on the proposal's timeline, by a user or the system.
pub(super) fn event(
    conn: &mut DbConn,
    id: ProposalId,
    kind: EventKind,
    actor: Option<&Actor>,
    note: &str,
) -> AppResult<()> {
    diesel::insert_into(events::table)
        .values((
            events::proposal_id.eq(id),
            events::kind.eq(kind),
            events::user_id.eq(actor.map(|a| a.user_id)),
            events::actor_name.eq(actor.map_or("系统", |a| a.display_name.as_str())),
            events::note.eq(note),
            events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The answer's files.
pub fn files_of(conn: &mut DbConn, id: ProposalId) -> AppResult<Vec<FileRow>> {
    Ok(pfiles::table
        .inner_join(files::table)
        .filter(pfiles::proposal_id.eq(id))
        .order(pfiles::id.asc())
        .select(FileRow::as_select())
        .load(conn)?)
}

/// Whether `file` is one of the answer's files of a proposal the actor sees.
pub fn holds_file(conn: &mut DbConn, actor: &Actor, id: i64, file: FileId) -> AppResult<bool> {
    let p = get(conn, actor, ProposalId(id))?;
    let n: i64 =
        pfiles::table.filter(pfiles::proposal_id.eq(p.id).and(pfiles::file_id.eq(file))).count().get_result(conn)?;
    Ok(n > 0)
}

/// Everything one proposal's page shows, and what the actor may do there.
pub struct Shown {
    pub p: Proposal,
    pub session: String,
    pub proposers: Vec<(MemberId, String)>,
    /// Co-signers who have not agreed yet.
    pub pending: Vec<MemberId>,
    /// The actor is one of them.
    pub asked: bool,
    pub sector: Option<String>,
    pub lead: Option<String>,
    pub co_units: Vec<CoUnit>,
    pub events: Vec<Event>,
    pub files: Vec<FileRow>,
    pub party: Option<model::Party>,
    /// The actor is one of its co-units.
    pub co_unit: bool,
    pub key_leader: Option<String>,
    /// The case it became (转为社情民意), by tracking code.
    pub opinion_code: Option<String>,
    /// Staff's choices: departments and leaders.
    pub departments: Vec<(DepartmentId, String)>,
    pub leaders: Vec<(UserId, String)>,
}

pub fn shown(conn: &mut DbConn, actor: &Actor, id: ProposalId) -> AppResult<Shown> {
    let p = get(conn, actor, id)?;
    let session = super::sessions::get(conn, actor, p.session_id)?.name;
    let lead = match p.lead_department_id {
        Some(d) => departments::table.find(d).select(departments::name).first(conn).optional()?,
        None => None,
    };
    let sector = match p.sector_id {
        Some(s) => sectors::table.find(s).select(sectors::name).first(conn).optional()?,
        None => None,
    };
    let co_unit = match viewer(conn, actor)? {
        Viewer::Department(d) => is_co_unit(conn, id, d)?,
        _ => false,
    };
    let key_leader = match p.key_leader_id {
        Some(u) => crate::kernel::db::schema::users::table
            .find(u)
            .select(crate::kernel::db::schema::users::display_name)
            .first(conn)
            .optional()?,
        None => None,
    };
    let opinion_code = match p.opinion_id {
        Some(o) => crate::kernel::db::schema::opinions::table
            .find(o)
            .select(crate::kernel::db::schema::opinions::code)
            .first(conn)
            .optional()?,
        None => None,
    };
    let staff = model::is_staff(actor);
    let pending = pending_signers(conn, id)?;
    let asked = match viewer(conn, actor)? {
        Viewer::Member(m) => pending.contains(&m),
        _ => false,
    };
    Ok(Shown {
        session,
        proposers: proposers(conn, id)?,
        pending,
        asked,
        sector,
        lead,
        co_units: co_units(conn, id)?,
        events: events(conn, id)?,
        files: files_of(conn, id)?,
        party: super::moves::party(conn, actor, &p)?,
        co_unit,
        key_leader,
        opinion_code,
        departments: if staff { org_departments::choices(conn, actor)? } else { vec![] },
        leaders: super::moves::leaders(conn, actor)?,
        p,
    })
}

/// The draft form's choices: the committee's members for co-signers.
pub fn signer_choices(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(MemberId, String)>> {
    roster::choices(conn, actor, actor.office_id)
}

/// The accepted proposals of `year` (by submission) that each of `ids`
/// put forward or co-signed, for the duty score. Unscoped: the caller has
/// checked the actor may see these members.
pub fn filed_by_members_unscoped(
    conn: &mut DbConn,
    committee: CommitteeId,
    ids: &[MemberId],
    year: i32,
) -> AppResult<Vec<(MemberId, ProposalId, String, NaiveDateTime)>> {
    let Some((from, to)) = crate::kernel::time::year_bounds(year) else { return Ok(vec![]) };
    let filed: Vec<Status> = Status::ALL.iter().copied().filter(|s| s.is_filed()).collect();
    let base = proposals::committee_id
        .eq(committee)
        .and(proposals::status.eq_any(filed))
        .and(proposals::submitted_at.ge(from))
        .and(proposals::submitted_at.lt(to));
    let mut out: Vec<(MemberId, ProposalId, String, Option<NaiveDateTime>)> = proposals::table
        .filter(base.clone().and(proposals::member_id.eq_any(ids)))
        .select((proposals::member_id, proposals::id, proposals::title, proposals::submitted_at))
        .load(conn)?;
    out.extend(
        signers::table
            .inner_join(proposals::table)
            .filter(base.and(signers::member_id.eq_any(ids)).and(signers::confirmed_at.is_not_null()))
            .select((signers::member_id, proposals::id, proposals::title, proposals::submitted_at))
            .load::<(MemberId, ProposalId, String, Option<NaiveDateTime>)>(conn)?,
    );
    Ok(out.into_iter().filter_map(|(m, id, t, at)| Some((m, id, t, at?))).collect())
}

/// What waits for the actor among proposals, for their home's work queue:
/// (message key, count, where the list is, whether it is late).
pub fn waiting(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(&'static str, i64, String, bool)>> {
    let c = actor.committee_id;
    let mut out = vec![];
    let n = |conn: &mut DbConn, status: Status, who: Viewer| -> AppResult<i64> {
        let base =
            proposals::table.filter(proposals::committee_id.eq(c).and(proposals::status.eq(status))).into_boxed();
        let q = match who {
            Viewer::Member(m) => base.filter(proposals::member_id.eq(m)),
            Viewer::Department(d) => base.filter(proposals::lead_department_id.eq(d)),
            _ => base,
        };
        Ok(q.count().get_result(conn)?)
    };
    match viewer(conn, actor)? {
        Viewer::Member(m) => {
            let me = Viewer::Member(m);
            out.push((
                "queue.proposals_to_rate",
                n(conn, Status::Answered, me)?,
                "/proposals?status=answered".into(),
                false,
            ));
            out.push(("queue.proposal_drafts", n(conn, Status::Draft, me)?, "/proposals?status=draft".into(), false));
            let asked: i64 = signers::table
                .inner_join(proposals::table)
                .filter(
                    signers::member_id
                        .eq(m)
                        .and(signers::confirmed_at.is_null())
                        .and(proposals::status.eq(Status::Draft)),
                )
                .count()
                .get_result(conn)?;
            out.push(("queue.proposals_to_cosign", asked, "/proposals?status=draft".into(), false));
        }
        Viewer::Department(d) => {
            let unit = Viewer::Department(d);
            out.push((
                "queue.proposals_to_sign",
                n(conn, Status::Assigned, unit)?,
                "/proposals?status=assigned".into(),
                false,
            ));
            out.push((
                "queue.proposals_to_answer",
                n(conn, Status::InProgress, unit)?,
                "/proposals?status=in_progress".into(),
                false,
            ));
            let late: i64 = proposals::table
                .filter(
                    proposals::committee_id
                        .eq(c)
                        .and(proposals::lead_department_id.eq(d))
                        .and(proposals::status.eq_any([Status::Assigned, Status::InProgress]))
                        .and(proposals::deadline.lt(today())),
                )
                .count()
                .get_result(conn)?;
            out.push(("queue.proposals_overdue", late, "/proposals".into(), true));
        }
        Viewer::All if actor.role == crate::kernel::auth::Role::Leader => {
            // Leaders follow the key proposals still being handled.
            let open: i64 = proposals::table
                .filter(proposals::committee_id.eq(c).and(proposals::key_proposal.eq(true)).and(
                    proposals::status.eq_any([
                        Status::Accepted,
                        Status::Assigned,
                        Status::InProgress,
                        Status::Answered,
                    ]),
                ))
                .count()
                .get_result(conn)?;
            out.push(("queue.key_proposals", open, "/proposals?key=1".into(), false));
        }
        Viewer::All if model::is_staff(actor) => {
            let wanted = [
                ("queue.proposals_to_review", Status::Submitted),
                ("queue.proposals_to_assign", Status::Accepted),
                ("queue.proposals_to_close", Status::Rated),
            ];
            // One read for the three.
            let counted: Vec<(Status, i64)> = proposals::table
                .filter(proposals::committee_id.eq(c).and(proposals::status.eq_any(wanted.map(|(_, s)| s))))
                .group_by(proposals::status)
                .select((proposals::status, diesel::dsl::count_star()))
                .load(conn)?;
            for (key, status) in wanted {
                let n = counted.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n);
                out.push((key, n, format!("/proposals?status={status}"), false));
            }
        }
        _ => {}
    }
    Ok(out)
}
