//! The State Council's holiday schedules (国务院办公厅 部分节假日安排) known to this
//! build. A new committee starts with them; the district admin can change any day.
//! The notice for a year comes out in the November before, so a year missing here
//! is entered by the admin on the calendar page (or added to a later build).

use chrono::NaiveDate;

use super::cn_2026;
use super::model::{DayKind, SpecialDay};

/// One festival as a notice states it: a run of days off and the make-up working
/// days (调休上班) that go with it, as (month, day) of the notice's year.
#[derive(Debug, Clone, Copy)]
pub struct Festival {
    pub name: &'static str,
    /// First and last day off, inclusive (weekends inside the run are listed too,
    /// so the calendar page shows the whole holiday).
    pub off: ((u32, u32), (u32, u32)),
    pub work: &'static [(u32, u32)],
}

/// 2027: the notice was not yet published when this was written; the admin enters it.
const KNOWN: &[(i32, &[Festival])] = &[(cn_2026::YEAR, cn_2026::FESTIVALS)];

/// The years with a built-in schedule.
pub fn years() -> impl Iterator<Item = i32> {
    KNOWN.iter().map(|(y, _)| *y)
}

/// Every special day of `year`'s notice, or `None` when this build does not know it.
pub fn schedule(year: i32) -> Option<Vec<SpecialDay>> {
    let (_, festivals) = KNOWN.iter().find(|(y, _)| *y == year)?;
    Some(festivals.iter().flat_map(|f| expand(year, f)).collect())
}

/// One festival's days. A (month, day) that is not a date is skipped; the tests
/// check that none is.
pub fn expand(year: i32, f: &Festival) -> Vec<SpecialDay> {
    let day = |(m, d): (u32, u32)| NaiveDate::from_ymd_opt(year, m, d);
    let mut out = vec![];
    if let (Some(first), Some(last)) = (day(f.off.0), day(f.off.1)) {
        out.extend(first.iter_days().take_while(|d| *d <= last).map(|d| SpecialDay {
            day: d,
            kind: DayKind::Holiday,
            name: f.name.to_string(),
        }));
    }
    out.extend(f.work.iter().filter_map(|&md| day(md)).map(|d| SpecialDay {
        day: d,
        kind: DayKind::Workday,
        name: f.name.to_string(),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_day_is_a_date() {
        for (year, festivals) in KNOWN {
            for f in *festivals {
                let day = |(m, d): (u32, u32)| NaiveDate::from_ymd_opt(*year, m, d);
                let (first, last) = (day(f.off.0), day(f.off.1));
                assert!(first.is_some() && first <= last, "{year} {}", f.name);
                assert!(f.work.iter().all(|&md| day(md).is_some()), "{year} {}", f.name);
            }
        }
        assert_eq!(years().collect::<Vec<_>>(), vec![2026]);
        assert!(schedule(2027).is_none(), "2027 is left to the admin");
    }
}
