//! Two-factor sign-in in the database: the encrypted TOTP secret, the last
//! accepted step, the hashed recovery codes. Enrolment acts on the actor's own
//! account; the sign-in check runs before there is an actor (`_unscoped`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::Actor;
use super::store::{User, find_unscoped};
use super::totp;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{recovery_codes, users};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::UserId;
use crate::kernel::personal::Vault;
use crate::kernel::time::now;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
struct TwoFactorRow {
    totp_secret_enc: Option<String>,
    totp_enabled_at: Option<NaiveDateTime>,
    totp_last_step: Option<i64>,
}

fn row(conn: &mut DbConn, id: UserId) -> AppResult<TwoFactorRow> {
    Ok(users::table.find(id).select(TwoFactorRow::as_select()).first(conn)?)
}

/// Whether the account signs in with a second factor.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn is_enabled_unscoped(conn: &mut DbConn, id: UserId) -> AppResult<bool> {
    Ok(row(conn, id)?.totp_enabled_at.is_some())
}

/// The secret the actor is enrolling with (base32), made and stored
/// (encrypted) on first call, the same one until confirmed; `None` once
/// two-factor sign-in is on.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn pending_secret(conn: &mut DbConn, vault: &Vault, actor: &Actor) -> AppResult<Option<String>> {
    let r = row(conn, actor.user_id)?;
    if r.totp_enabled_at.is_some() {
        return Ok(None);
    }
    if let Some(enc) = r.totp_secret_enc {
        return vault.decrypt(&enc).map(Some);
    }
    let secret = totp::new_secret();
    diesel::update(users::table.find(actor.user_id))
        .set(users::totp_secret_enc.eq(Some(vault.encrypt(&secret))))
        .execute(conn)?;
    Ok(Some(secret))
}

/// Turns two-factor sign-in on when `code` is right for the pending secret;
/// returns the ten recovery codes to show once (only their hashes are kept),
/// or `None` for a wrong code.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn confirm(
    conn: &mut DbConn,
    vault: &Vault,
    actor: &Actor,
    code: &str,
    unix_secs: u64,
) -> AppResult<Option<Vec<String>>> {
    let r = row(conn, actor.user_id)?;
    let (None, Some(enc)) = (r.totp_enabled_at, r.totp_secret_enc) else {
        return Err(AppError::BadRequest("two_factor.not_pending"));
    };
    let Some(step) = totp::accepted_step(&vault.decrypt(&enc)?, code, unix_secs, None)? else {
        return Ok(None);
    };
    let t = now();
    diesel::update(users::table.find(actor.user_id))
        .set((users::totp_enabled_at.eq(Some(t)), users::totp_last_step.eq(Some(step))))
        .execute(conn)?;
    let codes = totp::new_recovery_codes();
    store_recovery_codes(conn, vault, actor.user_id, &codes, t)?;
    audit::record(conn, Who::User(actor), Change::new("user.two_factor_enabled", "user", actor.user_id))?;
    Ok(Some(codes))
}

fn store_recovery_codes(
    conn: &mut DbConn,
    vault: &Vault,
    id: UserId,
    codes: &[String],
    t: NaiveDateTime,
) -> AppResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(id))).execute(conn)?;
    // One row at a time: the multi-backend connection has no batch insert.
    for c in codes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::user_id.eq(id),
                recovery_codes::code_hash.eq(totp::recovery_hash(vault, id, c)),
                recovery_codes::created_at.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Which second factor a sign-in passed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    Code,
    RecoveryCode,
}

/// Checks a sign-in's second factor: a six-digit code of a step later than the
/// last accepted (so no code works twice, even across servers: the step is
/// written only if still later), or an unused recovery code, which is used up.
/// Audited either way. Unscoped: the user is not signed in yet.
#[tracing::instrument(level = "debug", skip(conn, vault, input))]
pub fn verify_unscoped(
    conn: &mut DbConn,
    vault: &Vault,
    id: UserId,
    input: &str,
    unix_secs: u64,
) -> AppResult<Option<Passed>> {
    let user = find_unscoped(conn, id)?.ok_or(AppError::NotFound)?;
    let r = row(conn, id)?;
    let (Some(_), Some(enc)) = (r.totp_enabled_at, r.totp_secret_enc) else {
        return Ok(None);
    };
    let mut passed = None;
    if let Some(step) = totp::accepted_step(&vault.decrypt(&enc)?, input, unix_secs, r.totp_last_step)? {
        let n = diesel::update(
            users::table.find(id).filter(users::totp_last_step.is_null().or(users::totp_last_step.lt(step))),
        )
        .set(users::totp_last_step.eq(Some(step)))
        .execute(conn)?;
        passed = (n == 1).then_some(Passed::Code);
    } else if totp::parse_code(input).is_none() {
        let hash = totp::recovery_hash(vault, id, input);
        let n = diesel::update(
            recovery_codes::table.filter(
                recovery_codes::user_id
                    .eq(id)
                    .and(recovery_codes::code_hash.eq(hash))
                    .and(recovery_codes::used_at.is_null()),
            ),
        )
        .set(recovery_codes::used_at.eq(Some(now())))
        .execute(conn)?;
        passed = (n >= 1).then_some(Passed::RecoveryCode);
    }
    let action = match passed {
        Some(Passed::Code) => "auth.two_factor",
        Some(Passed::RecoveryCode) => "auth.recovery_code_used",
        None => "auth.two_factor_failed",
    };
    let who = Who::System { committee_id: Some(user.committee_id), name: &user.username };
    audit::record(conn, who, Change::new(action, "user", id))?;
    Ok(passed)
}

/// Recovery codes the actor has not used yet.
#[tracing::instrument(level = "debug", skip(conn, actor))]
pub fn recovery_codes_left(conn: &mut DbConn, actor: &Actor) -> AppResult<i64> {
    Ok(recovery_codes::table
        .filter(recovery_codes::user_id.eq(actor.user_id).and(recovery_codes::used_at.is_null()))
        .count()
        .get_result(conn)?)
}

/// Turns two-factor sign-in off for `user` (the security admin's reset, for a
/// lost phone): secret, step and recovery codes go; if their role requires it,
/// they enrol again at the next sign-in. Checks no permission: the caller does.
pub fn reset_unscoped(conn: &mut DbConn, who: Who<'_>, user: &User) -> AppResult<()> {
    diesel::update(users::table.find(user.id))
        .set((
            users::totp_secret_enc.eq(None::<String>),
            users::totp_enabled_at.eq(None::<NaiveDateTime>),
            users::totp_last_step.eq(None::<i64>),
        ))
        .execute(conn)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user.id))).execute(conn)?;
    audit::record(conn, who, Change::new("user.two_factor_reset", "user", user.id))
}
