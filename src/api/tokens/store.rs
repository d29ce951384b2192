//! API tokens in the database: the sysadmin makes and revokes them; every
//! call is admitted here (rate limit, last use, audit) in one write.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::model::{self, Refusal, Scope, Scopes, State};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::password;
use crate::kernel::auth::store::{self as accounts, NewAccount};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{api_tokens, users};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::guard;
use crate::kernel::ids::{ApiTokenId, CommitteeId, UserId};
use crate::kernel::time::now;

/// What the sysadmin fills in for a new token.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The outside system, as staff will read it in timelines: 「12345热线」.
    pub name: String,
    pub scopes: Scopes,
    pub days: i64,
    pub per_minute: i32,
}

/// A token in the sysadmin's list (never the token itself).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: ApiTokenId,
    pub committee_id: CommitteeId,
    pub user_id: UserId,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub per_minute: i32,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl TokenRow {
    pub fn scope_list(&self) -> Vec<Scope> {
        Scopes::parse(&self.scopes).list()
    }
    pub fn state(&self) -> State {
        State::of(self.expires_at, self.revoked_at, now())
    }
}

/// The sysadmin makes a token and its account (a district-wide account no one
/// signs in to, named after the system). `token_hash` and `prefix` come from
/// the token the caller shows once; the token itself is never stored.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn create(conn: &mut DbConn, actor: &Actor, t: &NewToken, token_hash: &str, prefix: &str) -> AppResult<ApiTokenId> {
    if !actor.can_manage_accounts() {
        return Err(AppError::Forbidden);
    }
    let id = create_unscoped(conn, Who::User(actor), actor.committee_id, Some(actor.user_id), t, token_hash, prefix)?;
    Ok(id)
}

/// `create` without a permission check: for the CLI (`xieshang api-token add`),
/// which an operator runs on the server, and `created_by` is then empty.
pub fn create_unscoped(
    conn: &mut DbConn,
    who: Who<'_>,
    committee_id: CommitteeId,
    created_by: Option<UserId>,
    t: &NewToken,
    token_hash: &str,
    prefix: &str,
) -> AppResult<ApiTokenId> {
    let name = t.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(AppError::BadRequest("api.bad_name"));
    }
    if t.scopes.is_empty() {
        return Err(AppError::BadRequest("api.choose_scope"));
    }
    if !model::valid_days(t.days) {
        return Err(AppError::BadRequest("api.bad_days"));
    }
    if !model::valid_per_minute(t.per_minute) {
        return Err(AppError::BadRequest("api.bad_per_minute"));
    }
    let account = NewAccount {
        username: model::account_username(token_hash),
        display_name: name.to_string(),
        role: Role::DistrictAdmin,
        office_id: None,
    };
    let user = accounts::insert_unscoped(conn, who, committee_id, &account, &password::no_sign_in(), false)?;
    let at = now();
    let id: ApiTokenId = diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::committee_id.eq(committee_id),
            api_tokens::user_id.eq(user),
            api_tokens::name.eq(name),
            api_tokens::prefix.eq(prefix),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::scopes.eq(t.scopes.stored()),
            api_tokens::per_minute.eq(t.per_minute),
            api_tokens::expires_at.eq(Some(at + Duration::days(t.days))),
            api_tokens::created_by.eq(created_by),
            api_tokens::created_at.eq(at),
        ))
        .returning(api_tokens::id)
        .get_result(conn)?;
    let after = get(conn, committee_id, id)?;
    audit::record(conn, who, Change::new("api_token.create", "api_token", id).after(after))?;
    Ok(id)
}

/// The committee's tokens, newest first, for the sysadmin.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id))]
pub fn list(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<TokenRow>> {
    if !actor.can_manage_accounts() {
        return Err(AppError::Forbidden);
    }
    Ok(api_tokens::table
        .filter(api_tokens::committee_id.eq(actor.committee_id))
        .order(api_tokens::id.desc())
        .select(TokenRow::as_select())
        .load(conn)?)
}

fn get(conn: &mut DbConn, committee_id: CommitteeId, id: ApiTokenId) -> AppResult<TokenRow> {
    Ok(api_tokens::table
        .filter(api_tokens::id.eq(id).and(api_tokens::committee_id.eq(committee_id)))
        .select(TokenRow::as_select())
        .get_result(conn)?)
}

/// The sysadmin revokes a token: it stops at once, on every instance (each
/// call reads the row). Revoking twice changes nothing.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, token = %id))]
pub fn revoke(conn: &mut DbConn, actor: &Actor, id: ApiTokenId) -> AppResult<()> {
    if !actor.can_manage_accounts() {
        return Err(AppError::Forbidden);
    }
    let before = get(conn, actor.committee_id, id)?;
    if before.revoked_at.is_some() {
        return Ok(());
    }
    diesel::update(api_tokens::table.find(id)).set(api_tokens::revoked_at.eq(Some(now()))).execute(conn)?;
    let after = get(conn, actor.committee_id, id)?;
    audit::record(conn, Who::User(actor), Change::new("api_token.revoke", "api_token", id).before(before).after(after))
}

/// One call as the audit records it.
#[derive(Debug, Clone, Serialize)]
pub struct Call {
    pub method: String,
    /// The path without its query (a search may hold a resident's words).
    pub path: String,
    pub scope: Scope,
}

#[derive(Queryable)]
struct Admission {
    id: ApiTokenId,
    user_id: UserId,
    name: String,
    scopes: String,
    per_minute: i32,
    expires_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    disabled: bool,
}

/// Whether a token with this hash exists (a read, before `admit_unscoped`'s
/// write): a made-up token costs the writer nothing.
pub fn exists(conn: &mut DbConn, token_hash: &str) -> AppResult<bool> {
    let n: i64 = api_tokens::table.filter(api_tokens::token_hash.eq(token_hash)).count().get_result(conn)?;
    Ok(n > 0)
}

/// A call admitted: the token's account, and the system's name as the
/// sysadmin wrote it on the token (what its cases are known by).
pub struct Admitted {
    pub actor: Actor,
    pub system: String,
}

/// Admits one call by the token with this hash, in the caller's write: the
/// acting account, or why not. Unscoped: it is how a call gets its acting
/// user. The call is counted against the token's limit first, refusals too;
/// within the limit it is audited (`api.call`, or `api.refused` for a
/// revoked, expired or out-of-scope call); beyond it, only logged, so a flood
/// cannot flood the audit log.
#[tracing::instrument(level = "debug", skip_all, fields(path = %call.path, scope = ?call.scope))]
pub fn admit_unscoped(
    conn: &mut DbConn,
    token_hash: &str,
    call: &Call,
    request_id: Option<String>,
) -> AppResult<Result<Admitted, Refusal>> {
    let at = now();
    let found: Option<Admission> = api_tokens::table
        .inner_join(users::table.on(users::id.eq(api_tokens::user_id)))
        .filter(api_tokens::token_hash.eq(token_hash))
        .select((
            api_tokens::id,
            api_tokens::user_id,
            api_tokens::name,
            api_tokens::scopes,
            api_tokens::per_minute,
            api_tokens::expires_at,
            api_tokens::revoked_at,
            users::disabled,
        ))
        .get_result(conn)
        .optional()?;
    // A disabled account is a token that no longer exists.
    let Some(t) = found.filter(|t| !t.disabled) else { return Ok(Err(Refusal::Unknown)) };
    let Some(user) = accounts::find_unscoped(conn, t.user_id)? else { return Ok(Err(Refusal::Unknown)) };
    if !guard::hit_at(conn, &format!("api:token:{}", t.id), Duration::minutes(1), t.per_minute, at)? {
        tracing::warn!(token = %t.id, "API token over its calls per minute");
        return Ok(Err(Refusal::TooMany));
    }
    let actor = user.actor(request_id);
    if let Err(refused) = model::admit(Scopes::parse(&t.scopes), t.expires_at, t.revoked_at, call.scope, at) {
        let after = serde_json::json!({ "call": call, "refused": format!("{refused:?}") });
        audit::record(conn, Who::User(&actor), Change::new("api.refused", "api_token", t.id).after(after))?;
        return Ok(Err(refused));
    }
    diesel::update(api_tokens::table.find(t.id)).set(api_tokens::last_used_at.eq(Some(at))).execute(conn)?;
    audit::record(conn, Who::User(&actor), Change::new("api.call", "api_token", t.id).after(call))?;
    Ok(Ok(Admitted { actor, system: t.name }))
}
