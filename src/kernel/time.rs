//! Time is stored in UTC and shown in Asia/Shanghai.
//!
//! `now()` and `today()` read the system clock unless the calling thread runs
//! inside `with_clock`: the data generator (`xieshang gen`) replays five years of
//! cases through the real store code, and each step must carry its own moment.

use std::cell::Cell;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use chrono_tz::Asia::Shanghai;

thread_local! {
    // Thread-local, so a replayed past never leaks into another thread's requests.
    static CLOCK: Cell<Option<NaiveDateTime>> = const { Cell::new(None) };
}

pub fn now() -> NaiveDateTime {
    CLOCK.with(Cell::get).unwrap_or_else(|| Utc::now().naive_utc())
}

/// Today's date in Asia/Shanghai: what "today" means to staff and residents.
pub fn today() -> NaiveDate {
    now().and_utc().with_timezone(&Shanghai).date_naive()
}

/// Runs `f` with `now()` (and `today()`) fixed at `t` (UTC) on this thread; the
/// previous clock comes back afterwards, even if `f` panics. Store code runs on
/// the calling thread, so everything it writes carries `t`.
pub fn with_clock<T>(t: NaiveDateTime, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<NaiveDateTime>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CLOCK.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CLOCK.with(|c| c.replace(Some(t))));
    f()
}

/// The UTC instant at which `day` begins in Asia/Shanghai (for date filters).
pub fn start_of_local_day(day: NaiveDate) -> NaiveDateTime {
    use chrono::TimeZone;
    Shanghai
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.naive_utc())
        .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(8))
}

/// The UTC bounds of a Beijing calendar year: from its first instant, up to
/// (not including) the next year's.
pub fn year_bounds(year: i32) -> Option<(NaiveDateTime, NaiveDateTime)> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let end = NaiveDate::from_ymd_opt(year + 1, 1, 1)?;
    Some((start_of_local_day(start), start_of_local_day(end)))
}

/// A Beijing wall-clock date and time as the stored UTC instant.
pub fn from_local(day: NaiveDate, time: chrono::NaiveTime) -> NaiveDateTime {
    start_of_local_day(day) + (time - chrono::NaiveTime::MIN)
}

pub fn local(t: &NaiveDateTime) -> String {
    // Spelled out: `format("%Y-%m-%d %H:%M")` parses its pattern on every
    // call, and an inbox page shows forty of these (3 % of its CPU).
    let l = local_time(t);
    format!("{:04}-{:02}-{:02} {:02}:{:02}", l.year(), l.month(), l.day(), l.hour(), l.minute())
}

/// A stored (UTC) instant as Beijing wall-clock time, for a spreadsheet cell.
pub fn local_time(t: &NaiveDateTime) -> NaiveDateTime {
    t.and_utc().with_timezone(&Shanghai).naive_local()
}

/// Years a typed date may have: birth dates to plans. Outside them a date is
/// a typo or an attack, and a filter's `to + 1 day` near chrono's limits
/// would overflow.
const DATE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Dates as people type and write them (forms, rosters): 2026-03-01, 2026/3/1, 2026.3.1, 20260301.
/// Full-width digits and signs (a Chinese keyboard's) are read as plain ones.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = crate::kernel::web::form::halfwidth(s);
    let s = s.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|fmt| NaiveDate::parse_from_str(s, fmt).ok())
        .filter(|d| DATE_YEARS.contains(&d.year()))
}

/// Written as a date, year, month and day, but no such day exists
/// (2026-02-30): the form says so rather than calling it a format error.
pub fn is_missing_day(s: &str) -> bool {
    let s = crate::kernel::web::form::halfwidth(s);
    let parts: Vec<u32> =
        s.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok()).collect();
    matches!(parts.as_slice(), [y, m, d] if (1900..=2100).contains(y) && (1..=12).contains(m) && (1..=31).contains(d))
        && parse_date(&s).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_written() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1);
        for s in ["2026-03-01", "2026/3/1", "2026.3.1", "20260301", "2026年3月1日", " 2026-3-1 "] {
            assert_eq!(parse_date(s), d, "{s}");
        }
        assert_eq!(parse_date("2026-02-30"), None);
        assert!(is_missing_day("2026-02-30") && is_missing_day("2026年4月31日"));
        assert!(!is_missing_day("2026-02-28") && !is_missing_day("2026-13-01") && !is_missing_day("昨天"));
        assert_eq!(parse_date("２０２６－０３－０１"), d, "full-width, as a Chinese keyboard types it");
        assert_eq!(parse_date("262143-12-31"), None, "chrono's last day: a filter adds one to it");
        assert_eq!(parse_date("1899-12-31"), None);
        assert_eq!(parse_date("昨天"), None);
    }

    #[test]
    fn shows_beijing_time() {
        let t = NaiveDate::from_ymd_opt(2026, 12, 31).and_then(|d| d.and_hms_opt(17, 30, 0)).expect("valid");
        // 17:30 UTC on New Year's Eve is already the next day in Beijing.
        assert_eq!(local(&t), "2027-01-01 01:30");
    }

    #[test]
    fn a_fixed_clock_holds_inside_and_only_on_this_thread() {
        let t = NaiveDate::from_ymd_opt(2022, 3, 1).and_then(|d| d.and_hms_opt(17, 0, 0)).expect("valid");
        let later = t + chrono::Duration::days(10);
        with_clock(t, || {
            assert_eq!(now(), t);
            // 17:00 UTC is 01:00 the next morning in Beijing.
            assert_eq!(today(), NaiveDate::from_ymd_opt(2022, 3, 2).expect("valid"));
            with_clock(later, || assert_eq!(now(), later));
            assert_eq!(now(), t, "the outer clock comes back");
            let other = std::thread::spawn(now).join().expect("thread");
            assert!(other > later + chrono::Duration::days(365), "other threads keep the real clock");
        });
        assert!(now() > later + chrono::Duration::days(365), "the real clock is back");
        let caught = std::panic::catch_unwind(|| with_clock(t, || panic!("inside")));
        assert!(caught.is_err());
        assert!(now() > later + chrono::Duration::days(365), "restored after a panic");
    }
}
