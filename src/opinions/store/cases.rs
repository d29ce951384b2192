//! Opinion cases: intake by staff, the scoped inbox, every move of the state
//! machine with its timeline event and audit entry, personal data access.
//! What the resident does without a login is in `public`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::catalog;
use crate::activities::store::heard::{self, OwnActivity};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::prepared::update;
use crate::kernel::db::schema::{
    files, localities, members, offices, opinion_categories, opinion_events, opinion_extensions, opinion_files,
    opinions,
};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::Stored;
use crate::kernel::ids::{CategoryId, CommitteeId, DepartmentId, FileId, LocalityId, MemberId, OfficeId, OpinionId};
use crate::kernel::jobs::store as jobs;
use crate::kernel::search::Doc;
use crate::kernel::time::now;
use crate::opinions::model::{
    self, Action, Assignee, AssigneeKind, DEFAULT_ANSWER_DAYS, EventKind, ExtensionState, FileRole, MAX_BODY_CHARS,
    Party, Rating, Source, Status,
};
use crate::org::store::departments;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = opinions)]
pub struct Opinion {
    pub id: OpinionId,
    pub committee_id: CommitteeId,
    pub office_id: Option<OfficeId>,
    pub locality_id: Option<LocalityId>,
    pub category_id: Option<CategoryId>,
    pub code: String,
    pub source: Source,
    pub heard_by: Option<MemberId>,
    pub body: String,
    pub status: Status,
    pub submitter_name: Option<String>,
    pub submitter_phone: Option<String>,
    pub phone_index: Option<String>,
    pub merged_into: Option<OpinionId>,
    /// Who holds the case, from its two columns `assignee_kind` and `assignee_id`.
    #[diesel(select_expression = (opinions::assignee_kind, opinions::assignee_id))]
    #[diesel(select_expression_type = (opinions::assignee_kind, opinions::assignee_id))]
    #[diesel(deserialize_as = HolderColumns)]
    pub assignee: Option<Assignee>,
    pub assigned_at: Option<NaiveDateTime>,
    pub due_at: Option<NaiveDateTime>,
    pub signed_at: Option<NaiveDateTime>,
    pub reopened: bool,
    pub answer: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub rating: Option<Rating>,
    pub rating_comment: Option<String>,
    pub reject_reason: Option<String>,
    pub public: bool,
    pub escalated_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// 紧急件: its handler is alerted at once (`urgent::alert`).
    pub urgent: bool,
}

/// A case's handler as its two columns, read together: both set or both empty.
/// Anything else is an error, never taken for "no handler".
#[derive(Queryable)]
pub struct HolderColumns(Option<AssigneeKind>, Option<i64>);

impl TryFrom<HolderColumns> for Option<Assignee> {
    type Error = String;

    fn try_from(HolderColumns(kind, id): HolderColumns) -> Result<Self, String> {
        match (kind, id) {
            (Some(k), Some(id)) => Ok(Some(Assignee::from_parts(k, id))),
            (None, None) => Ok(None),
            (k, id) => Err(format!("a case's handler is half set: kind {k:?}, id {id:?}")),
        }
    }
}

impl Opinion {
    pub fn status_label_key(&self) -> String {
        self.status.label_key()
    }
    /// The code as two groups of five, easier to read aloud and copy down.
    pub fn code_spaced(&self) -> String {
        let (a, b) = self.code.split_at(self.code.len() / 2);
        format!("{a} {b}")
    }
    pub fn source_label_key(&self) -> String {
        self.source.label_key()
    }
    pub fn rating_label_key(&self) -> Option<String> {
        self.rating.map(Rating::label_key)
    }
    pub fn is_overdue(&self, at: NaiveDateTime) -> bool {
        self.status.deadline_runs() && self.due_at.is_some_and(|d| d < at)
    }
}

/// A new case as the box or a staff member gives it; personal data arrives
/// already encrypted (the store never sees it in clear).
#[derive(Debug, Clone, Default)]
pub struct NewOpinion {
    pub office_id: Option<OfficeId>,
    pub locality_id: Option<LocalityId>,
    pub category_id: Option<CategoryId>,
    pub source: Option<Source>,
    pub heard_by: Option<MemberId>,
    pub body: String,
    pub name_enc: Option<String>,
    pub phone_enc: Option<String>,
    pub phone_index: Option<String>,
    /// Staff entering a slip may mark it urgent; the public box cannot.
    pub urgent: bool,
    /// The body's search terms, worked out before the write (`indexed`);
    /// none: worked out in it.
    pub doc: Option<Doc>,
}

impl NewOpinion {
    /// With its search terms worked out now, outside the write that files it:
    /// the public box's submissions share SQLite's one writer thread. A body
    /// over the length the write refuses is not tokenised at all.
    pub fn indexed(mut self) -> NewOpinion {
        let body = self.body.trim();
        if body.chars().count() <= MAX_BODY_CHARS {
            self.doc = Some(Doc::of(body));
        }
        self
    }
}

/// What `check_refs` learned of a new case's places and category: the office
/// it is filed under (a locality implies its office) and its category's
/// top-level class for the roll-up (0 for none).
struct Refs {
    office_id: Option<OfficeId>,
    major_category: i64,
}

/// Checks that the case's office, locality, category and member are the
/// committee's, in one read: a submission's references are the box's form
/// fields, checked on every case, and each was a round trip of its own.
fn check_refs(conn: &mut DbConn, committee_id: CommitteeId, n: &NewOpinion) -> AppResult<Refs> {
    let chars = n.body.trim().chars().count();
    if chars == 0 {
        return Err(AppError::BadRequest("opinion.empty"));
    }
    if chars > MAX_BODY_CHARS {
        return Err(AppError::BadRequest("opinion.too_long"));
    }
    if n.office_id.is_none() && n.locality_id.is_none() && n.category_id.is_none() && n.heard_by.is_none() {
        return Ok(Refs { office_id: None, major_category: 0 });
    }
    // An absent reference asks for id 0, which no row has: one statement shape.
    let office = n.office_id.unwrap_or(OfficeId(0));
    let locality = n.locality_id.unwrap_or(LocalityId(0));
    let category = n.category_id.unwrap_or(CategoryId(0));
    let member = n.heard_by.unwrap_or(MemberId(0));
    // (offices found, the locality's office, categories found, the category's
    // parent, members found)
    type Found = (Option<i64>, Option<OfficeId>, Option<i64>, Option<CategoryId>, Option<i64>);
    let (offices_found, locality_office, categories_found, parent, members_found): Found = diesel::select((
        offices::table
            .filter(offices::id.eq(office).and(offices::committee_id.eq(committee_id)))
            .count()
            .single_value(),
        localities::table
            .filter(localities::id.eq(locality).and(localities::committee_id.eq(committee_id)))
            .select(localities::office_id)
            .single_value(),
        opinion_categories::table
            .filter(opinion_categories::id.eq(category).and(opinion_categories::committee_id.eq(committee_id)))
            .count()
            .single_value(),
        opinion_categories::table
            .filter(opinion_categories::id.eq(category).and(opinion_categories::committee_id.eq(committee_id)))
            .select(opinion_categories::parent_id)
            .single_value(),
        members::table
            .filter(members::id.eq(member).and(members::committee_id.eq(committee_id)))
            .count()
            .single_value(),
    ))
    .get_result(conn)?;
    let found = |n: Option<i64>| n.unwrap_or(0) > 0;
    if n.office_id.is_some() && !found(offices_found) {
        return Err(AppError::BadRequest("opinion.bad_place"));
    }
    let office_id = match (n.office_id, n.locality_id, locality_office) {
        (o, None, _) => o,
        (None, Some(_), Some(l)) => Some(l),
        (Some(o), Some(_), Some(l)) if o == l => Some(o),
        _ => return Err(AppError::BadRequest("opinion.bad_place")),
    };
    if n.category_id.is_some() && !found(categories_found) {
        return Err(AppError::BadRequest("opinion.bad_category"));
    }
    if n.heard_by.is_some() && !found(members_found) {
        return Err(AppError::BadRequest("opinion.bad_member"));
    }
    let major_category = n.category_id.map_or(0, |c| crate::opinions::stats::major_of(c, parent));
    Ok(Refs { office_id, major_category })
}

/// Files a new case and its first timeline event; returns its id and tracking
/// code. `by` is the staff member entering it; `None` for a resident at the
/// box (`public::submit`), whose case goes to the committee of the box.
pub(super) fn file(
    conn: &mut DbConn,
    committee_id: CommitteeId,
    n: &NewOpinion,
    by: Option<&Actor>,
) -> AppResult<(OpinionId, String)> {
    let Refs { office_id, major_category } = check_refs(conn, committee_id, n)?;
    let source = n.source.unwrap_or(Source::Web);
    let t = now();
    for _ in 0..5 {
        let code = model::new_tracking_code();
        let insert = diesel::insert_into(opinions::table)
            .values((
                opinions::committee_id.eq(committee_id),
                opinions::office_id.eq(office_id),
                opinions::locality_id.eq(n.locality_id),
                opinions::category_id.eq(n.category_id),
                opinions::code.eq(&code),
                opinions::source.eq(source),
                opinions::heard_by.eq(n.heard_by),
                opinions::body.eq(n.body.trim()),
                opinions::status.eq(Status::Submitted),
                opinions::submitter_name.eq(&n.name_enc),
                opinions::submitter_phone.eq(&n.phone_enc),
                opinions::phone_index.eq(&n.phone_index),
                opinions::reopened.eq(false),
                opinions::public.eq(false),
                opinions::created_at.eq(t),
                opinions::updated_at.eq(t),
                opinions::urgent.eq(n.urgent && by.is_some()),
            ))
            // A taken code inserts nothing rather than failing, so no savepoint
            // is needed to try again (a failed statement would end the
            // transaction on PostgreSQL). The MultiConnection has no ON
            // CONFLICT itself: each arm runs the same statement.
            .on_conflict(opinions::code)
            .do_nothing()
            .returning(opinions::id);
        let inserted: Option<OpinionId> = match conn {
            DbConn::Pg(c) => insert.get_result(c).optional()?,
            DbConn::Sqlite(c) => insert.get_result(c).optional()?,
        };
        let Some(id) = inserted else { continue };
        let doc = match &n.doc {
            Some(d) => std::borrow::Cow::Borrowed(d),
            None => std::borrow::Cow::Owned(Doc::of(n.body.trim())),
        };
        crate::kernel::search::index_new(conn, committee_id, "opinion", id.0, &doc)?;
        let who = by.map(|a| a.display_name.clone()).unwrap_or_else(|| "群众".into());
        event(conn, committee_id, id, EventKind::Submitted, Some(Status::Submitted), by, &who, true, "")?;
        let audit_who = match by {
            Some(a) => Who::User(a),
            None => Who::System { committee_id: Some(committee_id), name: "opinion box" },
        };
        audit::record(
            conn,
            audit_who,
            Change::new("opinion.submit", "opinion", id)
                .after(serde_json::json!({ "source": source.as_str(), "office_id": office_id })),
        )?;
        crate::opinions::stats::on_submit(conn, committee_id, office_id, major_category, t)?;
        return Ok((id, code));
    }
    Err(AppError::Internal(anyhow::anyhow!("no free tracking code after 5 tries")))
}

/// Staff enter a case: a paper slip from the box, or an opinion heard at an
/// activity (`model::entry_office` says who may and how it is filed; members
/// are refused: theirs is `enter_heard_by_member`). The case is the actor's
/// committee's.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn enter(conn: &mut DbConn, actor: &Actor, n: &NewOpinion) -> AppResult<(OpinionId, String)> {
    let source = n.source.unwrap_or(Source::Web);
    let office_id = model::entry_office(actor, source, n.heard_by, n.office_id)?;
    file(conn, actor.committee_id, &NewOpinion { office_id, source: Some(source), ..n.clone() }, Some(actor))
}

/// What a member heard and files from their phone (`crate::workbench`):
/// the text, its category and the resident's contact (already encrypted).
/// Where it is filed is not theirs to say.
#[derive(Debug, Clone, Default)]
pub struct HeardByMember {
    pub category_id: Option<CategoryId>,
    pub body: String,
    pub name_enc: Option<String>,
    pub phone_enc: Option<String>,
    pub phone_index: Option<String>,
}

/// A member files what they heard themself (`model::member_entry_office`),
/// named as who heard it, never urgent, with up to the box's photos. Heard
/// at `at` (an activity `heard_at_own` found them on the list of, in its
/// window), the case takes that activity's office and place and is listed
/// on it; heard elsewhere, the member's own office and no place.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, photos = photos.len()))]
pub fn enter_heard_by_member(
    conn: &mut DbConn,
    actor: &Actor,
    at: Option<OwnActivity>,
    h: &HeardByMember,
    photos: &[Stored],
) -> AppResult<(OpinionId, String)> {
    if actor.role != Role::Member {
        return Err(AppError::Forbidden);
    }
    if photos.len() > model::MAX_PHOTOS {
        return Err(AppError::BadRequest("file.too_many"));
    }
    let me = crate::org::store::members::own_record(conn, actor)?.ok_or(AppError::Forbidden)?;
    // Found on this member's list, not another's.
    if at.is_some_and(|a| a.member() != me.id) {
        return Err(AppError::Forbidden);
    }
    let office_id =
        model::member_entry_office(actor, me.id, me.office_id, Source::Activity, Some(me.id), at.map(|a| a.office_id))?;
    let n = NewOpinion {
        office_id,
        locality_id: at.and_then(|a| a.locality_id),
        category_id: h.category_id,
        source: Some(Source::Activity),
        heard_by: Some(me.id),
        body: h.body.clone(),
        name_enc: h.name_enc.clone(),
        phone_enc: h.phone_enc.clone(),
        phone_index: h.phone_index.clone(),
        urgent: false,
        doc: None,
    };
    let (id, code) = file(conn, actor.committee_id, &n, Some(actor))?;
    if let Some(at) = at {
        heard::link_own(conn, at, id)?;
    }
    attach_photos(conn, actor, id, photos)?;
    Ok((id, code))
}

/// The photos of a case just filed (`enter_heard_by_member`): each a file
/// row of the actor's, internal to the case.
fn attach_photos(conn: &mut DbConn, actor: &Actor, id: OpinionId, photos: &[Stored]) -> AppResult<()> {
    for s in photos {
        let f = crate::kernel::files::insert_row(conn, actor, s)?;
        attach_file(conn, id, f, FileRole::Photo, false)?;
    }
    Ok(())
}

/// Links a stored file to a case; the caller has checked the case (a new one
/// of its own, or one it just acted on).
/// `public`: an answer's file the resident may see on the tracking page.
fn attach_file(conn: &mut DbConn, id: OpinionId, file: FileId, role: FileRole, public: bool) -> AppResult<()> {
    diesel::insert_into(opinion_files::table)
        .values((
            opinion_files::opinion_id.eq(id),
            opinion_files::file_id.eq(file),
            opinion_files::role.eq(role),
            opinion_files::created_at.eq(now()),
            opinion_files::public.eq(public),
        ))
        .execute(conn)?;
    Ok(())
}

/// A resident's photos with the case they just filed (public rows: no uploader).
pub(super) fn attach_public_photos(
    conn: &mut DbConn,
    committee_id: CommitteeId,
    id: OpinionId,
    photos: &[Stored],
) -> AppResult<()> {
    for s in photos {
        let f = crate::kernel::files::insert_public_row(conn, committee_id, s)?;
        attach_file(conn, id, f, FileRole::Photo, false)?;
    }
    Ok(())
}

/// The names a case page shows for a case's ids.
#[derive(Debug, Clone, Default)]
pub struct CaseNames {
    pub office: Option<String>,
    pub locality: Option<String>,
    pub category: Option<String>,
}

/// The office, locality and category names of a case the caller has checked.
pub fn names(conn: &mut DbConn, o: &Opinion) -> AppResult<CaseNames> {
    let office = match o.office_id {
        Some(x) => offices::table.find(x).select(offices::name).get_result(conn).optional()?,
        None => None,
    };
    let locality = match o.locality_id {
        Some(x) => localities::table.find(x).select(localities::name).get_result(conn).optional()?,
        None => None,
    };
    let category = match o.category_id {
        Some(x) => opinion_categories::table.find(x).select(opinion_categories::name).get_result(conn).optional()?,
        None => None,
    };
    Ok(CaseNames { office, locality, category })
}

/// Which cases an actor may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    /// An office's own cases and those assigned to it.
    Office(OfficeId),
    Department(DepartmentId),
    /// Assigned to the member, or heard by them.
    Member(MemberId),
    Nothing,
}

pub fn scope(conn: &mut DbConn, actor: &Actor) -> AppResult<Scope> {
    Ok(match actor.role {
        Role::DistrictAdmin | Role::Leader => Scope::All,
        Role::OfficeStaff => actor.office_id.map(Scope::Office).unwrap_or(Scope::Nothing),
        Role::Department => departments::department_of(conn, actor)?.map(Scope::Department).unwrap_or(Scope::Nothing),
        Role::Member => {
            crate::org::store::members::own_record(conn, actor)?.map(|m| Scope::Member(m.id)).unwrap_or(Scope::Nothing)
        }
        Role::Auditor | Role::Sysadmin | Role::SecurityAdmin => Scope::Nothing,
    })
}

type Boxed<'a> = opinions::BoxedQuery<'a, crate::kernel::db::MultiBackend>;

fn scoped<'a>(q: Boxed<'a>, committee_id: CommitteeId, scope: Scope) -> Option<Boxed<'a>> {
    let q = q.filter(opinions::committee_id.eq(committee_id));
    let held_by = |a: Assignee| {
        let (kind, id) = a.parts();
        opinions::assignee_kind.eq(kind).and(opinions::assignee_id.eq(id))
    };
    Some(match scope {
        Scope::All => q,
        Scope::Office(o) => q.filter(opinions::office_id.eq(o).or(held_by(Assignee::Office(o)))),
        Scope::Department(d) => q.filter(held_by(Assignee::Department(d))),
        Scope::Member(m) => q.filter(opinions::heard_by.eq(m).or(held_by(Assignee::Member(m)))),
        Scope::Nothing => return None,
    })
}

/// The cases the actor may see, as a query to narrow further (`None`: none).
fn visible(conn: &mut DbConn, actor: &Actor) -> AppResult<Option<Boxed<'static>>> {
    let scope = scope(conn, actor)?;
    Ok(scoped(opinions::table.into_boxed(), actor.committee_id, scope))
}

/// One case, if the actor may see it.
///
/// Reads by key here and in the steps use `get_result`, not `first`: SQLite
/// (3.53) folds a bound `LIMIT ?` into the statement and so prepares it again
/// every time it is run, which was a quarter of a step's time.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id))]
pub fn get(conn: &mut DbConn, actor: &Actor, id: OpinionId) -> AppResult<Option<Opinion>> {
    let Some(q) = visible(conn, actor)? else { return Ok(None) };
    Ok(q.filter(opinions::id.eq(id)).select(Opinion::as_select()).get_result(conn).optional()?)
}

/// A case by its tracking code, if the actor may see it (staff typing a code:
/// the case to merge into, the cases of a report).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, code))]
pub fn get_by_code(conn: &mut DbConn, actor: &Actor, code: &str) -> AppResult<Option<Opinion>> {
    let Some(q) = visible(conn, actor)? else { return Ok(None) };
    Ok(q.filter(opinions::code.eq(code)).select(Opinion::as_select()).get_result(conn).optional()?)
}

/// A case a topic of office `office` may be raised from, by the code typed:
/// one the actor may see, or one sent to that office (or to the district's
/// box, to no office) when it is the actor's own: a member raising a topic
/// from a resident's case. Never another office's case: its code would show
/// its status on the topic.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, office = %office))]
pub fn linkable_by_code(
    conn: &mut DbConn,
    actor: &Actor,
    office: OfficeId,
    code: &str,
) -> AppResult<Option<OpinionId>> {
    if let Some(o) = get_by_code(conn, actor, code)? {
        if actor.office_id.is_none() || o.office_id.is_none_or(|of| of == office) {
            return Ok(Some(o.id));
        }
        return Ok(None);
    }
    if actor.office_id != Some(office) {
        return Ok(None);
    }
    Ok(opinions::table
        .filter(opinions::code.eq(code))
        .filter(opinions::committee_id.eq(actor.committee_id))
        .filter(opinions::office_id.eq(office).or(opinions::office_id.is_null()))
        .select(opinions::id)
        .get_result(conn)
        .optional()?)
}

/// A case by its tracking code, with no actor: the code is the resident's only
/// key to their case (`public`).
pub(super) fn by_code(conn: &mut DbConn, code: &str) -> AppResult<Option<Opinion>> {
    Ok(opinions::table.filter(opinions::code.eq(code)).select(Opinion::as_select()).get_result(conn).optional()?)
}

/// A case by id with no scope check: for following a merged duplicate to its
/// case on the resident's own tracking page, for another area's note on a case
/// of its committee (`public_note`) and for the background worker.
pub(super) fn by_id_unscoped(conn: &mut DbConn, id: OpinionId) -> AppResult<Option<Opinion>> {
    Ok(opinions::table.find(id).select(Opinion::as_select()).get_result(conn).optional()?)
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxFilter {
    pub status: Option<Status>,
    /// Any of these statuses (Open311's open or closed); not in the inbox's address.
    pub statuses: Option<Vec<Status>>,
    pub office: Option<OfficeId>,
    pub category: Option<CategoryId>,
    pub overdue: bool,
    pub urgent: bool,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Held by the actor's own unit (their department, office or member
    /// record); nothing for those who hold no cases.
    pub mine: bool,
    /// In progress again since the assignment: the answer was sent back
    /// (发回重办) or the resident was not satisfied.
    pub returned: bool,
    /// The handler's request for more time waits for a decision.
    pub extension: bool,
    /// Held by this unit.
    pub holder: Option<Assignee>,
    /// Ids found by full-text search (the caller ran it), newest first.
    pub ids: Option<Vec<OpinionId>>,
    /// Keyset paging: cases older than this id.
    pub before: Option<OpinionId>,
}

impl InboxFilter {
    /// The inbox address that shows this filter (what the routes' query
    /// reads back); search results and paging are not part of it.
    pub fn href(&self) -> String {
        let mut pairs: Vec<(&str, String)> = vec![];
        if let Some(s) = self.status {
            pairs.push(("status", s.as_str().into()));
        }
        if let Some(o) = self.office {
            pairs.push(("office", o.to_string()));
        }
        if let Some(c) = self.category {
            pairs.push(("category", c.to_string()));
        }
        for (on, key) in [
            (self.overdue, "overdue"),
            (self.urgent, "urgent"),
            (self.mine, "mine"),
            (self.returned, "returned"),
            (self.extension, "extension"),
        ] {
            if on {
                pairs.push((key, "1".into()));
            }
        }
        if let Some(d) = self.from {
            pairs.push(("from", d.to_string()));
        }
        if let Some(d) = self.to {
            pairs.push(("to", d.to_string()));
        }
        if let Some(h) = self.holder {
            pairs.push(("holder", h.key()));
        }
        match serde_urlencoded::to_string(pairs) {
            Ok(q) if !q.is_empty() => format!("/opinions?{q}"),
            _ => "/opinions".into(),
        }
    }
}

pub const INBOX_PAGE: i64 = 50;

#[derive(Debug, Clone)]
pub struct InboxRow {
    pub opinion: Opinion,
    pub office: Option<String>,
    pub category: Option<String>,
    pub overdue: bool,
}

impl InboxRow {
    pub fn excerpt(&self) -> String {
        let s: String = self.opinion.body.chars().take(60).collect();
        if self.opinion.body.chars().count() > 60 { format!("{s}…") } else { s }
    }
}

/// The actor's cases narrowed by `f` (`None`: none), for the inbox and its counts.
fn filtered(conn: &mut DbConn, actor: &Actor, f: &InboxFilter) -> AppResult<Option<Boxed<'static>>> {
    let scope = scope(conn, actor)?;
    let Some(mut q) = scoped(opinions::table.into_boxed(), actor.committee_id, scope) else { return Ok(None) };
    if f.mine {
        let unit = match scope {
            Scope::Department(d) => Assignee::Department(d),
            Scope::Office(o) => Assignee::Office(o),
            Scope::Member(m) => Assignee::Member(m),
            Scope::All | Scope::Nothing => return Ok(None),
        };
        let (kind, id) = unit.parts();
        q = q.filter(opinions::assignee_kind.eq(kind).and(opinions::assignee_id.eq(id)));
    }
    if let Some(h) = f.holder {
        let (kind, id) = h.parts();
        q = q.filter(opinions::assignee_kind.eq(kind).and(opinions::assignee_id.eq(id)));
    }
    if let Some(s) = f.status {
        q = q.filter(opinions::status.eq(s));
    }
    if let Some(list) = &f.statuses {
        q = q.filter(opinions::status.eq_any(list.clone()));
    }
    if let Some(o) = f.office {
        q = q.filter(opinions::office_id.eq(o));
    }
    if let Some(c) = f.category {
        // A major class includes its subclasses.
        let subs: Vec<CategoryId> = opinion_categories::table
            .filter(opinion_categories::parent_id.eq(c))
            .select(opinion_categories::id)
            .load(conn)?;
        let mut all = subs;
        all.push(c);
        q = q.filter(opinions::category_id.eq_any(all));
    }
    if f.overdue {
        // Spelled out, not bound: only literal terms let the database use the
        // partial index `opinions_open` (a constant, no user input).
        q = q
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>("opinions.status IN ('assigned', 'in_progress')"))
            .filter(opinions::due_at.lt(now()));
    }
    if f.returned {
        // Sent back or reopened since the current assignment: the handler's
        // case came back to them (literal SQL, no input).
        q = q.filter(opinions::status.eq(Status::InProgress)).filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "EXISTS (SELECT 1 FROM opinion_events e WHERE e.opinion_id = opinions.id \
             AND e.kind IN ('sent_back', 'reopened') AND e.created_at >= opinions.assigned_at)",
        ));
    }
    if f.extension {
        q = q.filter(
            opinions::id.eq_any(
                opinion_extensions::table
                    .filter(opinion_extensions::state.eq(ExtensionState::Requested))
                    .select(opinion_extensions::opinion_id),
            ),
        );
    }
    if f.urgent {
        q = q.filter(opinions::urgent.eq(true));
    }
    if let Some(d) = f.from {
        q = q.filter(opinions::created_at.ge(crate::kernel::time::start_of_local_day(d)));
    }
    if let Some(d) = f.to {
        q = q.filter(opinions::created_at.lt(crate::kernel::time::start_of_local_day(d + chrono::Duration::days(1))));
    }
    if let Some(ids) = &f.ids {
        q = q.filter(opinions::id.eq_any(ids.clone()));
    }
    if let Some(b) = f.before {
        q = q.filter(opinions::id.lt(b));
    }
    Ok(Some(q))
}

/// How many of the actor's cases `f` lets through: the count a home page
/// shows beside the link to the same filter (one COUNT on the indexes).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn count(conn: &mut DbConn, actor: &Actor, f: &InboxFilter) -> AppResult<i64> {
    let Some(q) = filtered(conn, actor, f)? else { return Ok(0) };
    Ok(q.count().get_result(conn)?)
}

/// `count` for each of `statuses` in one read, in their order: the home page
/// shows three. It asks only for statuses cases wait in at the front of the
/// loop (a few dozen cases), whose statuses are read and counted here: a
/// boxed query takes no GROUP BY.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn count_statuses(conn: &mut DbConn, actor: &Actor, statuses: &[Status]) -> AppResult<Vec<i64>> {
    let f = InboxFilter { statuses: Some(statuses.to_vec()), ..InboxFilter::default() };
    let found: Vec<Status> = match filtered(conn, actor, &f)? {
        Some(q) => q.select(opinions::status).load(conn)?,
        None => vec![],
    };
    Ok(statuses.iter().map(|s| found.iter().filter(|f| *f == s).count() as i64).collect())
}

/// The units holding the most overdue cases among those the actor sees:
/// (unit, overdue cases), most first, at most `limit`.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn overdue_by_holder(conn: &mut DbConn, actor: &Actor, limit: usize) -> AppResult<Vec<(Assignee, i64)>> {
    let f = InboxFilter { overdue: true, ..InboxFilter::default() };
    let Some(q) = filtered(conn, actor, &f)? else { return Ok(vec![]) };
    // Boxed queries take no GROUP BY: the holders of the overdue cases (a
    // few hundred in a district) are counted here.
    let rows: Vec<(Option<AssigneeKind>, Option<i64>)> =
        q.select((opinions::assignee_kind, opinions::assignee_id)).load(conn)?;
    let mut by: std::collections::HashMap<Assignee, i64> = std::collections::HashMap::new();
    for (k, id) in rows {
        if let (Some(k), Some(id)) = (k, id) {
            *by.entry(Assignee::from_parts(k, id)).or_default() += 1;
        }
    }
    let mut out: Vec<(Assignee, i64)> = by.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.key().cmp(&b.0.key())));
    out.truncate(limit);
    Ok(out)
}

/// The staff inbox: the actor's cases, filtered, newest first, a page at a time.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn inbox(conn: &mut DbConn, actor: &Actor, f: &InboxFilter) -> AppResult<Vec<InboxRow>> {
    let Some(q) = filtered(conn, actor, f)? else { return Ok(vec![]) };
    let t = now();
    let rows: Vec<Opinion> = q.order(opinions::id.desc()).limit(INBOX_PAGE).select(Opinion::as_select()).load(conn)?;
    let mut office_ids: Vec<OfficeId> = rows.iter().filter_map(|o| o.office_id).collect();
    let mut cat_ids: Vec<CategoryId> = rows.iter().filter_map(|o| o.category_id).collect();
    office_ids.sort_unstable();
    office_ids.dedup();
    cat_ids.sort_unstable();
    cat_ids.dedup();
    // A page with no office (or no category) asks nothing about them.
    let office_names: Vec<(OfficeId, String)> = if office_ids.is_empty() {
        vec![]
    } else {
        offices::table.filter(offices::id.eq_any(office_ids)).select((offices::id, offices::name)).load(conn)?
    };
    let cat_names: Vec<(CategoryId, String)> = if cat_ids.is_empty() {
        vec![]
    } else {
        opinion_categories::table
            .filter(opinion_categories::id.eq_any(cat_ids))
            .select((opinion_categories::id, opinion_categories::name))
            .load(conn)?
    };
    Ok(rows
        .into_iter()
        .map(|o| InboxRow {
            office: o.office_id.and_then(|x| office_names.iter().find(|(id, _)| *id == x).map(|(_, n)| n.clone())),
            category: o.category_id.and_then(|x| cat_names.iter().find(|(id, _)| *id == x).map(|(_, n)| n.clone())),
            overdue: o.is_overdue(t),
            opinion: o,
        })
        .collect())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = opinion_events)]
pub struct Event {
    pub id: i64,
    pub committee_id: CommitteeId,
    pub opinion_id: OpinionId,
    pub kind: EventKind,
    /// The case's status after a step; none for a note beside the loop.
    pub status: Option<Status>,
    pub actor_id: Option<crate::kernel::ids::UserId>,
    pub actor_name: String,
    pub public: bool,
    pub note: String,
    pub created_at: NaiveDateTime,
}

impl Event {
    pub fn label_key(&self) -> String {
        self.kind.label_key()
    }
}

/// Writes a timeline event on a case the caller has already checked (or
/// made). For the opinion box's own store, jobs and reports only.
#[allow(clippy::too_many_arguments)]
pub(in crate::opinions) fn event(
    conn: &mut DbConn,
    committee_id: CommitteeId,
    id: OpinionId,
    kind: EventKind,
    status: Option<Status>,
    actor: Option<&Actor>,
    actor_name: &str,
    public: bool,
    note: &str,
) -> AppResult<i64> {
    Ok(diesel::insert_into(opinion_events::table)
        .values((
            opinion_events::committee_id.eq(committee_id),
            opinion_events::opinion_id.eq(id),
            opinion_events::kind.eq(kind),
            opinion_events::status.eq(status),
            opinion_events::actor_id.eq(actor.map(|a| a.user_id)),
            opinion_events::actor_name.eq(actor_name),
            opinion_events::public.eq(public),
            opinion_events::note.eq(note),
            opinion_events::created_at.eq(now()),
        ))
        .returning(opinion_events::id)
        .get_result(conn)?)
}

/// A case's timeline, oldest first; `public_only` for the resident's view.
/// The caller has checked the case (`events`, `public::track`).
pub(super) fn timeline(conn: &mut DbConn, id: OpinionId, public_only: bool) -> AppResult<Vec<Event>> {
    let mut q = opinion_events::table.filter(opinion_events::opinion_id.eq(id)).into_boxed();
    if public_only {
        q = q.filter(opinion_events::public.eq(true));
    }
    Ok(q.order(opinion_events::id.asc()).select(Event::as_select()).load(conn)?)
}

/// The whole timeline of a case the actor may see, oldest first.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id))]
pub fn events(conn: &mut DbConn, actor: &Actor, id: OpinionId) -> AppResult<Vec<Event>> {
    get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    timeline(conn, id, false)
}

/// A photo or attachment of a case: (file id, role, name, content type,
/// shown to the resident with the answer).
pub type Attachment = (FileId, FileRole, String, String, bool);

/// The files of a case the caller has checked.
pub(super) fn files_of(conn: &mut DbConn, id: OpinionId) -> AppResult<Vec<Attachment>> {
    Ok(opinion_files::table
        .inner_join(files::table)
        .filter(opinion_files::opinion_id.eq(id))
        .order(opinion_files::id.asc())
        .select((files::id, opinion_files::role, files::original_name, files::content_type, opinion_files::public))
        .load(conn)?)
}

/// Photos and attachments of a case the actor may see.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id))]
pub fn attachments(conn: &mut DbConn, actor: &Actor, id: OpinionId) -> AppResult<Vec<Attachment>> {
    get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    files_of(conn, id)
}

/// Whether `file` is one of the photos or attachments of case `id`, which the
/// actor may see (`kernel::files::routes::download`'s check).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = id, file = %file))]
pub fn holds_file(conn: &mut DbConn, actor: &Actor, id: i64, file: FileId) -> AppResult<bool> {
    if get(conn, actor, OpinionId(id))?.is_none() {
        return Ok(false);
    }
    let n: i64 = opinion_files::table
        .filter(opinion_files::opinion_id.eq(id).and(opinion_files::file_id.eq(file)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// What the actor is to this case: its dispatcher, its handler, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles {
    pub dispatcher: bool,
    pub handler: bool,
}

pub fn roles(conn: &mut DbConn, actor: &Actor, o: &Opinion) -> AppResult<Roles> {
    if o.committee_id != actor.committee_id {
        return Ok(Roles::default());
    }
    let dispatcher = match actor.role {
        Role::DistrictAdmin => true,
        Role::OfficeStaff => actor.office_id.is_some() && o.office_id == actor.office_id,
        _ => false,
    };
    let handler = match (o.assignee, actor.role) {
        (Some(Assignee::Department(d)), Role::Department) => departments::department_of(conn, actor)? == Some(d),
        (Some(Assignee::Office(off)), Role::OfficeStaff) => actor.office_id == Some(off),
        (Some(Assignee::Member(m)), Role::Member) => {
            crate::org::store::members::own_record(conn, actor)?.is_some_and(|r| r.id == m)
        }
        _ => false,
    };
    Ok(Roles { dispatcher, handler })
}

/// One step on a case, with what it needs.
#[derive(Debug, Clone)]
pub struct Step {
    pub action: Action,
    /// The reason, the answer or the rating comment.
    pub note: String,
    pub assignee: Option<Assignee>,
    /// Working days to answer (assign).
    pub days: Option<u32>,
    /// The case to merge into, by id or by the tracking code staff typed.
    pub merge_into: Option<OpinionId>,
    pub merge_code: Option<String>,
}

impl Step {
    pub fn new(action: Action) -> Step {
        Step { action, note: String::new(), assignee: None, days: None, merge_into: None, merge_code: None }
    }
}

fn party_for(action: Action, r: Roles) -> Option<Party> {
    use Action::*;
    match action {
        Sign | Return | Answer => r.handler.then_some(Party::Handler),
        AutoClose => None,
        _ => r.dispatcher.then_some(Party::Dispatcher),
    }
}

/// The name of an active handler of the committee, else "choose another".
fn check_assignee(conn: &mut DbConn, committee_id: CommitteeId, who: Assignee) -> AppResult<String> {
    use crate::kernel::db::schema::departments;
    let name: Option<String> = match who {
        Assignee::Department(id) => departments::table
            .filter(
                departments::id
                    .eq(id)
                    .and(departments::committee_id.eq(committee_id))
                    .and(departments::active.eq(true)),
            )
            .select(departments::name)
            .get_result(conn)
            .optional()?,
        Assignee::Office(id) => offices::table
            .filter(offices::id.eq(id).and(offices::committee_id.eq(committee_id)))
            .select(offices::name)
            .get_result(conn)
            .optional()?,
        Assignee::Member(id) => members::table
            .filter(members::id.eq(id).and(members::committee_id.eq(committee_id)).and(members::status.eq("active")))
            .select(members::name)
            .get_result(conn)
            .optional()?,
    };
    name.ok_or(AppError::BadRequest("opinion.bad_assignee"))
}

/// A step by a logged-in user (staff, a handler, or staff recording a callback).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id, action = ?step.action))]
pub fn act(conn: &mut DbConn, actor: &Actor, id: OpinionId, step: &Step) -> AppResult<Status> {
    let o = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let r = roles(conn, actor, &o)?;
    let party = party_for(step.action, r).ok_or(AppError::Forbidden)?;
    apply(conn, Some(actor), &o, party, step)
}

/// The handler's answer with its attachments, stored already: the answer and
/// the file rows commit together. `public`: the handler lets the resident see
/// the attachments with the answer on the tracking page.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id, files = files.len(), public))]
pub fn answer(
    conn: &mut DbConn,
    actor: &Actor,
    id: OpinionId,
    note: &str,
    files: &[Stored],
    public: bool,
) -> AppResult<()> {
    act(conn, actor, id, &Step { note: note.to_string(), ..Step::new(Action::Answer) })?;
    for s in files {
        let f = crate::kernel::files::insert_row(conn, actor, s)?;
        attach_file(conn, id, f, FileRole::Answer, public)?;
    }
    Ok(())
}

/// The background worker closes an answered case left unrated for 15 days.
/// Unscoped: the hourly sweep acts on every committee's cases, with no user.
#[tracing::instrument(level = "debug", skip_all, fields(case = %id))]
pub fn auto_close_unscoped(conn: &mut DbConn, id: OpinionId) -> AppResult<Status> {
    let o = by_id_unscoped(conn, id)?.ok_or(AppError::NotFound)?;
    apply(conn, None, &o, Party::System, &Step::new(Action::AutoClose))
}

/// A reason or an answer: required, at most `MAX_BODY_CHARS`.
pub(super) fn require_note(note: &str, key: &'static str) -> AppResult<String> {
    let n = note.trim();
    if n.is_empty() {
        return Err(AppError::BadRequest(key));
    }
    if n.chars().count() > MAX_BODY_CHARS {
        return Err(AppError::BadRequest("opinion.note_too_long"));
    }
    Ok(n.to_string())
}

/// A step by `party` (the rules of `model::next`), with its timeline event,
/// audit entry, pushes to residents and counters. The caller has found the case
/// and who the actor is to it.
pub(super) fn apply(
    conn: &mut DbConn,
    actor: Option<&Actor>,
    o: &Opinion,
    party: Party,
    step: &Step,
) -> AppResult<Status> {
    use Action::*;
    let from = o.status;
    let to = model::next(from, step.action, party, o.reopened).map_err(|e| match e {
        model::Refused::WrongState => AppError::Conflict("opinion.wrong_state"),
        model::Refused::NotYours => AppError::Forbidden,
    })?;
    let t = now();
    let name = actor.map(|a| a.display_name.clone()).unwrap_or_else(|| match party {
        Party::Resident => "群众".into(),
        _ => "系统".into(),
    });
    // (event kind, public?, the note the timeline shows)
    let (kind, public, note): (EventKind, bool, String) = match step.action {
        Accept => (EventKind::Accepted, true, String::new()),
        Reject => {
            let reason = require_note(&step.note, "opinion.reason_required")?;
            update(
                opinions::table,
                (opinions::reject_reason.eq(&reason), opinions::closed_at.eq(Some(t))),
                opinions::id.eq(o.id),
            )
            .execute(conn)?;
            (EventKind::Rejected, true, reason)
        }
        Assign | Reassign => {
            let who = step.assignee.ok_or(AppError::BadRequest("opinion.choose_assignee"))?;
            let who_name = check_assignee(conn, o.committee_id, who)?;
            let route_days =
                catalog::route_for(conn, o.committee_id, o.category_id, o.office_id)?.map(|r| r.answer_days as u32);
            let days = step.days.filter(|d| (1..=60).contains(d)).or(route_days).unwrap_or(DEFAULT_ANSWER_DAYS);
            let due = super::deadline::due_at(conn, o.committee_id, t, days)?;
            let (k, id) = who.parts();
            update(
                opinions::table,
                (
                    opinions::assignee_kind.eq(Some(k)),
                    opinions::assignee_id.eq(Some(id)),
                    opinions::assigned_at.eq(Some(t)),
                    opinions::due_at.eq(Some(due)),
                    opinions::signed_at.eq(None::<NaiveDateTime>),
                    opinions::escalated_at.eq(None::<NaiveDateTime>),
                ),
                opinions::id.eq(o.id),
            )
            .execute(conn)?;
            // A new assignment may ask for more time again.
            super::extensions::clear(conn, o.id)?;
            let kind = if step.action == Assign { EventKind::Assigned } else { EventKind::Reassigned };
            // The resident sees which unit handles it; a member's name stays internal.
            let note = if k == AssigneeKind::Member { String::new() } else { who_name };
            (kind, true, note)
        }
        Sign => {
            update(opinions::table, opinions::signed_at.eq(Some(t)), opinions::id.eq(o.id)).execute(conn)?;
            (EventKind::Signed, true, String::new())
        }
        Return => {
            let reason = require_note(&step.note, "opinion.reason_required")?;
            update(
                opinions::table,
                (
                    opinions::assignee_kind.eq(None::<AssigneeKind>),
                    opinions::assignee_id.eq(None::<i64>),
                    opinions::due_at.eq(None::<NaiveDateTime>),
                    opinions::signed_at.eq(None::<NaiveDateTime>),
                ),
                opinions::id.eq(o.id),
            )
            .execute(conn)?;
            (EventKind::Returned, false, reason)
        }
        Answer => {
            let answer = require_note(&step.note, "opinion.answer_required")?;
            update(
                opinions::table,
                (opinions::answer.eq(Some(&answer)), opinions::answered_at.eq(Some(t))),
                opinions::id.eq(o.id),
            )
            .execute(conn)?;
            (EventKind::AnswerSubmitted, false, answer)
        }
        ApproveAnswer => {
            // The resident's 15 days to rate run from now.
            update(opinions::table, opinions::answered_at.eq(Some(t)), opinions::id.eq(o.id)).execute(conn)?;
            (EventKind::Answered, true, o.answer.clone().unwrap_or_default())
        }
        SendBack => {
            let reason = require_note(&step.note, "opinion.reason_required")?;
            (EventKind::SentBack, false, reason)
        }
        Rate(rating) => {
            let comment = step.note.trim().chars().take(500).collect::<String>();
            update(
                opinions::table,
                (opinions::rating.eq(Some(rating)), opinions::rating_comment.eq(Some(&comment))),
                opinions::id.eq(o.id),
            )
            .execute(conn)?;
            if to == Status::InProgress {
                // 不满意 reopens once, with the same handler and a fresh deadline.
                let due = super::deadline::due_at(conn, o.committee_id, t, DEFAULT_ANSWER_DAYS)?;
                update(
                    opinions::table,
                    (
                        opinions::reopened.eq(true),
                        opinions::due_at.eq(Some(due)),
                        opinions::escalated_at.eq(None::<NaiveDateTime>),
                    ),
                    opinions::id.eq(o.id),
                )
                .execute(conn)?;
                (EventKind::Reopened, true, comment)
            } else {
                update(opinions::table, opinions::closed_at.eq(Some(t)), opinions::id.eq(o.id)).execute(conn)?;
                (EventKind::Rated, true, comment)
            }
        }
        AutoClose => {
            update(
                opinions::table,
                (opinions::rating.eq(Some(Rating::Unrated)), opinions::closed_at.eq(Some(t))),
                opinions::id.eq(o.id),
            )
            .execute(conn)?;
            (EventKind::AutoClosed, true, String::new())
        }
        MergeInto => {
            let master = match (actor, step.merge_into, step.merge_code.as_deref()) {
                (Some(a), Some(into), _) => get(conn, a, into)?,
                (Some(a), None, Some(code)) if !code.trim().is_empty() => {
                    // A code typed but not found (or not this user's to see)
                    // is told apart from no code at all.
                    let code = model::normalize_code(code).ok_or(AppError::BadRequest("opinion.merge_not_found"))?;
                    Some(get_by_code(conn, a, &code)?.ok_or(AppError::BadRequest("opinion.merge_not_found"))?)
                }
                _ => None,
            }
            .ok_or(AppError::BadRequest("opinion.choose_merge"))?;
            if master.id == o.id {
                return Err(AppError::BadRequest("opinion.merge_itself"));
            }
            if matches!(master.status, Status::Merged | Status::Rejected) {
                return Err(AppError::BadRequest("opinion.merge_closed"));
            }
            update(opinions::table, opinions::merged_into.eq(Some(master.id)), opinions::id.eq(o.id)).execute(conn)?;
            event(conn, master.committee_id, master.id, EventKind::MergedIn, None, actor, &name, false, &o.code)?;
            (EventKind::Merged, true, master.code.clone())
        }
    };
    update(opinions::table, (opinions::status.eq(to), opinions::updated_at.eq(t)), opinions::id.eq(o.id))
        .execute(conn)?;
    let event_id = event(conn, o.committee_id, o.id, kind, Some(to), actor, &name, public, &note)?;
    let who = match actor {
        Some(a) => Who::User(a),
        None => Who::System { committee_id: Some(o.committee_id), name: &name },
    };
    audit::record(
        conn,
        who,
        Change::new(&format!("opinion.{kind}"), "opinion", o.id)
            .before(serde_json::json!({ "status": from.as_str() }))
            .after(serde_json::json!({ "status": to.as_str() })),
    )?;
    if public {
        notify_followers(conn, o, event_id)?;
    }
    if o.urgent && matches!(step.action, Assign | Reassign) {
        super::urgent::alert(conn, o.id)?;
    }
    crate::opinions::stats::on_step(conn, o, event_id)?;
    Ok(to)
}

/// A public note on a case from another area (a consultation held on the
/// topic the case raised, its published results): on the resident's timeline,
/// and pushed to its submitter and to everyone merged into it, as a public
/// step of the case is. Any case of the actor's committee: the other area
/// links cases by tracking code and checks its own record's scope.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id, kind = %kind))]
pub fn public_note(conn: &mut DbConn, actor: &Actor, id: OpinionId, kind: EventKind, note: &str) -> AppResult<i64> {
    let o = by_id_unscoped(conn, id)?.filter(|o| o.committee_id == actor.committee_id).ok_or(AppError::NotFound)?;
    let event_id = event(conn, o.committee_id, o.id, kind, None, Some(actor), &actor.display_name, true, note)?;
    notify_followers(conn, &o, event_id)?;
    Ok(event_id)
}

/// The text to the resident who left a phone at the box: the code and the
/// link to the tracking page, once (the job and its outbox row are keyed by
/// the case's first event, as every push is).
pub(super) fn notify_submitted(conn: &mut DbConn, id: OpinionId) -> AppResult<()> {
    let o = by_id_unscoped(conn, id)?.ok_or(AppError::NotFound)?;
    let event_id: i64 = opinion_events::table
        .filter(opinion_events::opinion_id.eq(id).and(opinion_events::kind.eq(EventKind::Submitted)))
        .select(opinion_events::id)
        .first(conn)?;
    notify_followers(conn, &o, event_id)
}

/// One message per public status change to the submitter, and to everyone
/// whose duplicate was merged into this case. The dedupe key makes it once.
fn notify_followers(conn: &mut DbConn, o: &Opinion, event_id: i64) -> AppResult<()> {
    // The 12345 hotline follows the cases it sent, as a resident does.
    super::links::on_public_event(conn, o.id, event_id)?;
    let mut ids: Vec<OpinionId> = opinions::table
        .filter(opinions::merged_into.eq(o.id))
        .filter(opinions::submitter_phone.is_not_null())
        .select(opinions::id)
        .load(conn)?;
    if o.submitter_phone.is_some() {
        ids.push(o.id);
    }
    for target in ids {
        let key = format!("notify:{}:{}", target, event_id);
        jobs::enqueue(
            conn,
            super::super::jobs::NOTIFY_RESIDENT,
            &serde_json::json!({ "opinion_id": target, "event_id": event_id }),
            now(),
            Some(&key),
        )?;
    }
    Ok(())
}

/// The dispatcher's move on a case the actor may see, or why not.
pub(in crate::opinions) fn as_dispatcher(conn: &mut DbConn, actor: &Actor, id: OpinionId) -> AppResult<Opinion> {
    let o = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if !roles(conn, actor, &o)?.dispatcher {
        return Err(AppError::Forbidden);
    }
    Ok(o)
}

/// Staff mark a closed case for the public results wall (no personal data).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id, public))]
pub fn set_public(conn: &mut DbConn, actor: &Actor, id: OpinionId, public: bool) -> AppResult<()> {
    let o = as_dispatcher(conn, actor, id)?;
    if public && o.status != Status::Closed {
        return Err(AppError::Conflict("opinion.public_when_closed"));
    }
    update(opinions::table, opinions::public.eq(public), opinions::id.eq(id)).execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("opinion.public", "opinion", id).after(serde_json::json!({ "public": public })),
    )?;
    Ok(())
}

/// The submitter's encrypted name and phone, for those handling the case.
/// Every look is audited: this is the write behind "show in full" (the case
/// page itself is a read and shows them masked).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id))]
pub fn personal_data(conn: &mut DbConn, actor: &Actor, id: OpinionId) -> AppResult<(Option<String>, Option<String>)> {
    let o = get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let r = roles(conn, actor, &o)?;
    if !(r.dispatcher || r.handler) {
        return Err(AppError::Forbidden);
    }
    audit::record(conn, Who::User(actor), Change::new("opinion.personal_view", "opinion", id))?;
    Ok((o.submitter_name, o.submitter_phone))
}

/// A case entered with a member named as who heard it.
#[derive(Debug, Clone, Queryable)]
pub struct HeardCase {
    pub id: OpinionId,
    pub code: String,
    pub source: Source,
    pub status: Status,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// The cases entered in a Beijing calendar year in a member's name (heard at
/// an activity, or brought to staff), by date: for the duty record (履职档案).
/// Whether the actor may read the member's record is the caller's check
/// (`crate::duty` finds the member through the roster's scope).
#[tracing::instrument(level = "debug", skip(conn))]
pub fn heard_by_unscoped(conn: &mut DbConn, member: MemberId, year: i32) -> AppResult<Vec<HeardCase>> {
    let Some((from, to)) = crate::kernel::time::year_bounds(year) else { return Ok(vec![]) };
    Ok(opinions::table
        .filter(opinions::heard_by.eq(member))
        .filter(opinions::created_at.ge(from).and(opinions::created_at.lt(to)))
        .order((opinions::created_at.asc(), opinions::id.asc()))
        .select((
            opinions::id,
            opinions::code,
            opinions::source,
            opinions::status,
            opinions::body,
            opinions::created_at,
        ))
        .load(conn)?)
}

/// Cases heard by any of `members` in `year` (Beijing), for scores: member,
/// case, tracking code and when it came in. Unscoped: the caller has checked
/// that the actor may see these members.
pub fn heard_by_many_unscoped(
    conn: &mut DbConn,
    committee: crate::kernel::ids::CommitteeId,
    members: &[MemberId],
    year: i32,
) -> AppResult<Vec<(MemberId, OpinionId, String, NaiveDateTime)>> {
    let Some((from, to)) = crate::kernel::time::year_bounds(year) else { return Ok(vec![]) };
    let mut out = vec![];
    for chunk in members.chunks(500) {
        let rows: Vec<(Option<MemberId>, OpinionId, String, NaiveDateTime)> = opinions::table
            .filter(opinions::committee_id.eq(committee))
            .filter(opinions::heard_by.eq_any(chunk))
            .filter(opinions::created_at.ge(from).and(opinions::created_at.lt(to)))
            .select((opinions::heard_by, opinions::id, opinions::code, opinions::created_at))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(m, id, code, at)| Some((m?, id, code, at))));
    }
    Ok(out)
}
