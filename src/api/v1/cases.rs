//! Cases through the API: the inbox's list and search, one case with its
//! timeline, a new case from another system (once per its own id), a move.
//! The same store functions as the staff pages, as the token's account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Errors;
use crate::api::caller::{Act, Caller, Read, Submit};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::kernel::error::AppError;
use crate::kernel::ids::{CategoryId, LocalityId, OfficeId, OpinionId};
use crate::kernel::state::AppState;
use crate::kernel::web::i18n::Lang;
use crate::opinions::model::{self, Action, Assignee, Rating, Source, Status};
use crate::opinions::store::cases::{self, InboxFilter, InboxRow, NewOpinion, Opinion, Step};
use crate::opinions::store::{links, pages};
use crate::org::model::Phone;

/// A time as the API writes it: UTC, RFC 3339.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A case in a list.
#[derive(Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: i64,
    /// 查询码: what the resident tracks the case with.
    pub code: String,
    /// submitted, accepted, rejected, assigned, in_progress, answer_review, answered, closed, merged.
    pub status: String,
    /// 状态（中文）.
    pub status_label: String,
    /// web, paper, activity, api.
    pub source: String,
    pub office_id: Option<i64>,
    pub office: Option<String>,
    pub category_id: Option<i64>,
    pub category: Option<String>,
    /// The first 60 characters of the text.
    pub excerpt: String,
    pub urgent: bool,
    /// Its deadline has passed and it is not answered.
    pub overdue: bool,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<InboxRow> for CaseSummary {
    fn from(r: InboxRow) -> CaseSummary {
        let excerpt = r.excerpt();
        let o = r.opinion;
        CaseSummary {
            id: o.id.0,
            code: o.code,
            status: o.status.as_str().into(),
            status_label: Lang::Zh.t(&o.status.label_key()),
            source: o.source.as_str().into(),
            office_id: o.office_id.map(|x| x.0),
            office: r.office,
            category_id: o.category_id.map(|x| x.0),
            category: r.category,
            excerpt,
            urgent: o.urgent,
            overdue: r.overdue,
            due_at: o.due_at.map(utc),
            created_at: utc(o.created_at),
            updated_at: utc(o.updated_at),
        }
    }
}

/// A page of cases, newest first.
#[derive(Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseSummary>,
    /// Give it as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The inbox's filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// One status: submitted, accepted, rejected, assigned, in_progress, answer_review, answered, closed, merged.
    pub status: Option<String>,
    pub office: Option<i64>,
    pub category: Option<i64>,
    /// Only those past their deadline.
    pub overdue: Option<bool>,
    pub urgent: Option<bool>,
    /// Received on or after this day (Beijing time), YYYY-MM-DD.
    pub from: Option<String>,
    /// Received on or before this day, YYYY-MM-DD.
    pub to: Option<String>,
    /// Words to search for in the text (全文检索).
    pub q: Option<String>,
    /// Cases older than this id: the `next_before` of the page before.
    pub before: Option<i64>,
}

fn day(v: &Option<String>) -> Result<Option<chrono::NaiveDate>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        // The app's date reader: years 1900 to 2100 only, so a filter's day
        // after can never overflow.
        Some(s) => {
            crate::kernel::time::parse_date(s).map(Some).ok_or(ApiError::new(StatusCode::BAD_REQUEST, "form.bad_date"))
        }
    }
}

impl CaseQuery {
    fn filter(&self) -> ApiResult<InboxFilter> {
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(Status::parse(s).ok_or(ApiError::new(StatusCode::BAD_REQUEST, "form.bad_choice"))?),
        };
        Ok(InboxFilter {
            status,
            office: self.office.map(OfficeId),
            category: self.category.map(CategoryId),
            overdue: self.overdue.unwrap_or(false),
            urgent: self.urgent.unwrap_or(false),
            from: day(&self.from)?,
            to: day(&self.to)?,
            before: self.before.map(OpinionId),
            ..InboxFilter::default()
        })
    }
}

/// 案件列表 · The cases the token's account sees, filtered, 50 a page.
#[utoipa::path(
    get, path = "/api/v1/cases", tag = "cases", params(CaseQuery), security(("token" = [])),
    responses((status = 200, description = "A page of cases", body = CaseList), Errors)
)]
pub async fn list(
    State(st): State<AppState>,
    Caller(me, ..): Caller<Read>,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> ApiResult<Json<CaseList>> {
    let filter = q.filter()?;
    let text = q.q.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let rows = st.db.read(move |c| pages::find(c, &me, filter, text.as_deref())).await?;
    let full = rows.len() as i64 >= cases::INBOX_PAGE;
    let next_before = if full { rows.last().map(|r| r.opinion.id.0) } else { None };
    Ok(Json(CaseList { items: rows.into_iter().map(CaseSummary::from).collect(), next_before }))
}

/// One step on the timeline.
#[derive(Serialize, ToSchema)]
pub struct CaseEvent {
    /// submitted, accepted, assigned, signed, answered, rated, … (the timeline's kinds).
    pub kind: String,
    pub label: String,
    /// The case's status after the step, when it moved the case.
    pub status: Option<String>,
    /// Who: a person's or a unit's name, or the system's.
    pub by: String,
    /// Shown to the resident on the tracking page.
    pub public: bool,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// A case whole: no resident's name or phone (those stay on the staff page).
#[derive(Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub body: String,
    pub locality_id: Option<i64>,
    pub locality: Option<String>,
    /// Who holds it: `department:3`, `office:5` or `member:12`.
    pub assignee: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// satisfied, basic, unsatisfied, unrated.
    pub rating: Option<String>,
    pub rating_comment: Option<String>,
    pub reject_reason: Option<String>,
    /// Reopened once after an unsatisfied rating.
    pub reopened: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub events: Vec<CaseEvent>,
}

fn detail(o: Opinion, names: cases::CaseNames, events: Vec<cases::Event>) -> CaseDetail {
    let overdue = o.is_overdue(crate::kernel::time::now());
    let rest = o.clone();
    CaseDetail {
        summary: CaseSummary::from(InboxRow { opinion: o, office: names.office, category: names.category, overdue }),
        body: rest.body,
        locality_id: rest.locality_id.map(|l| l.0),
        locality: names.locality,
        assignee: rest.assignee.map(|a| a.key()),
        answer: rest.answer,
        answered_at: rest.answered_at.map(utc),
        rating: rest.rating.map(|r| r.as_str().into()),
        rating_comment: rest.rating_comment,
        reject_reason: rest.reject_reason,
        reopened: rest.reopened,
        closed_at: rest.closed_at.map(utc),
        events: events
            .into_iter()
            .map(|e| CaseEvent {
                kind: e.kind.as_str().into(),
                label: Lang::Zh.t(&e.label_key()),
                status: e.status.map(|s| s.as_str().into()),
                by: e.actor_name,
                public: e.public,
                note: e.note,
                at: utc(e.created_at),
            })
            .collect(),
    }
}

async fn load(st: &AppState, me: crate::kernel::auth::Actor, id: OpinionId) -> ApiResult<CaseDetail> {
    let (o, names, events) = st
        .db
        .read(move |c| {
            let o = cases::get(c, &me, id)?.ok_or(AppError::NotFound)?;
            let names = cases::names(c, &o)?;
            let events = cases::events(c, &me, id)?;
            Ok((o, names, events))
        })
        .await?;
    Ok(detail(o, names, events))
}

/// 案件详情 · One case with its whole timeline.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}", tag = "cases", security(("token" = [])),
    params(("id" = i64, Path, description = "The case's id")),
    responses((status = 200, description = "The case", body = CaseDetail), Errors)
)]
pub async fn read(
    State(st): State<AppState>,
    Caller(me, ..): Caller<Read>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(load(&st, me, OpinionId(id)).await?))
}

/// A case another system sends.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// 反映内容.
    #[schema(min_length = 1, max_length = 2000)]
    pub body: String,
    /// The office it belongs to, when known (`GET /api/v1/offices`).
    pub office_id: Option<i64>,
    /// The village or community, one of the office's.
    pub locality_id: Option<i64>,
    /// `GET /api/v1/categories`.
    pub category_id: Option<i64>,
    #[serde(default)]
    pub urgent: bool,
    /// The resident's name, kept encrypted (the first 30 characters).
    pub submitter_name: Option<String>,
    /// The resident's mobile number, kept encrypted.
    #[schema(pattern = "^1[3-9][0-9]{9}$")]
    pub submitter_phone: Option<String>,
    /// Your own id for the case (up to 64 characters): the same id sent again
    /// answers the case already made, with status 200 instead of 201.
    #[schema(min_length = 1, max_length = 64)]
    pub external_id: Option<String>,
}

/// 提交案件 · A new case from another system, received as a staff entry
/// (source `api`) and then handled like any other.
#[utoipa::path(
    post, path = "/api/v1/cases", tag = "cases", security(("token" = [])), request_body = NewCase,
    responses(
        (status = 201, description = "Made", body = CaseDetail),
        (status = 200, description = "Already made with this external_id", body = CaseDetail),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        Errors
    )
)]
pub async fn create(
    State(st): State<AppState>,
    Caller(me, system, _): Caller<Submit>,
    ApiJson(n): ApiJson<NewCase>,
) -> ApiResult<(StatusCode, Json<CaseDetail>)> {
    let intake = Intake {
        body: n.body,
        office_id: n.office_id,
        locality_id: n.locality_id,
        category_id: n.category_id,
        urgent: n.urgent,
        name: n.submitter_name,
        phone: n.submitter_phone,
    };
    let external = n.external_id.map(|e| e.trim().to_string());
    take(&st, me, intake, format!("api:{system}"), external).await
}

/// A case as another system sends it, before its personal data is encrypted.
pub struct Intake {
    pub body: String,
    pub office_id: Option<i64>,
    pub locality_id: Option<i64>,
    pub category_id: Option<i64>,
    pub urgent: bool,
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// Files `n` as a case from `system`, once per `external` id: 201 with the
/// new case, or 200 with the one made before.
pub async fn take(
    st: &AppState,
    me: crate::kernel::auth::Actor,
    n: Intake,
    system: String,
    external: Option<String>,
) -> ApiResult<(StatusCode, Json<CaseDetail>)> {
    let vault = st.personal.clone();
    let phone = match n.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(Phone::parse(p).ok_or(ApiError::new(StatusCode::BAD_REQUEST, "form.bad_phone"))?),
    };
    let name = n.name.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let new = NewOpinion {
        office_id: n.office_id.map(OfficeId),
        locality_id: n.locality_id.map(LocalityId),
        category_id: n.category_id.map(CategoryId),
        source: Some(Source::Api),
        heard_by: None,
        body: n.body,
        name_enc: name.map(|s| vault.encrypt(&s.chars().take(model::MAX_NAME_CHARS).collect::<String>())),
        phone_enc: phone.as_ref().map(|p| vault.encrypt(p.as_str())),
        phone_index: phone.as_ref().map(|p| vault.blind_index(p.as_str())),
        urgent: n.urgent,
        doc: None,
    };
    let actor = me.clone();
    let (retry_system, retry_external, committee) = (system.clone(), external.clone(), me.committee_id);
    let (id, made) = match st.db.write(move |c| links::enter_once(c, &actor, &new, &system, external.as_deref())).await
    {
        // The same id sent twice at once: the other send made the case.
        Err(AppError::Conflict("api.duplicate_external_id")) => {
            let ext = retry_external.unwrap_or_default();
            let found = st.db.read(move |c| links::find_unscoped(c, committee, &retry_system, &ext)).await?;
            (found.ok_or(AppError::Conflict("api.duplicate_external_id"))?, false)
        }
        other => other?,
    };
    let status = if made { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(load(st, me, id).await?)))
}

/// The moves, by the codes the staff pages use.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionCode {
    Accept,
    Reject,
    Assign,
    Reassign,
    Sign,
    Return,
    Answer,
    Approve,
    SendBack,
    Merge,
    /// A phone callback (回访) with the resident's rating.
    Callback,
}

/// A rating a person gives.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingCode {
    Satisfied,
    Basic,
    Unsatisfied,
}

/// A move on a case.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseAction {
    pub action: ActionCode,
    /// The reason (reject, return, send_back), the answer (answer) or the callback's comment.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// For assign and reassign: `department:3`, `office:5` or `member:12`.
    #[schema(pattern = "^(department|office|member):[0-9]+$")]
    pub assignee: Option<String>,
    /// For assign: working days to answer (default 15).
    #[schema(minimum = 1, maximum = 60)]
    pub days: Option<u32>,
    /// For callback (回访).
    pub rating: Option<RatingCode>,
    /// For merge: the tracking code of the case this one duplicates.
    pub merge_code: Option<String>,
}

impl CaseAction {
    fn step(self) -> ApiResult<Step> {
        let action = match self.action {
            ActionCode::Accept => Action::Accept,
            ActionCode::Reject => Action::Reject,
            ActionCode::Assign => Action::Assign,
            ActionCode::Reassign => Action::Reassign,
            ActionCode::Sign => Action::Sign,
            ActionCode::Return => Action::Return,
            ActionCode::Answer => Action::Answer,
            ActionCode::Approve => Action::ApproveAnswer,
            ActionCode::SendBack => Action::SendBack,
            ActionCode::Merge => Action::MergeInto,
            ActionCode::Callback => Action::Rate(match self.rating {
                Some(RatingCode::Satisfied) => Rating::Satisfied,
                Some(RatingCode::Basic) => Rating::Basic,
                Some(RatingCode::Unsatisfied) => Rating::Unsatisfied,
                None => return Err(ApiError::new(StatusCode::BAD_REQUEST, "track.choose_rating")),
            }),
        };
        let mut step = Step::new(action);
        step.assignee = match self.assignee.as_deref().filter(|a| !a.is_empty()) {
            None => None,
            Some(a) => {
                Some(Assignee::parse(a).ok_or(ApiError::new(StatusCode::BAD_REQUEST, "opinion.choose_assignee"))?)
            }
        };
        step.days = match self.days {
            None => None,
            Some(d) if model::valid_days(d) => Some(d),
            Some(_) => return Err(ApiError::new(StatusCode::BAD_REQUEST, "opinion.bad_days")),
        };
        step.merge_code = match self.merge_code.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => {
                Some(model::normalize_code(c).ok_or(ApiError::new(StatusCode::BAD_REQUEST, "opinion.choose_merge"))?)
            }
        };
        step.note = self.note.unwrap_or_default();
        Ok(step)
    }
}

/// 办理案件 · One move on a case, by the same rules as the staff page: the
/// token's account is district staff, so it accepts, assigns, reviews and
/// records callbacks; a handler's moves (sign, answer) are the handler's.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/actions", tag = "cases", security(("token" = [])),
    params(("id" = i64, Path, description = "The case's id")), request_body = CaseAction,
    responses(
        (status = 200, description = "Moved; the case as it now is", body = CaseDetail),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        Errors
    )
)]
pub async fn act(
    State(st): State<AppState>,
    Caller(me, ..): Caller<Act>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(a): ApiJson<CaseAction>,
) -> ApiResult<Json<CaseDetail>> {
    let step = a.step()?;
    let actor = me.clone();
    st.db.write(move |c| cases::act(c, &actor, OpinionId(id), &step)).await?;
    Ok(Json(load(&st, me, OpinionId(id)).await?))
}
