//! The opinion loop (社情民意), domain.md "The opinion loop": states, who may
//! move a case where, and the rules around ratings and reopening. No I/O.
//!
//! 收到 submitted → 受理 accepted | 不予受理 rejected
//! → 交办 assigned → 办理中 in_progress (signed for) → 待审核 answer_review
//! → 已答复 answered (the resident sees the answer) → rated → 办结 closed.
//! 不满意 reopens once; a department may return a misrouted case; staff may
//! send an answer back for re-handling; duplicates are merged into one case.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::code_enum;
use crate::kernel::auth::{Actor, Role};
use crate::kernel::error::AppError;
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
        /// Sent by another system through the API or Open311 (`crate::api`).
        Api = "api",
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

impl Rating {
    /// What a person may answer (未评价 is the sweep's, after 15 days).
    pub const GIVEN: &'static [Rating] = &[Rating::Satisfied, Rating::Basic, Rating::Unsatisfied];
}

code_enum!(
    /// Who handles an assigned case.
    AssigneeKind, "assignee_kind" {
        Department = "department",
        Office = "office",
        Member = "member",
    }
);

code_enum!(
    /// What a timeline event records: each step of the loop, and the notes
    /// beside it (the sweep's, urgent marks, reports, consultations).
    EventKind, "opinion_event" {
        Submitted = "submitted",
        Accepted = "accepted",
        Rejected = "rejected",
        Assigned = "assigned",
        Reassigned = "reassigned",
        Signed = "signed",
        Returned = "returned",
        AnswerSubmitted = "answer_submitted",
        Answered = "answered",
        SentBack = "sent_back",
        Reopened = "reopened",
        Rated = "rated",
        AutoClosed = "auto_closed",
        Merged = "merged",
        /// On the case a duplicate was merged into.
        MergedIn = "merged_in",
        ExtensionRequested = "extension_requested",
        ExtensionApproved = "extension_approved",
        ExtensionRefused = "extension_refused",
        /// The sweep: a deadline within a day.
        Reminded = "reminded",
        /// The sweep: 督办 once a deadline has passed.
        Escalated = "escalated",
        /// The sweep: not signed for within a working day of the assignment.
        SignLate = "sign_late",
        MarkedUrgent = "marked_urgent",
        UnmarkedUrgent = "unmarked_urgent",
        ReportCompiled = "report_compiled",
        ReportEdited = "report_edited",
        ReportSent = "report_sent",
        ReportAdopted = "report_adopted",
        ReportNotAdopted = "report_not_adopted",
        ReportInstructed = "report_instructed",
        /// A consultation on the case's topic was held (public, pushed).
        ConsultationHeld = "consultation_held",
        /// Its results were published (public, pushed).
        ConsultationClosed = "consultation_closed",
        /// Staff forwarded the case to the 12345 hotline (`crate::api::hotline`).
        ForwardedToHotline = "forwarded_hotline",
        /// The hotline took it: its work-order number is the note.
        HotlineOrder = "hotline_order",
    }
);

impl EventKind {
    /// The resident's timeline shows these steps' notes: why the case was
    /// refused, which unit handles it. Other notes stay internal.
    pub fn note_for_resident(self) -> bool {
        matches!(self, EventKind::Rejected | EventKind::Assigned | EventKind::Reassigned)
    }
}

code_enum!(
    /// What a file on a case is.
    FileRole, "opinion_file" {
        /// The resident's photo, sent with the case.
        Photo = "photo",
        /// A photo or document with the handler's answer.
        Answer = "answer",
    }
);

impl TryFrom<&str> for EventKind {
    type Error = AppError;

    /// For another area naming a kind in code: an unknown one is a bug, not a
    /// resident's input.
    fn try_from(s: &str) -> Result<EventKind, AppError> {
        EventKind::parse(s).ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown opinion event kind {s:?}")))
    }
}

code_enum!(
    /// Where a handler's request for more time stands (one per assignment).
    ExtensionState, "extension" {
        Requested = "requested",
        Approved = "approved",
        Refused = "refused",
    }
);

/// A handler's request for more time on the current assignment, and its fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension {
    pub state: ExtensionState,
    /// Working days asked. Unknown (`None`) only for decisions taken before
    /// the days were kept beyond the request.
    pub days: Option<i32>,
}

/// Longest extension a handler may ask for, in working days.
pub const MAX_EXTENSION_DAYS: u32 = 30;

impl Extension {
    /// A request waiting for the dispatcher's decision.
    pub fn pending(self) -> bool {
        self.state == ExtensionState::Requested
    }
}

/// The handler may ask for more time once per assignment, while the deadline runs.
pub fn may_request_extension(status: Status, current: Option<Extension>) -> Result<(), &'static str> {
    if !status.deadline_runs() {
        return Err("opinion.wrong_state");
    }
    if current.is_some() {
        return Err("opinion.extension_once");
    }
    Ok(())
}

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

    /// As forms and the routing table name it: `department:3`, `office:5`, `member:12`.
    pub fn parse(s: &str) -> Option<Assignee> {
        let (kind, id) = s.trim().split_once(':')?;
        Some(Assignee::from_parts(AssigneeKind::parse(kind)?, id.parse().ok()?))
    }

    /// The form value `parse` reads back.
    pub fn key(self) -> String {
        let (kind, id) = self.parts();
        format!("{kind}:{id}")
    }

    pub fn kind(self) -> AssigneeKind {
        self.parts().0
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

impl Action {
    /// A move by the code a form or an API call names it with; `callback`
    /// is a phone callback (回访) recorded by staff, with the rating given.
    pub fn from_code(code: &str, rating: Option<&str>) -> Result<Action, AppError> {
        Ok(match code {
            "accept" => Action::Accept,
            "reject" => Action::Reject,
            "assign" => Action::Assign,
            "reassign" => Action::Reassign,
            "sign" => Action::Sign,
            "return" => Action::Return,
            "answer" => Action::Answer,
            "approve" => Action::ApproveAnswer,
            "send_back" => Action::SendBack,
            "merge" => Action::MergeInto,
            "callback" => Action::Rate(
                rating
                    .and_then(Rating::parse)
                    .filter(|r| *r != Rating::Unrated)
                    .ok_or(AppError::BadRequest("track.choose_rating"))?,
            ),
            _ => return Err(AppError::BadRequest("form.bad_choice")),
        })
    }
}

/// Working days a handler may be given to answer.
pub fn valid_days(days: u32) -> bool {
    (1..=60).contains(&days)
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

    /// The resident sees the reviewed answer (and its public files).
    pub fn shows_answer(self) -> bool {
        matches!(self, Status::Answered | Status::Closed)
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

/// A case entered by staff — a paper slip from the box, or what a member heard
/// at an activity — and the office it is filed under: the district and office
/// staff enter cases, never as from the web box, what was heard names the
/// member who heard it, and office staff file for their own office.
pub fn entry_office(
    actor: &Actor,
    source: Source,
    heard_by: Option<MemberId>,
    office: Option<OfficeId>,
) -> Result<Option<OfficeId>, AppError> {
    if !is_dispatcher(actor) {
        return Err(AppError::Forbidden);
    }
    if source == Source::Web {
        return Err(AppError::BadRequest("form.bad_choice"));
    }
    if source == Source::Activity && heard_by.is_none() {
        return Err(AppError::BadRequest("opinion.heard_by_required"));
    }
    Ok(match actor.office_id {
        Some(o) if actor.role == Role::OfficeStaff => Some(o),
        _ => office,
    })
}

/// A case a member files from their phone (`crate::workbench`): only what
/// they heard themself (`me`, their member record), never as from a box;
/// filed under `office` when the caller names one (the activity it was
/// heard at, which the caller checked the member was at), else under the
/// member's own office (`own_office`).
pub fn member_entry_office(
    actor: &Actor,
    me: MemberId,
    own_office: Option<OfficeId>,
    source: Source,
    heard_by: Option<MemberId>,
    office: Option<OfficeId>,
) -> Result<Option<OfficeId>, AppError> {
    if actor.role != Role::Member {
        return Err(AppError::Forbidden);
    }
    if source != Source::Activity {
        return Err(AppError::BadRequest("form.bad_choice"));
    }
    if heard_by.is_some_and(|h| h != me) {
        return Err(AppError::Forbidden);
    }
    Ok(office.or(own_office))
}

// The public box (no login): its limits and its question against floods.

/// Submissions per address per hour, and per phone per day.
pub const PER_IP_PER_HOUR: i32 = 10;
pub const PER_PHONE_PER_DAY: i32 = 5;
/// After this many submissions from one address in an hour, ask a question.
pub const CHALLENGE_AFTER: i32 = 3;
/// The longest name kept from the box (the rest is cut).
pub const MAX_NAME_CHARS: usize = 30;

/// Whether the box asks an address its arithmetic question.
pub fn asks_question(recent_from_address: i32) -> bool {
    recent_from_address >= CHALLENGE_AFTER
}

/// What the box does with a submission, before anything is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Pass,
    /// The question was due and not rightly answered: asked again.
    Question,
    /// Over a limit: refused (and the attempt counts too).
    TooMany,
}

/// `recent`: the address's submissions this hour; `by_phone`: the phone's
/// today; `answered`: the question was rightly answered.
pub fn screen(recent: i32, by_phone: i32, answered: bool) -> Screen {
    if asks_question(recent) && !answered {
        Screen::Question
    } else if recent >= PER_IP_PER_HOUR || by_phone >= PER_PHONE_PER_DAY {
        Screen::TooMany
    } else {
        Screen::Pass
    }
}

/// The name a resident left, as kept: trimmed and cut to length; blank is none.
pub fn submitter_name(typed: &str) -> Option<String> {
    let name: String = typed.trim().chars().take(MAX_NAME_CHARS).collect();
    (!name.is_empty()).then_some(name)
}

/// A case wears the 签收超时 tag while it still waits to be signed for and the
/// sweep flagged it after its current assignment (`flags`: when it was flagged).
pub fn shows_sign_late(
    status: Status,
    assigned_at: Option<NaiveDateTime>,
    flags: impl IntoIterator<Item = NaiveDateTime>,
) -> bool {
    status == Status::Assigned && assigned_at.is_some_and(|a| flags.into_iter().any(|f| f >= a))
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

/// A code as a resident types it: spaces and dashes dropped, lower case raised,
/// full-width letters and digits (a Chinese input method's) made plain;
/// anything outside the alphabet makes it invalid.
pub fn normalize_code(input: &str) -> Option<String> {
    let code: String = crate::kernel::web::form::halfwidth(input)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
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

    #[test]
    fn every_action_code_reads_and_nothing_else() {
        for code in [
            "accept",
            "reject",
            "assign",
            "reassign",
            "sign",
            "return",
            "answer",
            "approve",
            "send_back",
            "merge",
            "callback",
        ] {
            let rating = (code == "callback").then_some("basic");
            assert!(Action::from_code(code, rating).is_ok(), "{code}");
        }
        assert_eq!(Action::from_code("callback", Some("satisfied")).ok(), Some(Rate(Rating::Satisfied)));
        // A callback needs a rating a person gives; 未评价 is the sweep's.
        assert!(Action::from_code("callback", None).is_err());
        assert!(Action::from_code("callback", Some("unrated")).is_err());
        // The sweep's own move is not a code anyone may send.
        assert!(Action::from_code("auto_close", None).is_err());
        assert!(Action::from_code("", None).is_err());
        assert!(valid_days(1) && valid_days(60) && !valid_days(0) && !valid_days(61));
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
    fn handlers_as_forms_name_them() {
        use crate::kernel::ids::DepartmentId;
        for a in [Assignee::Department(DepartmentId(3)), Assignee::Office(OfficeId(5)), Assignee::Member(MemberId(12))]
        {
            assert_eq!(Assignee::parse(&a.key()), Some(a));
        }
        assert_eq!(Assignee::Office(OfficeId(5)).key(), "office:5");
        for bad in ["", "office", "office:", "office:x", "nobody:3", "department:3:4"] {
            assert_eq!(Assignee::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn staff_enter_slips_and_what_was_heard() {
        let mut a = Actor::sample(Role::OfficeStaff, Some(3));
        // Office staff file for their own office, whatever the form says.
        assert_eq!(entry_office(&a, Source::Paper, None, Some(OfficeId(9))).ok(), Some(Some(OfficeId(3))));
        assert!(matches!(entry_office(&a, Source::Web, None, None), Err(AppError::BadRequest("form.bad_choice"))));
        assert!(matches!(
            entry_office(&a, Source::Activity, None, None),
            Err(AppError::BadRequest("opinion.heard_by_required"))
        ));
        assert!(entry_office(&a, Source::Activity, Some(MemberId(7)), None).is_ok());
        a.role = Role::DistrictAdmin;
        assert_eq!(entry_office(&a, Source::Paper, None, Some(OfficeId(9))).ok(), Some(Some(OfficeId(9))));
        for r in [Role::Department, Role::Member, Role::Leader, Role::Auditor, Role::Sysadmin] {
            a.role = r;
            assert!(matches!(entry_office(&a, Source::Paper, None, None), Err(AppError::Forbidden)), "{r:?}");
        }
    }

    #[test]
    fn members_file_only_what_they_heard_themselves() {
        let a = Actor::sample(Role::Member, Some(3));
        let (me, own) = (MemberId(7), Some(OfficeId(3)));
        let file = |source, heard_by, office| member_entry_office(&a, me, own, source, heard_by, office);
        // Their own office, or the office of the activity it was heard at.
        assert_eq!(file(Source::Activity, None, None).ok(), Some(own));
        assert_eq!(file(Source::Activity, Some(me), Some(OfficeId(9))).ok(), Some(Some(OfficeId(9))));
        assert_eq!(member_entry_office(&a, me, None, Source::Activity, None, None).ok(), Some(None));
        assert!(matches!(file(Source::Activity, Some(MemberId(8)), None), Err(AppError::Forbidden)), "another's");
        for s in [Source::Web, Source::Paper, Source::Api] {
            assert!(matches!(file(s, None, None), Err(AppError::BadRequest("form.bad_choice"))), "{s:?}");
        }
        for r in [Role::OfficeStaff, Role::DistrictAdmin, Role::Department, Role::Leader, Role::Auditor] {
            let staff = Actor::sample(r, Some(3));
            assert!(matches!(
                member_entry_office(&staff, me, own, Source::Activity, Some(me), None),
                Err(AppError::Forbidden)
            ));
        }
    }

    #[test]
    fn the_box_asks_then_limits() {
        assert_eq!(screen(0, 0, false), Screen::Pass);
        assert_eq!(screen(CHALLENGE_AFTER - 1, PER_PHONE_PER_DAY - 1, false), Screen::Pass);
        assert!(asks_question(CHALLENGE_AFTER) && !asks_question(CHALLENGE_AFTER - 1));
        assert_eq!(screen(CHALLENGE_AFTER, 0, false), Screen::Question);
        assert_eq!(screen(CHALLENGE_AFTER, 0, true), Screen::Pass);
        // The question comes first: a wrong answer is asked again, not counted as too many.
        assert_eq!(screen(PER_IP_PER_HOUR, 0, false), Screen::Question);
        assert_eq!(screen(PER_IP_PER_HOUR, 0, true), Screen::TooMany);
        assert_eq!(screen(0, PER_PHONE_PER_DAY, false), Screen::TooMany);
    }

    #[test]
    fn names_are_trimmed_and_cut() {
        assert_eq!(submitter_name("  王秀兰 "), Some("王秀兰".into()));
        assert_eq!(submitter_name("   "), None);
        assert_eq!(submitter_name(&"王".repeat(40)).map(|n| n.chars().count()), Some(MAX_NAME_CHARS));
    }

    #[test]
    fn more_time_once_per_assignment_while_the_deadline_runs() {
        let asked = Extension { state: ExtensionState::Requested, days: Some(5) };
        assert_eq!(may_request_extension(Assigned, None), Ok(()));
        assert_eq!(may_request_extension(InProgress, None), Ok(()));
        assert_eq!(may_request_extension(InProgress, Some(asked)), Err("opinion.extension_once"));
        let refused = Extension { state: ExtensionState::Refused, days: None };
        assert_eq!(may_request_extension(InProgress, Some(refused)), Err("opinion.extension_once"));
        assert_eq!(may_request_extension(AnswerReview, None), Err("opinion.wrong_state"));
        assert!(asked.pending() && !refused.pending());
    }

    #[test]
    fn the_sign_late_tag_follows_the_current_assignment() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        let assigned = t("2026-12-01 02:00");
        assert!(shows_sign_late(Assigned, Some(assigned), [t("2026-12-03 01:00")]));
        assert!(!shows_sign_late(Assigned, Some(assigned), [t("2026-11-20 01:00")]), "an earlier assignment's");
        assert!(!shows_sign_late(InProgress, Some(assigned), [t("2026-12-03 01:00")]), "signed since");
        assert!(!shows_sign_late(Assigned, Some(assigned), []));
    }

    #[test]
    fn event_kinds_named_in_code() {
        assert_eq!(EventKind::try_from("consultation_held").ok(), Some(EventKind::ConsultationHeld));
        assert!(matches!(EventKind::try_from("consultation_hold"), Err(AppError::Internal(_))));
        let told: Vec<EventKind> = EventKind::ALL.iter().copied().filter(|k| k.note_for_resident()).collect();
        assert_eq!(told, [EventKind::Rejected, EventKind::Assigned, EventKind::Reassigned]);
    }

    #[test]
    fn every_kind_shown_has_a_label() {
        use crate::kernel::web::i18n::Lang;
        let keys = (EventKind::ALL.iter().map(|k| k.label_key()))
            .chain(Status::ALL.iter().map(|s| s.label_key()))
            .chain(Source::ALL.iter().map(|s| s.label_key()))
            .chain(Rating::ALL.iter().map(|r| r.label_key()))
            .chain(AssigneeKind::ALL.iter().map(|k| k.label_key()));
        for key in keys {
            assert_ne!(Lang::Zh.t(&key), key, "no text for {key}");
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
        assert_eq!(normalize_code("ａｂｃｄｅ　ＦＧＨ２３"), Some("ABCDEFGH23".into()), "typed in full width");
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
