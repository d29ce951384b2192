//! The rules of activities, with no I/O: kinds and states, quarters in Beijing
//! time, and the coverage of liaison points. (When a member may sign in is a
//! meeting's rule: `crate::meetings::model`.)

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::code_enum;
pub use crate::kernel::calendar::Quarter;
use crate::kernel::ids::{LocalityId, MemberId};

code_enum!(
    /// What an activity is.
    Kind, "activity_kind" {
        /// 听民声、察民情、知民意、解民忧: the quarterly visit to a liaison point.
        Liaison = "liaison",
        Study = "study",
        Training = "training",
        Consultation = "consultation",
        /// 调研, with a topic and findings.
        Research = "research",
        Other = "other",
    }
);

code_enum!(
    Status, "activity_status" {
        Planned = "planned",
        Held = "held",
        Cancelled = "cancelled",
    }
);

/// Longest texts: minutes and findings are long, names and venues short.
pub const MAX_TITLE: usize = 100;
pub const MAX_TEXT: usize = 10_000;

/// One liaison visit as coverage counts it.
#[derive(Debug, Clone)]
pub struct Visit {
    pub locality: LocalityId,
    pub status: Status,
    /// Held: when; planned: the planned time.
    pub at: NaiveDateTime,
    /// Members present (held visits).
    pub present: Vec<MemberId>,
}

/// Where a point stands in a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Held,
    Planned,
    Missing,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Held => "held",
            Mark::Planned => "planned",
            Mark::Missing => "missing",
        }
    }

    /// As the coverage board's address names it.
    pub fn parse(s: &str) -> Option<Mark> {
        [Mark::Held, Mark::Planned, Mark::Missing].into_iter().find(|m| m.as_str() == s)
    }
}

/// The quarter's coverage: each point (a locality with linked members) held,
/// planned or missing, and the linked members present at no held visit.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub points: BTreeMap<LocalityId, Mark>,
    pub members_without: BTreeSet<MemberId>,
}

impl Coverage {
    pub fn count(&self, mark: Mark) -> usize {
        self.points.values().filter(|m| **m == mark).count()
    }
}

/// `links`: each point and the members linked to it during the quarter;
/// `visits`: liaison activities (held or planned; cancelled ones left out by
/// the caller or ignored here) at those points.
pub fn coverage(quarter: Quarter, links: &BTreeMap<LocalityId, Vec<MemberId>>, visits: &[Visit]) -> Coverage {
    let mut c = Coverage::default();
    let mut present: BTreeSet<MemberId> = BTreeSet::new();
    for (loc, _) in links.iter().filter(|(_, m)| !m.is_empty()) {
        let here = visits.iter().filter(|v| v.locality == *loc && quarter.contains(v.at));
        let mut mark = Mark::Missing;
        for v in here {
            match v.status {
                Status::Held => {
                    mark = Mark::Held;
                    present.extend(v.present.iter().copied());
                }
                Status::Planned if mark == Mark::Missing => mark = Mark::Planned,
                _ => {}
            }
        }
        c.points.insert(*loc, mark);
    }
    c.members_without =
        links.values().flatten().copied().filter(|m| !present.contains(m)).collect::<BTreeSet<MemberId>>();
    c
}

/// The day reminders start for points with nothing planned: 30 days before the
/// quarter ends.
pub fn reminder_from(quarter: Quarter) -> NaiveDate {
    quarter.last_day() - Duration::days(30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planned_is_the_code_meetings_look_for() {
        assert_eq!(Status::Planned.as_str(), crate::meetings::store::attendees::PLANNED);
    }

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn marks_read_back_from_the_address() {
        for m in [Mark::Held, Mark::Planned, Mark::Missing] {
            assert_eq!(Mark::parse(m.as_str()), Some(m));
        }
        assert_eq!(Mark::parse("gap"), None);
    }

    #[test]
    fn reminders_start_30_days_before_the_quarter_ends() {
        let q = Quarter { year: 2026, q: 4 };
        assert_eq!(reminder_from(q), NaiveDate::from_ymd_opt(2026, 12, 1).expect("day"));
    }

    #[test]
    fn coverage_marks_points_and_members() {
        let (a, b, c) = (LocalityId(1), LocalityId(2), LocalityId(3));
        let (m1, m2, m3, m4) = (MemberId(1), MemberId(2), MemberId(3), MemberId(4));
        let links = BTreeMap::from([(a, vec![m1, m2]), (b, vec![m3]), (c, vec![m4]), (LocalityId(9), vec![])]);
        let q = Quarter { year: 2026, q: 4 };
        let visits = vec![
            Visit { locality: a, status: Status::Held, at: t("2026-10-10 02:00"), present: vec![m1] },
            Visit { locality: a, status: Status::Planned, at: t("2026-12-10 02:00"), present: vec![] },
            Visit { locality: b, status: Status::Planned, at: t("2026-12-10 02:00"), present: vec![] },
            // Held, but in the last quarter (Beijing time): does not count.
            Visit { locality: c, status: Status::Held, at: t("2026-09-30 15:00"), present: vec![m4] },
            Visit { locality: c, status: Status::Cancelled, at: t("2026-11-10 02:00"), present: vec![] },
        ];
        let cov = coverage(q, &links, &visits);
        assert_eq!(cov.points.get(&a), Some(&Mark::Held));
        assert_eq!(cov.points.get(&b), Some(&Mark::Planned));
        assert_eq!(cov.points.get(&c), Some(&Mark::Missing));
        assert!(!cov.points.contains_key(&LocalityId(9)), "a place with nobody linked is not a point");
        assert_eq!((cov.count(Mark::Held), cov.count(Mark::Planned), cov.count(Mark::Missing)), (1, 1, 1));
        assert_eq!(cov.members_without, BTreeSet::from([m2, m3, m4]), "m1 was present");
    }
}
