//! The sign-in throttle's rules, with no I/O: what the failures of the last
//! 15 minutes mean for the next attempt. Failures are counted per address,
//! per login name and address, and per account with its distinct addresses
//! (`sign_in` keeps them in the database, shared by every app server).
//!
//! An attacker at one address is slowed where they are: a question to answer
//! for the name they keep trying, then a pause for the whole address. The
//! owner at another address is never slowed by that. Only an account tried
//! from many addresses is locked, for an hour, and its owner can unlock it.

use chrono::{Duration, NaiveDateTime};

/// Failures older than this no longer count.
pub const WINDOW: Duration = Duration::minutes(15);
/// Wrong tries for one name from one address before the address must answer
/// the arithmetic question for that name.
pub const CHALLENGE_AFTER: i64 = 3;
/// Failures from one address, whatever the names, before it is refused (429)
/// until the oldest of them leave the window.
pub const ADDRESS_MAX: i64 = 10;
/// An account is under attack when it has this many failures in the window…
pub const LOCK_FAILURES: i64 = 10;
/// …from at least this many addresses.
pub const LOCK_ADDRESSES: i64 = 3;
/// How long such an account stays locked unless its owner or the sysadmin
/// unlocks it.
pub const LOCK_FOR: Duration = Duration::hours(1);

/// The failures in the window that bear on one attempt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recent {
    /// From this address, any names.
    pub address: i64,
    /// From this address, for this name.
    pub pair: i64,
    /// When the address's count falls below `ADDRESS_MAX` again: the moment
    /// its `ADDRESS_MAX`-th newest failure leaves the window.
    pub address_frees_at: Option<NaiveDateTime>,
}

/// What the next attempt must get past before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// The arithmetic question must be answered along with the password.
    Challenge,
    /// Refused outright (429) for this many more minutes (at least 1).
    Throttled {
        minutes: i64,
    },
}

pub fn gate(recent: Recent, now: NaiveDateTime) -> Gate {
    if recent.address >= ADDRESS_MAX {
        let left = recent.address_frees_at.map_or(WINDOW, |t| t - now);
        // Whole minutes, rounded up: 「请 1 分钟后再试」 rather than 0.
        let minutes = (left.num_seconds() + 59).div_euclid(60).max(1);
        return Gate::Throttled { minutes };
    }
    if recent.pair >= CHALLENGE_AFTER { Gate::Challenge } else { Gate::Open }
}

/// Whether an account with `failures` in the window from `addresses` distinct
/// addresses is under attack and must be locked.
pub fn under_attack(failures: i64, addresses: i64) -> bool {
    failures >= LOCK_FAILURES && addresses >= LOCK_ADDRESSES
}

/// Until when a lock decided at `now` holds.
pub fn locked_until(now: NaiveDateTime) -> NaiveDateTime {
    now + LOCK_FOR
}

pub fn is_locked(locked_until: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    locked_until.is_some_and(|t| t > now)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn t0() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 3).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("valid date")
    }

    fn recent(address: i64, pair: i64) -> Recent {
        Recent { address, pair, address_frees_at: None }
    }

    #[test]
    fn a_question_after_three_wrong_for_one_name() {
        assert_eq!(gate(recent(0, 0), t0()), Gate::Open);
        assert_eq!(gate(recent(2, 2), t0()), Gate::Open);
        assert_eq!(gate(recent(3, 3), t0()), Gate::Challenge);
        // Three names tried once each: no question yet for any of them.
        assert_eq!(gate(recent(3, 1), t0()), Gate::Open);
        assert_eq!(gate(recent(9, 0), t0()), Gate::Open);
    }

    #[test]
    fn ten_from_one_address_refuse_it_until_they_age() {
        let frees = Some(t0() + Duration::minutes(7) + Duration::seconds(10));
        let r = Recent { address: 10, pair: 0, address_frees_at: frees };
        assert_eq!(gate(r, t0()), Gate::Throttled { minutes: 8 });
        assert_eq!(gate(r, t0() + Duration::minutes(7) + Duration::seconds(9)), Gate::Throttled { minutes: 1 });
        // Never "0 minutes", even at the edge.
        assert_eq!(gate(r, t0() + Duration::minutes(8)), Gate::Throttled { minutes: 1 });
        // Refusal wins over the question.
        assert_eq!(gate(Recent { pair: 10, ..r }, t0()), Gate::Throttled { minutes: 8 });
        assert_eq!(gate(recent(12, 0), t0()), Gate::Throttled { minutes: 15 });
    }

    #[test]
    fn a_lock_needs_many_failures_from_many_addresses() {
        assert!(!under_attack(50, 1), "one address is throttled, not a lock");
        assert!(!under_attack(50, 2));
        assert!(!under_attack(9, 3));
        assert!(under_attack(10, 3));
        let until = locked_until(t0());
        assert!(is_locked(Some(until), t0() + Duration::minutes(59)));
        assert!(!is_locked(Some(until), t0() + Duration::hours(1)));
        assert!(!is_locked(None, t0()));
    }
}
