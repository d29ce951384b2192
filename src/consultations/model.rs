//! The rules of consultations, with no I/O: the topic's states and the
//! actions between them, the session's formats, and the agreed items'
//! deadlines, reminders, overdue marks and 有实效.

use chrono::{Duration, NaiveDate};

use crate::code_enum;

code_enum!(
    /// Where a consultation stands.
    Status, "consultation_status" {
        /// 议题已提出, awaiting approval.
        Proposed = "proposed",
        Approved = "approved",
        Rejected = "rejected",
        /// Format, time, place and invitees set.
        Planned = "planned",
        /// The session took place and its record is written.
        Held = "held",
        /// Results published.
        Closed = "closed",
    }
);

code_enum!(
    /// What moves a consultation on.
    Action, "consultation_action" {
        Approve = "approve",
        Reject = "reject",
        Plan = "plan",
        Hold = "hold",
        Close = "close",
    }
);

code_enum!(
    /// 形式: the session's format.
    Format, "consultation_format" {
        /// 委员之家
        Home = "home",
        /// 开放空间
        OpenSpace = "open_space",
        /// 现场
        OnSite = "on_site",
    }
);

/// The session's format once it is planned; none before (stored as "").
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct Planned(pub Option<Format>);

impl Planned {
    pub fn as_str(self) -> &'static str {
        self.0.map_or("", Format::as_str)
    }
    pub fn parse(s: &str) -> Option<Planned> {
        if s.is_empty() { Some(Planned(None)) } else { Format::parse(s).map(|f| Planned(Some(f))) }
    }
    pub fn is(self, f: &Format) -> bool {
        self.0 == Some(*f)
    }
}
crate::text_sql!(Planned);

code_enum!(
    /// Who proposed the topic.
    Proposer, "consultation_proposer" {
        Office = "office",
        Member = "member",
        District = "district",
    }
);

code_enum!(
    /// An agreed item's follow-up.
    ItemStatus, "consultation_item_status" {
        Open = "open",
        Done = "done",
        /// 说明: closed with an explanation why it cannot be done (as agreed).
        Explained = "explained",
    }
);

pub const MAX_TITLE: usize = 100;
pub const MAX_TEXT: usize = 10_000;
/// Owners are reminded this many days before an item's deadline.
pub const REMIND_DAYS: i64 = 3;

/// The state machine: where `action` leads from `from`, or `None` when it
/// is not allowed. A planned consultation may be planned again (a new time,
/// more invitees); a held one may have its record corrected (held again).
pub fn next(from: Status, action: Action) -> Option<Status> {
    use Action as A;
    use Status as S;
    match (from, action) {
        (S::Proposed, A::Approve) => Some(S::Approved),
        (S::Proposed, A::Reject) => Some(S::Rejected),
        (S::Approved | S::Planned, A::Plan) => Some(S::Planned),
        (S::Planned | S::Held, A::Hold) => Some(S::Held),
        (S::Held, A::Close) => Some(S::Closed),
        _ => None,
    }
}

/// The stage a consultation's session is at, for the meetings module:
/// (invitees may answer, the session may be signed into and kept).
pub fn meeting_stage(s: Status) -> (bool, bool) {
    (s == Status::Planned, matches!(s, Status::Planned | Status::Held))
}

/// An open item is overdue from the day after its deadline (Beijing dates).
pub fn overdue(status: ItemStatus, deadline: NaiveDate, today: NaiveDate) -> bool {
    status == ItemStatus::Open && today > deadline
}

/// An open item's owner is reminded from `REMIND_DAYS` before its deadline
/// until the deadline itself.
pub fn reminder_due(status: ItemStatus, deadline: NaiveDate, today: NaiveDate) -> bool {
    status == ItemStatus::Open && today <= deadline && today >= deadline - Duration::days(REMIND_DAYS)
}

/// A deadline must be today or later, and within two years.
pub fn deadline_ok(deadline: NaiveDate, today: NaiveDate) -> bool {
    deadline >= today && deadline <= today + Duration::days(731)
}

/// Counts of a consultation's items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub open: usize,
    pub overdue: usize,
    pub done: usize,
    pub explained: usize,
}

impl Tally {
    pub fn of(items: &[(ItemStatus, NaiveDate)], today: NaiveDate) -> Tally {
        let mut t = Tally::default();
        for (s, d) in items {
            match s {
                ItemStatus::Open => {
                    t.open += 1;
                    if overdue(*s, *d, today) {
                        t.overdue += 1;
                    }
                }
                ItemStatus::Done => t.done += 1,
                ItemStatus::Explained => t.explained += 1,
            }
        }
        t
    }

    pub fn total(&self) -> usize {
        self.open + self.done + self.explained
    }

    /// 有实效: there are agreed items and every one is done. An explained item
    /// is closed, but not done.
    pub fn effective(&self) -> bool {
        self.total() > 0 && self.done == self.total()
    }

    /// Every item is done or explained.
    pub fn all_closed(&self) -> bool {
        self.total() > 0 && self.open == 0
    }
}

/// Tracking codes typed by staff: split on spaces, commas and 、, upper-cased,
/// without the spaces residents see them grouped by.
pub fn parse_codes(s: &str) -> Vec<String> {
    let mut out: Vec<String> = s
        .split([',', '，', '、', ';', '\n', '；'])
        .map(|c| c.chars().filter(|ch| !ch.is_whitespace() && *ch != '-').collect::<String>().to_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planned_session_takes_replies_and_sign_in() {
        assert_eq!(meeting_stage(Status::Planned), (true, true));
        assert_eq!(meeting_stage(Status::Held), (false, true));
        for s in [Status::Proposed, Status::Approved, Status::Rejected, Status::Closed] {
            assert_eq!(meeting_stage(s), (false, false), "{s}");
        }
        // The meetings module finds members' planned invitations by this code.
        assert_eq!(Status::Planned.as_str(), crate::meetings::store::attendees::PLANNED);
    }

    #[test]
    fn a_format_is_set_when_planned() {
        assert_eq!(Planned::parse(""), Some(Planned(None)));
        assert_eq!(Planned::parse("home"), Some(Planned(Some(Format::Home))));
        assert_eq!(Planned::parse("zoom"), None);
        assert_eq!(Planned(Some(Format::OnSite)).as_str(), "on_site");
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn every_state_and_action() {
        use Action as A;
        use Status as S;
        let allowed = [
            (S::Proposed, A::Approve, S::Approved),
            (S::Proposed, A::Reject, S::Rejected),
            (S::Approved, A::Plan, S::Planned),
            (S::Planned, A::Plan, S::Planned),
            (S::Planned, A::Hold, S::Held),
            (S::Held, A::Hold, S::Held),
            (S::Held, A::Close, S::Closed),
        ];
        for from in Status::ALL {
            for action in Action::ALL {
                let want = allowed.iter().find(|(f, a, _)| f == from && a == action).map(|(_, _, to)| *to);
                assert_eq!(next(*from, *action), want, "{from:?} {action:?}");
            }
        }
        // Rejected and closed are final.
        assert!(Action::ALL.iter().all(|a| next(S::Rejected, *a).is_none() && next(S::Closed, *a).is_none()));
    }

    #[test]
    fn deadlines_reminders_and_overdue() {
        let deadline = d("2026-12-10");
        assert!(!reminder_due(ItemStatus::Open, deadline, d("2026-12-06")));
        assert!(reminder_due(ItemStatus::Open, deadline, d("2026-12-07")));
        assert!(reminder_due(ItemStatus::Open, deadline, d("2026-12-10")));
        assert!(!reminder_due(ItemStatus::Open, deadline, d("2026-12-11")));
        assert!(!reminder_due(ItemStatus::Done, deadline, d("2026-12-08")));
        assert!(!overdue(ItemStatus::Open, deadline, d("2026-12-10")), "due on the day, not late");
        assert!(overdue(ItemStatus::Open, deadline, d("2026-12-11")));
        assert!(!overdue(ItemStatus::Done, deadline, d("2027-01-11")));
        assert!(!overdue(ItemStatus::Explained, deadline, d("2027-01-11")));
        assert!(deadline_ok(d("2026-12-10"), d("2026-12-10")));
        assert!(!deadline_ok(d("2026-12-09"), d("2026-12-10")), "not in the past");
        assert!(!deadline_ok(d("2029-12-10"), d("2026-12-10")), "not years away");
    }

    #[test]
    fn effective_only_when_every_item_is_done() {
        let today = d("2026-12-20");
        let t = Tally::of(&[], today);
        assert!(!t.effective() && !t.all_closed(), "nothing agreed is nothing achieved");
        let t = Tally::of(&[(ItemStatus::Done, d("2026-12-01")), (ItemStatus::Done, d("2026-12-30"))], today);
        assert!(t.effective() && t.all_closed());
        let t = Tally::of(&[(ItemStatus::Done, d("2026-12-01")), (ItemStatus::Explained, d("2026-12-30"))], today);
        assert!(!t.effective() && t.all_closed(), "explained closes but is not done");
        let t = Tally::of(
            &[
                (ItemStatus::Open, d("2026-12-01")),
                (ItemStatus::Open, d("2026-12-30")),
                (ItemStatus::Done, d("2026-12-01")),
            ],
            today,
        );
        assert_eq!(t, Tally { open: 2, overdue: 1, done: 1, explained: 0 });
        assert!(!t.effective() && !t.all_closed());
    }

    #[test]
    fn tracking_codes_are_split_and_normalised() {
        assert_eq!(parse_codes(" abcd efgh , XY12、xy12\nq-r "), vec!["ABCDEFGH", "QR", "XY12"]);
        assert!(parse_codes(" ,， ").is_empty());
    }
}
