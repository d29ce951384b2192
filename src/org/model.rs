//! Organisation types and rules: kinds, statuses, the 六有 checklist, the
//! standard sectors, who may manage what. No I/O here.

use crate::code_enum;

use crate::kernel::auth::{Actor, Role};
use crate::kernel::ids::OfficeId;

code_enum!(
    /// The kind of township-level unit an office serves.
    OfficeKind, "office_kind" {
        /// 乡
        Township = "township",
        /// 镇
        Town = "town",
        /// 街道
        Street = "street",
    }
);

impl OfficeKind {
    /// The kind a Chinese unit name ends with: 乡, 镇 or 街道.
    pub fn from_name(name: &str) -> Option<OfficeKind> {
        if name.ends_with("街道") {
            Some(OfficeKind::Street)
        } else if name.ends_with('镇') {
            Some(OfficeKind::Town)
        } else if name.ends_with('乡') {
            Some(OfficeKind::Township)
        } else {
            None
        }
    }
}

code_enum!(
    /// 村 or 社区.
    LocalityKind, "locality_kind" {
        Village = "village",
        Community = "community",
    }
);

impl LocalityKind {
    /// 村 names end in 村; 社区 names in 社区 (or 居委会).
    pub fn from_name(name: &str) -> Option<LocalityKind> {
        if name.ends_with('村') {
            Some(LocalityKind::Village)
        } else if name.ends_with("社区") || name.ends_with("居委会") {
            Some(LocalityKind::Community)
        } else {
            None
        }
    }

    /// The kind as written in a roster spreadsheet: 村 or 社区 (or the code).
    pub fn from_label(s: &str) -> Option<LocalityKind> {
        match s.trim() {
            "村" | "village" => Some(LocalityKind::Village),
            "社区" | "community" => Some(LocalityKind::Community),
            _ => None,
        }
    }

    /// As a roster spreadsheet writes it (what `from_label` reads).
    pub fn label(self) -> &'static str {
        match self {
            LocalityKind::Village => "村",
            LocalityKind::Community => "社区",
        }
    }
}

code_enum!(
    /// 在任 / 离任. A member who leaves keeps every record.
    MemberStatus, "member_status" {
        Active = "active",
        Left = "left",
    }
);

code_enum!(
    Gender, "gender" {
        Male = "male",
        Female = "female",
    }
);

impl Gender {
    pub fn from_label(s: &str) -> Option<Gender> {
        match s.trim() {
            "男" | "male" => Some(Gender::Male),
            "女" | "female" => Some(Gender::Female),
            _ => None,
        }
    }

    /// As a roster spreadsheet writes it (what `from_label` reads).
    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

code_enum!(
    /// 专职 / 兼职 staffer.
    Employment, "employment" {
        FullTime = "full_time",
        PartTime = "part_time",
    }
);

code_enum!(
    /// The 六有 standard of a Members' Home (委员之家).
    HomeItem, "home_item" {
        /// 有规范标识
        Signage = "signage",
        /// 有活动场所
        Venue = "venue",
        /// 有规章制度
        Rules = "rules",
        /// 有社情民意征集箱
        OpinionBox = "opinion_box",
        /// 有活动记录
        Records = "records",
        /// 有活动成果展示
        Results = "results",
    }
);

code_enum!(
    ItemStatus, "item_status" {
        Met = "met",
        Partial = "partial",
        Missing = "missing",
    }
);

/// How an item stands on the compliance board: met items need evidence to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compliance {
    Met,
    /// Marked met, but nothing (photo, document, note) shows it.
    NoEvidence,
    Partial,
    Missing,
}

impl Compliance {
    pub fn of(status: ItemStatus, evidence_count: i64) -> Compliance {
        match status {
            ItemStatus::Met if evidence_count > 0 => Compliance::Met,
            ItemStatus::Met => Compliance::NoEvidence,
            ItemStatus::Partial => Compliance::Partial,
            ItemStatus::Missing => Compliance::Missing,
        }
    }

    pub fn css(self) -> &'static str {
        match self {
            Compliance::Met => "ok",
            Compliance::NoEvidence => "warn",
            Compliance::Partial => "warn",
            Compliance::Missing => "bad",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Compliance::Met => "compliance.met",
            Compliance::NoEvidence => "compliance.no_evidence",
            Compliance::Partial => "compliance.partial",
            Compliance::Missing => "compliance.missing",
        }
    }
}

/// The CPPCC's standard sectors (界别), pre-filled for a new committee.
pub const STANDARD_SECTORS: [&str; 34] = [
    "中国共产党",
    "中国国民党革命委员会",
    "中国民主同盟",
    "中国民主建国会",
    "中国民主促进会",
    "中国农工民主党",
    "中国致公党",
    "九三学社",
    "台湾民主自治同盟",
    "无党派人士",
    "中国共产主义青年团",
    "中华全国总工会",
    "中华全国妇女联合会",
    "中华全国青年联合会",
    "中华全国工商业联合会",
    "科学技术界",
    "中华全国台湾同胞联谊会",
    "中华全国归国华侨联合会",
    "文化艺术界",
    "科学技术协会",
    "新闻出版界",
    "教育界",
    "体育界",
    "经济界",
    "农业界",
    "医药卫生界",
    "社会科学界",
    "对外友好界",
    "社会福利和社会保障界",
    "少数民族界",
    "宗教界",
    "特邀香港人士",
    "特邀澳门人士",
    "特别邀请人士",
];

/// Party affiliations (政治面貌) as a roster records them.
pub const PARTIES: [&str; 12] = [
    "中共党员",
    "民革党员",
    "民盟盟员",
    "民建会员",
    "民进会员",
    "农工党党员",
    "致公党党员",
    "九三学社社员",
    "台盟盟员",
    "无党派人士",
    "共青团员",
    "群众",
];

/// A Chinese mobile number: 11 digits starting 1[3-9]. Spaces and dashes are
/// dropped, as people type them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Option<Phone> {
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let b = digits.as_bytes();
        let ok = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit);
        ok.then_some(Phone(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A committee's public phone as residents dial it: a landline with its area
/// code (0398-2821234), a mobile, or a short hotline (12345); digits with
/// spaces or dashes between, at most 20 characters. Returned trimmed.
pub fn public_phone(s: &str) -> Option<String> {
    let s = s.trim();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let ok = (3..=20).contains(&s.chars().count())
        && digits >= 3
        && s.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_digit());
    ok.then(|| s.to_string())
}

/// 138****5678: how a phone number shows in lists (one implementation for the app).
pub use crate::kernel::personal::mask_phone;

/// District staff manage the whole roster (members, sectors, offices).
pub fn can_manage_roster(actor: &Actor) -> bool {
    actor.role == Role::DistrictAdmin
}

/// Who may change an office's localities, liaisons and Members' Home: the
/// district, and that office's own staff.
pub fn can_manage_office(actor: &Actor, office: OfficeId) -> bool {
    match actor.role {
        Role::DistrictAdmin => true,
        Role::OfficeStaff => actor.office_id == Some(office),
        _ => false,
    }
}

/// Who reads the member roster beyond their own record.
pub fn can_read_roster(actor: &Actor) -> bool {
    matches!(actor.role, Role::DistrictAdmin | Role::Leader | Role::OfficeStaff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, office: Option<i64>) -> Actor {
        Actor::sample(role, office)
    }

    #[test]
    fn kinds_from_names() {
        assert_eq!(OfficeKind::from_name("高庙乡"), Some(OfficeKind::Township));
        assert_eq!(OfficeKind::from_name("涧河街道"), Some(OfficeKind::Street));
        assert_eq!(OfficeKind::from_name("某某镇"), Some(OfficeKind::Town));
        assert_eq!(OfficeKind::from_name("湖滨区"), None);
        assert_eq!(LocalityKind::from_name("五原路社区"), Some(LocalityKind::Community));
        assert_eq!(LocalityKind::from_name("高庙村"), Some(LocalityKind::Village));
        assert_eq!(LocalityKind::from_label("社区"), Some(LocalityKind::Community));
        assert_eq!(LocalityKind::from_label("镇"), None);
        for k in OfficeKind::ALL {
            assert_eq!(OfficeKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(HomeItem::ALL.len(), 6);
    }

    #[test]
    fn spreadsheet_labels_round_trip() {
        for k in LocalityKind::ALL {
            assert_eq!(LocalityKind::from_label(k.label()), Some(*k));
        }
        for g in Gender::ALL {
            assert_eq!(Gender::from_label(g.label()), Some(*g));
        }
        assert_eq!(Gender::Female.label(), "女");
    }

    #[test]
    fn phones() {
        assert_eq!(Phone::parse("138 3980 1234").map(|p| p.0), Some("13839801234".into()));
        assert_eq!(Phone::parse("12839801234"), None);
        assert_eq!(Phone::parse("1383980123"), None);
        assert_eq!(Phone::parse("1383980123x"), None);
        assert_eq!(mask_phone("13839805678"), "138****5678");
        assert_eq!(mask_phone("123"), "***");
        assert_eq!(public_phone(" 0398-2821234 ").as_deref(), Some("0398-2821234"));
        assert_eq!(public_phone("12345").as_deref(), Some("12345"));
        assert_eq!(public_phone("电话2821234"), None);
        assert_eq!(public_phone("-12"), None);
    }

    #[test]
    fn compliance_needs_evidence() {
        assert_eq!(Compliance::of(ItemStatus::Met, 1), Compliance::Met);
        assert_eq!(Compliance::of(ItemStatus::Met, 0), Compliance::NoEvidence);
        assert_eq!(Compliance::of(ItemStatus::Partial, 3), Compliance::Partial);
        assert_eq!(Compliance::of(ItemStatus::Missing, 0), Compliance::Missing);
    }

    #[test]
    fn who_manages_what() {
        let district = actor(Role::DistrictAdmin, None);
        let staff = actor(Role::OfficeStaff, Some(3));
        let leader = actor(Role::Leader, None);
        let member = actor(Role::Member, Some(3));
        assert!(can_manage_roster(&district));
        assert!(!can_manage_roster(&staff));
        assert!(can_manage_office(&district, OfficeId(9)));
        assert!(can_manage_office(&staff, OfficeId(3)));
        assert!(!can_manage_office(&staff, OfficeId(4)));
        assert!(!can_manage_office(&leader, OfficeId(3)));
        assert!(!can_manage_office(&member, OfficeId(3)));
        assert!(can_read_roster(&leader));
        assert!(!can_read_roster(&member));
        assert!(!can_read_roster(&actor(Role::Sysadmin, None)));
    }
}
