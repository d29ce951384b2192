//! Pages: compile a report from a case, the list, one report (edit while
//! compiled, move it on), its Word file, and a member's reports with counts.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Datelike;
use serde::Deserialize;
use tower_sessions::Session;

use super::docx;
use super::model::{Counts, Level, Move, ReportId, ReportStatus, ReportText};
use super::store::{self, Draft, ListFilter, Report, ReportPage};
use crate::kernel::auth::{Actor, CurrentUser, Role};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{MemberId, OpinionId};
use crate::kernel::state::AppState;
use crate::kernel::web::page::{flash, form_done};
use crate::kernel::web::{Page, form, paging, render};
use crate::org::store::members::Member;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opinions/reports", get(list).post(create))
        .route("/opinions/reports/new", get(new_form))
        // `{id}` or `{id}.docx`: one segment, told apart by the handler.
        .route("/opinions/reports/{key}", get(show).post(update))
        .route("/opinions/reports/{key}/move", post(advance))
        .route("/members/{id}/reports", get(member_reports))
}

fn report_id(key: &str) -> AppResult<ReportId> {
    key.parse().map(ReportId).map_err(|_| AppError::NotFound)
}

/// The text fields of the compile and edit forms.
#[derive(Deserialize, Default)]
struct TextForm {
    title: Option<String>,
    situation: Option<String>,
    analysis: Option<String>,
    suggestion: Option<String>,
    reporter_member: Option<String>,
    reporter_name: Option<String>,
    report_to: Option<String>,
    deliver_to: Option<String>,
    copy_to: Option<String>,
}

impl TextForm {
    fn draft(&self) -> AppResult<Draft> {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok(Draft {
            text: ReportText {
                title: s(&self.title),
                situation: s(&self.situation),
                analysis: s(&self.analysis),
                suggestion: s(&self.suggestion),
                reporter_name: s(&self.reporter_name),
                report_to: s(&self.report_to),
                deliver_to: s(&self.deliver_to),
                copy_to: s(&self.copy_to),
            },
            reporter_member_id: form::id(&self.reporter_member)?.map(MemberId),
        })
    }
}

// ---- compile ----

#[derive(Template)]
#[template(path = "opinions/reports/new.html")]
struct NewTemplate {
    page: Page,
    case_id: OpinionId,
    case_code: String,
    duplicates: Vec<(OpinionId, String)>,
    draft: Draft,
    codes: String,
    members: Vec<(MemberId, String)>,
    error: Option<String>,
}

impl NewTemplate {
    fn is_reporter(&self, id: &MemberId) -> bool {
        self.draft.reporter_member_id == Some(*id)
    }
}

#[derive(Deserialize)]
struct NewQuery {
    case: Option<String>,
}

/// The compile form; `typed` is what the user sent when it comes back with an error.
async fn new_page(
    st: &AppState,
    me: Actor,
    page: Page,
    case: OpinionId,
    typed: Option<(Draft, String)>,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let pre = st.db.read(move |c| store::prefill(c, &me, case)).await?;
    let (draft, codes) = typed.unwrap_or((pre.draft, String::new()));
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let tpl = NewTemplate {
        error: error.map(|k| page.t(k)),
        page,
        case_id: pre.case.id,
        case_code: pre.case.code,
        duplicates: pre.duplicates,
        draft,
        codes,
        members: pre.members,
    };
    Ok((status, render(&tpl)?).into_response())
}

async fn new_form(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let case = form::id(&q.case).ok().flatten().ok_or(AppError::NotFound)?;
    new_page(&st, me, page, OpinionId(case), None, None).await
}

#[derive(Deserialize)]
struct CreateForm {
    case: String,
    codes: Option<String>,
    #[serde(flatten)]
    text: TextForm,
}

async fn create(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Form(f): Form<CreateForm>,
) -> AppResult<Response> {
    let case = OpinionId(f.case.trim().parse().map_err(|_| AppError::NotFound)?);
    let codes = f.codes.clone().unwrap_or_default();
    let result = async {
        let draft = f.text.draft()?;
        let (actor, codes) = (me.clone(), codes.clone());
        st.db
            .write(move |c| {
                let mut ids = vec![case];
                ids.extend(store::resolve_codes(c, &actor, &codes)?);
                store::compile(c, &actor, &ids, &draft)
            })
            .await
    }
    .await;
    match result {
        Ok(id) => {
            flash(&session, true, "report.compiled").await;
            Ok(Redirect::to(&format!("/opinions/reports/{id}")).into_response())
        }
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            let typed = f.text.draft().unwrap_or_default();
            new_page(&st, me, page, case, Some((typed, codes)), Some(k)).await
        }
        Err(e) => Err(e),
    }
}

// ---- list ----

#[derive(Deserialize, Default)]
struct ListQuery {
    status: Option<String>,
    year: Option<String>,
}

impl ListQuery {
    fn is(&self, field: &Option<String>, v: &str) -> bool {
        field.as_deref() == Some(v)
    }
}

#[derive(Template)]
#[template(path = "opinions/reports/list.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Report>,
    q: ListQuery,
    statuses: &'static [ReportStatus],
    years: Vec<i32>,
}

/// The years a filter offers: this one and the four before.
fn recent_years() -> Vec<i32> {
    let y = crate::kernel::time::today().year();
    (y - 4..=y).rev().collect()
}

/// Roles that read reports at all (the rest — departments, the auditor, the
/// sysadmin — have no business with them).
fn reads_reports(me: &Actor) -> bool {
    matches!(me.role, Role::DistrictAdmin | Role::Leader | Role::OfficeStaff | Role::Member)
}

async fn list(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    if !reads_reports(&me) {
        return Err(AppError::Forbidden);
    }
    let filter =
        ListFilter { status: q.status.as_deref().and_then(ReportStatus::parse), year: paging::year(q.year.as_deref()) };
    let rows = st.db.read(move |c| store::list(c, &me, &filter)).await?;
    let tpl = ListTemplate { page, rows, q, statuses: ReportStatus::ALL, years: recent_years() };
    Ok(render(&tpl)?.into_response())
}

// ---- one report ----

#[derive(Template)]
#[template(path = "opinions/reports/detail.html")]
struct DetailTemplate {
    page: Page,
    p: ReportPage,
    /// The text shown in the edit form (what was typed, after an error).
    draft: Draft,
    district: bool,
    levels: &'static [Level],
    error: Option<String>,
}

/// The template reads the page's fields by name (`r`, `cases`, `members`, …).
impl std::ops::Deref for DetailTemplate {
    type Target = ReportPage;
    fn deref(&self) -> &ReportPage {
        &self.p
    }
}

impl DetailTemplate {
    fn is_reporter(&self, id: &MemberId) -> bool {
        self.draft.reporter_member_id == Some(*id)
    }
    fn at(&self, s: ReportStatus) -> bool {
        self.p.r.status == s
    }
    /// As printed on the report: 2026年 第3期.
    fn issue(&self) -> String {
        format!("{}年 {}", self.p.r.date().year(), super::model::issue_label(self.p.number))
    }
}

async fn detail_page(
    st: &AppState,
    me: Actor,
    page: Page,
    id: ReportId,
    typed: Option<Draft>,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let district = me.role == Role::DistrictAdmin;
    let p = st.db.read(move |c| store::page(c, &me, id)).await?;
    let draft = typed.unwrap_or_else(|| Draft { text: p.r.text(), reporter_member_id: p.r.reporter_member_id });
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let tpl = DetailTemplate { error: error.map(|k| page.t(k)), page, p, draft, district, levels: Level::ALL };
    Ok((status, render(&tpl)?).into_response())
}

async fn show(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(key): Path<String>,
) -> AppResult<Response> {
    match key.strip_suffix(".docx") {
        Some(id) => download(&st, me, report_id(id)?).await,
        None => detail_page(&st, me, page, report_id(&key)?, None, None).await,
    }
}

async fn download(st: &AppState, me: Actor, id: ReportId) -> AppResult<Response> {
    let printed = st.db.read(move |c| store::printed(c, &me, id)).await?;
    let name = format!("社情民意信息{}年第{}期.docx", printed.date.year(), printed.number);
    let bytes = tokio::task::spawn_blocking(move || docx::render(&printed))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the report failed: {e}")))??;
    Ok(crate::kernel::files::attachment(bytes, crate::kernel::files::Kind::Docx, &name))
}

async fn update(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(key): Path<String>,
    Form(f): Form<TextForm>,
) -> AppResult<Response> {
    let id = report_id(&key)?;
    let result = async {
        let draft = f.draft()?;
        let actor = me.clone();
        st.db.write(move |c| store::update(c, &actor, id, &draft)).await
    }
    .await;
    match result {
        Ok(()) => {
            flash(&session, true, "report.saved").await;
            Ok(Redirect::to(&format!("/opinions/reports/{id}")).into_response())
        }
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            detail_page(&st, me, page, id, Some(f.draft().unwrap_or_default()), Some(k)).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct MoveForm {
    action: String,
    sent_to: Option<String>,
    level: Option<String>,
    instruction: Option<String>,
    instruction_by: Option<String>,
}

impl MoveForm {
    fn to_move(&self) -> AppResult<Move> {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok(match self.action.as_str() {
            "send" => Move::Send { to: s(&self.sent_to) },
            "adopt" => Move::Adopt { level: self.level.as_deref().and_then(Level::parse) },
            "decline" => Move::Decline,
            "instruct" => Move::Instruct { text: s(&self.instruction), by: s(&self.instruction_by) },
            _ => return Err(AppError::BadRequest("form.bad_choice")),
        })
    }
}

async fn advance(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(key): Path<String>,
    Form(f): Form<MoveForm>,
) -> AppResult<Redirect> {
    let id = report_id(&key)?;
    let result = async {
        let mv = f.to_move()?;
        st.db.write(move |c| store::advance(c, &me, id, &mv).map(|_| ())).await
    }
    .await;
    form_done(&session, result, "report.moved", &format!("/opinions/reports/{id}")).await
}

// ---- a member's reports ----

#[derive(Template)]
#[template(path = "opinions/reports/member.html")]
struct MemberTemplate {
    page: Page,
    m: Member,
    year: i32,
    years: Vec<i32>,
    rows: Vec<Report>,
    counts: Counts,
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<String>,
}

async fn member_reports(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let year = paging::year(q.year.as_deref()).unwrap_or_else(|| crate::kernel::time::today().year());
    let (m, rows, counts) =
        st.db.read(move |c| store::for_member(c, &me, MemberId(id), year)).await?.ok_or(AppError::NotFound)?;
    let tpl = MemberTemplate { page, m, year, years: recent_years(), rows, counts };
    Ok(render(&tpl)?.into_response())
}
