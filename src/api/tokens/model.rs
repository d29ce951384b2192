//! What a token may do and whether it may be used now: pure rules, no I/O.

use chrono::{Duration, NaiveDateTime};
use sha2::{Digest, Sha256};

crate::code_enum!(
    /// What a token may do in its committee: read cases, the roster,
    /// activities and consultations; submit new cases; act on cases.
    Scope, "api_scope" {
        Read = "read",
        Submit = "submit",
        Act = "act",
        /// Pass on the 12345 hotline's work orders (only the hotline's token:
        /// its cases' steps are posted back to the hotline).
        Hotline = "hotline",
    }
);

/// Calls a token may make in a minute unless the sysadmin sets another number.
pub const DEFAULT_PER_MINUTE: i32 = 120;
/// The most a sysadmin may allow: a hotline at its busiest sends a few a second.
pub const MAX_PER_MINUTE: i32 = 6000;
/// The longest a token may be made for; an outside system's key is renewed yearly.
pub const MAX_DAYS: i64 = 366;
/// The shown start of a token, enough to tell tokens apart in the list and the logs.
pub const PREFIX_LEN: usize = 10;
/// The marker every token starts with, so a leaked one is recognised by scanners.
pub const MARK: &str = "xs_";

/// A set of scopes, stored as their codes joined by commas (`read,submit`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scopes {
    read: bool,
    submit: bool,
    act: bool,
    hotline: bool,
}

impl Scopes {
    pub fn of(list: &[Scope]) -> Scopes {
        let mut s = Scopes::default();
        for sc in list {
            match sc {
                Scope::Read => s.read = true,
                Scope::Submit => s.submit = true,
                Scope::Act => s.act = true,
                Scope::Hotline => s.hotline = true,
            }
        }
        s
    }

    /// Reads the stored form; an unknown code is left out (never granted).
    pub fn parse(stored: &str) -> Scopes {
        let list: Vec<Scope> = stored.split(',').filter_map(|c| Scope::parse(c.trim())).collect();
        Scopes::of(&list)
    }

    pub fn has(self, s: Scope) -> bool {
        match s {
            Scope::Read => self.read,
            Scope::Submit => self.submit,
            Scope::Act => self.act,
            Scope::Hotline => self.hotline,
        }
    }

    pub fn list(self) -> Vec<Scope> {
        Scope::ALL.iter().copied().filter(|s| self.has(*s)).collect()
    }

    pub fn is_empty(self) -> bool {
        self.list().is_empty()
    }

    pub fn stored(self) -> String {
        self.list().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
    }
}

/// Why a token is refused, before its scope is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such token (or its account is disabled): 401, as if unknown.
    Unknown,
    Revoked,
    Expired,
    /// The token lacks the scope the call needs: 403.
    NoScope,
    /// Over its calls per minute: 429.
    TooMany,
}

impl Refusal {
    /// The message key shown in the JSON error.
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::Unknown => "api.token_unknown",
            Refusal::Revoked => "api.token_revoked",
            Refusal::Expired => "api.token_expired",
            Refusal::NoScope => "api.token_no_scope",
            Refusal::TooMany => "api.too_many",
        }
    }
}

/// Whether a token in this state may make a call needing `need` at `now`.
pub fn admit(
    scopes: Scopes,
    expires_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    need: Scope,
    now: NaiveDateTime,
) -> Result<(), Refusal> {
    if revoked_at.is_some_and(|r| r <= now) {
        return Err(Refusal::Revoked);
    }
    if expires_at.is_some_and(|e| e <= now) {
        return Err(Refusal::Expired);
    }
    if !scopes.has(need) {
        return Err(Refusal::NoScope);
    }
    Ok(())
}

/// Where a token stands, for the sysadmin's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Active,
    /// Active, but expires within 30 days: time to issue the next one.
    ExpiringSoon,
    Expired,
    Revoked,
}

impl State {
    pub fn of(expires_at: Option<NaiveDateTime>, revoked_at: Option<NaiveDateTime>, now: NaiveDateTime) -> State {
        match (revoked_at, expires_at) {
            (Some(_), _) => State::Revoked,
            (None, Some(e)) if e <= now => State::Expired,
            (None, Some(e)) if e - now <= Duration::days(30) => State::ExpiringSoon,
            _ => State::Active,
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            State::Active => "api.state_active",
            State::ExpiringSoon => "api.state_expiring",
            State::Expired => "api.state_expired",
            State::Revoked => "api.state_revoked",
        }
    }
}

/// The days a sysadmin may choose for a token: 1 to `MAX_DAYS`.
pub fn valid_days(days: i64) -> bool {
    (1..=MAX_DAYS).contains(&days)
}

/// The calls per minute a sysadmin may choose.
pub fn valid_per_minute(n: i32) -> bool {
    (1..=MAX_PER_MINUTE).contains(&n)
}

/// A new token: the marker and 40 random letters and digits (about 238 bits).
pub fn generate() -> String {
    format!("{MARK}{}", crate::kernel::auth::password::random_token(40))
}

/// What is stored and looked up: the SHA-256 of the token, in hex. A token
/// is random and long, so a fast hash is enough (no salt, no argon2): it
/// cannot be guessed from its hash, and the lookup stays one indexed read.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The start of a token shown in lists.
pub fn prefix(token: &str) -> String {
    token.chars().take(PREFIX_LEN).collect()
}

/// The token in an `Authorization: Bearer …` header value, if it is one.
pub fn from_header(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && token.starts_with(MARK) && token.len() <= 100).then_some(token)
}

/// The login name of a token's own account: `api.` and the start of the
/// token's hash (unique in practice, and it says nothing of the token).
pub fn account_username(token_hash: &str) -> String {
    format!("api.{}", &token_hash[..token_hash.len().min(16)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, d).and_then(|d| d.and_hms_opt(12, 0, 0)).expect("valid")
    }

    #[test]
    fn scopes_round_trip_and_unknown_codes_grant_nothing() {
        let s = Scopes::parse("submit, read,admin");
        assert!(s.has(Scope::Read) && s.has(Scope::Submit) && !s.has(Scope::Act));
        assert_eq!(s.stored(), "read,submit");
        assert!(Scopes::parse("").is_empty());
        assert!(Scopes::parse("ACT").is_empty());
    }

    #[test]
    fn every_refusal_in_its_order() {
        let all = Scopes::of(Scope::ALL);
        let read = Scopes::of(&[Scope::Read]);
        assert_eq!(admit(all, Some(at(10)), None, Scope::Act, at(5)), Ok(()));
        assert_eq!(admit(all, None, None, Scope::Act, at(5)), Ok(()));
        assert_eq!(admit(read, None, None, Scope::Read, at(5)), Ok(()));
        assert_eq!(admit(read, None, None, Scope::Submit, at(5)), Err(Refusal::NoScope));
        assert_eq!(admit(read, None, None, Scope::Act, at(5)), Err(Refusal::NoScope));
        // Expiry is exclusive: at the instant it expires, it no longer works.
        assert_eq!(admit(all, Some(at(5)), None, Scope::Read, at(5)), Err(Refusal::Expired));
        // A revoked token says so even when it has also expired.
        assert_eq!(admit(all, Some(at(1)), Some(at(2)), Scope::Read, at(5)), Err(Refusal::Revoked));
    }

    #[test]
    fn states_for_the_list() {
        assert_eq!(State::of(None, None, at(1)), State::Active);
        assert_eq!(State::of(Some(at(31)), None, at(1)), State::ExpiringSoon);
        assert_eq!(State::of(Some(at(1)), None, at(1)), State::Expired);
        assert_eq!(State::of(Some(at(31)), Some(at(1)), at(1)), State::Revoked);
        let far = at(1) + Duration::days(200);
        assert_eq!(State::of(Some(far), None, at(1)), State::Active);
    }

    #[test]
    fn tokens_are_long_random_and_found_in_the_header() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), MARK.len() + 40);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(prefix(&a).len(), PREFIX_LEN);
        let header = format!("Bearer {a}");
        assert_eq!(from_header(&header), Some(a.as_str()));
        assert_eq!(from_header(&format!("bearer  {a} ")), Some(a.as_str()));
        assert_eq!(from_header(&format!("Basic {a}")), None);
        assert_eq!(from_header("Bearer abc"), None);
        assert_eq!(from_header("Bearer"), None);
    }

    #[test]
    fn limits_the_sysadmin_may_choose() {
        assert!(valid_days(1) && valid_days(MAX_DAYS) && !valid_days(0) && !valid_days(MAX_DAYS + 1));
        assert!(valid_per_minute(1) && valid_per_minute(MAX_PER_MINUTE) && !valid_per_minute(0));
    }
}
