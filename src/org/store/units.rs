//! The unit a user works for, as in-app messages address it: a department
//! account reads its department's messages, office staff their office's, a
//! member their own, district staff the district's.

use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::notify::{Message, Unit, inapp};

/// The unit whose digests and alerts the actor reads (not the district's).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn handling_unit(conn: &mut DbConn, actor: &Actor) -> AppResult<Option<Unit>> {
    Ok(match actor.role {
        Role::Department => super::departments::department_of(conn, actor)?.map(Unit::Department),
        Role::OfficeStaff => actor.office_id.map(Unit::Office),
        Role::Member => super::members::own_record(conn, actor)?.map(|m| Unit::Member(m.id)),
        _ => None,
    })
}

/// The actor's recent in-app messages whose subject is `like` (an SQL
/// pattern such as `activity-%`): their unit's, or the district's for its
/// admins; newest first.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn notices(conn: &mut DbConn, actor: &Actor, like: &str) -> AppResult<Vec<Message>> {
    let unit = match actor.role {
        Role::DistrictAdmin => Some(Unit::District),
        _ => handling_unit(conn, actor)?,
    };
    let Some(unit) = unit else { return Ok(vec![]) };
    inapp::to_unit(conn, actor.committee_id, unit, like, 10)
}
