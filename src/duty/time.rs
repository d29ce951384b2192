//! Duty time (履职时间): what an attended meeting counts for against the
//! duty days the rules expect per year, and who is behind. No I/O.
//!
//! Counted in half days, as leave is granted: a meeting of up to four hours
//! is half a day away from work, up to eight a whole day, and so on.

use chrono::{Datelike, NaiveDate};

/// A meeting recorded without its length counts as a morning's or an
/// afternoon's: three hours.
pub const DEFAULT_MINUTES: i32 = 180;
/// Longest one meeting may last: a week's study tour.
pub const MAX_MINUTES: i32 = 7 * 24 * 60;

/// Half days an attendance of `minutes` counts for: at least one.
pub fn half_days(minutes: Option<i32>) -> i32 {
    let m = minutes.unwrap_or(DEFAULT_MINUTES).clamp(1, MAX_MINUTES);
    (m + 239) / 240
}

/// "3.5 天": half days as days, the way the rules state them.
pub fn days_text(half_days: i32) -> String {
    if half_days % 2 == 0 { format!("{}", half_days / 2) } else { format!("{}.5", half_days / 2) }
}

/// Half days a member should have done by `today` if spread evenly over
/// the year: the yardstick for "behind", never a deadline of its own.
pub fn expected_by(expected_days: i32, today: NaiveDate) -> i32 {
    let year_days =
        if NaiveDate::from_ymd_opt(today.year(), 12, 31).is_some_and(|d| d.ordinal() == 366) { 366 } else { 365 };
    (expected_days.max(0) * 2 * today.ordinal() as i32) / year_days
}

/// Behind: fewer half days done than the even pace asks, by more than one
/// meeting's worth (two half days), so that a member is not flagged for a
/// meeting that simply has not come round yet.
pub fn behind(done_half_days: i32, expected_days: i32, today: NaiveDate) -> bool {
    done_half_days + 2 < expected_by(expected_days, today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    #[test]
    fn meetings_count_in_half_days() {
        assert_eq!(half_days(Some(90)), 1);
        assert_eq!(half_days(Some(240)), 1);
        assert_eq!(half_days(Some(241)), 2);
        assert_eq!(half_days(Some(480)), 2);
        assert_eq!(half_days(None), 1, "unrecorded: half a day");
        assert_eq!(half_days(Some(0)), 1, "attended is at least half a day");
        assert_eq!(half_days(Some(i32::MAX)), MAX_MINUTES / 240);
        assert_eq!(days_text(7), "3.5");
        assert_eq!(days_text(8), "4");
    }

    #[test]
    fn behind_the_even_pace() {
        // 12 days a year: 24 half days; by the end of June about 12.
        assert_eq!(expected_by(12, day(12, 31)), 24);
        assert_eq!(expected_by(12, day(6, 30)), 11);
        assert!(!behind(9, 12, day(6, 30)), "within a meeting's worth");
        assert!(behind(8, 12, day(6, 30)));
        assert!(!behind(0, 12, day(1, 20)), "nobody is behind in January");
        assert!(!behind(0, 0, day(12, 31)), "no duty days set");
    }
}
