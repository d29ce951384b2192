//! Consultations in the database. Who may do what is checked here, not in the
//! handlers.

pub mod consultations;
pub mod departments;
mod host;
pub mod items;
pub mod public;

pub use host::Consultations;

use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::notify::Message;
use crate::org::store::units;

/// The recent consultation messages for the actor (their department, office,
/// member record, or the district), newest first.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn notices(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Message>> {
    units::notices(conn, actor, "consultation-%")
}
