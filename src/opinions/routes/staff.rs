//! Staff and handlers: the inbox, one case with its timeline and the moves the
//! user may make, paper slips and opinions heard at activities.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CategoryId, FileId, LocalityId, MemberId, OfficeId, OpinionId};
use crate::kernel::notify::Message;
use crate::kernel::personal::{mask_name, mask_phone};
use crate::kernel::state::AppState;
use crate::kernel::web::page::{flash, form_done};
use crate::kernel::web::{Page, form, render};
use crate::opinions::model::{self, Action, Assignee, AssigneeKind, Rating, Source, Status};
use crate::opinions::store::cases::{self, Event, InboxFilter, InboxRow, NewOpinion, Opinion, Roles, Step};
use crate::opinions::store::catalog::{self, Category};
use crate::opinions::store::urgent;
use crate::org::model::Phone;
use crate::org::store::departments::{self, Department};
use crate::org::store::{self as org, Office};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opinions", get(inbox).post(create))
        .route("/opinions/new", get(new_form))
        .route("/opinions/bulk", post(bulk))
        .route("/opinions/{id}", get(detail))
        .route("/opinions/{id}/act", post(act))
        .route("/opinions/{id}/answer", post(answer))
        .route("/opinions/{id}/personal", post(personal))
        .route("/opinions/{id}/extension", post(request_extension))
        .route("/opinions/{id}/extension/decide", post(decide_extension))
        .route("/opinions/{id}/public", post(set_public))
        .route("/opinions/{id}/urgent", post(set_urgent))
        .route("/opinions/{id}/files/{file}", crate::kernel::files::routes::download(holds_file))
}

#[derive(Deserialize, Default)]
struct InboxQuery {
    status: Option<String>,
    office: Option<String>,
    category: Option<String>,
    overdue: Option<String>,
    urgent: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    before: Option<i64>,
}

impl InboxQuery {
    fn filter(&self) -> AppResult<InboxFilter> {
        Ok(InboxFilter {
            status: self.status.as_deref().and_then(Status::parse),
            office: form::id(&self.office)?.map(OfficeId),
            category: form::id(&self.category)?.map(CategoryId),
            overdue: self.overdue.as_deref() == Some("1"),
            urgent: self.urgent.as_deref() == Some("1"),
            from: form::date(&self.from)?,
            to: form::date(&self.to)?,
            ids: None,
            before: self.before.map(OpinionId),
        })
    }

    fn older(&self, before: OpinionId) -> String {
        let pairs = [
            ("status", self.status.clone().unwrap_or_default()),
            ("office", self.office.clone().unwrap_or_default()),
            ("category", self.category.clone().unwrap_or_default()),
            ("overdue", self.overdue.clone().unwrap_or_default()),
            ("urgent", self.urgent.clone().unwrap_or_default()),
            ("from", self.from.clone().unwrap_or_default()),
            ("to", self.to.clone().unwrap_or_default()),
            ("q", self.q.clone().unwrap_or_default()),
            ("before", before.to_string()),
        ];
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    fn is(&self, field: &Option<String>, v: &str) -> bool {
        field.as_deref() == Some(v)
    }
}

#[derive(Template)]
#[template(path = "opinions/inbox.html")]
struct InboxTemplate {
    page: Page,
    rows: Vec<InboxRow>,
    q: InboxQuery,
    older: Option<String>,
    offices: Vec<Office>,
    categories: Vec<Category>,
    departments: Vec<Department>,
    statuses: &'static [Status],
    dispatcher: bool,
    error: Option<String>,
    /// The latest morning digest of the user's unit.
    digest: Option<Message>,
    /// Urgent cases waiting for the user's unit to sign for them.
    alerts: Vec<urgent::Alert>,
    /// Rows flagged 签收超时.
    sign_late: std::collections::HashSet<OpinionId>,
}

impl InboxTemplate {
    fn is_sign_late(&self, id: &OpinionId) -> bool {
        self.sign_late.contains(id)
    }
}

async fn inbox(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<InboxQuery>,
) -> AppResult<Html<String>> {
    let (mut filter, error) = match q.filter() {
        Ok(f) => (f, None),
        Err(AppError::BadRequest(k)) => (InboxFilter::default(), Some(page.t(k))),
        Err(e) => return Err(e),
    };
    let query = form::text(&q.q);
    let dispatcher = model::is_dispatcher(&me);
    let (rows, offices, categories, departments, digest, alerts, sign_late) = st
        .db
        .read(move |c| {
            if let Some(text) = &query {
                filter.ids = Some(search_ids(c, &me, text, filter.before)?);
            }
            let rows = cases::inbox(c, &me, &filter)?;
            let sign_late = crate::opinions::jobs::sign_late_among(c, rows.iter().map(|r| &r.opinion))?;
            let alerts = match crate::org::store::units::handling_unit(c, &me)? {
                Some(unit) => urgent::waiting(c, &me, unit)?,
                None => vec![],
            };
            Ok((
                rows,
                org::list_offices(c, &me)?,
                catalog::categories(c, me.committee_id)?,
                departments::list(c, &me)?.into_iter().filter(|d| d.active).collect(),
                crate::opinions::jobs::latest_digest(c, &me)?,
                alerts,
                sign_late,
            ))
        })
        .await?;
    let older = (rows.len() as i64 == cases::INBOX_PAGE).then(|| rows.last().map(|r| q.older(r.opinion.id))).flatten();
    let tpl = InboxTemplate {
        page,
        rows,
        q,
        older,
        offices,
        categories,
        departments,
        statuses: Status::ALL,
        dispatcher,
        error,
        digest,
        alerts,
        sign_late,
    };
    render(&tpl)
}

/// Full-text search in Chinese over the committee's cases: the matching ids,
/// newest first (the inbox then applies the actor's scope and the filters).
fn search_ids(
    c: &mut crate::kernel::db::DbConn,
    me: &Actor,
    text: &str,
    before: Option<OpinionId>,
) -> AppResult<Vec<OpinionId>> {
    let ids = crate::kernel::search::search(c, me.committee_id, "opinion", text, 500, before.map(|b| b.0))?;
    Ok(ids.into_iter().map(OpinionId).collect())
}

#[derive(Template)]
#[template(path = "opinions/detail.html")]
struct DetailTemplate {
    page: Page,
    o: Opinion,
    roles: Roles,
    events: Vec<Event>,
    photos: Vec<(FileId, String, String, String)>,
    office: Option<String>,
    locality: Option<String>,
    category: Option<String>,
    assignee: Option<String>,
    /// Masked unless the user asked to see them in full (audited).
    name: Option<String>,
    phone: Option<String>,
    revealed: bool,
    departments: Vec<Department>,
    offices: Vec<Office>,
    similar: Vec<(OpinionId, String, String)>,
    /// Members a case may be assigned to (the district and office staff pick).
    members: Vec<(MemberId, String)>,
    ratings: Vec<Rating>,
    overdue: bool,
    /// The routing table's handler for an unassigned case (`department:3`),
    /// preselected in the assign form.
    default_assignee: Option<String>,
    sign_late: bool,
}

impl DetailTemplate {
    fn can(&self, action: Action) -> bool {
        let party = match action {
            Action::Sign | Action::Return | Action::Answer if self.roles.handler => model::Party::Handler,
            _ if self.roles.dispatcher => model::Party::Dispatcher,
            _ => return false,
        };
        model::next(self.o.status(), action, party, self.o.reopened).is_ok()
    }
    fn can_request_extension(&self) -> bool {
        self.roles.handler && self.o.status().deadline_runs() && self.o.extension_state.is_none()
    }
    fn is_default(&self, kind: &str, id: &i64) -> bool {
        self.default_assignee.as_deref() == Some(format!("{kind}:{id}").as_str())
    }
    fn can_mark_urgent(&self) -> bool {
        !matches!(self.o.status(), Status::Closed | Status::Rejected | Status::Merged)
    }
    fn extension_pending(&self) -> bool {
        self.roles.dispatcher && self.o.extension_state.as_deref().is_some_and(|s| s.starts_with("requested"))
    }
}

async fn detail_page(st: &AppState, me: Actor, page: Page, id: OpinionId, reveal: bool) -> AppResult<Response> {
    let vault = st.personal.clone();
    let tpl = st
        .db
        .write(move |c| {
            use crate::kernel::db::schema::{departments, localities, members, offices, opinion_categories};
            use diesel::prelude::*;
            let o = cases::get(c, &me, id)?.ok_or(AppError::NotFound)?;
            let roles = cases::roles(c, &me, &o)?;
            let (name_enc, phone_enc) = if reveal {
                cases::personal_data(c, &me, id)?
            } else {
                (o.submitter_name.clone(), o.submitter_phone.clone())
            };
            let clear = |v: Option<String>| v.map(|s| vault.decrypt(&s)).transpose();
            let (name, phone) = (clear(name_enc)?, clear(phone_enc)?);
            let (name, phone) =
                if reveal { (name, phone) } else { (name.map(|n| mask_name(&n)), phone.map(|p| mask_phone(&p))) };
            let office = match o.office_id {
                Some(x) => offices::table.find(x).select(offices::name).first(c).optional()?,
                None => None,
            };
            let locality = match o.locality_id {
                Some(x) => localities::table.find(x).select(localities::name).first(c).optional()?,
                None => None,
            };
            let category = match o.category_id {
                Some(x) => opinion_categories::table.find(x).select(opinion_categories::name).first(c).optional()?,
                None => None,
            };
            let assignee = match o.assignee() {
                Some(Assignee::Department(d)) => {
                    departments::table.find(d).select(departments::name).first(c).optional()?
                }
                Some(Assignee::Office(x)) => offices::table.find(x).select(offices::name).first(c).optional()?,
                Some(Assignee::Member(m)) => members::table.find(m).select(members::name).first(c).optional()?,
                None => None,
            };
            // Duplicate candidates from text similarity, for staff triaging a new case.
            let similar = if roles.dispatcher && matches!(o.status(), Status::Submitted | Status::Accepted) {
                let found = crate::kernel::search::similar(c, o.committee_id, "opinion", &o.body, 12, 5)?;
                let mut out = vec![];
                for (other, _) in found.into_iter().filter(|(x, _)| *x != o.id.0) {
                    if let Some(x) = cases::get(c, &me, OpinionId(other))? {
                        let excerpt: String = x.body.chars().take(40).collect();
                        out.push((x.id, x.code, excerpt));
                    }
                }
                out
            } else {
                vec![]
            };
            let overdue = o.is_overdue(crate::kernel::time::now());
            let departments: Vec<Department> =
                crate::org::store::departments::list(c, &me)?.into_iter().filter(|d| d.active).collect();
            let offices = org::list_offices(c, &me)?;
            // Only a handler the form offers can be preselected (members and
            // deactivated departments are not in it).
            let default_assignee = match o.assignee() {
                Some(_) => None,
                None => catalog::route_for(c, o.committee_id, o.category_id, o.office_id)?.and_then(|r| {
                    let offered = match AssigneeKind::parse(&r.assignee_kind)? {
                        AssigneeKind::Department => departments.iter().any(|d| d.id.0 == r.assignee_id),
                        AssigneeKind::Office => offices.iter().any(|x| x.id.0 == r.assignee_id),
                        AssigneeKind::Member => false,
                    };
                    offered.then(|| format!("{}:{}", r.assignee_kind, r.assignee_id))
                }),
            };
            let events = cases::events(c, id, false)?;
            let sign_late = crate::opinions::jobs::shows_sign_late(
                o.status(),
                o.assigned_at,
                events.iter().filter(|e| e.kind == crate::opinions::jobs::SIGN_LATE).map(|e| e.created_at),
            );
            Ok(DetailTemplate {
                events,
                photos: cases::attachments(c, id)?,
                departments,
                offices,
                ratings: vec![Rating::Satisfied, Rating::Basic, Rating::Unsatisfied],
                members: if roles.dispatcher {
                    crate::org::store::members::choices(c, &me, o.office_id)?
                } else {
                    vec![]
                },
                page,
                roles,
                office,
                locality,
                category,
                assignee,
                name,
                phone,
                revealed: reveal,
                similar,
                overdue,
                default_assignee,
                sign_late,
                o,
            })
        })
        .await?;
    Ok(render(&tpl)?.into_response())
}

async fn detail(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    detail_page(&st, me, page, OpinionId(id), false).await
}

/// Showing the submitter's name and phone in full is a deliberate, audited act.
async fn personal(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    detail_page(&st, me, page, OpinionId(id), true).await
}

#[derive(Deserialize)]
struct ActForm {
    action: String,
    note: Option<String>,
    /// `department:3`, `office:5` or `member:12`.
    assignee: Option<String>,
    days: Option<String>,
    rating: Option<String>,
    merge_code: Option<String>,
}

fn parse_assignee(v: &Option<String>) -> AppResult<Option<(AssigneeKind, i64)>> {
    let Some(v) = form::text(v) else { return Ok(None) };
    let (kind, id) = v.split_once(':').ok_or(AppError::BadRequest("opinion.choose_assignee"))?;
    let kind = AssigneeKind::parse(kind).ok_or(AppError::BadRequest("opinion.choose_assignee"))?;
    let id = id.parse().map_err(|_| AppError::BadRequest("opinion.choose_assignee"))?;
    Ok(Some((kind, id)))
}

fn parse_days(v: &Option<String>) -> AppResult<Option<u32>> {
    match form::text(v) {
        None => Ok(None),
        Some(s) => {
            s.parse().ok().filter(|d| (1..=60).contains(d)).map(Some).ok_or(AppError::BadRequest("opinion.bad_days"))
        }
    }
}

fn parse_action(f: &ActForm) -> AppResult<Action> {
    Ok(match f.action.as_str() {
        "accept" => Action::Accept,
        "reject" => Action::Reject,
        "assign" => Action::Assign,
        "reassign" => Action::Reassign,
        "sign" => Action::Sign,
        "return" => Action::Return,
        "answer" => Action::Answer,
        "approve" => Action::ApproveAnswer,
        "send_back" => Action::SendBack,
        "merge" => Action::MergeInto,
        // A phone callback (回访) recorded by staff.
        "callback" => Action::Rate(
            f.rating
                .as_deref()
                .and_then(Rating::parse)
                .filter(|r| *r != Rating::Unrated)
                .ok_or(AppError::BadRequest("track.choose_rating"))?,
        ),
        _ => return Err(AppError::BadRequest("form.bad_choice")),
    })
}

async fn act(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> AppResult<Redirect> {
    let result = async {
        let action = parse_action(&f)?;
        let mut step = Step::new(action);
        step.note = f.note.clone().unwrap_or_default();
        step.assignee = parse_assignee(&f.assignee)?;
        step.days = parse_days(&f.days)?;
        let merge_code = form::text(&f.merge_code).map(|c| model::normalize_code(&c));
        st.db
            .write(move |c| {
                if let Some(code) = merge_code {
                    let code = code.ok_or(AppError::BadRequest("opinion.choose_merge"))?;
                    step.merge_into = cases::by_code(c, &code)?.map(|o| o.id);
                }
                cases::act(c, &me, OpinionId(id), &step).map(|_| ())
            })
            .await
    }
    .await;
    form_done(&session, result, "opinion.done", &format!("/opinions/{id}")).await
}

#[derive(Deserialize)]
struct ExtensionForm {
    days: Option<String>,
    reason: Option<String>,
}

async fn request_extension(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ExtensionForm>,
) -> AppResult<Redirect> {
    let result = async {
        let days = parse_days(&f.days)?.ok_or(AppError::BadRequest("opinion.bad_days"))?;
        let reason = f.reason.unwrap_or_default();
        st.db.write(move |c| cases::request_extension(c, &me, OpinionId(id), days, &reason)).await
    }
    .await;
    form_done(&session, result, "opinion.extension_requested", &format!("/opinions/{id}")).await
}

#[derive(Deserialize)]
struct DecideForm {
    approve: String,
}

async fn decide_extension(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> AppResult<Redirect> {
    let approve = f.approve == "1";
    let result = st.db.write(move |c| cases::decide_extension(c, &me, OpinionId(id), approve)).await;
    form_done(&session, result, "opinion.done", &format!("/opinions/{id}")).await
}

#[derive(Deserialize)]
struct PublicForm {
    public: Option<String>,
}

async fn set_public(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<PublicForm>,
) -> AppResult<Redirect> {
    let public = f.public.as_deref() == Some("1");
    let result = st.db.write(move |c| cases::set_public(c, &me, OpinionId(id), public)).await;
    form_done(&session, result, "opinion.done", &format!("/opinions/{id}")).await
}

#[derive(Deserialize)]
struct UrgentForm {
    urgent: Option<String>,
}

/// Marking a case urgent alerts its handler at once.
async fn set_urgent(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<UrgentForm>,
) -> AppResult<Redirect> {
    let on = f.urgent.as_deref() == Some("1");
    let result = st.db.write(move |c| urgent::set(c, &me, OpinionId(id), on)).await;
    form_done(&session, result, "opinion.done", &format!("/opinions/{id}")).await
}

/// A case's photo, for those who may see the case.
fn holds_file(c: &mut DbConn, me: &Actor, id: i64, file: FileId) -> AppResult<bool> {
    Ok(cases::get(c, me, OpinionId(id))?.is_some()
        && cases::attachments(c, OpinionId(id))?.iter().any(|(f, ..)| *f == file))
}

/// Bulk triage from the inbox: accept, or assign many cases at once.
async fn bulk(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    axum::extract::RawForm(raw): axum::extract::RawForm,
) -> AppResult<Redirect> {
    // The checked cases arrive as repeated `id` fields, which serde's form
    // structs do not collect; read the pairs.
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&raw).map_err(|_| AppError::BadRequest("form.bad_choice"))?;
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    let ids: Vec<OpinionId> =
        pairs.iter().filter(|(k, _)| k == "id").filter_map(|(_, v)| v.parse().ok()).map(OpinionId).collect();
    let (action, assignee, days) = (get("action").unwrap_or_default(), get("assignee"), get("days"));
    let result = async {
        if ids.is_empty() {
            return Err(AppError::BadRequest("opinion.choose_cases"));
        }
        let action = match action.as_str() {
            "accept" => Action::Accept,
            "assign" => Action::Assign,
            _ => return Err(AppError::BadRequest("form.bad_choice")),
        };
        let mut step = Step::new(action);
        step.assignee = parse_assignee(&assignee)?;
        step.days = parse_days(&days)?;
        // All or nothing: one refused case refuses the batch, with its code.
        st.db
            .write(move |c| {
                for id in &ids {
                    cases::act(c, &me, *id, &step)?;
                }
                Ok(())
            })
            .await
    }
    .await;
    form_done(&session, result, "opinion.bulk_done", "/opinions").await
}

#[derive(Template)]
#[template(path = "opinions/new.html")]
struct NewTemplate {
    page: Page,
    offices: Vec<Office>,
    categories: Vec<Category>,
    members: Vec<(MemberId, String)>,
    sources: Vec<Source>,
}

async fn new_form(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    if !model::is_dispatcher(&me) {
        return Err(AppError::Forbidden);
    }
    let (offices, categories, members) = st
        .db
        .read(move |c| {
            Ok((
                org::list_offices(c, &me)?,
                catalog::categories(c, me.committee_id)?,
                crate::org::store::members::choices(c, &me, me.office_id)?,
            ))
        })
        .await?;
    let tpl = NewTemplate { page, offices, categories, members, sources: vec![Source::Paper, Source::Activity] };
    Ok(render(&tpl)?.into_response())
}

#[derive(Deserialize)]
struct NewForm {
    source: String,
    office: Option<String>,
    locality: Option<String>,
    category: Option<String>,
    heard_by: Option<String>,
    body: String,
    name: Option<String>,
    phone: Option<String>,
    urgent: Option<String>,
}

/// Staff enter a paper slip or an opinion heard at an activity.
async fn create(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<NewForm>,
) -> AppResult<Redirect> {
    let vault = st.personal.clone();
    let result: AppResult<OpinionId> = async {
        if !model::is_dispatcher(&me) {
            return Err(AppError::Forbidden);
        }
        let source =
            Source::parse(&f.source).filter(|s| *s != Source::Web).ok_or(AppError::BadRequest("form.bad_choice"))?;
        let heard_by = form::id(&f.heard_by)?.map(MemberId);
        if source == Source::Activity && heard_by.is_none() {
            return Err(AppError::BadRequest("opinion.heard_by_required"));
        }
        let phone = match form::text(&f.phone) {
            None => None,
            Some(p) => Some(Phone::parse(&p).ok_or(AppError::BadRequest("form.bad_phone"))?),
        };
        // Office staff file cases for their own office.
        let office = match me.office_id {
            Some(o) if me.role == crate::kernel::auth::Role::OfficeStaff => Some(o),
            _ => form::id(&f.office)?.map(OfficeId),
        };
        let new = NewOpinion {
            office_id: office,
            locality_id: form::id(&f.locality)?.map(LocalityId),
            category_id: form::id(&f.category)?.map(CategoryId),
            source: Some(source),
            heard_by,
            body: f.body.clone(),
            name_enc: form::text(&f.name).map(|n| vault.encrypt(&n)),
            phone_enc: phone.as_ref().map(|p| vault.encrypt(p.as_str())),
            phone_index: phone.as_ref().map(|p| vault.blind_index(p.as_str())),
            urgent: f.urgent.as_deref() == Some("1"),
        };
        st.db.write(move |c| cases::submit(c, me.committee_id, &new, Some(&me)).map(|(id, _)| id)).await
    }
    .await;
    match result {
        Ok(id) => {
            flash(&session, true, "opinion.entered").await;
            Ok(Redirect::to(&format!("/opinions/{id}")))
        }
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            flash(&session, false, k).await;
            Ok(Redirect::to("/opinions/new"))
        }
        Err(e) => Err(e),
    }
}

/// The handler's answer with its attachments (photos of the repair, a
/// document): files are checked and stored first, then the answer and the
/// file rows commit together.
async fn answer(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> AppResult<Redirect> {
    let result = async {
        let (fields, uploads) = crate::kernel::files::read_multipart(mp, model::MAX_PHOTOS).await?;
        let mut stored = vec![];
        for u in uploads {
            stored.push(st.files.put(u, crate::kernel::files::Accept::ImagesAndDocuments).await?);
        }
        let mut step = Step::new(Action::Answer);
        step.note = fields.get("note").cloned().unwrap_or_default();
        st.db
            .write(move |c| {
                cases::act(c, &me, OpinionId(id), &step)?;
                for s in &stored {
                    let f = crate::kernel::files::insert_row(c, &me, s)?;
                    cases::attach_file(c, OpinionId(id), f, "answer")?;
                }
                Ok(())
            })
            .await
    }
    .await;
    form_done(&session, result, "opinion.done", &format!("/opinions/{id}")).await
}
