//! 通知公告: who a notice goes to, what may be done to it in each state, and
//! where a recipient's 回执 stands. No I/O.
//!
//! A notice is drafted (attachments are added to the draft), published
//! once, and may be withdrawn. A public notice goes on the committee's front
//! page (the district's) or its office's Members' Home page; an internal one
//! goes to units — offices, departments, members — chosen by the issuer:
//! the district may address anyone, an office only its own members.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::code_enum;
use crate::kernel::auth::{Actor, Role};
use crate::kernel::ids::{MemberId, OfficeId, SectorId};

/// The longest title and body a notice takes.
pub const MAX_TITLE: usize = 80;
pub const MAX_BODY: usize = 5000;
/// The longest reply (回执) a unit may send.
pub const MAX_REPLY: usize = 1000;
/// Attachments on one notice.
pub const MAX_FILES: usize = 10;

code_enum!(
    NoticeStatus, "notice_status" {
        Draft = "draft",
        Published = "published",
        /// Taken back: no longer shown to the public or to recipients.
        Withdrawn = "withdrawn",
    }
);

/// What may be done to a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeAction {
    Edit,
    Publish,
    Withdraw,
    /// A recipient opens it (its read receipt) or replies.
    Reply,
}

/// Whether `action` fits a notice in `status`: drafts are edited (and given
/// their attachments) and published; a published notice is answered or
/// withdrawn; a withdrawn one is kept as it was.
pub fn allowed(status: NoticeStatus, action: NoticeAction) -> bool {
    use NoticeAction::*;
    use NoticeStatus::*;
    matches!((status, action), (Draft, Edit) | (Draft, Publish) | (Published, Withdraw) | (Published, Reply))
}

/// Who an internal notice goes to, as chosen on the form; published, it is
/// resolved to units (`store::recipients::resolve`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    #[serde(default)]
    pub all_offices: bool,
    #[serde(default)]
    pub offices: Vec<OfficeId>,
    #[serde(default)]
    pub all_departments: bool,
    #[serde(default)]
    pub all_members: bool,
    #[serde(default)]
    pub sectors: Vec<SectorId>,
    #[serde(default)]
    pub members: Vec<MemberId>,
}

impl Audience {
    pub fn is_empty(&self) -> bool {
        !self.all_offices
            && self.offices.is_empty()
            && !self.all_departments
            && !self.all_members
            && self.sectors.is_empty()
            && self.members.is_empty()
    }

    /// Offices and departments are addressed by the district only.
    fn beyond_an_office(&self) -> bool {
        self.all_offices || !self.offices.is_empty() || self.all_departments
    }

    /// As stored in `notices.audience`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A stored audience; an unreadable one reads as nobody.
    pub fn from_json(s: &str) -> Audience {
        serde_json::from_str(s).unwrap_or_default()
    }
}

/// Who issues notices: the district's staff (as the district) and an
/// office's staff (as their office).
pub fn may_issue(actor: &Actor) -> bool {
    match actor.role {
        Role::DistrictAdmin => true,
        Role::OfficeStaff => actor.office_id.is_some(),
        _ => false,
    }
}

/// Whether `actor` manages a notice issued by `office` (`None`: the
/// district's): the district manages every notice, an office its own.
pub fn may_manage(actor: &Actor, office: Option<OfficeId>) -> bool {
    match actor.role {
        Role::DistrictAdmin => true,
        Role::OfficeStaff => office.is_some() && actor.office_id == office,
        _ => false,
    }
}

/// What a notice is to say and to whom, checked before it is saved or
/// published: an internal notice names someone, an office addresses only
/// members, and a reply date is not in the past. A public notice has no
/// audience and no reply date.
pub fn check(
    issuer_office: Option<OfficeId>,
    public: bool,
    audience: &Audience,
    reply_by: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), &'static str> {
    if public {
        if !audience.is_empty() || reply_by.is_some() {
            return Err("notice.public_is_for_all");
        }
        return Ok(());
    }
    if audience.is_empty() {
        return Err("notice.no_audience");
    }
    if issuer_office.is_some() && audience.beyond_an_office() {
        return Err("notice.office_audience");
    }
    if reply_by.is_some_and(|d| d < today) {
        return Err("notice.reply_by_past");
    }
    Ok(())
}

/// Where a recipient's receipt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    Unread,
    Read,
    Replied,
    /// Asked to reply by a day that has passed, and has not.
    Overdue,
}

impl Receipt {
    pub fn of(read: bool, replied: bool, reply_by: Option<NaiveDate>, today: NaiveDate) -> Receipt {
        if replied {
            Receipt::Replied
        } else if reply_by.is_some_and(|d| d < today) {
            Receipt::Overdue
        } else if read {
            Receipt::Read
        } else {
            Receipt::Unread
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Receipt::Unread => "notice.unread",
            Receipt::Read => "notice.read",
            Receipt::Replied => "notice.replied",
            Receipt::Overdue => "notice.overdue",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Receipt::Unread => "warn",
            Receipt::Read => "",
            Receipt::Replied => "ok",
            Receipt::Overdue => "bad",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    #[test]
    fn every_state_and_action() {
        use NoticeAction::*;
        use NoticeStatus::*;
        let table = [
            (Draft, [true, true, false, false]),
            (Published, [false, false, true, true]),
            (Withdrawn, [false, false, false, false]),
        ];
        for (status, want) in table {
            for (action, ok) in [Edit, Publish, Withdraw, Reply].into_iter().zip(want) {
                assert_eq!(allowed(status, action), ok, "{status:?} {action:?}");
            }
        }
    }

    #[test]
    fn who_issues_and_manages() {
        let district = Actor::sample(Role::DistrictAdmin, None);
        let office = Actor::sample(Role::OfficeStaff, Some(3));
        let member = Actor::sample(Role::Member, Some(3));
        let leader = Actor::sample(Role::Leader, None);
        assert!(may_issue(&district) && may_issue(&office));
        assert!(!may_issue(&member) && !may_issue(&leader));
        assert!(may_manage(&district, None) && may_manage(&district, Some(OfficeId(3))));
        assert!(may_manage(&office, Some(OfficeId(3))));
        assert!(!may_manage(&office, Some(OfficeId(4))) && !may_manage(&office, None));
        assert!(!may_manage(&leader, None) && !may_manage(&member, Some(OfficeId(3))));
    }

    #[test]
    fn audiences_are_checked() {
        let today = day(12, 4);
        let members = Audience { all_members: true, ..Audience::default() };
        let offices = Audience { all_offices: true, ..Audience::default() };
        assert_eq!(check(None, false, &offices, Some(today), today), Ok(()));
        assert_eq!(check(Some(OfficeId(3)), false, &members, None, today), Ok(()));
        assert_eq!(check(None, false, &Audience::default(), None, today), Err("notice.no_audience"));
        assert_eq!(check(Some(OfficeId(3)), false, &offices, None, today), Err("notice.office_audience"));
        let chosen = Audience { offices: vec![OfficeId(4)], ..Audience::default() };
        assert_eq!(check(Some(OfficeId(3)), false, &chosen, None, today), Err("notice.office_audience"));
        assert_eq!(check(None, false, &members, Some(day(12, 3)), today), Err("notice.reply_by_past"));
        assert_eq!(check(None, true, &Audience::default(), None, today), Ok(()));
        assert_eq!(check(None, true, &members, None, today), Err("notice.public_is_for_all"));
        assert_eq!(check(None, true, &Audience::default(), Some(today), today), Err("notice.public_is_for_all"));
    }

    #[test]
    fn audiences_are_stored_and_read_back() {
        let a = Audience { sectors: vec![SectorId(2)], members: vec![MemberId(7)], ..Audience::default() };
        assert_eq!(Audience::from_json(&a.to_json()), a);
        assert!(Audience::from_json("not json").is_empty());
        assert!(Audience::from_json(r#"{"all_members":true}"#).all_members);
    }

    #[test]
    fn receipts() {
        let (before, after) = (day(12, 4), day(12, 6));
        let by = Some(day(12, 5));
        assert_eq!(Receipt::of(false, false, by, before), Receipt::Unread);
        assert_eq!(Receipt::of(true, false, by, before), Receipt::Read);
        assert_eq!(Receipt::of(true, false, by, after), Receipt::Overdue);
        assert_eq!(Receipt::of(false, false, by, after), Receipt::Overdue);
        assert_eq!(Receipt::of(true, true, by, after), Receipt::Replied);
        assert_eq!(Receipt::of(true, false, None, after), Receipt::Read, "no date, never overdue");
    }
}
