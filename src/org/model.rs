//! Organisation types and rules: kinds, statuses, the 六有 checklist, the
//! standard sectors, who may manage what. No I/O here.

use chrono::{Datelike, NaiveDate};

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

/// A Chinese mobile number: 11 digits starting 1[3-9]. Written as people
/// write them: full-width digits, spaces, dashes, a "+86" or "86" prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Option<Phone> {
        let digits: String = halfwidth(s).chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        let digits = match digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")) {
            Some(rest) => rest,
            None if digits.len() == 13 => digits.strip_prefix("86").unwrap_or(&digits),
            None => &digits,
        };
        let b = digits.as_bytes();
        let ok = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit);
        ok.then(|| Phone(digits.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub use crate::kernel::web::form::halfwidth;

/// A member's birth date: often known to the month only (花名册 write
/// 1975年3月), and then it must not pretend to a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthDate {
    Day(NaiveDate),
    Month { year: i32, month: u32 },
}

impl BirthDate {
    /// A year and month as a birth date is written; None for impossible ones.
    pub fn month(year: i32, month: u32) -> Option<BirthDate> {
        ((1900..=2100).contains(&year) && (1..=12).contains(&month)).then_some(BirthDate::Month { year, month })
    }

    /// As people write it: a day (1975-03-12, 1975年3月12日, 1975.3.12) or a
    /// month (1975年3月, 1975.03, 1975-03, 1975/3, 197503), full-width too.
    pub fn parse(s: &str) -> Option<BirthDate> {
        let s: String = halfwidth(s).chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(d) = crate::kernel::time::parse_date(&s) {
            return Some(BirthDate::Day(d));
        }
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let (year, month) = if s.len() == 6 && digits(&s) {
            s.split_at(4)
        } else {
            let t = s.strip_suffix('月').unwrap_or(&s);
            let mut parts = t.split(['年', '.', '-', '/']);
            match (parts.next(), parts.next(), parts.next()) {
                (Some(y), Some(m), None) if y.len() == 4 && m.len() <= 2 => (y, m),
                _ => return None,
            }
        };
        if !digits(year) || !digits(month) {
            return None;
        }
        BirthDate::month(year.parse().ok()?, month.parse().ok()?)
    }

    /// How the member's page, the form and the export show it: 1975年3月12日
    /// or 1975年3月 (what `parse` reads back).
    pub fn label(self) -> String {
        match self {
            BirthDate::Day(d) => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            BirthDate::Month { year, month } => format!("{year}年{month}月"),
        }
    }

    /// As stored: a date (the first of the month when only the month is
    /// known) and whether only its month is meant.
    pub fn stored(self) -> (NaiveDate, bool) {
        match self {
            BirthDate::Day(d) => (d, false),
            BirthDate::Month { year, month } => (NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default(), true),
        }
    }

    pub fn from_stored(date: NaiveDate, month_only: bool) -> BirthDate {
        if month_only { BirthDate::Month { year: date.year(), month: date.month() } } else { BirthDate::Day(date) }
    }

    /// Whether two records of a birth agree as far as both know it (1975年3月
    /// agrees with 1975年3月12日).
    pub fn agrees_with(self, other: BirthDate) -> bool {
        match (self, other) {
            (BirthDate::Day(a), BirthDate::Day(b)) => a == b,
            (a, b) => a.stored().0.with_day(1) == b.stored().0.with_day(1),
        }
    }
}

/// In the audit log: 1975-03-12, or 1975-03 for a month.
impl serde::Serialize for BirthDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            BirthDate::Day(d) => s.collect_str(&d.format("%Y-%m-%d")),
            BirthDate::Month { year, month } => s.collect_str(&format_args!("{year:04}-{month:02}")),
        }
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
    fn phones_as_written() {
        for s in [
            "１３８３９８０１２３４",
            "138　3980　1234",
            "138-3980-1234",
            "+86 138 3980 1234",
            "8613839801234",
            "+8613839801234",
        ] {
            assert_eq!(Phone::parse(s).map(|p| p.0).as_deref(), Some("13839801234"), "{s}");
        }
        assert_eq!(Phone::parse("86138398012"), None, "eleven digits starting 86 are not a prefix");
        assert_eq!(halfwidth("（１９７５．０３）"), "(1975.03)");
    }

    #[test]
    fn birth_dates_to_the_day_or_the_month() {
        let the_day = BirthDate::Day(NaiveDate::from_ymd_opt(1975, 3, 12).expect("date"));
        let day = Some(the_day);
        for s in ["1975-03-12", "1975年3月12日", "1975.3.12", "1975/3/12", "19750312", "１９７５年３月１２日"]
        {
            assert_eq!(BirthDate::parse(s), day, "{s}");
        }
        let month = BirthDate::month(1975, 3);
        for s in
            ["1975年3月", "1975年03月", "1975.03", "1975-03", "1975/3", "197503", " 1975 年 3 月 ", "１９７５．０３"]
        {
            assert_eq!(BirthDate::parse(s), month, "{s}");
        }
        for s in ["1975年13月", "75.03", "1975", "去年", "1975-3-32", "1975.03.x"] {
            assert_eq!(BirthDate::parse(s), None, "{s}");
        }
        let m = month.expect("month");
        assert_eq!(m.label(), "1975年3月");
        assert_eq!(the_day.label(), "1975年3月12日");
        assert_eq!(BirthDate::parse(&m.label()), Some(m));
        let (d, only) = m.stored();
        assert_eq!(BirthDate::from_stored(d, only), m);
        assert!(m.agrees_with(the_day));
        assert!(!the_day.agrees_with(BirthDate::Day(NaiveDate::from_ymd_opt(1975, 3, 13).expect("date"))));
        assert_eq!(serde_json::to_string(&m).expect("json"), "\"1975-03\"");
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
