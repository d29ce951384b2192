//! 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, published by Xinhua the same
//! day), as written there: each festival's days off and its make-up working days (上班).
//! Checked against the notice's own weekday notes in the tests below.

use super::national::Festival;

pub const YEAR: i32 = 2026;

pub const FESTIVALS: &[Festival] = &[
    // 一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    Festival { name: "元旦", off: ((1, 1), (1, 3)), work: &[(1, 4)] },
    // 二、春节：2月15日（腊月二十八、周日）至23日（正月初七、周一）放假调休，共9天。
    // 2月14日（周六）、2月28日（周六）上班。
    Festival { name: "春节", off: ((2, 15), (2, 23)), work: &[(2, 14), (2, 28)] },
    // 三、清明节：4月4日（周六）至6日（周一）放假，共3天。
    Festival { name: "清明节", off: ((4, 4), (4, 6)), work: &[] },
    // 四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
    Festival { name: "劳动节", off: ((5, 1), (5, 5)), work: &[(5, 9)] },
    // 五、端午节：6月19日（周五）至21日（周日）放假，共3天。
    Festival { name: "端午节", off: ((6, 19), (6, 21)), work: &[] },
    // 六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
    Festival { name: "中秋节", off: ((9, 25), (9, 27)), work: &[] },
    // 七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
    Festival { name: "国庆节", off: ((10, 1), (10, 7)), work: &[(9, 20), (10, 10)] },
];

#[cfg(test)]
mod tests {
    use chrono::{Datelike, NaiveDate, Weekday};

    use super::*;
    use crate::kernel::calendar::model::{DayKind, is_weekend};
    use crate::kernel::calendar::national;

    fn weekday(m: u32, d: u32) -> Weekday {
        NaiveDate::from_ymd_opt(YEAR, m, d).expect("a date of 2026").weekday()
    }

    #[test]
    fn matches_the_notice_s_weekdays_and_day_counts() {
        use Weekday::*;
        // (first day off, its weekday, last day off, its weekday, 共N天)
        let notice = [
            ((1, 1), Thu, (1, 3), Sat, 3),
            ((2, 15), Sun, (2, 23), Mon, 9),
            ((4, 4), Sat, (4, 6), Mon, 3),
            ((5, 1), Fri, (5, 5), Tue, 5),
            ((6, 19), Fri, (6, 21), Sun, 3),
            ((9, 25), Fri, (9, 27), Sun, 3),
            ((10, 1), Thu, (10, 7), Wed, 7),
        ];
        assert_eq!(FESTIVALS.len(), notice.len());
        for (f, (from, wd_from, to, wd_to, days)) in FESTIVALS.iter().zip(notice) {
            assert_eq!(f.off, (from, to), "{}", f.name);
            assert_eq!(weekday(from.0, from.1), wd_from, "{} starts", f.name);
            assert_eq!(weekday(to.0, to.1), wd_to, "{} ends", f.name);
            let n = national::expand(YEAR, f).iter().filter(|d| d.kind == DayKind::Holiday).count();
            assert_eq!(n, days, "{} 共{days}天", f.name);
        }
        let make_up = [((1, 4), Sun), ((2, 14), Sat), ((2, 28), Sat), ((5, 9), Sat), ((9, 20), Sun), ((10, 10), Sat)];
        let listed: Vec<(u32, u32)> = FESTIVALS.iter().flat_map(|f| f.work.iter().copied()).collect();
        assert_eq!(listed, make_up.map(|(d, _)| d).to_vec());
        for ((m, d), wd) in make_up {
            assert_eq!(weekday(m, d), wd, "{m}-{d}");
        }
    }

    #[test]
    fn make_up_days_are_weekends_outside_the_holidays() {
        let days = national::schedule(YEAR).expect("2026 is known");
        assert_eq!(days.len(), 33 + 6);
        for d in days.iter().filter(|d| d.kind == DayKind::Workday) {
            assert!(is_weekend(d.day), "{} is a Saturday or Sunday", d.day);
        }
        let mut seen: Vec<_> = days.iter().map(|d| d.day).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), days.len(), "no day twice");
        assert!(days.iter().all(|d| d.day.year() == YEAR));
    }
}
