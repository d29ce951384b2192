//! A case as another system knows it (`opinion_links`): the system's own id
//! for it, so that a case sent twice (a retry after a timeout) is one case.

use diesel::prelude::*;

use super::cases::{self, NewOpinion};
use crate::kernel::auth::Actor;
use crate::kernel::db::schema::opinion_links;
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, OpinionId};
use crate::kernel::time::now;

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
    if !valid_external_id(ext) {
        return Err(AppError::BadRequest("api.bad_external_id"));
    }
    if let Some(id) = find_unscoped(conn, actor.committee_id, system, ext)? {
        return Ok((id, false));
    }
    let (id, _) = cases::enter(conn, actor, n)?;
    diesel::insert_into(opinion_links::table)
        .values((
            opinion_links::committee_id.eq(actor.committee_id),
            opinion_links::opinion_id.eq(id),
            opinion_links::system.eq(system),
            opinion_links::external_id.eq(ext),
            opinion_links::created_at.eq(now()),
        ))
        .execute(conn)
        // Two sends of one id at once: the second's case rolls back with it.
        .map_err(
            |e| if is_unique_violation(&e) { AppError::Conflict("api.duplicate_external_id") } else { e.into() },
        )?;
    Ok((id, true))
}
