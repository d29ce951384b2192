//! A case as another system knows it (`opinion_links`): the system's own id
//! for it, so that a case sent twice (a retry after a timeout) is one case.
//! A member's phone is such a system too: each draft's key, under
//! `member:{id}` (`crate::workbench`).

use diesel::prelude::*;

use super::cases::{self, HeardByMember, NewOpinion};
use crate::activities::store::heard::OwnActivity;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::schema::opinion_links;
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::Stored;
use crate::kernel::ids::{CommitteeId, OpinionId};
use crate::kernel::jobs::store as jobs;
use crate::kernel::time::now;
use crate::opinions::model::{EventKind, Status};

/// The system the 12345 hotline's work orders are kept under.
pub const HOTLINE: &str = "12345";
/// The job that posts a hotline case's public step back to the hotline.
pub const HOTLINE_PUSH: &str = "hotline.push";
/// The job that forwards a case to the hotline.
pub const HOTLINE_FORWARD: &str = "hotline.forward";

/// The longest outside id kept: a work-order number or a client's reference.
pub const MAX_EXTERNAL_ID: usize = 64;

/// The case `system` knows as `external_id` in the committee. Unscoped: a
/// caller reads the case itself through the scoped `cases::get`.
pub fn find_unscoped(
    conn: &mut DbConn,
    committee: CommitteeId,
    system: &str,
    external_id: &str,
) -> AppResult<Option<OpinionId>> {
    Ok(opinion_links::table
        .filter(opinion_links::committee_id.eq(committee))
        .filter(opinion_links::system.eq(system))
        .filter(opinion_links::external_id.eq(external_id))
        .select(opinion_links::opinion_id)
        .get_result(conn)
        .optional()?)
}

/// Whether an outside id is one we keep: 1 to 64 printable characters.
pub fn valid_external_id(id: &str) -> bool {
    let n = id.chars().count();
    (1..=MAX_EXTERNAL_ID).contains(&n) && !id.chars().any(char::is_control)
}

/// Staff-like intake by an outside system's account (`cases::enter`), once
/// per `external_id` when it gives one: the case and its link commit
/// together. Answers the case and whether it is new.
pub fn enter_once(
    conn: &mut DbConn,
    actor: &Actor,
    n: &NewOpinion,
    system: &str,
    external_id: Option<&str>,
) -> AppResult<(OpinionId, bool)> {
    let Some(ext) = external_id else { return Ok((cases::enter(conn, actor, n)?.0, true)) };
    once(conn, actor.committee_id, system, ext, |c| Ok(cases::enter(c, actor, n)?.0))
}

/// A member's filing from their phone (`cases::enter_heard_by_member`),
/// once per draft key under the member's own `system` (`crate::workbench`).
pub fn enter_heard_by_member_once(
    conn: &mut DbConn,
    actor: &Actor,
    at: Option<OwnActivity>,
    h: &HeardByMember,
    photos: &[Stored],
    system: &str,
    key: &str,
) -> AppResult<(OpinionId, bool)> {
    once(conn, actor.committee_id, system, key, |c| Ok(cases::enter_heard_by_member(c, actor, at, h, photos)?.0))
}

/// Files a case by `enter` unless `system` already knows `ext`: the case and
/// its link commit together (the caller's transaction).
fn once(
    conn: &mut DbConn,
    committee: CommitteeId,
    system: &str,
    ext: &str,
    enter: impl FnOnce(&mut DbConn) -> AppResult<OpinionId>,
) -> AppResult<(OpinionId, bool)> {
    if !valid_external_id(ext) {
        return Err(AppError::BadRequest("api.bad_external_id"));
    }
    if let Some(id) = find_unscoped(conn, committee, system, ext)? {
        return Ok((id, false));
    }
    let id = enter(conn)?;
    link(conn, committee, id, system, ext)
        // Two sends of one id at once: the second's case rolls back with it.
        .map_err(
            |e| if is_unique_violation(&e) { AppError::Conflict("api.duplicate_external_id") } else { e.into() },
        )?;
    Ok((id, true))
}

/// Records that `system` knows case `id` as `external_id`.
fn link(
    conn: &mut DbConn,
    committee: CommitteeId,
    id: OpinionId,
    system: &str,
    external_id: &str,
) -> Result<usize, diesel::result::Error> {
    diesel::insert_into(opinion_links::table)
        .values((
            opinion_links::committee_id.eq(committee),
            opinion_links::opinion_id.eq(id),
            opinion_links::system.eq(system),
            opinion_links::external_id.eq(external_id),
            opinion_links::created_at.eq(now()),
        ))
        .execute(conn)
}

/// The hotline's work-order number of a case, if it has one.
pub fn hotline_order_unscoped(conn: &mut DbConn, id: OpinionId) -> AppResult<Option<String>> {
    Ok(opinion_links::table
        .filter(opinion_links::opinion_id.eq(id).and(opinion_links::system.eq(HOTLINE)))
        .select(opinion_links::external_id)
        .first(conn)
        .optional()?)
}

/// A public step of a case: a case the hotline knows is posted back to it
/// (one job per step, in the step's transaction).
pub(super) fn on_public_event(conn: &mut DbConn, id: OpinionId, event_id: i64) -> AppResult<()> {
    if hotline_order_unscoped(conn, id)?.is_some() {
        // The case as the step left it: a retry may run after later steps.
        let o = cases::by_id_unscoped(conn, id)?.ok_or(AppError::NotFound)?;
        let payload = serde_json::json!({
            "opinion_id": id,
            "event_id": event_id,
            "status": o.status.as_str(),
            "answer": o.answer.filter(|_| matches!(o.status, Status::Answered | Status::Closed)),
            "reject_reason": o.reject_reason.filter(|_| o.status == Status::Rejected),
        });
        jobs::enqueue(conn, HOTLINE_PUSH, &payload, now(), Some(&format!("hotline:{event_id}")))?;
    }
    Ok(())
}

/// Staff forward a case to the 12345 hotline (a matter for the city's
/// departments rather than the committee): a note on the timeline and the
/// job that sends it. A case the hotline already knows is refused, and so is
/// every case while no hotline is `connected` (after the scope check, so
/// that the answer says nothing about a case the actor may not see).
pub fn forward_to_hotline(conn: &mut DbConn, actor: &Actor, id: OpinionId, connected: bool) -> AppResult<()> {
    let o = cases::as_dispatcher(conn, actor, id)?;
    if !connected {
        return Err(AppError::BadRequest("hotline.not_set"));
    }
    if o.status.is_final() {
        return Err(AppError::Conflict("opinion.wrong_state"));
    }
    if hotline_order_unscoped(conn, id)?.is_some() {
        return Err(AppError::Conflict("hotline.already"));
    }
    let key = format!("hotline-forward:{id}");
    let queued = jobs::enqueue(conn, HOTLINE_FORWARD, &serde_json::json!({ "opinion_id": id }), now(), Some(&key))?;
    if queued.is_none() {
        return Err(AppError::Conflict("hotline.already"));
    }
    cases::event(
        conn,
        o.committee_id,
        id,
        EventKind::ForwardedToHotline,
        None,
        Some(actor),
        &actor.display_name,
        false,
        "",
    )?;
    audit::record(conn, Who::User(actor), Change::new("opinion.forward_hotline", "opinion", id))
}

/// The hotline took a forwarded case and answered `order`: its number is
/// kept (so later steps are posted back) and shown on the timeline. For the
/// forwarding job, in the write that marks the post: `Err` says why the
/// answer cannot be kept (no number, too long, another case's), and the post
/// is then marked failed, to be sent again.
pub fn hotline_took_unscoped(conn: &mut DbConn, id: OpinionId, order: Option<&str>) -> AppResult<Result<(), String>> {
    let o = cases::by_id_unscoped(conn, id)?.ok_or(AppError::NotFound)?;
    let Some(order) = order.map(str::trim).filter(|n| valid_external_id(n)) else {
        return Ok(Err(format!("the hotline answered no usable order_no: {order:?}")));
    };
    if hotline_order_unscoped(conn, id)?.is_some() {
        return Ok(Ok(()));
    }
    if let Some(other) = find_unscoped(conn, o.committee_id, HOTLINE, order)? {
        return Ok(Err(format!("order_no {order} already belongs to case {other}")));
    }
    link(conn, o.committee_id, id, HOTLINE, order)?;
    cases::event(conn, o.committee_id, id, EventKind::HotlineOrder, None, None, "12345", false, order)?;
    Ok(Ok(()))
}

/// A hotline case as its posts name it: (committee, tracking code, order
/// number); none when the case is not the hotline's. For the hotline's jobs.
pub fn hotline_case_unscoped(conn: &mut DbConn, id: OpinionId) -> AppResult<Option<(CommitteeId, String, String)>> {
    let Some(o) = cases::by_id_unscoped(conn, id)? else { return Ok(None) };
    Ok(hotline_order_unscoped(conn, id)?.map(|order| (o.committee_id, o.code, order)))
}

/// A case as it is forwarded to the hotline: no resident's name or phone.
pub struct Forwarded {
    pub committee: CommitteeId,
    pub code: String,
    pub text: String,
    pub office: Option<String>,
    pub category: Option<String>,
    pub received_at: chrono::NaiveDateTime,
}

/// What the forwarding job posts. For the hotline's jobs.
pub fn forwarded_unscoped(conn: &mut DbConn, id: OpinionId) -> AppResult<Option<Forwarded>> {
    let Some(o) = cases::by_id_unscoped(conn, id)? else { return Ok(None) };
    let names = cases::names(conn, &o)?;
    Ok(Some(Forwarded {
        committee: o.committee_id,
        code: o.code,
        text: o.body,
        office: names.office,
        category: names.category,
        received_at: o.created_at,
    }))
}
