//! Accounts in the database. Every function that reads or changes other users
//! takes the acting user and checks its permission here, not in the handler
//! (三权分立: only the sysadmin manages accounts). The few that cannot have an
//! acting user — the session's and the login's lookups, the CLI and the data
//! loaders — end in `_unscoped`.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::model::{self, Actor, PasswordProblem, Role};
use super::password::{self, Hashed};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::db::schema::{offices, users};
use crate::kernel::db::{DbConn, is_unique_violation};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, OfficeId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub committee_id: CommitteeId,
    pub office_id: Option<OfficeId>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub disabled: bool,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The staff phone, encrypted (kernel::personal), with its blind index.
    pub phone_enc: Option<String>,
    pub phone_index: Option<String>,
    /// When the sysadmin confirmed the phone is the person's: only then may a
    /// forgotten password be reset by a code texted to it.
    pub phone_verified_at: Option<NaiveDateTime>,
}

/// What the audit log and the account list show of a user: never the hash.
#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub office_id: Option<OfficeId>,
    pub office_name: Option<String>,
    pub disabled: bool,
    pub locked_until: Option<NaiveDateTime>,
    pub must_change_password: bool,
    pub last_login_at: Option<NaiveDateTime>,
    pub phone_verified: bool,
}

impl User {
    pub fn actor(&self, request_id: Option<String>) -> Actor {
        Actor {
            user_id: self.id,
            committee_id: self.committee_id,
            office_id: self.office_id,
            role: self.role,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            request_id,
        }
    }

    pub fn summary(&self, office_name: Option<String>) -> UserSummary {
        UserSummary {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            office_id: self.office_id,
            office_name,
            disabled: self.disabled,
            locked_until: self.locked_until,
            must_change_password: self.must_change_password,
            last_login_at: self.last_login_at,
            phone_verified: self.phone_verified_at.is_some(),
        }
    }
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// An account by id. Unscoped: the session middleware looks up its user
/// before there is an acting user; the CLI and the loaders have none.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn find_unscoped(conn: &mut DbConn, id: UserId) -> AppResult<Option<User>> {
    Ok(users::table.find(id).select(User::as_select()).first(conn).optional()?)
}

/// An account by user name, in any committee (user names are unique across
/// the deployment). Unscoped: login looks it up before there is an acting
/// user; the CLI and the loaders have none.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn find_by_username_unscoped(conn: &mut DbConn, username: &str) -> AppResult<Option<User>> {
    Ok(users::table.filter(users::username.eq(username)).select(User::as_select()).first(conn).optional()?)
}

/// The actor's own account (the password page reads whether a change is forced).
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn own_account(conn: &mut DbConn, actor: &Actor) -> AppResult<User> {
    find_unscoped(conn, actor.user_id)?.ok_or(AppError::NotFound)
}

/// An account of the actor's committee by user name, as a summary (never the
/// hash): the district links a member's record to its login. Who may link is
/// the caller's rule; another committee's account is not found.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn colleague(conn: &mut DbConn, actor: &Actor, username: &str) -> AppResult<Option<UserSummary>> {
    Ok(users::table
        .filter(users::username.eq(username).and(users::committee_id.eq(actor.committee_id)))
        .select(User::as_select())
        .first(conn)
        .optional()?
        .map(|u| u.summary(None)))
}

#[derive(Debug, PartialEq, Eq)]
pub enum ChangePasswordError {
    WrongCurrent,
    SameAsOld,
    Policy(PasswordProblem),
}

/// Whether `user` may change their password from `current` to `new` (also the
/// forced change after a reset). Verifies on the argon2 threads, outside any
/// transaction; `set_own_password` then writes the new hash. Reads nothing:
/// `user` is the actor's own account, from `own_account`.
#[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
pub async fn check_password_change(user: &User, current: &str, new: &str) -> Result<(), ChangePasswordError> {
    if !password::verify_async(current.to_owned(), user.password_hash.clone()).await {
        return Err(ChangePasswordError::WrongCurrent);
    }
    if current == new {
        return Err(ChangePasswordError::SameAsOld);
    }
    model::check_password_policy(new, &user.username).map_err(ChangePasswordError::Policy)
}

/// Stores the actor's new password hash, if their password is still the one
/// `check_password_change` verified (`old_hash`): a change made meanwhile, in
/// another tab, is not overwritten — the user is told the current one is wrong.
/// Ends every other session of the user (whoever knew the old password is
/// signed out); the session `current` goes on.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn set_own_password(
    conn: &mut DbConn,
    actor: &Actor,
    current: &str,
    old_hash: &str,
    new_hash: &Hashed,
) -> AppResult<Result<(), ChangePasswordError>> {
    let changed = diesel::update(users::table.find(actor.user_id).filter(users::password_hash.eq(old_hash)))
        .set((
            users::password_hash.eq(new_hash.as_str()),
            users::must_change_password.eq(false),
            users::password_changed_at.eq(now()),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Ok(Err(ChangePasswordError::WrongCurrent));
    }
    let ended = super::session_store::end_other_sessions(conn, actor.user_id, current)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("user.password_changed", "user", actor.user_id)
            .after(serde_json::json!({ "sessions_ended": ended })),
    )?;
    Ok(Ok(()))
}

/// The sysadmin's account list for their committee.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn list(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<UserSummary>> {
    if !actor.can_manage_accounts() {
        return Err(AppError::Forbidden);
    }
    let rows: Vec<(User, Option<String>)> = users::table
        .left_join(offices::table)
        .filter(users::committee_id.eq(actor.committee_id))
        .order(users::username.asc())
        .select((User::as_select(), offices::name.nullable()))
        .load(conn)?;
    Ok(rows.into_iter().map(|(u, o)| u.summary(o)).collect())
}

/// Loads a user of the actor's committee for account management; anything else
/// is "not found", so ids of other committees reveal nothing.
pub fn managed_user(conn: &mut DbConn, actor: &Actor, id: UserId) -> AppResult<User> {
    if !actor.can_manage_accounts() {
        return Err(AppError::Forbidden);
    }
    users::table
        .find(id)
        .filter(users::committee_id.eq(actor.committee_id))
        .select(User::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

#[derive(Debug)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub office_id: Option<OfficeId>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUserRow<'a> {
    committee_id: CommitteeId,
    office_id: Option<OfficeId>,
    username: &'a str,
    display_name: &'a str,
    role: Role,
    password_hash: String,
    must_change_password: bool,
    failed_logins: i32,
    disabled: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    password_changed_at: NaiveDateTime,
}

/// Inserts a user with a password hashed beforehand (argon2id takes tens of ms:
/// callers hash before their write transaction, and the demo and the data
/// generator hash their one password once). Returns the new id. Checks only
/// data, not permission: unscoped for the CLI and the loaders, which have no
/// acting user; account management calls it through `create`.
#[tracing::instrument(level = "debug", skip(conn, who, acc, password_hash), fields(username = %acc.username))]
pub fn insert_unscoped(
    conn: &mut DbConn,
    who: Who<'_>,
    committee_id: CommitteeId,
    acc: &NewAccount,
    password_hash: &Hashed,
    must_change: bool,
) -> AppResult<UserId> {
    if !model::valid_username(&acc.username) {
        return Err(AppError::BadRequest("account.bad_username"));
    }
    if acc.display_name.trim().is_empty() || acc.display_name.chars().count() > 50 {
        return Err(AppError::BadRequest("account.bad_name"));
    }
    if acc.role.needs_office() && acc.office_id.is_none() {
        return Err(AppError::BadRequest("account.office_required"));
    }
    if let Some(o) = acc.office_id {
        let found: i64 = offices::table
            .filter(offices::id.eq(o).and(offices::committee_id.eq(committee_id)))
            .count()
            .get_result(conn)?;
        if found == 0 {
            return Err(AppError::BadRequest("account.bad_office"));
        }
    }
    let now = now();
    let id: UserId = diesel::insert_into(users::table)
        .values(NewUserRow {
            committee_id,
            office_id: acc.office_id,
            username: &acc.username,
            display_name: acc.display_name.trim(),
            role: acc.role,
            password_hash: password_hash.as_str().to_string(),
            must_change_password: must_change,
            failed_logins: 0,
            disabled: false,
            created_at: now,
            updated_at: now,
            password_changed_at: now,
        })
        .returning(users::id)
        .get_result(conn)
        .map_err(|e| if is_unique_violation(&e) { AppError::Conflict("account.username_taken") } else { e.into() })?;
    let after = find_unscoped(conn, id)?.map(|u| u.summary(None));
    audit::record(conn, who, Change::new("user.create", "user", id).after(after))?;
    Ok(id)
}

/// A sysadmin creates an account with an initial password (its hash given),
/// which the new user must change at first login.
#[tracing::instrument(level = "debug", skip(conn, actor, acc, initial_hash), fields(username = %acc.username))]
pub fn create(conn: &mut DbConn, actor: &Actor, acc: &NewAccount, initial_hash: &Hashed) -> AppResult<UserId> {
    if !actor.can_manage_accounts() {
        return Err(AppError::Forbidden);
    }
    // 三员分立: an administrator's role is granted by the security admin.
    if acc.role.is_administrator() {
        return Err(AppError::BadRequest("account.role_not_granted_here"));
    }
    insert_unscoped(conn, Who::User(actor), actor.committee_id, acc, initial_hash, true)
}

/// A new initial password; every session of the account ends. Checks no
/// permission: unscoped for the CLI's recovery (`user reset`); the security
/// admin's page goes through `security::reset_password`.
#[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
pub fn set_initial_password_unscoped(
    conn: &mut DbConn,
    who: Who<'_>,
    user: &User,
    initial_hash: &Hashed,
) -> AppResult<()> {
    diesel::update(users::table.find(user.id))
        .set((
            users::password_hash.eq(initial_hash.as_str()),
            users::must_change_password.eq(true),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    let ended = super::session_store::end_user_sessions(conn, user.id)?;
    audit::record(
        conn,
        who,
        Change::new("user.password_reset", "user", user.id).after(serde_json::json!({ "sessions_ended": ended })),
    )?;
    Ok(())
}

/// A sysadmin disables (锁定) or re-enables an account. A sysadmin cannot lock
/// themselves out.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn set_disabled(conn: &mut DbConn, actor: &Actor, id: UserId, disabled: bool) -> AppResult<()> {
    let user = managed_user(conn, actor, id)?;
    if user.id == actor.user_id {
        return Err(AppError::BadRequest("account.cannot_lock_self"));
    }
    set_disabled_unscoped(conn, Who::User(actor), &user, disabled)
}

/// Disables (ending all its sessions) or re-enables an account. Checks no
/// permission: unscoped for the CLI's recovery (`user lock`); the sysadmin's
/// page goes through `set_disabled`.
#[tracing::instrument(level = "debug", skip(conn, who, user), fields(user = %user.id))]
pub fn set_disabled_unscoped(conn: &mut DbConn, who: Who<'_>, user: &User, disabled: bool) -> AppResult<()> {
    diesel::update(users::table.find(user.id))
        .set((
            users::disabled.eq(disabled),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::failed_logins.eq(0),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if disabled {
        super::session_store::end_user_sessions(conn, user.id)?;
    }
    let action = if disabled { "user.disable" } else { "user.enable" };
    audit::record(
        conn,
        who,
        Change::new(action, "user", user.id)
            .before(serde_json::json!({ "disabled": user.disabled }))
            .after(serde_json::json!({ "disabled": disabled })),
    )?;
    Ok(())
}

/// A sysadmin sets (or, with `None`, removes) an account's staff phone, an
/// already checked 11-digit mobile number, and whether it is verified (the
/// sysadmin confirmed it with the person): a verified phone can receive codes
/// for a forgotten password.
#[tracing::instrument(level = "debug", skip(conn, actor, vault, phone))]
pub fn set_phone(
    conn: &mut DbConn,
    actor: &Actor,
    vault: &crate::kernel::personal::Vault,
    id: UserId,
    phone: Option<&str>,
    verified: bool,
) -> AppResult<()> {
    use crate::kernel::personal::mask_phone;
    let user = managed_user(conn, actor, id)?;
    let before = match &user.phone_enc {
        Some(p) => Some(mask_phone(&vault.decrypt(p)?)),
        None => None,
    };
    let verified_at = phone.filter(|_| verified).map(|_| now());
    diesel::update(users::table.find(user.id))
        .set((
            users::phone_enc.eq(phone.map(|p| vault.encrypt(p))),
            users::phone_index.eq(phone.map(|p| vault.blind_index(p))),
            users::phone_verified_at.eq(verified_at),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Who::User(actor),
        Change::new("user.phone", "user", user.id)
            .before(serde_json::json!({ "phone": before, "verified": user.phone_verified_at.is_some() }))
            .after(serde_json::json!({ "phone": phone.map(mask_phone), "verified": verified_at.is_some() })),
    )
}

/// The account's staff phone as the sysadmin sees it: masked, and verified?
#[tracing::instrument(level = "debug", skip(conn, actor, vault))]
pub fn phone_of(
    conn: &mut DbConn,
    actor: &Actor,
    vault: &crate::kernel::personal::Vault,
    id: UserId,
) -> AppResult<Option<(String, bool)>> {
    let user = managed_user(conn, actor, id)?;
    Ok(match &user.phone_enc {
        Some(p) => Some((crate::kernel::personal::mask_phone(&vault.decrypt(p)?), user.phone_verified_at.is_some())),
        None => None,
    })
}
