//! Working days (工作日): Monday to Friday, except the State Council's holidays,
//! plus its make-up working days (调休) that fall on a Saturday or Sunday. Pure
//! rules, no I/O: the store loads the special days, these functions count.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Included};

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Weekday};
use chrono_tz::Asia::Shanghai;
use serde::Serialize;

use crate::kernel::auth::{Actor, Role};

crate::code_enum!(
    /// What a special day is. Any other day follows the week: Mon–Fri work,
    /// Sat–Sun rest. Shown as 放假 / 调休上班 (`calendar_kind.*`).
    DayKind, "calendar_kind" {
        /// 放假: a day off, whatever the weekday.
        Holiday = "holiday",
        /// 调休上班: a Saturday or Sunday worked to make up for a holiday.
        Workday = "workday",
    }
);

/// One entry of the holiday calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecialDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// The working-day rules of one committee over the years its special days cover.
/// Years without entries count plain Monday to Friday.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    special: BTreeMap<NaiveDate, DayKind>,
}

pub fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// From the special days; if a day is listed twice, the last entry wins.
    pub fn new(days: impl IntoIterator<Item = SpecialDay>) -> Calendar {
        Calendar { special: days.into_iter().map(|d| (d.day, d.kind)).collect() }
    }

    /// The special entry for `day`, if there is one.
    pub fn kind_of(&self, day: NaiveDate) -> Option<DayKind> {
        self.special.get(&day).copied()
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.kind_of(day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !is_weekend(day),
        }
    }

    /// The first working day strictly after `day` (the same as `add_working_days(day, 1)`).
    pub fn next_working_day(&self, day: NaiveDate) -> NaiveDate {
        self.add_working_days(day, 1)
    }

    /// The `n`th working day after `start`; `start` itself never counts, whatever it is
    /// ("within 5 working days of being assigned on day D"). `n = 0` gives `start`.
    /// Saturates at `NaiveDate::MAX`, which no real deadline reaches.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let last_special = self.special.keys().next_back().copied();
        let mut day = start;
        let mut left = n;
        while left > 0 {
            // Past the last special day only the week matters: count in whole weeks,
            // so a huge `n` cannot keep the loop busy.
            if last_special.is_none_or(|last| day >= last) {
                return add_weekdays(day, left);
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => return NaiveDate::MAX,
            };
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `from` up to and including `to`: 1 from a Friday to the next
    /// Monday, 0 when `to == from`. When `to` is before `from` the count is negative,
    /// `-working_days_between(to, from)`, so that
    /// `working_days_between(d, add_working_days(d, n)) == n` and a negative value reads
    /// as "so many working days ago".
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut n = weekdays_between(from, to);
        for (&day, &kind) in self.special.range((Excluded(from), Included(to))) {
            match (kind, is_weekend(day)) {
                (DayKind::Holiday, false) => n -= 1,
                (DayKind::Workday, true) => n += 1,
                _ => {}
            }
        }
        n
    }

    /// Working days in one month (1–12); 0 for a month that does not exist.
    pub fn working_days_in_month(&self, year: i32, month: u32) -> i64 {
        let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else { return 0 };
        let (Some(before), Some(last)) = (first.pred_opt(), first.checked_add_months(chrono::Months::new(1))) else {
            return 0;
        };
        self.working_days_between(before, last.pred_opt().unwrap_or(last))
    }

    /// When a case assigned at `assigned_utc` with `n` working days is due: the end
    /// (23:59:59, Asia/Shanghai) of the `n`th working day after the day it was
    /// assigned in Beijing, returned as naive UTC like every stored time.
    pub fn due_at(&self, assigned_utc: NaiveDateTime, n: u32) -> NaiveDateTime {
        end_of_day_utc(self.add_working_days(shanghai_date(assigned_utc), n))
    }
}

/// Whether a case due at `due_utc` is late at `now_utc` (both naive UTC). The due
/// instant itself is still in time.
pub fn is_overdue(due_utc: NaiveDateTime, now_utc: NaiveDateTime) -> bool {
    now_utc > due_utc
}

/// The date in Beijing of a naive UTC instant: 2026-09-30 17:00 UTC is already 10-01 there.
pub fn shanghai_date(utc: NaiveDateTime) -> NaiveDate {
    utc.and_utc().with_timezone(&Shanghai).date_naive()
}

const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_opt(23, 59, 59) {
    Some(t) => t,
    None => panic!("23:59:59 is a time"),
};

/// 23:59:59 Beijing time on `day`, as naive UTC.
pub fn end_of_day_utc(day: NaiveDate) -> NaiveDateTime {
    let local = day.and_time(END_OF_DAY);
    match Shanghai.from_local_datetime(&local).earliest() {
        Some(t) => t.naive_utc(),
        // Not reached: China has no clock change at the end of a day. UTC+8 is
        // China Standard Time.
        None => local.checked_sub_signed(TimeDelta::hours(8)).unwrap_or(local),
    }
}

/// The `n`th Monday-to-Friday day after `from`, ignoring special days.
fn add_weekdays(from: NaiveDate, n: u32) -> NaiveDate {
    if n == 0 {
        return from;
    }
    // Any 7 days in a row hold exactly 5 weekdays; the last (1–5) are walked.
    let weeks = (n - 1) / 5;
    let mut left = n - weeks * 5;
    let Some(mut day) = from.checked_add_days(Days::new(u64::from(weeks) * 7)) else { return NaiveDate::MAX };
    while left > 0 {
        day = match day.succ_opt() {
            Some(d) => d,
            None => return NaiveDate::MAX,
        };
        if !is_weekend(day) {
            left -= 1;
        }
    }
    day
}

/// Monday-to-Friday days after `from` up to and including `to` (`to >= from`).
fn weekdays_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let days = (to - from).num_days();
    let mut n = days / 7 * 5;
    let mut day = from + Days::new((days / 7 * 7) as u64);
    while day < to {
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
        if !is_weekend(day) {
            n += 1;
        }
    }
    n
}

/// The years an entry may be set for: catches a mistyped year (0026, 20266).
pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2100;
pub const MAX_NAME_CHARS: usize = 20;

/// A date as people type it: 2026-10-01, 2026/10/1, 2026.10.1, 20261001, 2026年10月1日.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"]
        .into_iter()
        .find_map(|fmt| NaiveDate::parse_from_str(s, fmt).ok())
}

/// The date and kind fields of the calendar form; the error is a message key.
pub fn parse_form(day: &str, kind: &str) -> Result<(NaiveDate, DayKind), &'static str> {
    let day = parse_day(day).ok_or("calendar.bad_date")?;
    let kind = DayKind::parse(kind).ok_or("calendar.bad_kind")?;
    Ok((day, kind))
}

/// Checks an entry the district admin made; the error is a message key.
pub fn check_entry(day: NaiveDate, kind: DayKind, name: &str) -> Result<SpecialDay, &'static str> {
    check_year(day.year())?;
    if kind == DayKind::Workday && !is_weekend(day) {
        return Err("calendar.workday_on_weekday");
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err("calendar.bad_name");
    }
    Ok(SpecialDay { day, kind, name: name.to_string() })
}

pub fn check_year(year: i32) -> Result<i32, &'static str> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) { Ok(year) } else { Err("calendar.bad_year") }
}

/// The district keeps the calendar.
pub fn can_manage(actor: &Actor) -> bool {
    actor.role == Role::DistrictAdmin
}

/// Everyone whose work has deadlines may read it; the sysadmin and the auditor
/// read no business pages (三权分立).
pub fn can_read(actor: &Actor) -> bool {
    matches!(actor.role, Role::DistrictAdmin | Role::Leader | Role::OfficeStaff | Role::Department | Role::Member)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::calendar::national;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn t(y: i32, m: u32, day: u32, h: u32, min: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, min, 0).expect("valid time")
    }

    /// The State Council's 2026 schedule, as seeded for every committee.
    fn cn2026() -> Calendar {
        Calendar::new(national::schedule(2026).expect("2026 is known"))
    }

    #[test]
    fn plain_weeks_without_special_days() {
        let cal = Calendar::default();
        assert!(cal.is_working_day(d(2027, 3, 5)), "a Friday");
        assert!(!cal.is_working_day(d(2027, 3, 6)), "a Saturday");
        assert!(!cal.is_working_day(d(2027, 3, 7)), "a Sunday");
        // Friday + 1 = Monday; Friday + 5 = next Friday; Saturday + 1 = Monday.
        assert_eq!(cal.add_working_days(d(2027, 3, 5), 1), d(2027, 3, 8));
        assert_eq!(cal.add_working_days(d(2027, 3, 5), 5), d(2027, 3, 12));
        assert_eq!(cal.add_working_days(d(2027, 3, 6), 1), d(2027, 3, 8));
        assert_eq!(cal.add_working_days(d(2027, 3, 6), 0), d(2027, 3, 6), "n = 0 is the start");
        assert_eq!(cal.next_working_day(d(2027, 3, 7)), d(2027, 3, 8));
        assert_eq!(cal.next_working_day(d(2027, 3, 8)), d(2027, 3, 9), "strictly after");
        assert_eq!(cal.add_working_days(d(2027, 3, 1), 100), d(2027, 7, 19));
    }

    #[test]
    fn special_days_override_the_week() {
        let cal = Calendar::new([
            SpecialDay { day: d(2027, 3, 3), kind: DayKind::Holiday, name: "假日".into() },
            SpecialDay { day: d(2027, 3, 6), kind: DayKind::Workday, name: "调休".into() },
        ]);
        assert!(!cal.is_working_day(d(2027, 3, 3)), "a holiday Wednesday");
        assert!(cal.is_working_day(d(2027, 3, 6)), "a make-up Saturday");
        assert!(!cal.is_working_day(d(2027, 3, 7)), "the Sunday after stays off");
        // Mon 1 → Tue 2, (Wed 3 off), Thu 4, Fri 5, Sat 6 (make-up), Mon 8.
        assert_eq!(cal.add_working_days(d(2027, 3, 1), 5), d(2027, 3, 8));
        assert_eq!(cal.kind_of(d(2027, 3, 3)), Some(DayKind::Holiday));
        assert_eq!(cal.kind_of(d(2027, 3, 4)), None);
    }

    #[test]
    fn the_last_entry_for_a_day_wins() {
        let cal = Calendar::new([
            SpecialDay { day: d(2027, 3, 6), kind: DayKind::Workday, name: "调休".into() },
            SpecialDay { day: d(2027, 3, 6), kind: DayKind::Holiday, name: "改了".into() },
        ]);
        assert!(!cal.is_working_day(d(2027, 3, 6)));
    }

    #[test]
    fn make_up_sundays_count_and_golden_week_does_not() {
        let cal = cn2026();
        assert!(cal.is_working_day(d(2026, 1, 4)), "Sunday 1-4 is worked (元旦)");
        assert!(cal.is_working_day(d(2026, 9, 20)), "Sunday 9-20 is worked (国庆)");
        assert!(cal.is_working_day(d(2026, 10, 10)), "Saturday 10-10 is worked");
        assert!(!cal.is_working_day(d(2026, 10, 7)), "Wednesday 10-7 is inside Golden Week");
        for day in 1..=7 {
            assert!(!cal.is_working_day(d(2026, 10, day)), "10-{day} is off");
        }
        // Assigned Friday 9-18: Sun 9-20 is the first working day, then 21, 22, 23, 24.
        assert_eq!(cal.add_working_days(d(2026, 9, 18), 1), d(2026, 9, 20));
        assert_eq!(cal.add_working_days(d(2026, 9, 18), 5), d(2026, 9, 24));
        // Assigned Wed 9-30, 5 working days: 10-8, 10-9, 10-10 (Sat, make-up), 10-12, 10-13.
        assert_eq!(cal.add_working_days(d(2026, 9, 30), 5), d(2026, 10, 13));
        assert_eq!(cal.next_working_day(d(2026, 9, 30)), d(2026, 10, 8));
        assert_eq!(cal.working_days_between(d(2026, 9, 30), d(2026, 10, 8)), 1);
        // 中秋 (Fri 9-25) is off; a plain Thursday before it is not.
        assert!(!cal.is_working_day(d(2026, 9, 25)));
        assert!(cal.is_working_day(d(2026, 9, 24)));
    }

    #[test]
    fn across_the_spring_festival() {
        let cal = cn2026();
        assert!(cal.is_working_day(d(2026, 2, 14)), "Saturday 2-14 is worked");
        assert!(cal.is_working_day(d(2026, 2, 28)), "Saturday 2-28 is worked");
        for day in 15..=23 {
            assert!(!cal.is_working_day(d(2026, 2, day)), "2-{day} is off");
        }
        // Assigned Thu 2-12: Fri 13, Sat 14 (make-up), then nothing until Tue 24, 25, 26.
        assert_eq!(cal.add_working_days(d(2026, 2, 12), 5), d(2026, 2, 26));
        assert_eq!(cal.working_days_between(d(2026, 2, 12), d(2026, 2, 26)), 5);
        // Feb 2026: 20 weekdays, 6 of them off (16–20, 23), 2 Saturdays worked.
        assert_eq!(cal.working_days_in_month(2026, 2), 16);
        // Assigned on a holiday (除夕), 1 working day: the first day back.
        assert_eq!(cal.add_working_days(d(2026, 2, 16), 1), d(2026, 2, 24));
    }

    #[test]
    fn across_the_year_boundary() {
        let cal = cn2026();
        // Assigned Wed 2025-12-31 (2025 not loaded: plain weeks): 1-1..1-3 off, Sun 1-4
        // worked, Mon 1-5.
        assert_eq!(cal.add_working_days(d(2025, 12, 31), 1), d(2026, 1, 4));
        assert_eq!(cal.add_working_days(d(2025, 12, 31), 2), d(2026, 1, 5));
        assert_eq!(cal.working_days_between(d(2025, 12, 31), d(2026, 1, 5)), 2);
        // Out of 2026 into 2027, not entered yet: plain weeks, so Fri 2027-1-1 still
        // counts (the admin adds 2027's holidays when the State Council publishes them).
        assert_eq!(cal.add_working_days(d(2026, 12, 31), 2), d(2027, 1, 4));
        assert_eq!(cal.working_days_between(d(2026, 12, 30), d(2027, 1, 4)), 3);
    }

    #[test]
    fn between_is_the_inverse_of_add_and_negative_backwards() {
        let cal = cn2026();
        let mut start = d(2025, 12, 20);
        while start < d(2027, 1, 10) {
            for n in [0, 1, 2, 5, 10, 15, 30] {
                let end = cal.add_working_days(start, n);
                assert_eq!(cal.working_days_between(start, end), i64::from(n), "{start} + {n}");
                assert_eq!(cal.working_days_between(end, start), -i64::from(n), "{end} back to {start}");
                assert!(n == 0 || cal.is_working_day(end), "{end} is a working day");
            }
            start = start.succ_opt().expect("next day");
        }
        assert_eq!(cal.working_days_between(d(2026, 10, 9), d(2026, 10, 9)), 0);
        // 2026 in all: 261 weekdays − 19 holidays on weekdays + 6 make-up days = 248.
        let year: i64 = (1..=12).map(|m| cal.working_days_in_month(2026, m)).sum();
        assert_eq!(year, cal.working_days_between(d(2025, 12, 31), d(2026, 12, 31)));
        assert_eq!(year, 261 - 19 + 6);
    }

    #[test]
    fn counting_matches_walking_day_by_day() {
        let cal = cn2026();
        let from = d(2025, 12, 1);
        let mut walked = 0;
        let mut day = from;
        while day < d(2027, 2, 1) {
            day = day.succ_opt().expect("next day");
            if cal.is_working_day(day) {
                walked += 1;
            }
            assert_eq!(cal.working_days_between(from, day), walked, "up to {day}");
        }
    }

    #[test]
    fn huge_and_extreme_counts_do_not_hang_or_panic() {
        let cal = cn2026();
        assert_eq!(cal.add_working_days(d(2026, 1, 1), u32::MAX), NaiveDate::MAX);
        assert_eq!(cal.add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(Calendar::default().next_working_day(NaiveDate::MAX), NaiveDate::MAX);
        let far = cal.add_working_days(d(2026, 1, 1), 1_000_000);
        assert_eq!(cal.working_days_between(d(2026, 1, 1), far), 1_000_000);
        assert_eq!(cal.working_days_in_month(2026, 13), 0);
    }

    #[test]
    fn due_at_the_end_of_the_day_in_beijing() {
        let cal = cn2026();
        let end = |y, m, day| t(y, m, day, 15, 59) + TimeDelta::seconds(59);
        // 2026-09-30 17:00 UTC is 10-01 01:00 in Beijing; 10-01..07 are off, so one
        // working day later is 10-08, due at 23:59:59 Beijing = 15:59:59 UTC.
        assert_eq!(shanghai_date(t(2026, 9, 30, 17, 0)), d(2026, 10, 1));
        assert_eq!(cal.due_at(t(2026, 9, 30, 17, 0), 1), end(2026, 10, 8));
        assert_eq!(cal.due_at(t(2026, 9, 30, 17, 0), 5), end(2026, 10, 13));
        // Where the Beijing date decides: 9-29 23:59 Beijing is due on 9-30, one
        // minute later (9-30 00:00 Beijing, still 9-29 in UTC) on 10-08.
        assert_eq!(shanghai_date(t(2026, 9, 29, 15, 59)), d(2026, 9, 29));
        assert_eq!(cal.due_at(t(2026, 9, 29, 15, 59), 1), end(2026, 9, 30));
        assert_eq!(shanghai_date(t(2026, 9, 29, 16, 0)), d(2026, 9, 30));
        assert_eq!(cal.due_at(t(2026, 9, 29, 16, 0), 1), end(2026, 10, 8));
        // New Year's Eve 17:00 UTC is 2027-01-01 in Beijing.
        assert_eq!(shanghai_date(t(2026, 12, 31, 17, 0)), d(2027, 1, 1));
        assert_eq!(end_of_day_utc(d(2026, 12, 31)), end(2026, 12, 31));
    }

    #[test]
    fn overdue_only_after_the_due_instant() {
        let due = Calendar::default().due_at(t(2027, 3, 1, 2, 0), 1);
        assert_eq!(due, t(2027, 3, 2, 15, 59) + TimeDelta::seconds(59));
        assert!(!is_overdue(due, due));
        assert!(!is_overdue(due, due - TimeDelta::hours(10)));
        assert!(is_overdue(due, due + TimeDelta::seconds(1)));
        // 00:30 Beijing on 3-3 is 16:30 UTC on 3-2: late, although still 3-2 in UTC.
        assert!(is_overdue(due, t(2027, 3, 2, 16, 30)));
    }

    #[test]
    fn entries_as_the_admin_types_them() {
        let entry = |day: &str, kind: &str, name: &str| {
            parse_form(day, kind).and_then(|(day, kind)| check_entry(day, kind, name))
        };
        let ok = entry("2026-12-27", "workday", " 年终调休 ").expect("a Sunday make-up day");
        assert_eq!((ok.day, ok.kind, ok.name.as_str()), (d(2026, 12, 27), DayKind::Workday, "年终调休"));
        assert_eq!(entry("2026年12月27日", "workday", "调休").map(|e| e.day), Ok(d(2026, 12, 27)));
        assert_eq!(entry(" 2026/12/7 ", "holiday", "假日").map(|e| e.day), Ok(d(2026, 12, 7)));
        assert_eq!(entry("20261207", "holiday", "假日").map(|e| e.day), Ok(d(2026, 12, 7)));
        assert_eq!(entry("2026-12-26", "holiday", "周六也可").map(|e| e.kind), Ok(DayKind::Holiday));
        assert_eq!(entry("2026-02-30", "holiday", "春节"), Err("calendar.bad_date"));
        assert_eq!(entry("明天", "holiday", "春节"), Err("calendar.bad_date"));
        assert_eq!(entry("", "holiday", "春节"), Err("calendar.bad_date"));
        assert_eq!(entry("0026-10-01", "holiday", "国庆节"), Err("calendar.bad_year"));
        assert_eq!(entry("2026-10-01", "other", "国庆节"), Err("calendar.bad_kind"));
        assert_eq!(entry("2026-12-23", "workday", "调休"), Err("calendar.workday_on_weekday"));
        assert_eq!(entry("2026-12-26", "workday", "  "), Err("calendar.bad_name"));
        assert_eq!(entry("2026-12-26", "workday", &"长".repeat(21)), Err("calendar.bad_name"));
        assert_eq!(check_year(2100), Ok(2100));
        assert_eq!(check_year(1999), Err("calendar.bad_year"));
        assert_eq!(DayKind::parse("holiday"), Some(DayKind::Holiday));
        assert_eq!(DayKind::Workday.as_str(), "workday");
    }

    #[test]
    fn only_the_district_keeps_the_calendar() {
        for &role in Role::ALL {
            let a = Actor::sample(role, None);
            assert_eq!(can_manage(&a), role == Role::DistrictAdmin, "{role:?}");
            assert_eq!(can_read(&a), !matches!(role, Role::Sysadmin | Role::Auditor | Role::SecurityAdmin), "{role:?}");
        }
    }
}
