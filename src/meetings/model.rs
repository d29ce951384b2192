//! The rules of meetings, with no I/O: which meeting, the invitee's reply,
//! who signed a member in, when sign-in is open, the sign-in token.

use chrono::{Duration, NaiveDateTime};
use subtle::ConstantTimeEq;

use crate::code_enum;
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, ConsultationId, MemberId, OfficeId};

/// A recorded length as the record form shows it: 2.5 (hours), or blank.
pub fn hours_text(minutes: Option<i32>) -> String {
    match minutes {
        Some(m) if m % 60 == 0 => (m / 60).to_string(),
        Some(m) => format!("{:.1}", f64::from(m) / 60.0).trim_end_matches('0').to_string(),
        None => String::new(),
    }
}

/// A meeting: a liaison activity or a consultation's session. Each kind
/// keeps its invitees, speakers and files in link tables of its own with the
/// same columns (`activity_members`, `consultation_members`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Meeting {
    Activity(ActivityId),
    Consultation(ConsultationId),
}

code_enum!(
    /// An invitee's answer: a member's, or a department's to a consultation.
    Reply, "meeting_reply" {
        Pending = "pending",
        Confirmed = "confirmed",
        /// 请假, with its reason.
        Apology = "apology",
    }
);

impl Reply {
    /// The answers an invitee chooses from.
    pub const CHOICES: [Reply; 2] = [Reply::Confirmed, Reply::Apology];
}

code_enum!(
    /// Who marked a member present.
    SignedBy, "meeting_signed_by" {
        /// The member, by the meeting's QR code on their own phone.
        Own = "self",
        /// Staff ticking the attendance list.
        Staff = "staff",
    }
);

/// Longest reason for an apology.
pub const MAX_NOTE: usize = 200;

/// A reply as it is stored: an apology needs its reason (the office plans
/// around it); a confirmation keeps none. Pending is not an answer.
pub fn reply(reply: Reply, note: &str) -> AppResult<(Reply, String)> {
    let note: String = note.trim().chars().take(MAX_NOTE).collect();
    match reply {
        Reply::Pending => Err(AppError::BadRequest("form.bad_choice")),
        Reply::Apology if note.is_empty() => Err(AppError::BadRequest("activity.apology_reason")),
        Reply::Apology => Ok((reply, note)),
        Reply::Confirmed => Ok((reply, String::new())),
    }
}

/// Members sign in from two hours before the planned start until the end of
/// that day in Beijing, or on the day it was actually held.
pub fn may_sign_in(planned_at: NaiveDateTime, held_at: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    let day_of = |t: NaiveDateTime| shanghai_date(t) == shanghai_date(now);
    (now >= planned_at - Duration::hours(2) && day_of(planned_at)) || held_at.is_some_and(day_of)
}

/// When the record form proposes the meeting was held: when it was, else
/// when it was planned, but never later than `now` (a record of a meeting
/// planned for next week, written early because it was brought forward,
/// would otherwise be refused as held in the future).
pub fn record_prefill(
    held: Option<NaiveDateTime>,
    planned: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    held.or(planned).map(|t| t.min(now))
}

/// The members staff ticked present, each once: a form may repeat a box
/// (a double click, a crafted post), which must not count twice nor be
/// refused as an unknown member.
pub fn present_once(present: &[MemberId]) -> Vec<MemberId> {
    let mut v = present.to_vec();
    v.sort();
    v.dedup();
    v
}

/// A random token for a meeting's sign-in code: it proves the phone scanned
/// this meeting's own code (read from the code, never typed).
pub fn new_token() -> String {
    crate::kernel::auth::password::random_token(16)
}

/// Refuses a token other than the meeting's (compared in constant time).
pub fn check_token(expected: &str, given: &str) -> AppResult<()> {
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::BadRequest("activity.bad_code"))
    }
}

/// A member staff may tick on an invitation or attendance list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: MemberId,
    pub name: String,
    pub office_id: Option<OfficeId>,
    /// Shown beside the name: the sector.
    pub note: Option<String>,
    /// Ticked to start with.
    pub ticked: bool,
}

/// How to lay out a picker: who leads (under which heading), whose office
/// follows, and who starts ticked.
#[derive(Debug, Clone, Copy)]
pub struct Pick<'a> {
    pub office: Option<OfficeId>,
    pub first: &'a [MemberId],
    pub first_key: &'static str,
    pub ticked: &'a [MemberId],
}

/// One part of a member picker: a heading (a locale key), its members, and
/// whether it starts unfolded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickGroup {
    pub key: &'static str,
    pub open: bool,
    pub members: Vec<Candidate>,
}

/// Splits the committee's members for a picker: `first` (the point's members,
/// those suggested, or those on the list) under `first_key`, then the rest of
/// the office's members, then the district's others folded away behind a
/// filter, so an office does not scroll past 148 names to find its eight.
/// Empty parts are left out; the others unfold when nothing else is offered,
/// or when one of them is ticked.
pub fn groups(all: Vec<Candidate>, pick: Pick<'_>) -> Vec<PickGroup> {
    let (mut lead, mut own, mut others) = (vec![], vec![], vec![]);
    for mut c in all {
        c.ticked = pick.ticked.contains(&c.id);
        if pick.first.contains(&c.id) {
            lead.push(c);
        } else if pick.office.is_some() && c.office_id == pick.office {
            own.push(c);
        } else {
            others.push(c);
        }
    }
    let mut out = vec![];
    if !lead.is_empty() {
        out.push(PickGroup { key: pick.first_key, open: true, members: lead });
    }
    if !own.is_empty() {
        out.push(PickGroup { key: "picker.office", open: true, members: own });
    }
    if !others.is_empty() {
        let open = out.is_empty() || others.iter().any(|c| c.ticked);
        out.push(PickGroup { key: "picker.others", open, members: others });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_show_in_hours() {
        assert_eq!(hours_text(Some(150)), "2.5");
        assert_eq!(hours_text(Some(120)), "2");
        assert_eq!(hours_text(Some(100)), "1.7");
        assert_eq!(hours_text(None), "");
    }

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn the_record_proposes_a_time_that_has_passed() {
        let now = t("2026-12-04 02:00");
        assert_eq!(record_prefill(None, Some(t("2026-12-01 01:00")), now), Some(t("2026-12-01 01:00")));
        assert_eq!(record_prefill(None, Some(t("2026-12-09 01:00")), now), Some(now), "planned next week");
        assert_eq!(
            record_prefill(Some(t("2026-12-02 03:00")), Some(t("2026-12-09 01:00")), now),
            Some(t("2026-12-02 03:00"))
        );
        assert_eq!(record_prefill(None, None, now), None);
    }

    #[test]
    fn sign_in_is_open_on_the_day() {
        let planned = t("2026-12-01 01:00"); // 09:00 in Beijing
        assert!(!may_sign_in(planned, None, t("2026-11-30 22:59")), "more than two hours early");
        assert!(may_sign_in(planned, None, t("2026-11-30 23:00")));
        assert!(may_sign_in(planned, None, t("2026-12-01 15:59")), "until Beijing midnight");
        assert!(!may_sign_in(planned, None, t("2026-12-01 16:00")), "the next day in Beijing");
        // Held on another day than planned: that day counts.
        assert!(may_sign_in(planned, Some(t("2026-12-03 02:00")), t("2026-12-03 08:00")));
    }

    #[test]
    fn an_apology_needs_its_reason() {
        assert_eq!(reply(Reply::Apology, "  出差 ").ok(), Some((Reply::Apology, "出差".to_string())));
        assert!(matches!(reply(Reply::Apology, "  "), Err(AppError::BadRequest("activity.apology_reason"))));
        assert_eq!(reply(Reply::Confirmed, "会准时到").ok(), Some((Reply::Confirmed, String::new())));
        assert!(matches!(reply(Reply::Pending, ""), Err(AppError::BadRequest("form.bad_choice"))));
        let long = "因".repeat(300);
        assert_eq!(reply(Reply::Apology, &long).map(|(_, n)| n.chars().count()).ok(), Some(MAX_NOTE));
    }

    #[test]
    fn a_repeated_member_counts_once() {
        let (a, b) = (MemberId(3), MemberId(7));
        assert_eq!(present_once(&[b, a, b, b]), vec![a, b]);
        assert!(present_once(&[]).is_empty());
    }

    #[test]
    fn tokens_are_checked_exactly() {
        let t = new_token();
        assert_eq!(t.len(), 16);
        assert!(check_token(&t, &t).is_ok());
        assert!(check_token(&t, &t[..15]).is_err());
        assert!(check_token(&t, "").is_err());
    }

    #[test]
    fn pickers_lead_with_the_point_then_the_office() {
        let c = |id, office: Option<i64>| Candidate {
            id: MemberId(id),
            name: format!("m{id}"),
            office_id: office.map(OfficeId),
            note: None,
            ticked: false,
        };
        let all = vec![c(1, Some(1)), c(2, Some(2)), c(3, Some(1)), c(4, None), c(5, Some(2))];
        let pick = Pick {
            office: Some(OfficeId(1)),
            first: &[MemberId(2)],
            first_key: "picker.point",
            ticked: &[MemberId(2)],
        };
        let g = groups(all.clone(), pick);
        let ids = |g: &PickGroup| g.members.iter().map(|m| m.id.0).collect::<Vec<_>>();
        assert_eq!(
            g.iter().map(|g| (g.key, g.open)).collect::<Vec<_>>(),
            vec![("picker.point", true), ("picker.office", true), ("picker.others", false)]
        );
        assert_eq!((ids(&g[0]), ids(&g[1]), ids(&g[2])), (vec![2], vec![1, 3], vec![4, 5]));
        assert!(g[0].members[0].ticked && !g[1].members[0].ticked);
        // Someone ticked among the others unfolds them.
        let g = groups(all.clone(), Pick { ticked: &[MemberId(5)], ..pick });
        assert!(g[2].open);
        // No office and nobody first: everyone, unfolded.
        let g = groups(all, Pick { office: None, first: &[], first_key: "picker.point", ticked: &[] });
        assert_eq!(g.len(), 1);
        assert!(g[0].open && g[0].members.len() == 5);
    }
}
