//! 检查: the district's inspection of an office's work — planned, then
//! recorded with a finding per checklist item and a score — and the
//! rectification items (整改) it leaves, which the office follows up until
//! done. Rules only; no I/O.

use chrono::{Duration, NaiveDate};

use crate::code_enum;
use crate::kernel::auth::{Actor, Role};
use crate::kernel::ids::OfficeId;

/// The checklist a committee starts with: the 六个有 offices are judged by.
pub const DEFAULT_CHECKLIST: [&str; 6] = ["有阵地", "有标识", "有制度", "有流程", "有活动", "有实效"];
/// The highest score an inspection gives.
pub const MAX_SCORE: i32 = 100;
/// An open rectification reminds its office from this many days before its deadline.
pub const REMIND_DAYS: i64 = 3;
pub const MAX_TEXT: usize = 2000;
pub const MAX_LABEL: usize = 40;

code_enum!(
    InspectionStatus, "inspection_status" {
        Planned = "planned",
        /// Findings, score and summary are recorded.
        Recorded = "recorded",
    }
);

code_enum!(
    /// How an office stands on one checklist item.
    Finding, "inspection_finding" {
        Met = "met",
        Partly = "partly",
        Unmet = "unmet",
    }
);

code_enum!(
    RectStatus, "rect_status" {
        Open = "open",
        Done = "done",
    }
);

/// Who does what: the district plans, records and sets rectifications;
/// the inspected office reads its inspections, answers them and follows up
/// its items; leaders read every inspection.
pub fn may_manage(actor: &Actor) -> bool {
    actor.role == Role::DistrictAdmin
}

pub fn may_read(actor: &Actor, office: OfficeId) -> bool {
    match actor.role {
        Role::DistrictAdmin | Role::Leader => true,
        Role::OfficeStaff => actor.office_id == Some(office),
        _ => false,
    }
}

/// The inspected office's own staff answer and follow up.
pub fn is_inspected_office(actor: &Actor, office: OfficeId) -> bool {
    actor.role == Role::OfficeStaff && actor.office_id == Some(office)
}

/// A score as typed: a whole number from 0 to `MAX_SCORE`.
pub fn parse_score(s: &str) -> Result<i32, &'static str> {
    let s = crate::kernel::web::form::halfwidth(s.trim());
    match s.parse::<i32>() {
        Ok(n) if (0..=MAX_SCORE).contains(&n) => Ok(n),
        _ => Err("inspection.bad_score"),
    }
}

/// A rectification's deadline is today or later, within a year.
pub fn deadline_ok(deadline: NaiveDate, today: NaiveDate) -> bool {
    deadline >= today && deadline <= today + Duration::days(366)
}

/// An open item is overdue from the day after its deadline.
pub fn overdue(status: RectStatus, deadline: NaiveDate, today: NaiveDate) -> bool {
    status == RectStatus::Open && today > deadline
}

/// An open item reminds its office from `REMIND_DAYS` before its deadline
/// until the deadline itself.
pub fn reminder_due(status: RectStatus, deadline: NaiveDate, today: NaiveDate) -> bool {
    status == RectStatus::Open && today <= deadline && today >= deadline - Duration::days(REMIND_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    #[test]
    fn who_does_what() {
        let district = Actor::sample(Role::DistrictAdmin, None);
        let office = Actor::sample(Role::OfficeStaff, Some(3));
        let leader = Actor::sample(Role::Leader, None);
        let member = Actor::sample(Role::Member, Some(3));
        assert!(may_manage(&district) && !may_manage(&office) && !may_manage(&leader));
        assert!(may_read(&district, OfficeId(3)) && may_read(&leader, OfficeId(3)));
        assert!(may_read(&office, OfficeId(3)) && !may_read(&office, OfficeId(4)));
        assert!(!may_read(&member, OfficeId(3)));
        assert!(is_inspected_office(&office, OfficeId(3)) && !is_inspected_office(&district, OfficeId(3)));
    }

    #[test]
    fn scores() {
        assert_eq!(parse_score("86"), Ok(86));
        assert_eq!(parse_score(" ９０ "), Ok(90), "full-width digits");
        assert_eq!(parse_score("100"), Ok(100));
        for bad in ["101", "-1", "八十", "", "85.5"] {
            assert_eq!(parse_score(bad), Err("inspection.bad_score"), "{bad}");
        }
    }

    #[test]
    fn deadlines_reminders_and_overdue() {
        let today = day(12, 4);
        assert!(deadline_ok(today, today) && !deadline_ok(day(12, 3), today));
        assert!(!deadline_ok(today + Duration::days(400), today));
        let due = day(12, 10);
        assert!(!reminder_due(RectStatus::Open, due, day(12, 6)));
        assert!(reminder_due(RectStatus::Open, due, day(12, 7)));
        assert!(reminder_due(RectStatus::Open, due, due));
        assert!(!reminder_due(RectStatus::Open, due, day(12, 11)));
        assert!(!overdue(RectStatus::Open, due, due) && overdue(RectStatus::Open, due, day(12, 11)));
        assert!(!overdue(RectStatus::Done, due, day(12, 11)) && !reminder_due(RectStatus::Done, due, due));
    }
}
