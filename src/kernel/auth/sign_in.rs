//! Signing in behind the throttle (`throttle` has the rules): the failed
//! attempts in the `sign_in_failures` table, shared by every app server; the
//! lock of an account under attack from many addresses and its unlocking (by
//! the owner's texted code, the sysadmin or the CLI). Every refusal, lock and
//! unlock is audited with the client's address.

use chrono::{Duration, NaiveDateTime};
use diesel::dsl::count;
use diesel::prelude::*;

use super::password;
use super::store::{User, find_by_username_unscoped, find_unscoped};
use super::throttle::{self, Gate, Recent};
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::db::schema::{sign_in_failures as failures, users};
use crate::kernel::db::{Db, DbConn};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, UserId};
use crate::kernel::time::now;

#[derive(Debug, PartialEq, Eq)]
pub enum LoginOutcome {
    Ok(UserId),
    /// Wrong name or password; `challenge`: the next try for this name from
    /// this address must answer the question.
    WrongCredentials {
        challenge: bool,
    },
    /// The question was not answered (or answered wrong): the password was
    /// not checked.
    ChallengeNeeded {
        wrong_answer: bool,
    },
    /// The address tried too often: refused for this many minutes.
    Throttled {
        minutes: i64,
    },
    Locked,
    Disabled,
}

/// One sign-in attempt as the form sent it.
pub struct Attempt<'a> {
    /// The login name, trimmed and in lower case.
    pub login: &'a str,
    pub password: &'a str,
    /// The client's address (`guard::client_ip`).
    pub ip: &'a str,
    /// The arithmetic question: `None` when not answered, else whether the
    /// answer was right.
    pub answer: Option<bool>,
}

/// Checks an attempt. The throttle first (no password is checked for a
/// refused address or a missing answer), then the password on the argon2
/// threads outside any transaction, then its outcome is written against the
/// account as it is by then. Takes no acting user: this is how a visitor
/// becomes one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn login(db: &Db, a: Attempt<'_>) -> AppResult<LoginOutcome> {
    let (login, ip) = (a.login.to_string(), a.ip.to_string());
    let t = now();
    let (l, i, answer) = (login.clone(), ip.clone(), a.answer);
    let (user, attempt) = match db.write(move |c| admit(c, &l, &i, answer, t)).await? {
        Admitted::Refused(outcome) => return Ok(outcome),
        Admitted::Check { user, attempt } => (user, attempt),
    };
    let Some(user) = user else {
        password::verify_async(a.password.to_string(), password::dummy_hash().to_string()).await;
        return db.write(move |c| unknown_name(c, &login, &ip, t)).await;
    };
    if user.disabled {
        return Ok(LoginOutcome::Disabled);
    }
    let ok = !throttle::is_locked(user.locked_until, t)
        && a.password.chars().count() <= super::model::MAX_PASSWORD_CHARS
        && password::verify_async(a.password.to_string(), user.password_hash.clone()).await;
    db.write(move |c| settle(c, &login, &ip, attempt, user.id, &user.password_hash, ok)).await
}

/// The advisory lock of one address: a number from its hash, so that no text
/// reaches the statement.
fn address_lock(ip: &str) -> i64 {
    use sha2::Digest;
    let h = sha2::Sha256::digest(format!("sign-in {ip}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&h[..8]);
    i64::from_be_bytes(first)
}

/// What the throttle lets through.
enum Admitted {
    /// Answered without checking the password.
    Refused(LoginOutcome),
    /// Check the password of `user` (none: no such name). `attempt` is the
    /// failure row already written for this try, removed if it succeeds.
    Check { user: Option<Box<User>>, attempt: i64 },
}

/// The throttle's decision, and the attempt counted against the address, in
/// one transaction serialised per address: tries sent at once each see those
/// before them (30 sent together from one address were all checked when the
/// count was read first and written after the password).
fn admit(conn: &mut DbConn, login: &str, ip: &str, answer: Option<bool>, t: NaiveDateTime) -> AppResult<Admitted> {
    if let DbConn::Pg(_) = conn {
        // SQLite has one writer already; PostgreSQL takes a lock per address
        // until this transaction ends.
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({})", address_lock(ip))).execute(conn)?;
    }
    let user = find_by_username_unscoped(conn, login)?;
    match throttle::gate(recent(conn, login, ip, t)?, t) {
        Gate::Throttled { minutes } => {
            audit_attempt(conn, login, "auth.throttled", serde_json::json!({ "ip": ip, "minutes": minutes }))?;
            Ok(Admitted::Refused(LoginOutcome::Throttled { minutes }))
        }
        Gate::Challenge if answer != Some(true) => {
            let wrong_answer = answer == Some(false);
            if wrong_answer {
                // A wrong answer counts as a failure of the address: a script
                // guessing answers is throttled like one guessing passwords.
                record_failure(conn, ip, login, user.as_ref().map(|u| u.id), t)?;
                audit_attempt(conn, login, "auth.challenge_failed", serde_json::json!({ "ip": ip }))?;
            }
            Ok(Admitted::Refused(LoginOutcome::ChallengeNeeded { wrong_answer }))
        }
        Gate::Open | Gate::Challenge => {
            let attempt = record_failure(conn, ip, login, user.as_ref().map(|u| u.id), t)?;
            Ok(Admitted::Check { user: user.map(Box::new), attempt })
        }
    }
}

/// The failures of the window that bear on an attempt for `login` from `ip`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn recent(conn: &mut DbConn, login: &str, ip: &str, t: NaiveDateTime) -> AppResult<Recent> {
    let since = t - throttle::WINDOW;
    let from_ip = failures::table.filter(failures::ip.eq(ip).and(failures::created_at.gt(since)));
    let address: i64 = from_ip.count().get_result(conn)?;
    let pair: i64 = from_ip.filter(failures::login.eq(login)).count().get_result(conn)?;
    let nth_newest: Option<NaiveDateTime> = from_ip
        .order(failures::created_at.desc())
        .select(failures::created_at)
        .offset(throttle::ADDRESS_MAX - 1)
        .first(conn)
        .optional()?;
    Ok(Recent { address, pair, address_frees_at: nth_newest.map(|n| n + throttle::WINDOW) })
}

fn record_failure(conn: &mut DbConn, ip: &str, login: &str, user: Option<UserId>, t: NaiveDateTime) -> AppResult<i64> {
    Ok(diesel::insert_into(failures::table)
        .values((
            failures::ip.eq(ip),
            failures::login.eq(login),
            failures::user_id.eq(user.map(|u| u.0)),
            failures::created_at.eq(t),
        ))
        .returning(failures::id)
        .get_result(conn)?)
}

/// A wrong name counts like a wrong password (and asks the same question),
/// so neither the throttle nor the answer tells which names exist.
fn unknown_name(conn: &mut DbConn, login: &str, ip: &str, t: NaiveDateTime) -> AppResult<LoginOutcome> {
    // Counted already by `admit`.
    let pair = recent(conn, login, ip, t)?.pair;
    if pair == throttle::CHALLENGE_AFTER {
        audit_attempt(conn, login, "auth.challenge_required", serde_json::json!({ "ip": ip }))?;
    }
    Ok(LoginOutcome::WrongCredentials { challenge: pair >= throttle::CHALLENGE_AFTER })
}

/// The outcome of a checked password, on the account as it is now: disabled or
/// locked meanwhile wins, and a password changed meanwhile counts as wrong.
fn settle(
    conn: &mut DbConn,
    login: &str,
    ip: &str,
    attempt: i64,
    id: UserId,
    checked_hash: &str,
    ok: bool,
) -> AppResult<LoginOutcome> {
    let user = find_unscoped(conn, id)?.ok_or(AppError::NotFound)?;
    let t = now();
    if user.disabled {
        return Ok(LoginOutcome::Disabled);
    }
    let who = Who::System { committee_id: Some(user.committee_id), name: &user.username };
    let ip_json = serde_json::json!({ "ip": ip });
    if throttle::is_locked(user.locked_until, t) {
        // Counted against the address, but not towards a new lock: the
        // password was not even checked.
        diesel::update(failures::table.find(attempt)).set(failures::user_id.eq(None::<i64>)).execute(conn)?;
        return Ok(LoginOutcome::Locked);
    }
    if ok && user.password_hash == checked_hash {
        diesel::update(users::table.find(user.id))
            .set((users::locked_until.eq(None::<NaiveDateTime>), users::last_login_at.eq(Some(t))))
            .execute(conn)?;
        // This name from this address is known good again: no more question.
        diesel::delete(failures::table.filter(failures::ip.eq(ip).and(failures::login.eq(login)))).execute(conn)?;
        audit::record(conn, who, Change::new("auth.login", "user", user.id).after(ip_json))?;
        return Ok(LoginOutcome::Ok(user.id));
    }
    // The failure was counted by `admit`.
    audit::record(conn, who, Change::new("auth.login_failed", "user", user.id).after(&ip_json))?;
    let pair = recent(conn, login, ip, t)?.pair;
    if pair == throttle::CHALLENGE_AFTER {
        let who = Who::System { committee_id: Some(user.committee_id), name: &user.username };
        audit::record(conn, who, Change::new("auth.challenge_required", "user", user.id).after(&ip_json))?;
    }
    let (count, addresses) = account_failures(conn, user.id, t)?;
    if throttle::under_attack(count, addresses) {
        lock(conn, &user, ip, count, addresses, t)?;
        return Ok(LoginOutcome::Locked);
    }
    Ok(LoginOutcome::WrongCredentials { challenge: pair >= throttle::CHALLENGE_AFTER })
}

/// The account's failures in the window, and from how many addresses.
fn account_failures(conn: &mut DbConn, user: UserId, t: NaiveDateTime) -> AppResult<(i64, i64)> {
    let mine = failures::table.filter(failures::user_id.eq(user.0).and(failures::created_at.gt(t - throttle::WINDOW)));
    let n: i64 = mine.count().get_result(conn)?;
    let addresses: i64 = mine.select(count(failures::ip).aggregate_distinct()).get_result(conn)?;
    Ok((n, addresses))
}

/// Locks an account under attack for `LOCK_FOR` and ends all its sessions.
fn lock(conn: &mut DbConn, user: &User, ip: &str, count: i64, addresses: i64, t: NaiveDateTime) -> AppResult<()> {
    let until = throttle::locked_until(t);
    diesel::update(users::table.find(user.id)).set(users::locked_until.eq(Some(until))).execute(conn)?;
    let ended = super::session_store::end_user_sessions(conn, user.id)?;
    let who = Who::System { committee_id: Some(user.committee_id), name: &user.username };
    let after = serde_json::json!({
        "ip": ip, "failures": count, "addresses": addresses, "locked_until": until, "sessions_ended": ended,
    });
    audit::record(conn, who, Change::new("auth.locked", "user", user.id).after(after))
}

/// An audit entry about an attempt on `login`, in the committee of the account
/// it names (the auditor's log is per committee), or in none.
fn audit_attempt(conn: &mut DbConn, login: &str, action: &str, after: serde_json::Value) -> AppResult<()> {
    let user = find_by_username_unscoped(conn, login)?;
    let committee_id: Option<CommitteeId> = user.as_ref().map(|u| u.committee_id);
    let entity_id = user.as_ref().map(|u| u.id.to_string());
    let change = Change { action, entity: "user", entity_id, before: None, after: Some(after) };
    audit::record(conn, Who::System { committee_id, name: "登录限制" }, change)
}

/// How an account came to be unlocked, for the audit log.
#[derive(Debug, Clone, Copy)]
pub enum UnlockedBy<'a> {
    /// The owner, with a code texted to their verified phone, from this address.
    Owner { ip: &'a str },
    /// The sysadmin's accounts page, or the CLI (its `Who`).
    Admin,
}

/// Lifts a sign-in lock. The account's failures so far no longer count
/// towards a new lock (they still count against their addresses). False when
/// the account was not locked.
#[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
pub fn unlock_unscoped(conn: &mut DbConn, who: Who<'_>, user: &User, by: UnlockedBy<'_>) -> AppResult<bool> {
    let t = now();
    if !throttle::is_locked(user.locked_until, t) {
        return Ok(false);
    }
    diesel::update(users::table.find(user.id)).set(users::locked_until.eq(None::<NaiveDateTime>)).execute(conn)?;
    diesel::update(failures::table.filter(failures::user_id.eq(user.id.0)))
        .set(failures::user_id.eq(None::<i64>))
        .execute(conn)?;
    let after = match by {
        UnlockedBy::Owner { ip } => serde_json::json!({ "by": "sms", "ip": ip }),
        UnlockedBy::Admin => serde_json::json!({ "by": "admin" }),
    };
    audit::record(
        conn,
        who,
        Change::new("auth.unlocked", "user", user.id)
            .before(serde_json::json!({ "locked_until": user.locked_until }))
            .after(after),
    )?;
    Ok(true)
}

/// Deletes failures that no longer count; run with the sessions' purge.
#[tracing::instrument(level = "debug", skip(conn))]
pub fn purge_old(conn: &mut DbConn) -> AppResult<usize> {
    let before = now() - throttle::WINDOW - Duration::minutes(1);
    Ok(diesel::delete(failures::table.filter(failures::created_at.lt(before))).execute(conn)?)
}
