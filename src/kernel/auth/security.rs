//! The security admin's duty (安全管理员, 三员分立): granting roles,
//! unlocking accounts locked by wrong passwords, resetting others' passwords
//! and second factors, and the overview of locked accounts and administrators
//! without a second factor. Every function checks the duty and the committee;
//! nobody acts on their own account here.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::model::{Actor, Role};
use super::password::Hashed;
use super::store::{User, set_initial_password_unscoped};
use super::two_factor;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::users;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::UserId;
use crate::kernel::time::now;

/// One account as the security page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    /// Locked by wrong passwords until then.
    pub locked_until: Option<NaiveDateTime>,
    pub two_factor: bool,
    /// The role must sign in with a second factor and has none.
    pub missing_two_factor: bool,
}

impl SecurityRow {
    pub fn is_locked(&self) -> bool {
        self.locked_until.is_some()
    }
}

/// Every account of the actor's committee, by user name.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn overview(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<SecurityRow>> {
    if !actor.can_manage_security() {
        return Err(AppError::Forbidden);
    }
    let t = now();
    let rows: Vec<(User, Option<NaiveDateTime>)> = users::table
        .filter(users::committee_id.eq(actor.committee_id))
        .order(users::username.asc())
        .select((User::as_select(), users::totp_enabled_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(u, enabled)| SecurityRow {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            disabled: u.disabled,
            locked_until: u.locked_until.filter(|_| super::throttle::is_locked(u.locked_until, t)),
            two_factor: enabled.is_some(),
            missing_two_factor: enabled.is_none() && u.role.needs_two_factor(),
        })
        .collect())
}

/// Another account of the actor's committee, for the security admin; an id of
/// another committee is "not found", the actor's own account refused.
fn secured_user(conn: &mut DbConn, actor: &Actor, id: UserId) -> AppResult<User> {
    if !actor.can_manage_security() {
        return Err(AppError::Forbidden);
    }
    let user = users::table
        .find(id)
        .filter(users::committee_id.eq(actor.committee_id))
        .select(User::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    if user.id == actor.user_id {
        return Err(AppError::BadRequest("security.not_own_account"));
    }
    Ok(user)
}

/// Grants `role` to another account (office staff need an office).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn grant_role(conn: &mut DbConn, actor: &Actor, id: UserId, role: Role) -> AppResult<()> {
    let user = secured_user(conn, actor, id)?;
    if role.needs_office() && user.office_id.is_none() {
        return Err(AppError::BadRequest("account.office_required"));
    }
    if role == user.role {
        return Ok(());
    }
    diesel::update(users::table.find(user.id))
        .set((users::role.eq(role), users::updated_at.eq(now())))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("user.role", "user", user.id)
            .before(serde_json::json!({ "role": user.role }))
            .after(serde_json::json!({ "role": role })),
    )
}

/// Ends a lock after wrong passwords from many addresses before its hour is
/// up; the account's earlier failures stop counting towards a new lock.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn unlock(conn: &mut DbConn, actor: &Actor, id: UserId) -> AppResult<()> {
    let user = secured_user(conn, actor, id)?;
    super::sign_in::unlock_unscoped(conn, Who::User(actor), &user, super::sign_in::UnlockedBy::Admin)?;
    Ok(())
}

/// A new initial password (its hash given), unlocked, to be changed at the
/// next sign-in. Returns the account's user name.
#[tracing::instrument(level = "debug", skip(conn, actor, initial_hash))]
pub fn reset_password(conn: &mut DbConn, actor: &Actor, id: UserId, initial_hash: &Hashed) -> AppResult<String> {
    let user = secured_user(conn, actor, id)?;
    set_initial_password_unscoped(conn, Who::User(actor), &user, initial_hash)?;
    Ok(user.username)
}

/// Turns another account's second factor off (a lost phone); they enrol again.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn reset_two_factor(conn: &mut DbConn, actor: &Actor, id: UserId) -> AppResult<()> {
    let user = secured_user(conn, actor, id)?;
    two_factor::reset_unscoped(conn, Who::User(actor), &user)
}
