//! Activities in the database.

pub mod activities;
pub mod coverage;
pub mod heard;
mod host;
pub mod public;

pub use host::Activities;

use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::notify::Message;
use crate::org::store::units;

/// The recent activity reminders for the actor (their office, their member
/// record, or the district), newest first.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn notices(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Message>> {
    units::notices(conn, actor, "activity-%")
}
