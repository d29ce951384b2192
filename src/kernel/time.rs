//! Time is stored in UTC and shown in Asia/Shanghai.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Asia::Shanghai;

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Today's date in Asia/Shanghai: what "today" means to staff and residents.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&Shanghai).date_naive()
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

pub fn local(t: &NaiveDateTime) -> String {
    t.and_utc().with_timezone(&Shanghai).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_beijing_time() {
        let t = NaiveDate::from_ymd_opt(2026, 12, 31).and_then(|d| d.and_hms_opt(17, 30, 0)).expect("valid");
        // 17:30 UTC on New Year's Eve is already the next day in Beijing.
        assert_eq!(local(&t), "2027-01-01 01:30");
    }
}
