//! Rectification items (整改): set by the district on a recorded inspection,
//! followed up by the inspected office until done with its evidence;
//! reminded before their deadline and reported to the district once
//! overdue (`inspections::jobs`).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::inspections::row;
use crate::inspections::model::{self, InspectionStatus, MAX_TEXT, RectStatus};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{files, offices, rectification_files as rect_files, rectifications as rect};
use crate::kernel::docx::chinese_date;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::FileRow;
use crate::kernel::ids::{CommitteeId, FileId, InspectionId, OfficeId, RectificationId};
use crate::kernel::time::now;
use crate::kernel::web::form;
use crate::kernel::web::i18n::Lang;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = rect)]
pub struct Rectification {
    pub id: RectificationId,
    pub committee_id: CommitteeId,
    pub inspection_id: InspectionId,
    pub office_id: OfficeId,
    pub body: String,
    pub deadline: NaiveDate,
    pub status: RectStatus,
    pub evidence: String,
    pub done_at: Option<NaiveDateTime>,
    pub escalated_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Rectification {
    pub fn overdue(&self, today: &NaiveDate) -> bool {
        model::overdue(self.status, self.deadline, *today)
    }
}

/// An inspection's items: open, overdue (of the open), all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub open: i64,
    pub overdue: i64,
    pub total: i64,
}

/// Adds an item to a recorded inspection (the district only).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn add(
    conn: &mut DbConn,
    actor: &Actor,
    id: InspectionId,
    body: &str,
    deadline: NaiveDate,
    today: NaiveDate,
) -> AppResult<RectificationId> {
    if !model::may_manage(actor) {
        return Err(AppError::NotFound);
    }
    let i = row(conn, actor, id)?;
    if i.status != InspectionStatus::Recorded {
        return Err(AppError::Conflict("inspection.not_recorded"));
    }
    let body = form::bounded(body, MAX_TEXT, "inspection.text_too_long")?;
    if body.is_empty() {
        return Err(AppError::BadRequest("rectification.body_required"));
    }
    if !model::deadline_ok(deadline, today) {
        return Err(AppError::BadRequest("rectification.bad_deadline"));
    }
    let at = now();
    let rid: RectificationId = diesel::insert_into(rect::table)
        .values((
            rect::committee_id.eq(actor.committee_id),
            rect::inspection_id.eq(id),
            rect::office_id.eq(i.office_id),
            rect::body.eq(&body),
            rect::deadline.eq(deadline),
            rect::status.eq(RectStatus::Open),
            rect::evidence.eq(""),
            rect::created_at.eq(at),
            rect::updated_at.eq(at),
        ))
        .returning(rect::id)
        .get_result(conn)?;
    let office: String = offices::table.find(i.office_id).select(offices::name).first(conn)?;
    crate::kernel::notify::inapp::post(
        conn,
        actor.committee_id,
        crate::kernel::notify::Unit::Office(i.office_id),
        &office,
        &format!("rectification:{rid}"),
        &Lang::Zh.t("rectification.inapp_body").replace("%{body}", &body).replace("%{date}", &chinese_date(deadline)),
    )?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("rectification.add", "rectification", rid)
            .after(serde_json::json!({ "inspection": id, "body": body, "deadline": deadline })),
    )?;
    Ok(rid)
}

/// The most photos and documents one report of "done" takes.
pub const MAX_FILES: usize = 3;

/// Before the office's report is read and its files stored: the item's
/// inspection (the page to go back to) and whether it is still open. Not
/// the inspected office's: "not found", and nothing is stored.
pub fn for_report(conn: &mut DbConn, actor: &Actor, id: RectificationId) -> AppResult<(InspectionId, bool)> {
    let (inspection, office, status): (InspectionId, OfficeId, RectStatus) = rect::table
        .find(id)
        .filter(rect::committee_id.eq(actor.committee_id))
        .select((rect::inspection_id, rect::office_id, rect::status))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    if !model::is_inspected_office(actor, office) {
        return Err(AppError::NotFound);
    }
    Ok((inspection, status == RectStatus::Open))
}

/// The inspected office reports an item done, with what shows it: the text
/// and the photos or documents already stored (`files`, at most [`MAX_FILES`]).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn done(conn: &mut DbConn, actor: &Actor, id: RectificationId, evidence: &str, files: &[FileId]) -> AppResult<()> {
    let r: Rectification = rect::table
        .find(id)
        .filter(rect::committee_id.eq(actor.committee_id))
        .select(Rectification::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    if !model::is_inspected_office(actor, r.office_id) {
        return Err(AppError::NotFound);
    }
    if r.status != RectStatus::Open {
        return Err(AppError::Conflict("rectification.already_done"));
    }
    let evidence = form::bounded(evidence, MAX_TEXT, "inspection.text_too_long")?;
    if evidence.is_empty() {
        return Err(AppError::BadRequest("rectification.evidence_required"));
    }
    if files.len() > MAX_FILES {
        return Err(AppError::BadRequest("file.too_many"));
    }
    let at = now();
    // Only from open: of two reports at once, the second changes nothing.
    let moved = diesel::update(rect::table.find(id).filter(rect::status.eq(RectStatus::Open)))
        .set((
            rect::status.eq(RectStatus::Done),
            rect::evidence.eq(&evidence),
            rect::done_at.eq(Some(at)),
            rect::updated_at.eq(at),
        ))
        .execute(conn)?;
    if moved != 1 {
        return Err(AppError::Conflict("rectification.already_done"));
    }
    for f in files {
        diesel::insert_into(rect_files::table)
            .values((
                rect_files::committee_id.eq(actor.committee_id),
                rect_files::rectification_id.eq(id),
                rect_files::file_id.eq(*f),
                rect_files::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("rectification.done", "rectification", id)
            .after(serde_json::json!({ "evidence": evidence, "files": files })),
    )
}

/// The photos and documents of the items, by item, oldest first.
pub fn files_of(conn: &mut DbConn, ids: &[RectificationId]) -> AppResult<HashMap<RectificationId, Vec<FileRow>>> {
    let mut out: HashMap<RectificationId, Vec<FileRow>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(RectificationId, FileRow)> = rect_files::table
            .inner_join(files::table)
            .filter(rect_files::rectification_id.eq_any(chunk))
            .order(rect_files::id.asc())
            .select((rect_files::rectification_id, FileRow::as_select()))
            .load(conn)?;
        for (id, f) in found {
            out.entry(id).or_default().push(f);
        }
    }
    Ok(out)
}

/// The photos and documents of the inspections' items, by inspection, for
/// the archive (which has checked the reader's scope).
pub fn files_of_inspections(conn: &mut DbConn, ids: &[InspectionId]) -> AppResult<HashMap<InspectionId, Vec<FileRow>>> {
    let mut out: HashMap<InspectionId, Vec<FileRow>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(InspectionId, FileRow)> = rect_files::table
            .inner_join(rect::table)
            .inner_join(files::table)
            .filter(rect::inspection_id.eq_any(chunk))
            .order((rect::id.asc(), rect_files::id.asc()))
            .select((rect::inspection_id, FileRow::as_select()))
            .load(conn)?;
        for (id, f) in found {
            out.entry(id).or_default().push(f);
        }
    }
    Ok(out)
}

/// Whether `file` is one of the item's and the actor may read its inspection.
pub fn holds_file(conn: &mut DbConn, actor: &Actor, id: RectificationId, file: FileId) -> AppResult<bool> {
    let office: Option<OfficeId> = rect::table
        .find(id)
        .filter(rect::committee_id.eq(actor.committee_id))
        .select(rect::office_id)
        .first(conn)
        .optional()?;
    if !office.is_some_and(|o| model::may_read(actor, o)) {
        return Ok(false);
    }
    let n: i64 = rect_files::table
        .filter(rect_files::rectification_id.eq(id).and(rect_files::file_id.eq(file)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub(super) fn of_inspection(conn: &mut DbConn, id: InspectionId) -> AppResult<Vec<Rectification>> {
    Ok(rect::table
        .filter(rect::inspection_id.eq(id))
        .order(rect::id.asc())
        .select(Rectification::as_select())
        .load(conn)?)
}

pub(super) fn tallies(
    conn: &mut DbConn,
    ids: &[InspectionId],
    today: NaiveDate,
) -> AppResult<HashMap<InspectionId, Tally>> {
    let mut out: HashMap<InspectionId, Tally> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(InspectionId, RectStatus, NaiveDate)> = rect::table
            .filter(rect::inspection_id.eq_any(chunk))
            .select((rect::inspection_id, rect::status, rect::deadline))
            .load(conn)?;
        for (i, status, deadline) in rows {
            let t = out.entry(i).or_default();
            t.total += 1;
            t.open += i64::from(status == RectStatus::Open);
            t.overdue += i64::from(model::overdue(status, deadline, today));
        }
    }
    Ok(out)
}

/// The actor's office's open items: (open, overdue), for its home page.
pub fn open_of_office(conn: &mut DbConn, actor: &Actor, today: NaiveDate) -> AppResult<(i64, i64)> {
    let Some(office) = actor.office_id else { return Ok((0, 0)) };
    let deadlines: Vec<NaiveDate> = rect::table
        .filter(rect::committee_id.eq(actor.committee_id).and(rect::office_id.eq(office)))
        .filter(rect::status.eq(RectStatus::Open))
        .select(rect::deadline)
        .load(conn)?;
    let overdue = deadlines.iter().filter(|d| model::overdue(RectStatus::Open, **d, today)).count() as i64;
    Ok((deadlines.len() as i64, overdue))
}

/// How many of the committee's open items are overdue: the district's home.
pub fn overdue_count(conn: &mut DbConn, actor: &Actor, today: NaiveDate) -> AppResult<i64> {
    if !model::may_manage(actor) {
        return Ok(0);
    }
    Ok(rect::table
        .filter(rect::committee_id.eq(actor.committee_id).and(rect::status.eq(RectStatus::Open)))
        .filter(rect::deadline.lt(today))
        .count()
        .get_result(conn)?)
}

/// Every open item of every committee with its office's name: the daily
/// reminder job's work, which has no acting user.
pub fn open_unscoped(conn: &mut DbConn) -> AppResult<Vec<(Rectification, String)>> {
    Ok(rect::table
        .inner_join(offices::table)
        .filter(rect::status.eq(RectStatus::Open))
        .select((Rectification::as_select(), offices::name))
        .load(conn)?)
}

/// Marks an item as reported to the district, once.
pub fn mark_escalated_unscoped(conn: &mut DbConn, id: RectificationId, at: NaiveDateTime) -> AppResult<()> {
    diesel::update(rect::table.find(id).filter(rect::escalated_at.is_null()))
        .set(rect::escalated_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}
