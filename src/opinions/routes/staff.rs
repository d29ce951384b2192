//! Staff and handlers: the inbox, one case with its timeline and the moves the
//! user may make, paper slips and opinions heard at activities.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use crate::kernel::auth::{Actor, CurrentUser, Role};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CategoryId, LocalityId, MemberId, OfficeId, OpinionId};
use crate::kernel::state::AppState;
use crate::kernel::web::action::action;
use crate::kernel::web::page::{flash, form_done};
use crate::kernel::web::{Page, form, render};
use crate::opinions::model::{self, Action, Assignee, Rating, Source, Status};
use crate::opinions::store::cases::{self, InboxFilter, NewOpinion, Step};
use crate::opinions::store::pages::{self, CasePage, EntryForm, InboxPage};
use crate::opinions::store::{extensions, urgent};
use crate::org::model::Phone;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opinions", get(inbox).post(create))
        .route("/opinions/new", get(new_form))
        .route("/opinions/bulk", post(bulk))
        .route("/opinions/{id}", get(detail))
        .route(
            "/opinions/{id}/act",
            action(DONE, back, |c, me, id, f: ActForm| cases::act(c, me, OpinionId(id), &f.step()?).map(|_| ())),
        )
        .route("/opinions/{id}/answer", post(answer))
        .route("/opinions/{id}/personal", post(personal))
        .route(
            "/opinions/{id}/extension",
            action("opinion.extension_requested", back, |c, me, id, f: ExtensionForm| {
                let days = parse_days(&f.days)?.ok_or(AppError::BadRequest("opinion.bad_days"))?;
                extensions::request(c, me, OpinionId(id), days, &f.reason.unwrap_or_default())
            }),
        )
        .route(
            "/opinions/{id}/extension/decide",
            action(DONE, back, |c, me, id, f: DecideForm| extensions::decide(c, me, OpinionId(id), f.approve == "1")),
        )
        .route(
            "/opinions/{id}/public",
            action(DONE, back, |c, me, id, f: PublicForm| {
                cases::set_public(c, me, OpinionId(id), f.public.as_deref() == Some("1"))
            }),
        )
        // Marking a case urgent alerts its handler at once.
        .route(
            "/opinions/{id}/urgent",
            action(DONE, back, |c, me, id, f: UrgentForm| {
                urgent::set(c, me, OpinionId(id), f.urgent.as_deref() == Some("1"))
            }),
        )
        .route("/opinions/{id}/files/{file}", crate::kernel::files::routes::download(cases::holds_file))
}

/// What most moves on a case say when they are done.
const DONE: &str = "opinion.done";

fn back(id: i64) -> String {
    format!("/opinions/{id}")
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
    mine: Option<String>,
    returned: Option<String>,
    extension: Option<String>,
    holder: Option<String>,
    q: Option<String>,
    before: Option<i64>,
}

impl InboxQuery {
    fn filter(&self) -> AppResult<InboxFilter> {
        Ok(InboxFilter {
            status: self.status.as_deref().and_then(Status::parse),
            statuses: None,
            office: form::id(&self.office)?.map(OfficeId),
            category: form::id(&self.category)?.map(CategoryId),
            overdue: self.overdue.as_deref() == Some("1"),
            urgent: self.urgent.as_deref() == Some("1"),
            from: form::date(&self.from)?,
            to: form::date(&self.to)?,
            mine: self.mine.as_deref() == Some("1"),
            returned: self.returned.as_deref() == Some("1"),
            extension: self.extension.as_deref() == Some("1"),
            holder: match form::text(&self.holder) {
                Some(h) => Some(Assignee::parse(&h).ok_or(AppError::BadRequest("form.bad_choice"))?),
                None => None,
            },
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
            ("mine", self.mine.clone().unwrap_or_default()),
            ("returned", self.returned.clone().unwrap_or_default()),
            ("extension", self.extension.clone().unwrap_or_default()),
            ("holder", self.holder.clone().unwrap_or_default()),
            ("q", self.q.clone().unwrap_or_default()),
            ("before", before.to_string()),
        ];
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    fn is(&self, field: &Option<String>, v: &str) -> bool {
        field.as_deref() == Some(v)
    }

    /// The filters a home page's count links to that the form does not
    /// show: kept as hidden fields, named for the user.
    fn kept(&self) -> Vec<(&'static str, String, &'static str)> {
        [
            ("mine", &self.mine, "queue.filter_mine"),
            ("returned", &self.returned, "queue.filter_returned"),
            ("extension", &self.extension, "queue.filter_extension"),
            ("holder", &self.holder, "queue.filter_holder"),
        ]
        .into_iter()
        .filter_map(|(k, v, label)| form::text(v).map(|v| (k, v, label)))
        .collect()
    }
}

#[derive(Template)]
#[template(path = "opinions/inbox.html")]
struct InboxTemplate {
    page: Page,
    p: InboxPage,
    q: InboxQuery,
    older: Option<String>,
    statuses: &'static [Status],
    dispatcher: bool,
    error: Option<String>,
}

/// The template reads the page's fields by name (`rows`, `alerts`, …).
impl std::ops::Deref for InboxTemplate {
    type Target = InboxPage;
    fn deref(&self) -> &InboxPage {
        &self.p
    }
}

impl InboxTemplate {
    fn is_sign_late(&self, id: &OpinionId) -> bool {
        self.p.sign_late.contains(id)
    }
}

async fn inbox(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<InboxQuery>,
) -> AppResult<Html<String>> {
    let (filter, error) = match q.filter() {
        Ok(f) => (f, None),
        Err(AppError::BadRequest(k)) => (InboxFilter::default(), Some(page.t(k))),
        Err(e) => return Err(e),
    };
    let query = form::text(&q.q);
    let dispatcher = model::is_dispatcher(&me);
    let p = st.db.read(move |c| pages::inbox_page(c, &me, filter, query.as_deref())).await?;
    let older =
        (p.rows.len() as i64 == cases::INBOX_PAGE).then(|| p.rows.last().map(|r| q.older(r.opinion.id))).flatten();
    render(&InboxTemplate { page, p, q, older, statuses: Status::ALL, dispatcher, error })
}

#[derive(Template)]
#[template(path = "opinions/detail.html")]
struct DetailTemplate {
    page: Page,
    c: CasePage,
    ratings: &'static [Rating],
    /// A hotline is configured: staff may forward a case to it.
    hotline_on: bool,
}

/// The template reads the page's fields by name (`o`, `roles`, `events`, …).
impl std::ops::Deref for DetailTemplate {
    type Target = CasePage;
    fn deref(&self) -> &CasePage {
        &self.c
    }
}

/// The case page, from a reader; with `reveal` the submitter in full, which is
/// first written to the audit log (refused for those not handling the case).
async fn detail_page(st: &AppState, me: Actor, page: Page, id: OpinionId, reveal: bool) -> AppResult<Response> {
    let personal = if reveal {
        let me = me.clone();
        Some(st.db.write(move |c| cases::personal_data(c, &me, id)).await?)
    } else {
        None
    };
    let vault = st.personal.clone();
    let mut c = st.db.read(move |conn| pages::case_page(conn, &me, id, &vault)).await?;
    if let Some((name, phone)) = personal {
        c.reveal(&st.personal, name, phone)?;
    }
    let hotline_on = st.config.hotline_url.as_deref().is_some_and(|u| !u.trim().is_empty());
    Ok(render(&DetailTemplate { page, c, ratings: Rating::GIVEN, hotline_on })?.into_response())
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

fn parse_assignee(v: &Option<String>) -> AppResult<Option<Assignee>> {
    let Some(v) = form::text(v) else { return Ok(None) };
    Assignee::parse(&v).map(Some).ok_or(AppError::BadRequest("opinion.choose_assignee"))
}

fn parse_days(v: &Option<String>) -> AppResult<Option<u32>> {
    match form::text(v) {
        None => Ok(None),
        Some(s) => {
            s.parse().ok().filter(|d| model::valid_days(*d)).map(Some).ok_or(AppError::BadRequest("opinion.bad_days"))
        }
    }
}

impl ActForm {
    fn step(self) -> AppResult<Step> {
        let mut step = Step::new(Action::from_code(&self.action, self.rating.as_deref())?);
        step.assignee = parse_assignee(&self.assignee)?;
        step.days = parse_days(&self.days)?;
        step.merge_code = match form::text(&self.merge_code) {
            Some(c) => Some(model::normalize_code(&c).ok_or(AppError::BadRequest("opinion.choose_merge"))?),
            None => None,
        };
        step.note = self.note.unwrap_or_default();
        Ok(step)
    }
}

#[derive(Deserialize)]
struct ExtensionForm {
    days: Option<String>,
    reason: Option<String>,
}

#[derive(Deserialize)]
struct DecideForm {
    approve: String,
}

#[derive(Deserialize)]
struct PublicForm {
    public: Option<String>,
}

#[derive(Deserialize)]
struct UrgentForm {
    urgent: Option<String>,
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
    f: EntryForm,
}

/// The template reads the form's fields by name (`offices`, `sources`, …).
impl std::ops::Deref for NewTemplate {
    type Target = EntryForm;
    fn deref(&self) -> &EntryForm {
        &self.f
    }
}

async fn new_form(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Response> {
    let f = st.db.read(move |c| pages::entry_form(c, &me)).await?;
    Ok(render(&NewTemplate { page, f })?.into_response())
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
    // Staff's entry only: a member files what they heard from the workbench
    // (`/m/`), where the office is not theirs to choose; the store refuses
    // them too (`model::entry_office`).
    if me.role == Role::Member {
        return Err(AppError::Forbidden);
    }
    let vault = st.personal.clone();
    let result: AppResult<OpinionId> = async {
        // Staff enter slips and what members heard; "another system" is the API's own.
        let source = Source::parse(&f.source)
            .filter(|s| matches!(s, Source::Paper | Source::Activity))
            .ok_or(AppError::BadRequest("form.bad_choice"))?;
        let phone = match form::text(&f.phone) {
            None => None,
            Some(p) => Some(Phone::parse(&p).ok_or(AppError::BadRequest("form.bad_phone"))?),
        };
        let new = NewOpinion {
            office_id: form::id(&f.office)?.map(OfficeId),
            locality_id: form::id(&f.locality)?.map(LocalityId),
            category_id: form::id(&f.category)?.map(CategoryId),
            source: Some(source),
            heard_by: form::id(&f.heard_by)?.map(MemberId),
            body: f.body.clone(),
            name_enc: form::text(&f.name).map(|n| vault.encrypt(&n)),
            phone_enc: phone.as_ref().map(|p| vault.encrypt(p.as_str())),
            phone_index: phone.as_ref().map(|p| vault.blind_index(p.as_str())),
            urgent: f.urgent.as_deref() == Some("1"),
            doc: None,
        };
        st.db.write(move |c| cases::enter(c, &me, &new).map(|(id, _)| id)).await
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
        let (fields, stored) =
            st.files.read_and_store(mp, model::MAX_PHOTOS, crate::kernel::files::Accept::ImagesAndDocuments).await?;
        let note = fields.get("note").cloned().unwrap_or_default();
        let public = fields.get("public_files").is_some_and(|v| v == "1");
        st.db.write(move |c| cases::answer(c, &me, OpinionId(id), &note, &stored, public)).await
    }
    .await;
    form_done(&session, result, DONE, &back(id)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ids::DepartmentId;

    /// A home page's link leads to the inbox with the very filter it counted.
    #[test]
    fn a_filters_link_reads_back_as_the_filter() {
        let filters = [
            InboxFilter::default(),
            InboxFilter { status: Some(Status::Assigned), mine: true, ..InboxFilter::default() },
            InboxFilter {
                overdue: true,
                holder: Some(Assignee::Department(DepartmentId(3))),
                ..InboxFilter::default()
            },
            InboxFilter { returned: true, extension: true, urgent: true, ..InboxFilter::default() },
            InboxFilter {
                office: Some(OfficeId(2)),
                category: Some(CategoryId(7)),
                from: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
                to: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
                ..InboxFilter::default()
            },
        ];
        for f in filters {
            let href = f.href();
            let query = href.split_once('?').map_or("", |(_, q)| q);
            let q: InboxQuery = serde_urlencoded::from_str(query).expect("the route reads it");
            assert_eq!(q.filter().expect("a valid filter"), f, "{href}");
        }
    }
}
