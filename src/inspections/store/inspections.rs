//! An inspection from its plan to its record and the office's answer.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::rectifications::{self, Rectification};
use crate::inspections::model::{self, Finding, InspectionStatus, MAX_TEXT};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{inspection_findings as findings, inspections, offices};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::FileRow;
use crate::kernel::ids::{CommitteeId, InspectionId, OfficeId, RectificationId, UserId};
use crate::kernel::time::now;
use crate::kernel::web::form;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = inspections)]
pub struct Inspection {
    pub id: InspectionId,
    pub committee_id: CommitteeId,
    pub office_id: OfficeId,
    pub planned_on: NaiveDate,
    pub inspectors: String,
    pub status: InspectionStatus,
    pub inspected_on: Option<NaiveDate>,
    pub score: Option<i32>,
    pub summary: String,
    pub answer: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = findings)]
pub struct FindingRow {
    pub id: i64,
    pub inspection_id: InspectionId,
    pub label: String,
    pub result: Finding,
    pub note: String,
}

/// What the inspectors record: the day, a finding per checklist item, the
/// score and their summary.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub inspected_on: NaiveDate,
    pub findings: Vec<(String, Finding, String)>,
    pub score: i32,
    pub summary: String,
}

/// An inspection as its page shows it to one reader.
#[derive(Debug, Clone)]
pub struct Shown {
    pub i: Inspection,
    pub office: String,
    pub findings: Vec<FindingRow>,
    pub items: Vec<Rectification>,
    /// Each item's photos and documents.
    pub item_files: HashMap<RectificationId, Vec<FileRow>>,
    /// The district: records and sets rectifications.
    pub manage: bool,
    /// The inspected office: answers and follows up.
    pub answers: bool,
}

/// Plans an inspection of `office` (the district only).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn plan(
    conn: &mut DbConn,
    actor: &Actor,
    office: OfficeId,
    planned_on: NaiveDate,
    inspectors: &str,
) -> AppResult<InspectionId> {
    if !model::may_manage(actor) {
        return Err(AppError::Forbidden);
    }
    crate::org::store::get_office(conn, actor, office)?.ok_or(AppError::BadRequest("inspection.bad_office"))?;
    let inspectors = form::bounded(inspectors, 200, "inspection.inspectors_too_long")?;
    if inspectors.is_empty() {
        return Err(AppError::BadRequest("inspection.inspectors_required"));
    }
    let at = now();
    let id: InspectionId = diesel::insert_into(inspections::table)
        .values((
            inspections::committee_id.eq(actor.committee_id),
            inspections::office_id.eq(office),
            inspections::planned_on.eq(planned_on),
            inspections::inspectors.eq(&inspectors),
            inspections::status.eq(InspectionStatus::Planned),
            inspections::summary.eq(""),
            inspections::created_by.eq(actor.user_id),
            inspections::created_at.eq(at),
            inspections::updated_at.eq(at),
        ))
        .returning(inspections::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("inspection.plan", "inspection", id)
            .after(serde_json::json!({ "office": office, "planned_on": planned_on, "inspectors": inspectors })),
    )?;
    Ok(id)
}

/// The district changes a planned inspection's date or inspectors; once
/// recorded, its record is what counts and the plan is kept as it was.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn reschedule(
    conn: &mut DbConn,
    actor: &Actor,
    id: InspectionId,
    planned_on: NaiveDate,
    inspectors: &str,
) -> AppResult<()> {
    let i = planned(conn, actor, id)?;
    let inspectors = form::bounded(inspectors, 200, "inspection.inspectors_too_long")?;
    if inspectors.is_empty() {
        return Err(AppError::BadRequest("inspection.inspectors_required"));
    }
    diesel::update(inspections::table.find(id).filter(inspections::status.eq(InspectionStatus::Planned)))
        .set((
            inspections::planned_on.eq(planned_on),
            inspections::inspectors.eq(&inspectors),
            inspections::updated_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("inspection.reschedule", "inspection", id)
            .before(serde_json::json!({ "planned_on": i.planned_on, "inspectors": i.inspectors }))
            .after(serde_json::json!({ "planned_on": planned_on, "inspectors": inspectors })),
    )
}

/// The district calls off a planned inspection: the plan is removed (it has
/// no findings nor items yet) and the audit trail keeps what it was.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn cancel(conn: &mut DbConn, actor: &Actor, id: InspectionId) -> AppResult<()> {
    let i = planned(conn, actor, id)?;
    diesel::delete(inspections::table.find(id).filter(inspections::status.eq(InspectionStatus::Planned)))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("inspection.cancel", "inspection", id).before(serde_json::json!({
            "office": i.office_id, "planned_on": i.planned_on, "inspectors": i.inspectors
        })),
    )
}

/// A planned inspection the district may still change; a recorded one is a
/// conflict, anyone else learns nothing.
fn planned(conn: &mut DbConn, actor: &Actor, id: InspectionId) -> AppResult<Inspection> {
    if !model::may_manage(actor) {
        return Err(AppError::NotFound);
    }
    let i = row(conn, actor, id)?;
    if i.status != InspectionStatus::Planned {
        return Err(AppError::Conflict("inspection.already_recorded"));
    }
    Ok(i)
}

/// Records (or corrects) what the inspection found: its findings replace
/// any recorded before.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn record(conn: &mut DbConn, actor: &Actor, id: InspectionId, r: Record) -> AppResult<()> {
    if !model::may_manage(actor) {
        return Err(AppError::NotFound);
    }
    let i = row(conn, actor, id)?;
    let summary = form::bounded(&r.summary, MAX_TEXT, "inspection.text_too_long")?;
    if r.findings.is_empty() {
        return Err(AppError::BadRequest("inspection.no_findings"));
    }
    let mut kept = vec![];
    for (label, result, note) in &r.findings {
        let label = form::bounded(label, model::MAX_LABEL, "inspection.label_too_long")?;
        if label.is_empty() {
            return Err(AppError::BadRequest("inspection.label_required"));
        }
        kept.push((label, *result, form::bounded(note, MAX_TEXT, "inspection.text_too_long")?));
    }
    diesel::delete(findings::table.filter(findings::inspection_id.eq(id))).execute(conn)?;
    for (label, result, note) in &kept {
        diesel::insert_into(findings::table)
            .values((
                findings::inspection_id.eq(id),
                findings::label.eq(label),
                findings::result.eq(*result),
                findings::note.eq(note),
            ))
            .execute(conn)?;
    }
    diesel::update(inspections::table.find(id))
        .set((
            inspections::status.eq(InspectionStatus::Recorded),
            inspections::inspected_on.eq(Some(r.inspected_on)),
            inspections::score.eq(Some(r.score)),
            inspections::summary.eq(&summary),
            inspections::updated_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("inspection.record", "inspection", id)
            .before(serde_json::json!({ "score": i.score, "summary": i.summary }))
            .after(serde_json::json!({ "score": r.score, "summary": summary, "inspected_on": r.inspected_on })),
    )
}

/// The inspected office answers the findings (a second answer replaces the first).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn answer(conn: &mut DbConn, actor: &Actor, id: InspectionId, text: &str) -> AppResult<()> {
    let i = row(conn, actor, id)?;
    if !model::is_inspected_office(actor, i.office_id) {
        return Err(AppError::NotFound);
    }
    if i.status != InspectionStatus::Recorded {
        return Err(AppError::Conflict("inspection.not_recorded"));
    }
    let text = form::bounded(text, MAX_TEXT, "inspection.text_too_long")?;
    if text.is_empty() {
        return Err(AppError::BadRequest("inspection.answer_required"));
    }
    diesel::update(inspections::table.find(id))
        .set((inspections::answer.eq(Some(&text)), inspections::answered_at.eq(Some(now()))))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("inspection.answer", "inspection", id)
            .before(serde_json::json!({ "answer": i.answer }))
            .after(serde_json::json!({ "answer": text })),
    )
}

/// An inspection the actor may read; anyone else learns nothing ("not found").
pub(super) fn row(conn: &mut DbConn, actor: &Actor, id: InspectionId) -> AppResult<Inspection> {
    let i: Inspection = inspections::table
        .find(id)
        .filter(inspections::committee_id.eq(actor.committee_id))
        .select(Inspection::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    if !model::may_read(actor, i.office_id) {
        return Err(AppError::NotFound);
    }
    Ok(i)
}

impl Shown {
    /// An item's photos and documents.
    pub fn files_of(&self, r: &Rectification) -> &[FileRow] {
        self.item_files.get(&r.id).map(Vec::as_slice).unwrap_or_default()
    }
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: InspectionId) -> AppResult<Shown> {
    let i = row(conn, actor, id)?;
    let office: String = offices::table.find(i.office_id).select(offices::name).first(conn)?;
    let findings = findings::table
        .filter(findings::inspection_id.eq(id))
        .order(findings::id.asc())
        .select(FindingRow::as_select())
        .load(conn)?;
    let items = rectifications::of_inspection(conn, id)?;
    let item_files = rectifications::files_of(conn, &items.iter().map(|r| r.id).collect::<Vec<_>>())?;
    let (manage, answers) = (model::may_manage(actor), model::is_inspected_office(actor, i.office_id));
    Ok(Shown { i, office, findings, items, item_files, manage, answers })
}

/// Inspections the actor may read, latest planned first, with their
/// office's name and their rectifications' counts (open, overdue, total).
pub fn list(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(Inspection, String, rectifications::Tally)>> {
    let mut q = inspections::table
        .inner_join(offices::table)
        .filter(inspections::committee_id.eq(actor.committee_id))
        .into_boxed();
    match actor.role {
        Role::DistrictAdmin | Role::Leader => {}
        Role::OfficeStaff => match actor.office_id {
            Some(o) => q = q.filter(inspections::office_id.eq(o)),
            None => return Ok(vec![]),
        },
        _ => return Ok(vec![]),
    }
    let rows: Vec<(Inspection, String)> = q
        .order((inspections::planned_on.desc(), inspections::id.desc()))
        .limit(500)
        .select((Inspection::as_select(), offices::name))
        .load(conn)?;
    let ids: Vec<InspectionId> = rows.iter().map(|(i, _)| i.id).collect();
    let tallies = rectifications::tallies(conn, &ids, crate::kernel::time::today())?;
    Ok(rows
        .into_iter()
        .map(|(i, o)| (tallies.get(&i.id).copied().unwrap_or_default(), i, o))
        .map(|(t, i, o)| (i, o, t))
        .collect())
}

/// The inspections of `office` carried out from `first` to `last` (both
/// included) with their rectifications' counts: what the office's archive
/// files for a year. Nothing unless the actor may read that office's.
pub fn recorded_between(
    conn: &mut DbConn,
    actor: &Actor,
    office: OfficeId,
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<Vec<(Inspection, rectifications::Tally)>> {
    if !model::may_read(actor, office) {
        return Ok(vec![]);
    }
    let rows: Vec<Inspection> = inspections::table
        .filter(inspections::committee_id.eq(actor.committee_id).and(inspections::office_id.eq(office)))
        .filter(inspections::status.eq(InspectionStatus::Recorded))
        .filter(inspections::inspected_on.ge(first).and(inspections::inspected_on.le(last)))
        .select(Inspection::as_select())
        .load(conn)?;
    let ids: Vec<InspectionId> = rows.iter().map(|i| i.id).collect();
    let tallies = rectifications::tallies(conn, &ids, crate::kernel::time::today())?;
    Ok(rows.into_iter().map(|i| (tallies.get(&i.id).copied().unwrap_or_default(), i)).map(|(t, i)| (i, t)).collect())
}
