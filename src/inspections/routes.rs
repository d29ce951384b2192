//! Inspections' pages: the list with the district's plan form, one
//! inspection (its record form for the district, the answer and the
//! rectification follow-up for the office), and the checklist.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use super::model::{self, Finding, parse_score};
use super::store::checklist::{self, Item};
use super::store::inspections::{self, Inspection, Record, Shown};
use super::store::rectifications::{self, Tally};
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{InspectionId, OfficeId, RectificationId};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::action::{action, action_form};
use crate::kernel::web::page::{Flash, form_done};
use crate::kernel::web::{Page, form, render};
use crate::org::store::{self as org, Office};

/// The most checklist items one record takes.
const MAX_FINDINGS: usize = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inspections", get(list).merge(action_form("inspection.planned", |_| "/inspections".into(), plan)))
        .route(
            "/inspections/checklist",
            get(checklist_page).merge(action_form(
                "inspection.checklist_saved",
                |_| "/inspections/checklist".into(),
                |c, me, f: LabelForm| checklist::add(c, me, f.label.as_deref().unwrap_or_default()),
            )),
        )
        .route(
            "/inspections/checklist/{id}",
            action(
                "inspection.checklist_saved",
                |_| "/inspections/checklist".into(),
                |c, me, id, f: ItemForm| {
                    checklist::update(c, me, id, f.label.as_deref().unwrap_or_default(), f.active.is_some())
                },
            ),
        )
        .route("/inspections/{id}", get(show))
        .route("/inspections/{id}/record", post(record))
        .route(
            "/inspections/{id}/plan",
            action("inspection.plan_saved", back, |c, me, id, f: PlanForm| {
                if !model::may_manage(me) {
                    return Err(AppError::NotFound);
                }
                let on = form::date(&f.planned_on)?.ok_or(AppError::BadRequest("inspection.date_required"))?;
                inspections::reschedule(c, me, InspectionId(id), on, f.inspectors.as_deref().unwrap_or_default())
            }),
        )
        .route(
            "/inspections/{id}/cancel",
            action(
                "inspection.cancelled",
                |_| "/inspections".into(),
                |c, me, id, _: Empty| inspections::cancel(c, me, InspectionId(id)),
            ),
        )
        .route("/inspections/{id}/items", action("rectification.added", back, add_item))
        .route(
            "/inspections/{id}/answer",
            action("inspection.answered", back, |c, me, id, f: AnswerForm| {
                inspections::answer(c, me, InspectionId(id), f.answer.as_deref().unwrap_or_default())
            }),
        )
        .route("/rectifications/{id}/done", post(done))
        .route(
            "/rectifications/{id}/files/{file}",
            crate::kernel::files::routes::download(|c, me, id, f| {
                rectifications::holds_file(c, me, RectificationId(id), f)
            }),
        )
}

/// The office reports an item done: the evidence in words and up to three
/// photos or documents. Only the inspected office's open item gets as far as
/// storing files; each is checked and stored before the report commits with
/// them (a refused file leaves nothing behind). Back to the inspection.
async fn done(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> AppResult<axum::response::Redirect> {
    let id = RectificationId(id);
    let who = me.clone();
    let (inspection, open) = st.db.read(move |c| rectifications::for_report(c, &who, id)).await?;
    let back = format!("/inspections/{inspection}");
    let result = async {
        if !open {
            return Err(AppError::Conflict("rectification.already_done"));
        }
        let (fields, stored) = st
            .files
            .read_and_store(mp, rectifications::MAX_FILES, crate::kernel::files::Accept::ImagesAndDocuments)
            .await?;
        let evidence = fields.get("evidence").cloned().unwrap_or_default();
        st.db
            .write(move |c| {
                let mut ids = vec![];
                for s in &stored {
                    ids.push(crate::kernel::files::insert_row(c, &me, s)?);
                }
                rectifications::done(c, &me, id, &evidence, &ids)
            })
            .await
    }
    .await;
    form_done(&session, result, "rectification.done", &back).await
}

fn back(id: i64) -> String {
    format!("/inspections/{id}")
}

#[derive(Deserialize)]
struct PlanForm {
    office: Option<String>,
    planned_on: Option<String>,
    inspectors: Option<String>,
}

fn plan(c: &mut crate::kernel::db::DbConn, me: &crate::kernel::auth::Actor, f: PlanForm) -> AppResult<()> {
    let office = form::id(&f.office)?.ok_or(AppError::BadRequest("inspection.bad_office"))?;
    let on = form::date(&f.planned_on)?.ok_or(AppError::BadRequest("inspection.date_required"))?;
    inspections::plan(c, me, OfficeId(office), on, f.inspectors.as_deref().unwrap_or_default()).map(|_| ())
}

#[derive(Deserialize)]
struct Empty {}

#[derive(Deserialize)]
struct ItemAddForm {
    body: Option<String>,
    deadline: Option<String>,
}

fn add_item(
    c: &mut crate::kernel::db::DbConn,
    me: &crate::kernel::auth::Actor,
    id: i64,
    f: ItemAddForm,
) -> AppResult<()> {
    let deadline = form::date(&f.deadline)?.ok_or(AppError::BadRequest("rectification.bad_deadline"))?;
    rectifications::add(c, me, InspectionId(id), f.body.as_deref().unwrap_or_default(), deadline, today()).map(|_| ())
}

#[derive(Deserialize)]
struct AnswerForm {
    answer: Option<String>,
}

#[derive(Deserialize)]
struct LabelForm {
    label: Option<String>,
}

#[derive(Deserialize)]
struct ItemForm {
    label: Option<String>,
    active: Option<String>,
}

#[derive(Template)]
#[template(path = "inspections/list.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<(Inspection, String, Tally)>,
    offices: Vec<Office>,
    manage: bool,
}

async fn list(State(st): State<AppState>, CurrentUser(me): CurrentUser, page: Page) -> AppResult<Html<String>> {
    let manage = model::may_manage(&me);
    let (rows, offices) = st
        .db
        .read(move |c| {
            let offices = if manage { org::list_offices(c, &me)? } else { vec![] };
            Ok((inspections::list(c, &me)?, offices))
        })
        .await?;
    render(&ListTemplate { page, rows, offices, manage })
}

#[derive(Template)]
#[template(path = "inspections/show.html")]
struct ShowTemplate {
    page: Page,
    s: Shown,
    rec: RecordForm,
    results: [Finding; 3],
    today: chrono::NaiveDate,
}

impl ShowTemplate {
    fn recorded(&self) -> bool {
        self.s.i.status == model::InspectionStatus::Recorded
    }
    fn is(&self, f: &Option<Finding>, r: &Finding) -> bool {
        f.as_ref() == Some(r)
    }
}

/// The record form's values: what was recorded, what was just sent and
/// refused, or a fresh form from the checklist.
#[derive(Debug, Clone, Default, PartialEq)]
struct RecordForm {
    inspected_on: String,
    score: String,
    summary: String,
    /// Each item's words, its finding so far and its note.
    rows: Vec<(String, Option<Finding>, String)>,
}

impl RecordForm {
    /// The form as sent, whatever it holds: `inspected_on`, `score`,
    /// `summary`, and for row N `label_N`, `result_N`, `note_N`.
    fn sent(raw: &[u8]) -> AppResult<RecordForm> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(raw).map_err(|_| AppError::BadRequest("form.bad_choice"))?;
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let mut rows = vec![];
        for n in 0..MAX_FINDINGS {
            let Some(label) = get(&format!("label_{n}")) else { break };
            let found = get(&format!("result_{n}")).and_then(|r| Finding::parse(r.trim()));
            rows.push((label.trim().to_string(), found, get(&format!("note_{n}")).unwrap_or_default()));
        }
        let text = |k: &str| get(k).unwrap_or_default();
        Ok(RecordForm { inspected_on: text("inspected_on"), score: text("score"), summary: text("summary"), rows })
    }

    /// The record the form says, or why not.
    fn record(&self) -> AppResult<Record> {
        let inspected_on =
            form::date(&Some(self.inspected_on.clone()))?.ok_or(AppError::BadRequest("inspection.date_required"))?;
        let score = parse_score(&self.score).map_err(AppError::BadRequest)?;
        let mut findings = vec![];
        for (label, found, note) in &self.rows {
            let result = found.ok_or(AppError::BadRequest("inspection.finding_required"))?;
            findings.push((label.clone(), result, note.clone()));
        }
        Ok(Record { inspected_on, findings, score, summary: self.summary.clone() })
    }

    /// The form for an inspection: what was found, else the checklist.
    fn of(s: &Shown, checklist: Vec<String>) -> RecordForm {
        let rows = if s.findings.is_empty() {
            checklist.into_iter().map(|l| (l, None, String::new())).collect()
        } else {
            s.findings.iter().map(|f| (f.label.clone(), Some(f.result), f.note.clone())).collect()
        };
        RecordForm {
            inspected_on: s.i.inspected_on.unwrap_or_else(today).to_string(),
            score: s.i.score.map(|v| v.to_string()).unwrap_or_default(),
            summary: s.i.summary.clone(),
            rows,
        }
    }
}

async fn show(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    show_page(&st, me, page, InspectionId(id), None).await
}

/// The inspection's page; `sent` is a refused record form, shown again as
/// it was filled in, with the reason.
async fn show_page(
    st: &AppState,
    me: Actor,
    page: Page,
    id: InspectionId,
    sent: Option<RecordForm>,
) -> AppResult<Response> {
    let (s, items) = st
        .db
        .read(move |c| {
            let s = inspections::get(c, &me, id)?;
            let items = if s.manage { checklist::active(c, &me)? } else { vec![] };
            Ok((s, items))
        })
        .await?;
    let status = if sent.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let rec = sent.unwrap_or_else(|| RecordForm::of(&s, items));
    let tpl = ShowTemplate { page, s, rec, results: [Finding::Met, Finding::Partly, Finding::Unmet], today: today() };
    Ok((status, render(&tpl)?).into_response())
}

async fn record(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    mut page: Page,
    Path(id): Path<i64>,
    RawForm(raw): RawForm,
) -> AppResult<Response> {
    if !model::may_manage(&me) {
        return Err(AppError::NotFound);
    }
    let sent = RecordForm::sent(&raw)?;
    let actor = me.clone();
    let result = match sent.record() {
        Ok(r) => st.db.write(move |c| inspections::record(c, &actor, InspectionId(id), r)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(form_done(&session, Ok(()), "inspection.recorded", &back(id)).await?.into_response()),
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => {
            page.flash = Some(Flash { ok: false, key: k.to_string() });
            show_page(&st, me, page, InspectionId(id), Some(sent)).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "inspections/checklist.html")]
struct ChecklistTemplate {
    page: Page,
    items: Vec<Item>,
}

async fn checklist_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
) -> AppResult<Html<String>> {
    if !model::may_manage(&me) {
        return Err(AppError::NotFound);
    }
    let items = st.db.read(move |c| checklist::all(c, &me)).await?;
    render(&ChecklistTemplate { page, items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_form_reads_every_row() {
        let raw = "inspected_on=2026-12-04&score=86&summary=%E8%89%AF&label_0=%E6%9C%89%E9%98%B5%E5%9C%B0&result_0=met&note_0=&label_1=%E6%9C%89%E6%A0%87%E8%AF%86&result_1=partly&note_1=%E7%BC%BA";
        let parse = |raw: &str| RecordForm::sent(raw.as_bytes()).and_then(|f| f.record());
        let r = parse(raw).expect("a record");
        assert_eq!(r.score, 86);
        assert_eq!(r.findings.len(), 2);
        assert_eq!(r.findings[1], ("有标识".to_string(), Finding::Partly, "缺".to_string()));
        let no_result = "inspected_on=2026-12-04&score=86&label_0=x";
        assert!(matches!(parse(no_result), Err(AppError::BadRequest("inspection.finding_required"))));
        let bad_score = "inspected_on=2026-12-04&score=120&label_0=x&result_0=met";
        assert!(matches!(parse(bad_score), Err(AppError::BadRequest("inspection.bad_score"))));
    }
}
