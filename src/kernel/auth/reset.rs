//! 忘记密码 by a six-digit code texted to the account's verified phone. The
//! other path, always open, is the sysadmin's reset to a one-time initial
//! password that must be changed at the next login (`store::reset_password`).
//!
//! A request names a login or a phone; whether such an account exists is never
//! told. The code is kept only as a keyed hash, lives ten minutes, and dies after
//! five wrong tries; requests are limited per account and per address, tries per
//! address. The outbox row shows the text with the code masked: the code itself
//! travels to the sending job encrypted. Every step is audited.

use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::password::Hashed;
use super::store::{User, find_by_username_unscoped};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{committees, outbox, password_resets, users};
use crate::kernel::error::AppResult;
use crate::kernel::ids::{CommitteeId, UserId};
use crate::kernel::jobs::{JobCtx, Registry, store as jobs};
use crate::kernel::notify::outbox::{self as messages, Delivery, NewMessage};
use crate::kernel::notify::{Channel, Failure, Sms};
use crate::kernel::personal::{Vault, mask_phone};
use crate::kernel::time::now;

/// How long a code is good for.
pub const CODE_TTL: Duration = Duration::minutes(10);
/// Wrong tries before a code is dead.
pub const MAX_TRIES: i32 = 5;
/// Codes one account may be sent per hour.
const CODES_PER_ACCOUNT_PER_HOUR: i32 = 3;
/// Requests one address may make per hour, whatever the accounts.
const REQUESTS_PER_IP_PER_HOUR: i32 = 10;
/// Code tries one address may make per hour.
const TRIES_PER_IP_PER_HOUR: i32 = 30;
/// The job that texts a code.
pub const SEND_JOB: &str = "auth.reset_sms";
/// Stands for the code in the outbox's copy of the text.
const MASK: &str = "******";

/// Who asks: a login name, or a mobile number (11 digits, spaces and dashes
/// ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    Username(String),
    Phone(String),
}

impl Identifier {
    pub fn parse(input: &str) -> Option<Identifier> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if digits.len() == 11 && digits.starts_with('1') && digits.chars().all(|c| c.is_ascii_digit()) {
            return Some(Identifier::Phone(digits));
        }
        let name = input.trim().to_lowercase();
        (!name.is_empty() && name.chars().count() <= 64).then_some(Identifier::Username(name))
    }
}

/// A six-digit code, as the user types it (spaces ignored, full-width digits
/// read as plain ones); anything else is simply a wrong code.
pub fn normalize_code(input: &str) -> Option<String> {
    let code: String = crate::kernel::web::form::halfwidth(input).chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())).then_some(code)
}

fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// The stored form of a code: HMAC-SHA256 under a key of its own, bound to the
/// account, so the table alone gives no code away.
fn code_hash(vault: &Vault, user: UserId, code: &str) -> String {
    let key = vault.derive("auth.reset_code");
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&key).expect("HMAC takes a key of any length");
    mac.update(format!("{}:{code}", user.0).as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// What a texted code is for: the same code, limits and checks either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A new password (忘记密码).
    Reset,
    /// Lifting the sign-in lock of an account under attack (`sign_in`).
    Unlock,
}

impl Purpose {
    /// The outbox row's subject prefix and the audit action of a sent code.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Purpose::Reset => ("password_reset", "auth.reset_code_sent"),
            Purpose::Unlock => ("sign_in_unlock", "auth.unlock_code_sent"),
        }
    }
}

/// The text sent, with the code or with `MASK` for the outbox's copy.
fn text(purpose: Purpose, committee: &str, code: &str) -> String {
    match purpose {
        Purpose::Reset => format!(
            "【{committee}】您正在找回登录密码，验证码 {code}，10分钟内有效。如非本人操作，请忽略并告知系统管理员。"
        ),
        Purpose::Unlock => format!(
            "【{committee}】您正在解除账号的登录锁定，验证码 {code}，10分钟内有效。如非本人操作，请立即告知系统管理员。"
        ),
    }
}

/// An enabled account with a verified phone that `id` names, if exactly one.
fn find_account(conn: &mut DbConn, vault: &Vault, id: &Identifier) -> AppResult<Option<User>> {
    let user = match id {
        Identifier::Username(u) => find_by_username_unscoped(conn, u)?,
        Identifier::Phone(p) => {
            let mut found: Vec<User> = users::table
                .filter(users::phone_index.eq(vault.blind_index(p)).and(users::phone_verified_at.is_not_null()))
                .select(User::as_select())
                .limit(2)
                .load(conn)?;
            // One phone on two accounts: the login name must say which.
            if found.len() == 1 { found.pop() } else { None }
        }
    };
    Ok(user.filter(|u| !u.disabled && u.phone_verified_at.is_some() && u.phone_enc.is_some()))
}

fn system(committee: Option<CommitteeId>) -> Who<'static> {
    Who::System { committee_id: committee, name: "找回密码" }
}

/// What stops a step before its account is known.
enum Gate {
    /// The address ran over its hourly limit.
    TooMany,
    /// No account answers to the name or phone.
    Unknown,
    Account(Box<User>),
}

/// The address's hourly limit (`limit`: the window's key prefix and its
/// count), then the account; each refusal audited without naming anyone.
fn gate(
    conn: &mut DbConn,
    vault: &Vault,
    id: &Identifier,
    ip: &str,
    limit: (&str, i32),
    t: NaiveDateTime,
) -> AppResult<Gate> {
    let (prefix, per_hour) = limit;
    if !crate::kernel::guard::hit_at(conn, &format!("{prefix}:{ip}"), Duration::hours(1), per_hour, t)? {
        audit_anonymous(conn, "auth.reset_refused", ip)?;
        return Ok(Gate::TooMany);
    }
    match find_account(conn, vault, id)? {
        Some(user) => Ok(Gate::Account(Box::new(user))),
        None => {
            audit_anonymous(conn, "auth.reset_unknown", ip)?;
            Ok(Gate::Unknown)
        }
    }
}

/// An audit entry about no known account (the address only).
fn audit_anonymous(conn: &mut DbConn, action: &str, ip: &str) -> AppResult<()> {
    let change =
        Change { action, entity: "user", entity_id: None, before: None, after: Some(serde_json::json!({ "ip": ip })) };
    audit::record(conn, system(None), change)
}

fn audit_user(conn: &mut DbConn, user: &User, action: &str, after: serde_json::Value) -> AppResult<()> {
    audit::record(conn, system(Some(user.committee_id)), Change::new(action, "user", user.id).after(after))
}

#[derive(Debug, PartialEq, Eq)]
pub enum Requested {
    /// Said the same whether or not a code went out.
    Done,
    /// This address asked too often.
    TooMany,
}

/// A request for a code: when `id` names an account with a verified phone and
/// the limits allow, a new code replaces any earlier one and its text is queued
/// on `channel`. The answer is the same for an unknown account.
pub fn request(conn: &mut DbConn, vault: &Vault, channel: Channel, id: &Identifier, ip: &str) -> AppResult<Requested> {
    request_for(conn, vault, channel, id, ip, Purpose::Reset)
}

/// `request` for either purpose. A code to unlock goes only to an account
/// that is locked; the answer is the same otherwise.
#[tracing::instrument(level = "debug", skip(conn, vault, id, ip))]
pub fn request_for(
    conn: &mut DbConn,
    vault: &Vault,
    channel: Channel,
    id: &Identifier,
    ip: &str,
    purpose: Purpose,
) -> AppResult<Requested> {
    let t = now();
    let user = match gate(conn, vault, id, ip, ("pwreset:ip", REQUESTS_PER_IP_PER_HOUR), t)? {
        Gate::TooMany => return Ok(Requested::TooMany),
        Gate::Unknown => return Ok(Requested::Done),
        Gate::Account(user) => *user,
    };
    if purpose == Purpose::Unlock && !super::throttle::is_locked(user.locked_until, t) {
        return Ok(Requested::Done);
    }
    let key = format!("pwreset:user:{}", user.id.0);
    if !crate::kernel::guard::hit_at(conn, &key, Duration::hours(1), CODES_PER_ACCOUNT_PER_HOUR, t)? {
        audit_user(conn, &user, "auth.reset_rate_limited", serde_json::json!({ "ip": ip }))?;
        return Ok(Requested::Done);
    }
    let Some(phone_enc) = user.phone_enc.clone() else { return Ok(Requested::Done) };
    diesel::update(
        password_resets::table.filter(password_resets::user_id.eq(user.id).and(password_resets::closed_at.is_null())),
    )
    .set(password_resets::closed_at.eq(Some(t)))
    .execute(conn)?;
    let code = new_code();
    let reset: i64 = diesel::insert_into(password_resets::table)
        .values((
            password_resets::user_id.eq(user.id),
            password_resets::code_hash.eq(code_hash(vault, user.id, &code)),
            password_resets::attempts.eq(0),
            password_resets::expires_at.eq(t + CODE_TTL),
            password_resets::created_at.eq(t),
        ))
        .returning(password_resets::id)
        .get_result(conn)?;
    let committee: String = committees::table.find(user.committee_id).select(committees::name).first(conn)?;
    let masked = mask_phone(&vault.decrypt(&phone_enc)?);
    let message = messages::queue(
        conn,
        &NewMessage {
            committee_id: user.committee_id,
            channel,
            recipient: &phone_enc,
            recipient_masked: &masked,
            subject: &format!("{}:{}", purpose.names().0, user.id.0),
            body: &text(purpose, &committee, MASK),
        },
    )?;
    let payload = serde_json::json!({ "message_id": message, "code": vault.encrypt(&code) });
    jobs::enqueue(conn, SEND_JOB, &payload, t, Some(&format!("password_reset:{reset}")))?;
    audit_user(conn, &user, purpose.names().1, serde_json::json!({ "phone": masked, "ip": ip }))?;
    Ok(Requested::Done)
}

#[derive(Debug)]
pub enum Checked {
    /// The right code: `finish` may set the new password.
    Valid { reset: i64, user: Box<User> },
    /// Wrong, expired, used up, or no such account: one answer for all.
    Invalid,
    /// This address tried too often.
    TooMany,
}

/// Checks a code. A wrong one counts against the code (five and it is dead),
/// so call it in a write of its own: the count must stay whatever follows.
#[tracing::instrument(level = "debug", skip_all)]
pub fn check(conn: &mut DbConn, vault: &Vault, id: &Identifier, code: &str, ip: &str) -> AppResult<Checked> {
    let t = now();
    let user = match gate(conn, vault, id, ip, ("pwreset-try:ip", TRIES_PER_IP_PER_HOUR), t)? {
        Gate::TooMany => return Ok(Checked::TooMany),
        Gate::Unknown => return Ok(Checked::Invalid),
        Gate::Account(user) => *user,
    };
    let live: Option<(i64, String, i32, NaiveDateTime)> = password_resets::table
        .filter(password_resets::user_id.eq(user.id).and(password_resets::closed_at.is_null()))
        .order(password_resets::id.desc())
        .select((
            password_resets::id,
            password_resets::code_hash,
            password_resets::attempts,
            password_resets::expires_at,
        ))
        .first(conn)
        .optional()?;
    let Some((reset, hash, attempts, expires_at)) = live else {
        audit_user(conn, &user, "auth.reset_code_invalid", serde_json::json!({ "ip": ip }))?;
        return Ok(Checked::Invalid);
    };
    if expires_at <= t || attempts >= MAX_TRIES {
        diesel::update(password_resets::table.find(reset)).set(password_resets::closed_at.eq(Some(t))).execute(conn)?;
        audit_user(conn, &user, "auth.reset_code_expired", serde_json::json!({ "ip": ip }))?;
        return Ok(Checked::Invalid);
    }
    let right = normalize_code(code)
        .is_some_and(|c| bool::from(code_hash(vault, user.id, &c).as_bytes().ct_eq(hash.as_bytes())));
    if !right {
        let tries = attempts + 1;
        let closed = (tries >= MAX_TRIES).then_some(t);
        diesel::update(password_resets::table.find(reset))
            .set((password_resets::attempts.eq(tries), password_resets::closed_at.eq(closed)))
            .execute(conn)?;
        audit_user(conn, &user, "auth.reset_code_wrong", serde_json::json!({ "attempts": tries, "ip": ip }))?;
        return Ok(Checked::Invalid);
    }
    Ok(Checked::Valid { reset, user: Box::new(user) })
}

/// Sets the new password (hashed beforehand, after the policy check) if code
/// `reset` is still good, and ends every session of the account. False when
/// the code died meanwhile.
#[tracing::instrument(level = "debug", skip(conn, user, new_hash), fields(user = %user.id))]
pub fn finish(conn: &mut DbConn, reset: i64, user: &User, new_hash: &Hashed) -> AppResult<bool> {
    let t = now();
    if !close(conn, reset, user, t)? {
        return Ok(false);
    }
    diesel::update(users::table.find(user.id))
        .set((
            users::password_hash.eq(new_hash.as_str()),
            users::must_change_password.eq(false),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::password_changed_at.eq(t),
            users::updated_at.eq(t),
        ))
        .execute(conn)?;
    let ended = super::session_store::end_user_sessions(conn, user.id)?;
    audit_user(conn, user, "auth.password_reset_by_code", serde_json::json!({ "sessions_ended": ended }))?;
    Ok(true)
}

/// Uses up code `reset`, checked by `check`, if it is still good: false when
/// it died meanwhile.
pub fn close(conn: &mut DbConn, reset: i64, user: &User, t: NaiveDateTime) -> AppResult<bool> {
    let closed = diesel::update(
        password_resets::table
            .find(reset)
            .filter(password_resets::user_id.eq(user.id))
            .filter(password_resets::closed_at.is_null())
            .filter(password_resets::expires_at.gt(t))
            .filter(password_resets::attempts.lt(MAX_TRIES)),
    )
    .set(password_resets::closed_at.eq(Some(t)))
    .execute(conn)?;
    Ok(closed > 0)
}

/// Registers the job that texts a code.
pub fn register(registry: &mut Registry, vault: Vault, channel: Arc<Sms>) {
    registry.register(SEND_JOB, move |ctx: JobCtx, payload| {
        let (vault, channel) = (vault.clone(), channel.clone());
        async move { send(ctx, payload, vault, channel).await }
    });
}

/// Sends the text of outbox row `message_id` with the real code in it; a row
/// the gateway already accepted is not sent again.
async fn send(ctx: JobCtx, payload: serde_json::Value, vault: Vault, channel: Arc<Sms>) -> anyhow::Result<()> {
    let id = payload["message_id"].as_i64().unwrap_or_default();
    let code = vault.decrypt(payload["code"].as_str().unwrap_or_default())?;
    let row: Option<(String, String, Delivery)> = ctx
        .db
        .read(move |c| {
            Ok(outbox::table.find(id).select((outbox::recipient, outbox::body, outbox::status)).first(c).optional()?)
        })
        .await?;
    let Some((recipient, body, status)) = row else { return Ok(()) };
    if status == Delivery::Sent {
        return Ok(());
    }
    let phone = vault.decrypt(&recipient)?;
    let sent = channel.send(&format!("xs-{id}"), &phone, &body.replacen(MASK, &code, 1)).await;
    let err = sent.as_ref().err().map(|e| e.to_string());
    ctx.db.write(move |c| messages::mark(c, id, err.as_deref())).await?;
    match sent {
        Ok(()) => Ok(()),
        Err(Failure::Permanent(why)) => {
            tracing::warn!(message = id, %why, "reset code refused by the gateway");
            Ok(())
        }
        Err(Failure::Transient(why)) => Err(anyhow::anyhow!(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_and_phones() {
        assert_eq!(Identifier::parse(" Member "), Some(Identifier::Username("member".into())));
        assert_eq!(Identifier::parse("139-0398 1010"), Some(Identifier::Phone("13903981010".into())));
        assert_eq!(Identifier::parse("23903981010"), Some(Identifier::Username("23903981010".into())));
        assert_eq!(Identifier::parse("  "), None);
        assert_eq!(normalize_code(" 012 345 ").as_deref(), Some("012345"));
        assert_eq!(normalize_code("０１２３４５").as_deref(), Some("012345"), "as a Chinese keyboard types it");
        assert_eq!(normalize_code("12345"), None);
        assert_eq!(normalize_code("12345x"), None);
        for _ in 0..50 {
            assert!(normalize_code(&new_code()).is_some());
        }
    }

    #[test]
    fn codes_are_hashed_per_account() {
        let vault = Vault::new([7; 32]);
        let h = code_hash(&vault, UserId(1), "123456");
        assert_eq!(h.len(), 64);
        assert!(!h.contains("123456"));
        assert_ne!(h, code_hash(&vault, UserId(2), "123456"));
        assert_eq!(h, code_hash(&vault, UserId(1), "123456"));
        assert!(text(Purpose::Reset, "湖滨区政协", MASK).contains(MASK));
        assert!(text(Purpose::Unlock, "湖滨区政协", MASK).contains("解除"));
    }
}
