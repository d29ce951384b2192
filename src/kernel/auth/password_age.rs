//! Password aging (等保2.0): a password older than `password_max_age_days`
//! must be changed at the next sign-in, through the forced change that follows
//! a reset.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model;
use super::store::find_unscoped;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::users;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::UserId;

/// At a sign-in that passed the password: marks the account to change its
/// password if the password is too old (audited `auth.password_expired`).
/// Returns whether it did. Unscoped: the user is not signed in yet.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn expire_if_old_unscoped(conn: &mut DbConn, id: UserId, max_age_days: i64, now: NaiveDateTime) -> AppResult<bool> {
    let user = find_unscoped(conn, id)?.ok_or(AppError::NotFound)?;
    let changed_at: NaiveDateTime = users::table.find(id).select(users::password_changed_at).first(conn)?;
    if user.must_change_password || !model::password_expired(changed_at, now, max_age_days) {
        return Ok(false);
    }
    diesel::update(users::table.find(id)).set(users::must_change_password.eq(true)).execute(conn)?;
    let who = Who::System { committee_id: Some(user.committee_id), name: &user.username };
    audit::record(
        conn,
        who,
        Change::new("auth.password_expired", "user", id)
            .before(serde_json::json!({ "password_changed_at": changed_at, "max_age_days": max_age_days })),
    )?;
    Ok(true)
}
