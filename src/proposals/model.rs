//! 提案: a member's, a group of members' (联名) or a sector's proposal, from
//! draft to a rated answer, as domain.md's opinion loop runs a case. Rules
//! only; no I/O.
//!
//! 草稿 draft → 已提交 submitted → 立案 accepted (numbered 第N号 in its
//! session) | 不立案 declined | 转社情民意 to_opinion | 并案 merged
//! → 交办 assigned (one lead unit, co-units, a deadline) → 办理中 in_progress
//! (the lead unit signed) → 已答复 answered → 已评价 rated → 办结 closed.
//! The lead unit may return a proposal once; 不满意 sends it back once.

use chrono::NaiveDate;

use crate::code_enum;
use crate::kernel::auth::{Actor, Role};
use crate::opinions::model::Rating;

code_enum!(
    Status, "proposal_status" {
        Draft = "draft",
        Submitted = "submitted",
        /// 立案: numbered, waiting for its units.
        Accepted = "accepted",
        /// 不立案, with the reason the proposers read. Final.
        Declined = "declined",
        /// 转为社情民意: filed as an opinion case instead. Final.
        ToOpinion = "to_opinion",
        /// 并案: followed through the proposal it was merged into. Final.
        Merged = "merged",
        Assigned = "assigned",
        InProgress = "in_progress",
        Answered = "answered",
        Rated = "rated",
        Closed = "closed",
    }
);

code_enum!(
    /// Who puts a proposal forward.
    Kind, "proposal_kind" {
        /// 委员个人提案.
        Member = "member",
        /// 委员联名提案.
        Joint = "joint",
        /// 界别提案: in a sector's name, by one of its members.
        Sector = "sector",
    }
);

code_enum!(
    /// Where the proposal's matter came from.
    SourceKind, "proposal_source" {
        /// An opinion-box case (its tracking code).
        Case = "case",
        /// A consultation (its number).
        Consultation = "consultation",
        /// 调研成果: a research finding, named in words.
        Research = "research",
    }
);

code_enum!(
    EventKind, "proposal_event" {
        Created = "created",
        Submitted = "submitted",
        Withdrawn = "withdrawn",
        Accepted = "accepted",
        Declined = "declined",
        ToOpinion = "to_opinion",
        Merged = "merged",
        MergedIn = "merged_in",
        Assigned = "assigned",
        Signed = "signed",
        CoSigned = "co_signed",
        /// A named co-signer agreed to the draft (附议).
        SignerAgreed = "signer_agreed",
        SignerDeclined = "signer_declined",
        CoOpinion = "co_opinion",
        Returned = "returned",
        Answered = "answered",
        Rated = "rated",
        Reopened = "reopened",
        Closed = "closed",
        MarkedKey = "marked_key",
        MadePublic = "made_public",
    }
);

/// Everything that moves a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    /// The proposer takes a submitted proposal back to edit it.
    Withdraw,
    Accept,
    Decline,
    ToOpinion,
    MergeInto,
    Assign,
    /// 签收 by the lead unit.
    Sign,
    /// 退回: the lead unit returns a misrouted proposal, once.
    Return,
    Answer,
    Rate(Rating),
    Close,
}

/// Who acts, as the rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The lead proposer (a co-signer reads and is told, but does not move it).
    Proposer,
    /// The committee's proposal staff.
    Staff,
    /// The lead unit (主办).
    LeadUnit,
}

/// Why a move is refused: a message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    WrongState,
    NotYours,
    ReturnedOnce,
}

impl Refused {
    pub fn message_key(self) -> &'static str {
        match self {
            Refused::WrongState => "proposal.wrong_state",
            Refused::NotYours => "proposal.not_yours",
            Refused::ReturnedOnce => "proposal.return_once",
        }
    }
}

/// What the proposal has used up: its one return and its one reopening.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Used {
    pub returned: bool,
    pub reopened: bool,
}

/// The state after `action` by `party`, or why not.
pub fn next(status: Status, action: Action, party: Party, used: Used) -> Result<Status, Refused> {
    use Action::*;
    use Status::*;
    let who_may = match action {
        Submit | Withdraw | Rate(_) => party == Party::Proposer,
        Accept | Decline | Action::ToOpinion | MergeInto | Assign | Close => party == Party::Staff,
        Sign | Return | Answer => party == Party::LeadUnit,
    };
    if !who_may || action == Rate(Rating::Unrated) {
        return Err(Refused::NotYours);
    }
    let to = match (status, action) {
        (Draft, Submit) => Submitted,
        (Submitted, Withdraw) => Draft,
        (Submitted, Accept) => Accepted,
        (Submitted, Decline) => Declined,
        (Submitted, Action::ToOpinion) => Status::ToOpinion,
        (Submitted | Accepted, MergeInto) => Merged,
        (Accepted, Assign) => Assigned,
        (Assigned, Sign) => InProgress,
        (Assigned | InProgress, Return) if used.returned => return Err(Refused::ReturnedOnce),
        (Assigned | InProgress, Return) => Accepted,
        (InProgress, Answer) => Answered,
        (Answered, Rate(Rating::Unsatisfied)) if !used.reopened => InProgress,
        (Answered, Rate(_)) => Rated,
        (Answered | Rated, Close) => Closed,
        _ => return Err(Refused::WrongState),
    };
    Ok(to)
}

impl Status {
    pub fn is_final(self) -> bool {
        matches!(self, Status::Declined | Status::ToOpinion | Status::Merged | Status::Closed)
    }

    /// The proposers may still change the text.
    pub fn editable(self) -> bool {
        self == Status::Draft
    }

    /// A unit holds it and its deadline runs.
    pub fn deadline_runs(self) -> bool {
        matches!(self, Status::Assigned | Status::InProgress)
    }

    /// Accepted and numbered: in the catalogue and the figures.
    pub fn is_filed(self) -> bool {
        matches!(
            self,
            Status::Accepted
                | Status::Assigned
                | Status::InProgress
                | Status::Answered
                | Status::Rated
                | Status::Closed
        )
    }

    pub fn shows_answer(self) -> bool {
        matches!(self, Status::Answered | Status::Rated | Status::Closed)
    }
}

/// Who sees which proposals: the proposal staff and leaders all of the
/// committee's; a department those it leads or co-handles; a member those
/// they proposed or co-signed. Office staff and the rest: none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    All,
    Units,
    Proposers,
    None,
}

pub fn sight(actor: &Actor) -> Sight {
    match actor.role {
        Role::DistrictAdmin | Role::Leader => Sight::All,
        Role::Department => Sight::Units,
        Role::Member => Sight::Proposers,
        _ => Sight::None,
    }
}

/// The committee's proposal staff: the district's staff.
pub fn is_staff(actor: &Actor) -> bool {
    actor.role == Role::DistrictAdmin
}

/// Submitted within the session's days: a session proposal (大会提案);
/// otherwise one of the year (平时提案), numbered in the same series.
pub fn in_session(opens_on: NaiveDate, closes_on: NaiveDate, on: NaiveDate) -> bool {
    (opens_on..=closes_on).contains(&on)
}

/// The session a submission of `on` files under: the one whose days hold
/// it, else the latest of its year that opened before it, else the year's
/// first. `sessions`: (id, year, opens_on, closes_on).
pub fn session_for(sessions: &[(i64, i32, NaiveDate, NaiveDate)], on: NaiveDate) -> Option<i64> {
    use chrono::Datelike;
    if let Some(s) = sessions.iter().find(|s| in_session(s.2, s.3, on)) {
        return Some(s.0);
    }
    let year: Vec<_> = sessions.iter().filter(|s| s.1 == on.year()).collect();
    year.iter().filter(|s| s.2 <= on).max_by_key(|s| s.2).or_else(|| year.iter().min_by_key(|s| s.2)).map(|s| s.0)
}

/// The number an accepted proposal takes: one after the session's highest.
pub fn next_number(highest: Option<i32>) -> i32 {
    highest.unwrap_or(0) + 1
}

/// 第N号, as the catalogue and the pages print it.
pub fn number_label(n: Option<i32>) -> String {
    n.map(|n| format!("第{n}号")).unwrap_or_default()
}

/// Answered by the deadline (按时办复), or not: the day of the answer
/// counts; an answer still missing after its deadline is late.
pub fn on_time(deadline: Option<NaiveDate>, answered_on: Option<NaiveDate>, today: NaiveDate) -> Option<bool> {
    let d = deadline?;
    match answered_on {
        Some(a) => Some(a <= d),
        None if today > d => Some(false),
        None => None,
    }
}

/// A proposal's deadline: from tomorrow to a year ahead.
pub fn deadline_ok(deadline: NaiveDate, today: NaiveDate) -> bool {
    deadline > today && deadline <= today + chrono::Duration::days(366)
}

/// Days units have by default (three months, as most committees' rules say).
pub const DEFAULT_DAYS: i64 = 90;
pub const MAX_TITLE: usize = 100;
pub const MAX_TEXT: usize = 5000;
/// Co-signers of one joint proposal.
pub const MAX_SIGNERS: usize = 30;
/// Co-units of one proposal.
pub const MAX_CO_UNITS: usize = 5;
/// Files with one answer (the letter and its appendices).
pub const MAX_ANSWER_FILES: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    const ACTIONS: [Action; 15] = [
        Action::Submit,
        Action::Withdraw,
        Action::Accept,
        Action::Decline,
        Action::ToOpinion,
        Action::MergeInto,
        Action::Assign,
        Action::Sign,
        Action::Return,
        Action::Answer,
        Action::Rate(Rating::Satisfied),
        Action::Rate(Rating::Basic),
        Action::Rate(Rating::Unsatisfied),
        Action::Rate(Rating::Unrated),
        Action::Close,
    ];

    /// The one party who may take each action.
    fn party(a: Action) -> Party {
        match a {
            Action::Submit | Action::Withdraw | Action::Rate(_) => Party::Proposer,
            Action::Sign | Action::Return | Action::Answer => Party::LeadUnit,
            _ => Party::Staff,
        }
    }

    /// Every (state, action) pair, by its party, fresh: the allowed moves
    /// are exactly these, and every other pair is a wrong state.
    #[test]
    fn every_state_and_action() {
        use Action::*;
        use Status::*;
        let allowed = [
            (Draft, Submit, Submitted),
            (Submitted, Withdraw, Draft),
            (Submitted, Accept, Accepted),
            (Submitted, Decline, Declined),
            (Submitted, Action::ToOpinion, Status::ToOpinion),
            (Submitted, MergeInto, Merged),
            (Accepted, MergeInto, Merged),
            (Accepted, Assign, Assigned),
            (Assigned, Sign, InProgress),
            (Assigned, Return, Accepted),
            (InProgress, Return, Accepted),
            (InProgress, Answer, Answered),
            (Answered, Rate(Rating::Satisfied), Rated),
            (Answered, Rate(Rating::Basic), Rated),
            (Answered, Rate(Rating::Unsatisfied), InProgress),
            (Answered, Close, Closed),
            (Rated, Close, Closed),
        ];
        for s in Status::ALL {
            for a in ACTIONS {
                let got = next(*s, a, party(a), Used::default());
                let want = allowed.iter().find(|(f, x, _)| f == s && *x == a).map(|(_, _, t)| *t);
                match want {
                    Some(t) => assert_eq!(got, Ok(t), "{s:?} {a:?}"),
                    None if a == Rate(Rating::Unrated) => assert_eq!(got, Err(Refused::NotYours), "{s:?}"),
                    None => assert_eq!(got, Err(Refused::WrongState), "{s:?} {a:?}"),
                }
            }
        }
    }

    #[test]
    fn only_the_right_party_moves_it() {
        for a in ACTIONS {
            for p in [Party::Proposer, Party::Staff, Party::LeadUnit] {
                if p != party(a) {
                    for s in Status::ALL {
                        assert_eq!(next(*s, a, p, Used::default()), Err(Refused::NotYours), "{s:?} {a:?} {p:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_unit_returns_once_and_unsatisfied_reopens_once() {
        let used = Used { returned: true, reopened: true };
        assert_eq!(next(Status::Assigned, Action::Return, Party::LeadUnit, used), Err(Refused::ReturnedOnce));
        assert_eq!(next(Status::InProgress, Action::Return, Party::LeadUnit, used), Err(Refused::ReturnedOnce));
        let unsatisfied = Action::Rate(Rating::Unsatisfied);
        assert_eq!(next(Status::Answered, unsatisfied, Party::Proposer, used), Ok(Status::Rated));
        assert_eq!(next(Status::Answered, unsatisfied, Party::Proposer, Used::default()), Ok(Status::InProgress));
    }

    #[test]
    fn sessions_and_numbers() {
        let sessions = [(1, 2026, day(1, 10), day(1, 13)), (2, 2027, day(1, 9), day(1, 12))];
        assert_eq!(session_for(&sessions, day(1, 11)), Some(1), "during the session");
        assert_eq!(session_for(&sessions, day(6, 1)), Some(1), "平时提案 of the year");
        assert_eq!(session_for(&sessions, day(1, 2)), Some(1), "before the session: the year's");
        assert_eq!(session_for(&sessions, NaiveDate::from_ymd_opt(2028, 3, 1).expect("d")), None);
        assert!(in_session(day(1, 10), day(1, 13), day(1, 13)) && !in_session(day(1, 10), day(1, 13), day(1, 14)));
        assert_eq!(next_number(None), 1);
        assert_eq!(next_number(Some(41)), 42);
        assert_eq!(number_label(Some(7)), "第7号");
        assert_eq!(number_label(None), "");
    }

    #[test]
    fn on_time_and_deadlines() {
        let today = day(6, 1);
        assert_eq!(on_time(Some(day(5, 31)), Some(day(5, 31)), today), Some(true));
        assert_eq!(on_time(Some(day(5, 31)), Some(day(6, 1)), today), Some(false));
        assert_eq!(on_time(Some(day(5, 31)), None, today), Some(false), "late and still unanswered");
        assert_eq!(on_time(Some(day(6, 30)), None, today), None, "still running");
        assert_eq!(on_time(None, None, today), None);
        assert!(!deadline_ok(today, today) && deadline_ok(day(6, 2), today));
    }

    /// Each step is audited as `proposal.<event>` (store::moves): every one
    /// has its words in both languages.
    #[test]
    fn every_step_has_an_audit_label() {
        use crate::kernel::web::i18n::Lang;
        // Notes on the timeline beside the steps, audited under their own names.
        let notes = [
            "created",
            "merged_in",
            "co_signed",
            "co_opinion",
            "signer_agreed",
            "signer_declined",
            "marked_key",
            "made_public",
        ];
        for kind in EventKind::ALL.iter().filter(|k| !notes.contains(&k.as_str())) {
            for lang in [Lang::Zh, Lang::En] {
                let key = format!("audit_action.proposal.{kind}");
                assert_ne!(lang.t(&key), key, "{lang:?} {kind}");
            }
        }
    }

    #[test]
    fn who_sees_what() {
        assert_eq!(sight(&Actor::sample(Role::DistrictAdmin, None)), Sight::All);
        assert_eq!(sight(&Actor::sample(Role::Leader, None)), Sight::All);
        assert_eq!(sight(&Actor::sample(Role::Department, None)), Sight::Units);
        assert_eq!(sight(&Actor::sample(Role::Member, Some(1))), Sight::Proposers);
        assert_eq!(sight(&Actor::sample(Role::OfficeStaff, Some(1))), Sight::None);
        assert!(is_staff(&Actor::sample(Role::DistrictAdmin, None)));
        assert!(!is_staff(&Actor::sample(Role::Leader, None)));
    }
}
