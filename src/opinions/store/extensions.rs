//! More time for a handler (延期): asked once per assignment with a reason,
//! approved (the deadline moves by the working days asked) or refused by the
//! dispatcher. One row per case in `opinion_extensions`, cleared when the case
//! is assigned again.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::cases;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::prepared::update;
use crate::kernel::db::schema::{opinion_extensions, opinions};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::OpinionId;
use crate::kernel::time::now;
use crate::opinions::model::{self, EventKind, Extension, ExtensionState, MAX_EXTENSION_DAYS};

/// The case's extension on its current assignment, if one was asked. The
/// caller has checked the case.
pub(super) fn of_case(conn: &mut DbConn, id: OpinionId) -> AppResult<Option<Extension>> {
    let row: Option<(ExtensionState, Option<i32>)> = opinion_extensions::table
        .find(id)
        .select((opinion_extensions::state, opinion_extensions::days))
        .get_result(conn)
        .optional()?;
    Ok(row.map(|(state, days)| Extension { state, days }))
}

/// A new assignment starts without one (`cases::apply`).
pub(super) fn clear(conn: &mut DbConn, id: OpinionId) -> AppResult<()> {
    diesel::delete(opinion_extensions::table.find(id)).execute(conn)?;
    Ok(())
}

/// The handler asks once for more time, with a reason.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id, days))]
pub fn request(conn: &mut DbConn, actor: &Actor, id: OpinionId, days: u32, reason: &str) -> AppResult<()> {
    let o = cases::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    if !cases::roles(conn, actor, &o)?.handler {
        return Err(AppError::Forbidden);
    }
    model::may_request_extension(o.status, of_case(conn, id)?).map_err(AppError::Conflict)?;
    let reason = cases::require_note(reason, "opinion.reason_required")?;
    if !(1..=MAX_EXTENSION_DAYS).contains(&days) {
        return Err(AppError::BadRequest("opinion.bad_days"));
    }
    diesel::insert_into(opinion_extensions::table)
        .values((
            opinion_extensions::opinion_id.eq(id),
            opinion_extensions::state.eq(ExtensionState::Requested),
            opinion_extensions::days.eq(Some(days as i32)),
        ))
        .execute(conn)?;
    update(opinions::table, opinions::updated_at.eq(now()), opinions::id.eq(id)).execute(conn)?;
    let note = format!("{days} · {reason}");
    let name = &actor.display_name;
    cases::event(conn, o.committee_id, id, EventKind::ExtensionRequested, None, Some(actor), name, false, &note)?;
    audit::record(conn, Who::User(actor), Change::new("opinion.extension_request", "opinion", id))?;
    Ok(())
}

/// The dispatcher approves or refuses the request waiting on the case.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, case = %id, approve))]
pub fn decide(conn: &mut DbConn, actor: &Actor, id: OpinionId, approve: bool) -> AppResult<()> {
    let o = cases::as_dispatcher(conn, actor, id)?;
    let days = match of_case(conn, id)? {
        Some(Extension { state: ExtensionState::Requested, days: Some(d) }) => d,
        Some(Extension { state: ExtensionState::Requested, days: None }) => {
            return Err(AppError::Internal(anyhow::anyhow!("case {id}: an extension asked without its days")));
        }
        _ => return Err(AppError::Conflict("opinion.no_extension")),
    };
    let (state, kind) = if approve {
        (ExtensionState::Approved, EventKind::ExtensionApproved)
    } else {
        (ExtensionState::Refused, EventKind::ExtensionRefused)
    };
    let mut due = o.due_at;
    if approve && let Some(d) = o.due_at {
        due = Some(super::deadline::extend(conn, o.committee_id, d, days as u32)?);
    }
    diesel::update(opinion_extensions::table.find(id)).set(opinion_extensions::state.eq(state)).execute(conn)?;
    update(
        opinions::table,
        (opinions::due_at.eq(due), opinions::escalated_at.eq(None::<NaiveDateTime>)),
        opinions::id.eq(id),
    )
    .execute(conn)?;
    cases::event(conn, o.committee_id, id, kind, None, Some(actor), &actor.display_name, false, "")?;
    audit::record(conn, Who::User(actor), Change::new(&format!("opinion.{kind}"), "opinion", id))?;
    Ok(())
}
