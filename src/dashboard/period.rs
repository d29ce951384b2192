//! The period a dashboard shows: a year (to date), a quarter or a month,
//! written `2026`, `2026Q4` or `2026-11` in its address. No I/O.

use chrono::{Datelike, NaiveDate};

use crate::kernel::calendar::quarter::Quarter;
use crate::kernel::web::i18n::Lang;
use crate::opinions::stats::Month;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Year(i32),
    Quarter(Quarter),
    Month(Month),
}

impl Period {
    /// This quarter to date: offices plan and report by quarters (every
    /// liaison point's visit is a quarter's), and it keeps the page's
    /// largest read, the handling timelines, to three months.
    pub fn default_for(today: NaiveDate) -> Period {
        Period::Quarter(Quarter::of(today))
    }

    /// `2026`, `2026Q4` (or `2026-Q4`, `2026年第四季度`), `2026-11`; `None` for
    /// anything else and for a period that begins after `today`.
    pub fn parse(s: &str, today: NaiveDate) -> Option<Period> {
        let s = s.trim();
        let p = if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
            let y: i32 = s.parse().ok()?;
            Month::new(y, 1)?;
            Period::Year(y)
        } else if let Some(m) = Month::parse(s) {
            Period::Month(m)
        } else {
            Period::Quarter(Quarter::parse(&s.replace("-Q", "Q").replace("-q", "q"))?)
        };
        (p.first() <= Month::of_date(today)).then_some(p)
    }

    /// The first month of the period.
    pub fn first(self) -> Month {
        match self {
            Period::Year(y) => Month::new(y, 1).unwrap_or_else(Month::current),
            Period::Quarter(q) => Month::of_date(q.first_day()),
            Period::Month(m) => m,
        }
    }

    /// The last month of the period, or `today`'s if that comes first: a
    /// period under way is shown to date.
    pub fn last(self, today: NaiveDate) -> Month {
        let end = match self {
            Period::Year(y) => Month::new(y, 12).unwrap_or_else(Month::current),
            Period::Quarter(q) => Month::of_date(q.last_day()),
            Period::Month(m) => m,
        };
        end.min(Month::of_date(today))
    }

    /// The period's months to date, oldest first.
    pub fn months(self, today: NaiveDate) -> Vec<Month> {
        let (mut m, last) = (self.first(), self.last(today));
        let mut out = vec![];
        while m <= last {
            out.push(m);
            m = m.next();
        }
        out
    }

    /// Its first day and its last day to date (Beijing dates).
    pub fn days(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let last = self.last(today).next().first_day().pred_opt().unwrap_or(today);
        (self.first().first_day(), last.min(today))
    }

    /// The quarter whose liaison coverage is shown: the period's last one to date.
    pub fn quarter(self, today: NaiveDate) -> Quarter {
        Quarter::of(self.last(today).first_day())
    }

    /// The year whose budgets and duty scores are shown.
    pub fn year(self) -> i32 {
        self.first().year()
    }

    /// As the address writes it.
    pub fn code(self) -> String {
        match self {
            Period::Year(y) => y.to_string(),
            Period::Quarter(q) => q.to_string(),
            Period::Month(m) => m.to_string(),
        }
    }

    /// As people read it: 2026年, 2026年第四季度, 2026年11月 (2026, Q4 2026, 2026-11).
    pub fn label(self, lang: Lang) -> String {
        match (self, lang) {
            (Period::Year(y), Lang::Zh) => format!("{y}年"),
            (Period::Year(y), Lang::En) => y.to_string(),
            (Period::Quarter(q), l) => q.label(l),
            (Period::Month(m), Lang::Zh) => format!("{}年{}月", m.year(), m.month()),
            (Period::Month(m), Lang::En) => m.to_string(),
        }
    }

    /// The period before, of the same length, unless it begins before the
    /// first month a figure can be asked for (2000, as `parse` accepts).
    pub fn prev(self) -> Option<Period> {
        let (p, year) = match self {
            Period::Year(y) => (Period::Year(y - 1), y - 1),
            Period::Quarter(q) => (Period::Quarter(q.prev()), q.prev().year),
            Period::Month(m) => (Period::Month(m.prev()), m.prev().first_day().year()),
        };
        Month::new(year, 1).map(|_| p)
    }

    /// The period after, unless it begins after `today`.
    pub fn next(self, today: NaiveDate) -> Option<Period> {
        let n = match self {
            Period::Year(y) => Period::Year(y + 1),
            Period::Quarter(q) => Period::Quarter(q.next()),
            Period::Month(m) => Period::Month(m.next()),
        };
        (n.first() <= Month::of_date(today)).then_some(n)
    }

    /// The choices the selector offers: this year and last, this quarter and
    /// the one before, this month and the one before.
    pub fn choices(today: NaiveDate) -> Vec<Period> {
        let (q, m) = (Quarter::of(today), Month::of_date(today));
        vec![
            Period::Year(today.year()),
            Period::Year(today.year() - 1),
            Period::Quarter(q),
            Period::Quarter(q.prev()),
            Period::Month(m),
            Period::Month(m.prev()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn periods_parse_from_their_codes() {
        let today = day("2026-12-04");
        assert_eq!(Period::parse("2026", today), Some(Period::Year(2026)));
        assert_eq!(Period::parse("2026Q3", today), Some(Period::Quarter(Quarter { year: 2026, q: 3 })));
        assert_eq!(Period::parse("2026-Q3", today), Some(Period::Quarter(Quarter { year: 2026, q: 3 })));
        assert_eq!(Period::parse("2026-11", today).map(|p| p.code()), Some("2026-11".into()));
        for bad in ["", "20266", "2026Q5", "2026-13", "abc", "2027", "2027Q1", "2026-12-01", "1999"] {
            assert_eq!(Period::parse(bad, today), None, "{bad}");
        }
    }

    #[test]
    fn a_period_under_way_runs_to_date() {
        let today = day("2026-11-20");
        let y = Period::Year(2026);
        assert_eq!(y.months(today).len(), 11);
        assert_eq!(y.days(today), (day("2026-01-01"), day("2026-11-20")));
        assert_eq!(y.quarter(today), Quarter { year: 2026, q: 4 });
        let last = Period::Year(2025);
        assert_eq!(last.days(today), (day("2025-01-01"), day("2025-12-31")));
        assert_eq!(last.quarter(today), Quarter { year: 2025, q: 4 });
        let q = Period::Quarter(Quarter { year: 2026, q: 2 });
        assert_eq!(q.days(today), (day("2026-04-01"), day("2026-06-30")));
        assert_eq!(q.months(today).len(), 3);
        assert_eq!(q.next(today), Some(Period::Quarter(Quarter { year: 2026, q: 3 })));
        assert_eq!(Period::Month(Month::of_date(today)).next(today), None);
        assert_eq!(Period::Year(2026).prev(), Some(Period::Year(2025)));
        assert_eq!(Period::Year(2000).prev(), None);
        assert_eq!(Period::Quarter(Quarter { year: 2000, q: 1 }).prev(), None);
        assert_eq!(Period::parse("2000-02", today).and_then(Period::prev), Period::parse("2000-01", today));
    }

    #[test]
    fn labels_follow_the_language() {
        let m = Period::Month(Month::new(2026, 3).expect("month"));
        assert_eq!(m.label(Lang::Zh), "2026年3月");
        assert_eq!(m.label(Lang::En), "2026-03");
        assert_eq!(Period::Year(2026).label(Lang::Zh), "2026年");
        assert_eq!(Period::Quarter(Quarter { year: 2026, q: 4 }).label(Lang::En), "Q4 2026");
    }
}
