//! The unit a user works for, as in-app messages address it: a department
//! account reads its department's messages, office staff their office's, a
//! member their own.

use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::notify::Unit;

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
