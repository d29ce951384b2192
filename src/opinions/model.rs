//! The opinion loop (社情民意), domain.md "The opinion loop": states, who may
//! move a case where, and the rules around ratings and reopening. No I/O.
//!
//! 收到 submitted → 受理 accepted | 不予受理 rejected
//! → 交办 assigned → 办理中 in_progress (signed for) → 待审核 answer_review
//! → 已答复 answered (the resident sees the answer) → rated → 办结 closed.
//! 不满意 reopens once; a department may return a misrouted case; staff may
//! send an answer back for re-handling; duplicates are merged into one case.

use serde::{Deserialize, Serialize};

use crate::code_enum;

use crate::kernel::auth::{Actor, Role};
use crate::kernel::ids::{DepartmentId, MemberId, OfficeId};
use crate::kernel::notify::Unit;

code_enum!(
    Status, "opinion_status" {
        /// 收到: in the box, not yet looked at.
        Submitted = "submitted",
        /// 受理: accepted, waiting to be assigned (or returned by a handler).
        Accepted = "accepted",
        /// 不予受理: refused, with a reason the resident sees. Final.
        Rejected = "rejected",
        /// 交办: assigned with a deadline, not yet signed for.
        Assigned = "assigned",
        /// 办理中: the handler signed for it and works on it.
        InProgress = "in_progress",
        /// 待审核: the handler answered; staff review before the resident sees it.
        AnswerReview = "answer_review",
        /// 已答复: the resident sees the answer and may rate it.
        Answered = "answered",
        /// 办结. Final.
        Closed = "closed",
        /// 已合并: a duplicate, followed through the case it was merged into. Final.
        Merged = "merged",
    }
);

code_enum!(
    /// Where an opinion came from.
    Source, "opinion_source" {
        /// The web/QR box.
        Web = "web",
        /// A paper slip from the physical box, entered by staff.
        Paper = "paper",
        /// Heard at a liaison activity, entered with the member who heard it.
        Activity = "activity",
    }
);

code_enum!(
    /// 满意 / 基本满意 / 不满意, or 未评价 when closed unrated.
    Rating, "rating" {
        Satisfied = "satisfied",
        Basic = "basic",
        Unsatisfied = "unsatisfied",
        Unrated = "unrated",
    }
);

code_enum!(
    /// Who handles an assigned case.
    AssigneeKind, "assignee_kind" {
        Department = "department",
        Office = "office",
        Member = "member",
    }
);

/// Who holds an assigned case: a department, an office or a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assignee {
    Department(DepartmentId),
    Office(OfficeId),
    Member(MemberId),
}

impl Assignee {
    /// From the case's two columns (kind, id).
    pub fn from_parts(kind: AssigneeKind, id: i64) -> Assignee {
        match kind {
            AssigneeKind::Department => Assignee::Department(DepartmentId(id)),
            AssigneeKind::Office => Assignee::Office(OfficeId(id)),
            AssigneeKind::Member => Assignee::Member(MemberId(id)),
        }
    }

    /// The case's two columns (kind, id).
    pub fn parts(self) -> (AssigneeKind, i64) {
        match self {
            Assignee::Department(d) => (AssigneeKind::Department, d.0),
            Assignee::Office(o) => (AssigneeKind::Office, o.0),
            Assignee::Member(m) => (AssigneeKind::Member, m.0),
        }
    }

    /// The unit its in-app messages go to.
    pub fn unit(self) -> Unit {
        match self {
            Assignee::Department(d) => Unit::Department(d),
            Assignee::Office(o) => Unit::Office(o),
            Assignee::Member(m) => Unit::Member(m),
        }
    }

    /// The handler a unit is, if it can hold cases (the district cannot).
    pub fn of_unit(u: Unit) -> Option<Assignee> {
        match u {
            Unit::Department(d) => Some(Assignee::Department(d)),
            Unit::Office(o) => Some(Assignee::Office(o)),
            Unit::Member(m) => Some(Assignee::Member(m)),
            Unit::District => None,
        }
    }
}

/// Everything that moves a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Accept,
    Reject,
    Assign,
    /// Staff move an assigned or in-progress case to another handler.
    Reassign,
    /// 签收 by the handler.
    Sign,
    /// 退回: the handler returns a misrouted case to the dispatcher.
    Return,
    /// The handler's answer, for staff review.
    Answer,
    /// Staff release the answer to the resident.
    ApproveAnswer,
    /// 发回重办.
    SendBack,
    /// The resident's (or a callback's) rating.
    Rate(Rating),
    /// No rating within 15 days.
    AutoClose,
    MergeInto,
}

/// Why a move is refused; each is a message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    WrongState,
    NotYours,
}

impl Refused {
    pub fn message_key(self) -> &'static str {
        match self {
            Refused::WrongState => "opinion.wrong_state",
            Refused::NotYours => "opinion.not_yours",
        }
    }
}

/// Who is acting on the case, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// District or office staff who dispatch and review.
    Dispatcher,
    /// The assigned handler (a department, an office, a member).
    Handler,
    /// The resident who submitted (through the tracking code).
    Resident,
    /// The background worker.
    System,
}

/// The state after `action` by `party`, or why not. `reopened` says whether
/// the case was already reopened once (不满意 reopens only once).
pub fn next(status: Status, action: Action, party: Party, reopened: bool) -> Result<Status, Refused> {
    use Action::*;
    use Party::*;
    use Status::*;
    let who_may = match action {
        Accept | Reject | Assign | Reassign | ApproveAnswer | SendBack | MergeInto => party == Dispatcher,
        Sign | Return | Answer => party == Handler,
        Rate(Rating::Unrated) => false,
        // Staff may record a phone callback (回访) in the resident's place.
        Rate(_) => matches!(party, Resident | Dispatcher),
        AutoClose => party == System,
    };
    if !who_may {
        return Err(Refused::NotYours);
    }
    let to = match (status, action) {
        (Submitted, Accept) => Accepted,
        (Submitted | Accepted, Reject) => Rejected,
        (Submitted | Accepted, Assign) => Assigned,
        (Assigned | InProgress, Reassign) => Assigned,
        (Assigned, Sign) => InProgress,
        (Assigned | InProgress, Return) => Accepted,
        (InProgress, Answer) => AnswerReview,
        (AnswerReview, ApproveAnswer) => Answered,
        (AnswerReview, SendBack) => InProgress,
        (Answered, Rate(Rating::Unsatisfied)) if !reopened => InProgress,
        (Answered, Rate(_)) => Closed,
        (Answered, AutoClose) => Closed,
        (Submitted | Accepted, MergeInto) => Merged,
        _ => return Err(Refused::WrongState),
    };
    Ok(to)
}

impl Status {
    /// Nothing more happens to the case itself.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Rejected | Status::Closed | Status::Merged)
    }

    /// A handler holds it and a deadline runs.
    pub fn deadline_runs(self) -> bool {
        matches!(self, Status::Assigned | Status::InProgress)
    }
}

/// A major class's subclasses: (code, name).
pub type Subclasses = &'static [(&'static str, &'static str)];

/// Categories pre-filled from the government hotline classification
/// (GB/T 39666-2020 style, major class → subclass): (code, name, subclasses).
pub const STANDARD_CATEGORIES: [(&str, &str, Subclasses); 10] = [
    ("01", "城乡建设", &[("0101", "住房保障"), ("0102", "物业管理"), ("0103", "市政设施"), ("0104", "道路交通")]),
    ("02", "环境保护", &[("0201", "噪声污染"), ("0202", "大气污染"), ("0203", "水污染"), ("0204", "垃圾处理")]),
    ("03", "社会保障", &[("0301", "养老服务"), ("0302", "医疗保障"), ("0303", "社会救助"), ("0304", "就业创业")]),
    ("04", "教育", &[("0401", "学前教育"), ("0402", "义务教育"), ("0403", "校园周边")]),
    ("05", "卫生健康", &[("0501", "医疗服务"), ("0502", "公共卫生"), ("0503", "食品药品安全")]),
    ("06", "农业农村", &[("0601", "农田水利"), ("0602", "村容村貌"), ("0603", "农村道路"), ("0604", "惠农政策")]),
    ("07", "公共安全", &[("0701", "治安"), ("0702", "消防"), ("0703", "交通安全")]),
    ("08", "市场监管", &[("0801", "价格"), ("0802", "消费维权")]),
    ("09", "政务服务", &[("0901", "办事效率"), ("0902", "工作作风")]),
    ("99", "其他", &[("9901", "其他")]),
];

/// Longest opinion text a resident may write.
pub const MAX_BODY_CHARS: usize = 2000;
/// Photos with one opinion.
pub const MAX_PHOTOS: usize = 6;
/// Days after the answer before an unrated case closes as 未评价.
pub const AUTO_CLOSE_DAYS: i64 = 15;
/// Working days a handler has to sign for a case.
pub const SIGN_WITHIN_WORKING_DAYS: u32 = 1;
/// Default working days to answer.
pub const DEFAULT_ANSWER_DAYS: u32 = 10;

/// Which cases a user may see in the inbox (data scope).
pub fn is_dispatcher(actor: &Actor) -> bool {
    matches!(actor.role, Role::DistrictAdmin | Role::OfficeStaff)
}

/// A tracking code (查询码): 10 characters from an alphabet without 0/O, 1/I/L,
/// drawn at random, so codes are short, unambiguous read aloud and not guessable
/// from one another (31^10 ≈ 8×10^14).
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 10;

pub fn new_tracking_code() -> String {
    use rand::Rng;
    let draw = |rng: &mut dyn rand::RngCore| -> String {
        (0..CODE_LEN).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect()
    };
    SEEDED_CODES.with_borrow_mut(|seeded| match seeded {
        Some(rng) => draw(rng),
        None => draw(&mut rand::rng()),
    })
}

thread_local! {
    static SEEDED_CODES: std::cell::RefCell<Option<rand::rngs::StdRng>> = const { std::cell::RefCell::new(None) };
}

/// While the guard lives, this thread's tracking codes come from a generator
/// seeded with `seed`: `xieshang gen` makes the same codes from the same seed.
/// Synthetic data only: a seeded code is guessable by whoever knows the seed.
pub fn seeded_codes(seed: u64) -> SeededCodes {
    use rand::SeedableRng;
    SEEDED_CODES.with_borrow_mut(|s| *s = Some(rand::rngs::StdRng::seed_from_u64(seed)));
    SeededCodes(())
}

/// Back to random codes when dropped.
pub struct SeededCodes(());

impl Drop for SeededCodes {
    fn drop(&mut self) {
        SEEDED_CODES.with_borrow_mut(|s| *s = None);
    }
}

/// A code as a resident types it: spaces and dashes dropped, lower case raised;
/// anything outside the alphabet makes it invalid.
pub fn normalize_code(input: &str) -> Option<String> {
    let code: String =
        input.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::Action::*;
    use super::Party::*;
    use super::Status::*;
    use super::*;

    fn all_actions() -> Vec<Action> {
        let mut v =
            vec![Accept, Reject, Assign, Reassign, Sign, Return, Answer, ApproveAnswer, SendBack, AutoClose, MergeInto];
        v.extend(Rating::ALL.iter().map(|r| Rate(*r)));
        v
    }

    fn party_for(a: Action) -> Party {
        match a {
            Sign | Return | Answer => Handler,
            Rate(_) => Resident,
            AutoClose => System,
            _ => Dispatcher,
        }
    }

    #[test]
    fn the_full_loop() {
        let mut s = Submitted;
        for (a, p) in [
            (Accept, Dispatcher),
            (Assign, Dispatcher),
            (Sign, Handler),
            (Answer, Handler),
            (ApproveAnswer, Dispatcher),
            (Rate(Rating::Satisfied), Resident),
        ] {
            s = next(s, a, p, false).unwrap_or_else(|e| panic!("{a:?} from {s:?}: {e:?}"));
        }
        assert_eq!(s, Closed);
    }

    /// Every (state, action) pair: exactly these are allowed, with these results.
    #[test]
    fn every_transition() {
        let allowed: &[(Status, Action, Status)] = &[
            (Submitted, Accept, Accepted),
            (Submitted, Reject, Rejected),
            (Accepted, Reject, Rejected),
            (Submitted, Assign, Assigned),
            (Accepted, Assign, Assigned),
            (Assigned, Reassign, Assigned),
            (InProgress, Reassign, Assigned),
            (Assigned, Sign, InProgress),
            (Assigned, Return, Accepted),
            (InProgress, Return, Accepted),
            (InProgress, Answer, AnswerReview),
            (AnswerReview, ApproveAnswer, Answered),
            (AnswerReview, SendBack, InProgress),
            (Answered, Rate(Rating::Satisfied), Closed),
            (Answered, Rate(Rating::Basic), Closed),
            (Answered, Rate(Rating::Unsatisfied), InProgress),
            (Answered, AutoClose, Closed),
            (Submitted, MergeInto, Merged),
            (Accepted, MergeInto, Merged),
        ];
        for s in Status::ALL {
            for a in all_actions() {
                let got = next(*s, a, party_for(a), false);
                match allowed.iter().find(|(from, act, _)| from == s && *act == a) {
                    Some((_, _, to)) => assert_eq!(got, Ok(*to), "{s:?} --{a:?}"),
                    None => assert!(got.is_err(), "{s:?} --{a:?} should be refused, got {got:?}"),
                }
            }
        }
    }

    #[test]
    fn unsatisfied_reopens_only_once() {
        assert_eq!(next(Answered, Rate(Rating::Unsatisfied), Resident, false), Ok(InProgress));
        assert_eq!(next(Answered, Rate(Rating::Unsatisfied), Resident, true), Ok(Closed));
    }

    #[test]
    fn only_the_right_party_moves_a_case() {
        assert_eq!(next(Submitted, Accept, Handler, false), Err(Refused::NotYours));
        assert_eq!(next(Submitted, Accept, Resident, false), Err(Refused::NotYours));
        assert_eq!(next(Assigned, Sign, Dispatcher, false), Err(Refused::NotYours));
        assert_eq!(next(InProgress, Answer, Dispatcher, false), Err(Refused::NotYours));
        assert_eq!(next(AnswerReview, ApproveAnswer, Handler, false), Err(Refused::NotYours));
        assert_eq!(next(Answered, AutoClose, Dispatcher, false), Err(Refused::NotYours));
        assert_eq!(next(Answered, Rate(Rating::Unrated), Resident, false), Err(Refused::NotYours));
        // A callback (回访) by staff records the rating.
        assert_eq!(next(Answered, Rate(Rating::Basic), Dispatcher, false), Ok(Closed));
        assert_eq!(next(Answered, Rate(Rating::Basic), Handler, false), Err(Refused::NotYours));
    }

    #[test]
    fn final_states_stay_final() {
        for s in [Rejected, Closed, Merged] {
            assert!(s.is_final());
            for a in all_actions() {
                assert!(next(s, a, party_for(a), false).is_err(), "{s:?} --{a:?}");
            }
        }
    }

    #[test]
    fn tracking_codes() {
        let a = new_tracking_code();
        assert_eq!(a.len(), CODE_LEN);
        assert!(a.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert!(!a.contains(['0', 'O', '1', 'I', 'L']));
        let codes: std::collections::HashSet<String> = (0..2000).map(|_| new_tracking_code()).collect();
        assert_eq!(codes.len(), 2000);
        assert_eq!(normalize_code(" abcd-efgh 23 "), Some("ABCDEFGH23".into()));
        assert_eq!(normalize_code("ABCDEFGH2O"), None, "O is not in the alphabet");
        assert_eq!(normalize_code("ABC"), None);
    }

    #[test]
    fn seeded_codes_repeat_and_end_with_the_guard() {
        let first: Vec<String> = {
            let _g = seeded_codes(7);
            (0..5).map(|_| new_tracking_code()).collect()
        };
        let again: Vec<String> = {
            let _g = seeded_codes(7);
            (0..5).map(|_| new_tracking_code()).collect()
        };
        assert_eq!(first, again);
        let random: Vec<String> = (0..5).map(|_| new_tracking_code()).collect();
        assert_ne!(first, random, "random again after the guard");
    }
}
