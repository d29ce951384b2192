//! A notice from its draft to its publication or withdrawal, and the lists
//! of notices issued and received.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::recipients::{self, Tally};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{notice_recipients, notices, offices};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, NoticeId, OfficeId, UserId};
use crate::kernel::notify::Unit;
use crate::kernel::time::now;
use crate::kernel::web::form;
use crate::notices::model::{self, Audience, MAX_BODY, MAX_TITLE, NoticeAction, NoticeStatus};
use crate::org::store::units::handling_unit;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = notices)]
pub struct Notice {
    pub id: NoticeId,
    pub committee_id: CommitteeId,
    /// The issuing office; `None`: the district.
    pub office_id: Option<OfficeId>,
    pub public: bool,
    pub title: String,
    pub body: String,
    /// The audience as chosen (`model::Audience` as JSON).
    pub audience: String,
    pub reply_by: Option<NaiveDate>,
    /// Members among the recipients are also sent a text.
    pub texted: bool,
    pub status: NoticeStatus,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

impl Notice {
    pub fn audience(&self) -> Audience {
        Audience::from_json(&self.audience)
    }

    pub fn is(&self, status: NoticeStatus) -> bool {
        self.status == status
    }
}

/// What the form says: the notice's text, where it goes and by when a reply
/// is due.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub public: bool,
    pub title: String,
    pub body: String,
    pub audience: Audience,
    pub reply_by: Option<NaiveDate>,
    pub texted: bool,
}

impl Draft {
    /// Trimmed and within bounds, and an audience and date the issuer may
    /// give (a public notice keeps neither).
    fn checked(mut self, issuer: Option<OfficeId>, today: NaiveDate) -> AppResult<Draft> {
        self.title = form::bounded(&self.title, MAX_TITLE, "notice.title_too_long")?;
        self.body = form::bounded(&self.body, MAX_BODY, "notice.body_too_long")?;
        if self.title.is_empty() {
            return Err(AppError::BadRequest("notice.title_required"));
        }
        if self.public {
            self.texted = false;
        }
        model::check(issuer, self.public, &self.audience, self.reply_by, today).map_err(AppError::BadRequest)?;
        Ok(self)
    }
}

/// A notice as one reader sees it: whether they manage it, and their own
/// receipt when it was sent to their unit.
#[derive(Debug, Clone)]
pub struct Shown {
    pub notice: Notice,
    /// The issuing office's name; `None`: the district.
    pub office: Option<String>,
    pub manage: bool,
    pub mine: Option<recipients::Recipient>,
}

/// Starts a draft as the actor's unit: the district's or their office's.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn create(conn: &mut DbConn, actor: &Actor, d: Draft, today: NaiveDate) -> AppResult<NoticeId> {
    if !model::may_issue(actor) {
        return Err(AppError::Forbidden);
    }
    let office = issuer_office(actor);
    let d = d.checked(office, today)?;
    let at = now();
    let id: NoticeId = diesel::insert_into(notices::table)
        .values((
            notices::committee_id.eq(actor.committee_id),
            notices::office_id.eq(office),
            notices::public.eq(d.public),
            notices::title.eq(&d.title),
            notices::body.eq(&d.body),
            notices::audience.eq(d.audience.to_json()),
            notices::reply_by.eq(d.reply_by),
            notices::texted.eq(d.texted),
            notices::status.eq(NoticeStatus::Draft),
            notices::created_by.eq(actor.user_id),
            notices::created_at.eq(at),
            notices::updated_at.eq(at),
        ))
        .returning(notices::id)
        .get_result(conn)?;
    audit::record(conn, Who::User(actor), Change::new("notice.create", "notice", id).after(summary(&d)))?;
    Ok(id)
}

/// Changes a draft.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn update(conn: &mut DbConn, actor: &Actor, id: NoticeId, d: Draft, today: NaiveDate) -> AppResult<()> {
    let n = managed(conn, actor, id, NoticeAction::Edit)?;
    let d = d.checked(n.office_id, today)?;
    diesel::update(notices::table.find(id))
        .set((
            notices::public.eq(d.public),
            notices::title.eq(&d.title),
            notices::body.eq(&d.body),
            notices::audience.eq(d.audience.to_json()),
            notices::reply_by.eq(d.reply_by),
            notices::texted.eq(d.texted),
            notices::updated_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(conn, Who::User(actor), Change::new("notice.update", "notice", id).after(summary(&d)))
}

/// What the audit log keeps of a draft: its fields flat, so that the log
/// names each (全部工作办公室: 是), never a nested object.
fn summary(d: &Draft) -> serde_json::Value {
    let mut v = serde_json::json!({
        "public": d.public, "title": d.title, "reply_by": d.reply_by, "texted": d.texted,
    });
    if let (Some(out), Ok(serde_json::Value::Object(a))) = (v.as_object_mut(), serde_json::to_value(&d.audience)) {
        out.extend(a);
    }
    v
}

/// Publishes a draft: its recipients are fixed now, each unit gets an
/// in-app message, and members are texted when asked. Returns how many
/// units it went to (0 for a public notice).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn publish(conn: &mut DbConn, actor: &Actor, id: NoticeId, today: NaiveDate) -> AppResult<usize> {
    let n = managed(conn, actor, id, NoticeAction::Publish)?;
    // The reply date may have passed while it was a draft.
    model::check(n.office_id, n.public, &n.audience(), n.reply_by, today).map_err(AppError::BadRequest)?;
    // The state moves first and only from a draft: of two publications at
    // once, the second finds nothing to move and sends nothing.
    let moved = diesel::update(notices::table.find(id).filter(notices::status.eq(NoticeStatus::Draft)))
        .set((
            notices::status.eq(NoticeStatus::Published),
            notices::published_at.eq(now()),
            notices::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if moved != 1 {
        return Err(AppError::Conflict("notice.wrong_state"));
    }
    let sent = if n.public { 0 } else { recipients::send(conn, actor, &n)? };
    audit::record(
        conn,
        Who::User(actor),
        Change::new("notice.publish", "notice", id).after(serde_json::json!({ "recipients": sent })),
    )?;
    Ok(sent)
}

/// Takes a published notice back: the public and its recipients no longer
/// see it; its issuer keeps it with its receipts.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn withdraw(conn: &mut DbConn, actor: &Actor, id: NoticeId) -> AppResult<()> {
    managed(conn, actor, id, NoticeAction::Withdraw)?;
    let moved = diesel::update(notices::table.find(id).filter(notices::status.eq(NoticeStatus::Published)))
        .set((notices::status.eq(NoticeStatus::Withdrawn), notices::updated_at.eq(now())))
        .execute(conn)?;
    if moved != 1 {
        return Err(AppError::Conflict("notice.wrong_state"));
    }
    audit::record(conn, Who::User(actor), Change::new("notice.withdraw", "notice", id))
}

/// The office a notice by `actor` is issued as (`None`: the district).
fn issuer_office(actor: &Actor) -> Option<OfficeId> {
    if actor.role == Role::DistrictAdmin { None } else { actor.office_id }
}

/// A notice of the actor's committee that they manage and whose state lets
/// `action` happen. Someone who may not manage it learns nothing more than
/// "not found".
fn managed(conn: &mut DbConn, actor: &Actor, id: NoticeId, action: NoticeAction) -> AppResult<Notice> {
    let n = row(conn, actor.committee_id, id)?.ok_or(AppError::NotFound)?;
    if !model::may_manage(actor, n.office_id) {
        return Err(AppError::NotFound);
    }
    if !model::allowed(n.status, action) {
        return Err(AppError::Conflict("notice.wrong_state"));
    }
    Ok(n)
}

fn row(conn: &mut DbConn, committee: CommitteeId, id: NoticeId) -> AppResult<Option<Notice>> {
    Ok(notices::table
        .find(id)
        .filter(notices::committee_id.eq(committee))
        .select(Notice::as_select())
        .first(conn)
        .optional()?)
}

/// A notice the actor may read: its managers always; leaders and auditors
/// once it is out; anyone signed in when it is public and published; a
/// recipient unit while it is published.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = %id))]
pub fn get(conn: &mut DbConn, actor: &Actor, id: NoticeId) -> AppResult<Shown> {
    let notice = row(conn, actor.committee_id, id)?.ok_or(AppError::NotFound)?;
    let manage = model::may_manage(actor, notice.office_id);
    let unit = handling_unit(conn, actor)?;
    let mine = match unit {
        Some(u) if notice.is(NoticeStatus::Published) => recipients::of_unit(conn, id, u)?,
        _ => None,
    };
    let out = !notice.is(NoticeStatus::Draft);
    let may_read = manage
        || (out && matches!(actor.role, Role::Leader | Role::Auditor))
        || (notice.public && notice.is(NoticeStatus::Published))
        || mine.is_some();
    if !may_read {
        return Err(AppError::NotFound);
    }
    let office = office_name(conn, notice.office_id)?;
    Ok(Shown { notice, office, manage, mine })
}

pub(super) fn office_name(conn: &mut DbConn, office: Option<OfficeId>) -> AppResult<Option<String>> {
    Ok(match office {
        Some(o) => offices::table.find(o).select(offices::name).first(conn).optional()?,
        None => None,
    })
}

/// The most a list shows; older notices stay reachable by their address.
const LIST: i64 = 200;

/// Notices the actor manages (or, for leaders and auditors, reads), newest
/// first, with their receipts' counts: the district's list holds every
/// notice of the committee.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn issued(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(Notice, Tally)>> {
    let mut q = notices::table.filter(notices::committee_id.eq(actor.committee_id)).into_boxed();
    match actor.role {
        Role::DistrictAdmin => {}
        Role::OfficeStaff if actor.office_id.is_some() => q = q.filter(notices::office_id.eq(actor.office_id)),
        // Leaders and auditors read every notice that went out.
        Role::Leader | Role::Auditor => q = q.filter(notices::status.ne(NoticeStatus::Draft)),
        _ => return Ok(vec![]),
    }
    let rows: Vec<Notice> = q.order(notices::id.desc()).limit(LIST).select(Notice::as_select()).load(conn)?;
    let ids: Vec<NoticeId> = rows.iter().map(|n| n.id).collect();
    let tallies = recipients::tallies(conn, &ids)?;
    Ok(rows.into_iter().map(|n| (tallies.get(&n.id).copied().unwrap_or_default(), n)).map(|(t, n)| (n, t)).collect())
}

/// Published notices sent to the actor's unit, newest first, each with the
/// unit's receipt.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn received(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<(Notice, recipients::Recipient)>> {
    let Some(unit) = handling_unit(conn, actor)? else { return Ok(vec![]) };
    let rows: Vec<(Notice, recipients::Recipient)> = notices::table
        .inner_join(notice_recipients::table)
        .filter(notices::committee_id.eq(actor.committee_id).and(notices::status.eq(NoticeStatus::Published)))
        .filter(notice_recipients::unit.eq(unit.to_string()))
        .order(notices::published_at.desc())
        .limit(LIST)
        .select((Notice::as_select(), recipients::Recipient::as_select()))
        .load(conn)?;
    Ok(rows)
}

/// How many published notices the actor's unit has not opened yet.
pub fn unread(conn: &mut DbConn, actor: &Actor) -> AppResult<i64> {
    let Some(unit) = handling_unit(conn, actor)? else { return Ok(0) };
    unread_of(conn, actor.committee_id, unit)
}

fn unread_of(conn: &mut DbConn, committee: CommitteeId, unit: Unit) -> AppResult<i64> {
    Ok(notices::table
        .inner_join(notice_recipients::table)
        .filter(notices::committee_id.eq(committee).and(notices::status.eq(NoticeStatus::Published)))
        .filter(notice_recipients::unit.eq(unit.to_string()).and(notice_recipients::read_at.is_null()))
        .count()
        .get_result(conn)?)
}
