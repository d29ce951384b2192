//! A quarter of a year, as offices plan and report by: `2026Q4` in URLs and
//! file names, 2026年第四季度 (Q4 2026) where people read it.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use super::model::shanghai_date;
use crate::kernel::time::start_of_local_day;
use crate::kernel::web::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1–4
    pub q: u32,
}

const ZH_NUMBERS: [&str; 4] = ["一", "二", "三", "四"];

impl Quarter {
    pub fn of(day: NaiveDate) -> Quarter {
        Quarter { year: day.year(), q: (day.month() - 1) / 3 + 1 }
    }

    /// The quarter a UTC instant falls in, in Beijing time.
    pub fn at(utc: NaiveDateTime) -> Quarter {
        Quarter::of(shanghai_date(utc))
    }

    /// `2026Q4`, `2026q4`, `2026 Q4`, `2026年第四季度`, `2026年第4季度`; `None`
    /// for anything else.
    pub fn parse(s: &str) -> Option<Quarter> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let (y, q) = match s.split_once(['Q', 'q']) {
            Some((y, q)) => (y, q.parse().ok()?),
            None => {
                let (y, rest) = s.split_once("年第")?;
                let n = rest.strip_suffix("季度")?;
                let q = match ZH_NUMBERS.iter().position(|z| *z == n) {
                    Some(i) => i as u32 + 1,
                    None => n.parse().ok()?,
                };
                (y, q)
            }
        };
        let year = y.parse().ok()?;
        ((1..=4).contains(&q) && (2000..=2100).contains(&year)).then_some(Quarter { year, q })
    }

    /// 2026年第四季度, Q4 2026.
    pub fn label(self, lang: impl std::borrow::Borrow<Lang>) -> String {
        match lang.borrow() {
            Lang::Zh => {
                let n = (self.q as usize).checked_sub(1).and_then(|i| ZH_NUMBERS.get(i)).copied().unwrap_or("");
                format!("{}年第{n}季度", self.year)
            }
            Lang::En => format!("Q{} {}", self.q, self.year),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).unwrap_or_default()
    }

    pub fn next(self) -> Quarter {
        if self.q == 4 { Quarter { year: self.year + 1, q: 1 } } else { Quarter { year: self.year, q: self.q + 1 } }
    }

    pub fn prev(self) -> Quarter {
        if self.q == 1 { Quarter { year: self.year - 1, q: 4 } } else { Quarter { year: self.year, q: self.q - 1 } }
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day() - Duration::days(1)
    }

    /// [start, end) as UTC instants: Beijing midnight to Beijing midnight.
    pub fn bounds(self) -> (NaiveDateTime, NaiveDateTime) {
        (start_of_local_day(self.first_day()), start_of_local_day(self.next().first_day()))
    }

    pub fn contains(self, utc: NaiveDateTime) -> bool {
        let (a, b) = self.bounds();
        a <= utc && utc < b
    }
}

impl std::fmt::Display for Quarter {
    /// The code: `2026Q4`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

impl serde::Serialize for Quarter {
    /// As its code, so JSON and URLs agree.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn quarters_follow_beijing_time() {
        // 31 December 17:00 UTC is already 1 January in Beijing.
        assert_eq!(Quarter::at(t("2026-12-31 15:59")), Quarter { year: 2026, q: 4 });
        assert_eq!(Quarter::at(t("2026-12-31 16:00")), Quarter { year: 2027, q: 1 });
        let q = Quarter { year: 2026, q: 4 };
        assert_eq!(q.bounds(), (t("2026-09-30 16:00"), t("2026-12-31 16:00")));
        assert!(q.contains(t("2026-09-30 16:00")) && !q.contains(t("2026-09-30 15:59")));
        assert_eq!(q.last_day(), NaiveDate::from_ymd_opt(2026, 12, 31).expect("day"));
        assert_eq!(q.next(), Quarter { year: 2027, q: 1 });
        assert_eq!(Quarter { year: 2027, q: 1 }.prev(), q);
    }

    #[test]
    fn parses_codes_and_chinese_labels() {
        let q4 = Some(Quarter { year: 2026, q: 4 });
        for s in ["2026Q4", "2026q4", " 2026 Q4 ", "2026年第四季度", "2026年第4季度"] {
            assert_eq!(Quarter::parse(s), q4, "{s}");
        }
        for bad in ["2026Q5", "2026Q0", "Q4", "2026", "2026年第五季度", "1999Q1", "abcQ1", ""] {
            assert_eq!(Quarter::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_as_people_write_it() {
        let q = Quarter { year: 2026, q: 4 };
        assert_eq!(q.label(Lang::Zh), "2026年第四季度");
        assert_eq!(q.label(Lang::En), "Q4 2026");
        assert_eq!(Quarter { year: 2027, q: 1 }.label(Lang::Zh), "2027年第一季度");
        assert_eq!(q.to_string(), "2026Q4");
        assert_eq!(Quarter::parse(&q.label(Lang::Zh)), Some(q));
    }
}
