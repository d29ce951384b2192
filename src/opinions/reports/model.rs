//! 社情民意信息 reports, domain.md "The opinion loop": their states, who may
//! move them, the checks on their text, and the small rules of the printed
//! form. No I/O.
//!
//! 编报 compiled → 报送 sent → 采用 adopted (by a level) → 批示 instructed,
//! or 报送 → 不予采用 not_adopted. Forward only, one step at a time; 批示 and
//! 不予采用 are final.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Asia::Shanghai;
use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

use crate::code_enum;
use crate::kernel::auth::Role;

/// A report's id (kept here rather than in `kernel::ids`: nothing else names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DieselNewType, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReportId(pub i64);

impl std::fmt::Display for ReportId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

code_enum!(
    ReportStatus, "report.status" {
        /// 编报: written up; still editable.
        Compiled = "compiled",
        /// 报送: sent up the line (the district's job).
        Sent = "sent",
        /// 采用: taken up by a level (区/市/省/全国).
        Adopted = "adopted",
        /// 批示: a leader gave an instruction on it. Final.
        Instructed = "instructed",
        /// 不予采用. Final.
        NotAdopted = "not_adopted",
    }
);

impl ReportStatus {
    pub fn is_final(self) -> bool {
        matches!(self, ReportStatus::Instructed | ReportStatus::NotAdopted)
    }

    /// Only the compiled text may change: what was sent up is what was sent up.
    pub fn editable(self) -> bool {
        self == ReportStatus::Compiled
    }
}

code_enum!(
    /// The level that adopted a report.
    Level, "report.level" {
        District = "district",
        City = "city",
        Province = "province",
        National = "national",
    }
);

impl Level {
    /// As the case timeline and the audit log note it (records are in Chinese).
    pub fn name_zh(self) -> &'static str {
        match self {
            Level::District => "区级",
            Level::City => "市级",
            Level::Province => "省级",
            Level::National => "全国",
        }
    }
}

/// A step in a report's fate, with what it needs. Texts arrive as typed; the
/// rules trim them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    /// 报送, optionally naming where to (市政协, …).
    Send { to: String },
    /// 采用 by a level.
    Adopt { level: Option<Level> },
    /// 不予采用.
    Decline,
    /// 批示: the instruction and the leader who gave it.
    Instruct { text: String, by: String },
}

impl Move {
    pub fn as_str(&self) -> &'static str {
        match self {
            Move::Send { .. } => "send",
            Move::Adopt { .. } => "adopt",
            Move::Decline => "decline",
            Move::Instruct { .. } => "instruct",
        }
    }
}

/// Why a move is refused; each is a message key, so the user reads why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Beyond 编报 only the district moves a report.
    DistrictOnly,
    /// 批示 or 不予采用: nothing more happens.
    Final,
    AlreadySent,
    NotSent,
    AlreadyAdopted,
    NotAdopted,
    NeedsLevel,
    NeedsInstruction,
    NeedsInstructionBy,
    TooLong,
}

impl Refused {
    pub fn message_key(self) -> &'static str {
        match self {
            Refused::DistrictOnly => "report.err.district_only",
            Refused::Final => "report.err.final",
            Refused::AlreadySent => "report.err.already_sent",
            Refused::NotSent => "report.err.not_sent",
            Refused::AlreadyAdopted => "report.err.already_adopted",
            Refused::NotAdopted => "report.err.not_adopted",
            Refused::NeedsLevel => "report.err.need_level",
            Refused::NeedsInstruction => "report.err.need_instruction",
            Refused::NeedsInstructionBy => "report.err.need_instruction_by",
            Refused::TooLong => "report.err.too_long",
        }
    }
}

/// Longest free text in a field of a move (where it was sent, who instructed).
pub const MAX_SHORT_CHARS: usize = 100;
/// Longest section (situation, analysis, suggestion, an instruction).
pub const MAX_SECTION_CHARS: usize = 5000;
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_REPORTER_CHARS: usize = 50;
/// Longest line of the 版记 (报, 送, 抄送) and the issuing office.
pub const MAX_IMPRINT_CHARS: usize = 200;
/// Most reports a committee can have issued before this system.
pub const MAX_TOTAL_BEFORE: i64 = 1_000_000;

/// The state after `mv`, or why not. `district` says whether the actor is
/// district staff: sending up and recording the outcome is the district's job.
pub fn next(status: ReportStatus, mv: &Move, district: bool) -> Result<ReportStatus, Refused> {
    use ReportStatus::*;
    if !district {
        return Err(Refused::DistrictOnly);
    }
    if status.is_final() {
        return Err(Refused::Final);
    }
    let to = match (status, mv) {
        (Compiled, Move::Send { .. }) => Sent,
        (_, Move::Send { .. }) => return Err(Refused::AlreadySent),
        (Sent, Move::Adopt { .. }) => Adopted,
        (Sent, Move::Decline) => NotAdopted,
        (Compiled, Move::Adopt { .. } | Move::Decline) => return Err(Refused::NotSent),
        (_, Move::Adopt { .. } | Move::Decline) => return Err(Refused::AlreadyAdopted),
        (Adopted, Move::Instruct { .. }) => Instructed,
        (_, Move::Instruct { .. }) => return Err(Refused::NotAdopted),
    };
    // What the move needs, checked once the state allows it.
    match mv {
        Move::Send { to } if to.trim().chars().count() > MAX_SHORT_CHARS => return Err(Refused::TooLong),
        Move::Adopt { level: None } => return Err(Refused::NeedsLevel),
        Move::Instruct { text, by } => {
            if text.trim().is_empty() {
                return Err(Refused::NeedsInstruction);
            }
            if by.trim().is_empty() {
                return Err(Refused::NeedsInstructionBy);
            }
            if text.trim().chars().count() > MAX_SECTION_CHARS || by.trim().chars().count() > MAX_SHORT_CHARS {
                return Err(Refused::TooLong);
            }
        }
        _ => {}
    }
    Ok(to)
}

/// Who may write reports up at all: district staff and office staff (the
/// office part — only from their own office's cases — is the store's, it needs
/// the case).
pub fn may_compile(role: Role) -> bool {
    matches!(role, Role::DistrictAdmin | Role::OfficeStaff)
}

/// A report's text as the form gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportText {
    pub title: String,
    pub situation: String,
    pub analysis: String,
    pub suggestion: String,
    /// As printed under 反映人.
    pub reporter_name: String,
    /// The 版记: who it is reported (报), sent (送) and copied (抄送) to.
    pub report_to: String,
    pub deliver_to: String,
    pub copy_to: String,
}

impl ReportText {
    /// The same text with every field trimmed.
    pub fn trimmed(&self) -> ReportText {
        ReportText {
            title: self.title.trim().to_string(),
            situation: self.situation.trim().to_string(),
            analysis: self.analysis.trim().to_string(),
            suggestion: self.suggestion.trim().to_string(),
            reporter_name: self.reporter_name.trim().to_string(),
            report_to: self.report_to.trim().to_string(),
            deliver_to: self.deliver_to.trim().to_string(),
            copy_to: self.copy_to.trim().to_string(),
        }
    }

    /// Every part of the usual format must be there; each problem is a message key.
    pub fn check(&self) -> Result<(), &'static str> {
        let t = self.trimmed();
        let len = |s: &str| s.chars().count();
        for (v, key) in [
            (&t.title, "report.err.need_title"),
            (&t.situation, "report.err.need_situation"),
            (&t.analysis, "report.err.need_analysis"),
            (&t.suggestion, "report.err.need_suggestion"),
            (&t.reporter_name, "report.err.need_reporter"),
        ] {
            if v.is_empty() {
                return Err(key);
            }
        }
        if len(&t.title) > MAX_TITLE_CHARS
            || len(&t.reporter_name) > MAX_REPORTER_CHARS
            || [&t.situation, &t.analysis, &t.suggestion].iter().any(|s| len(s) > MAX_SECTION_CHARS)
        {
            return Err("report.err.too_long");
        }
        if [&t.report_to, &t.deliver_to, &t.copy_to].iter().any(|s| len(s) > MAX_IMPRINT_CHARS) {
            return Err("report.err.too_long_imprint");
        }
        Ok(())
    }
}

/// A committee's settings for its printed reports: the 版记's usual 报, 送
/// and 抄送 (a new report starts from them), the office that issues the
/// reports (empty: the committee's 办公室), and how many it had issued before
/// this system when it numbers them across the years (总第N期; `None`: it
/// does not).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PrintSettings {
    pub report_to: String,
    pub deliver_to: String,
    pub copy_to: String,
    pub issuer: String,
    pub total_before: Option<i64>,
}

impl PrintSettings {
    /// The settings as the form gives them, trimmed and checked; `total_before`
    /// as typed (empty: no running number). Each problem is a message key.
    pub fn parse(
        report_to: &str,
        deliver_to: &str,
        copy_to: &str,
        issuer: &str,
        total_before: &str,
    ) -> Result<PrintSettings, &'static str> {
        let s = PrintSettings {
            report_to: report_to.trim().to_string(),
            deliver_to: deliver_to.trim().to_string(),
            copy_to: copy_to.trim().to_string(),
            issuer: issuer.trim().to_string(),
            total_before: match total_before.trim() {
                "" => None,
                n => Some(
                    n.parse::<i64>()
                        .ok()
                        .filter(|n| (0..=MAX_TOTAL_BEFORE).contains(n))
                        .ok_or("report.err.bad_total_before")?,
                ),
            },
        };
        if [&s.report_to, &s.deliver_to, &s.copy_to, &s.issuer].iter().any(|t| t.chars().count() > MAX_IMPRINT_CHARS) {
            return Err("report.err.too_long_imprint");
        }
        Ok(s)
    }

    /// The office printed on the 印发 line.
    pub fn issuer_or(&self, committee: &str) -> String {
        if self.issuer.is_empty() { format!("{committee}办公室") } else { self.issuer.clone() }
    }
}

/// 2026年第3期, and 总第128期 where the committee numbers its reports across
/// the years: `total` counts from the first report this system issued.
pub fn issue_line(year: i32, number: i64, total_before: Option<i64>, total: i64) -> String {
    let mut s = format!("{year}年{}", issue_label(number));
    if let Some(before) = total_before {
        s.push_str(&format!("（总第{}期）", before + total));
    }
    s
}

/// What 反映人 prints after the name: 委员, the sector and the workplace with
/// the post, those there are.
pub fn reporter_status(member: bool, sector: Option<&str>, employer: &str, post: &str) -> Vec<String> {
    let mut out = vec![];
    if member {
        out.push("委员".to_string());
    }
    if let Some(s) = sector.map(str::trim).filter(|s| !s.is_empty()) {
        out.push(s.to_string());
    }
    let work = format!("{}{}", employer.trim(), post.trim());
    if !work.is_empty() {
        out.push(work);
    }
    out
}

/// A member's reports in a year: how many were written up, sent up, adopted
/// and instructed. Each later stage counts in the earlier ones (an adopted
/// report was also sent), the way a member's 履职 record counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub compiled: i64,
    pub sent: i64,
    pub adopted: i64,
    pub instructed: i64,
}

impl Counts {
    pub fn tally(statuses: impl IntoIterator<Item = ReportStatus>) -> Counts {
        use ReportStatus::*;
        let mut c = Counts::default();
        for s in statuses {
            c.compiled += 1;
            if matches!(s, Sent | Adopted | Instructed | NotAdopted) {
                c.sent += 1;
            }
            if matches!(s, Adopted | Instructed) {
                c.adopted += 1;
            }
            if s == Instructed {
                c.instructed += 1;
            }
        }
        c
    }

    pub fn as_tuple(self) -> (i64, i64, i64, i64) {
        (self.compiled, self.sent, self.adopted, self.instructed)
    }
}

/// The Beijing date of a stored (UTC) time: the year a report counts in and
/// the date printed on it.
pub fn local_date(t: NaiveDateTime) -> NaiveDate {
    t.and_utc().with_timezone(&Shanghai).date_naive()
}

/// 第 N 期: the report's number in its committee and year.
pub fn issue_label(n: i64) -> String {
    format!("第{n}期")
}

/// Longest title taken from a case's text.
const TITLE_FROM_CASE_CHARS: usize = 40;

/// A first title from the case: its first sentence, shortened. Staff rewrite it
/// in the usual 「关于……的建议」 form; this only saves typing.
pub fn title_from(body: &str) -> String {
    let first = body.trim().split(['。', '！', '？', '!', '?', '；', ';', '\n']).find(|s| !s.trim().is_empty());
    let first = first.unwrap_or("").trim().trim_end_matches(['，', ',']);
    if first.chars().count() > TITLE_FROM_CASE_CHARS {
        let short: String = first.chars().take(TITLE_FROM_CASE_CHARS).collect();
        format!("{short}…")
    } else {
        first.to_string()
    }
}

/// The situation from the case and its merged duplicates: each distinct text
/// once, then how many residents raised it, which is what gives a 社情民意信息
/// its weight.
pub fn situation_from(body: &str, duplicates: &[String]) -> String {
    let mut seen: Vec<&str> = vec![body.trim()];
    for d in duplicates {
        let d = d.trim();
        if !d.is_empty() && !seen.contains(&d) {
            seen.push(d);
        }
    }
    let mut out = seen.join("\n");
    if !duplicates.is_empty() {
        out.push_str(&format!("\n（共有{}位群众反映了这一问题。）", duplicates.len() + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ReportStatus::*;
    use super::*;

    fn every_move() -> Vec<Move> {
        vec![
            Move::Send { to: "市政协".into() },
            Move::Adopt { level: Some(Level::City) },
            Move::Decline,
            Move::Instruct { text: "请市住建局研究办理。".into(), by: "市委书记".into() },
        ]
    }

    #[test]
    fn the_whole_way_forward() {
        let mut s = Compiled;
        for mv in every_move().into_iter().filter(|m| *m != Move::Decline) {
            s = next(s, &mv, true).unwrap_or_else(|e| panic!("{mv:?} from {s:?}: {e:?}"));
        }
        assert_eq!(s, Instructed);
        assert_eq!(next(Sent, &Move::Decline, true), Ok(NotAdopted));
    }

    /// Every (state, move): exactly these are allowed, one step forward each.
    #[test]
    fn every_transition() {
        let allowed = [
            (Compiled, "send", Sent),
            (Sent, "adopt", Adopted),
            (Sent, "decline", NotAdopted),
            (Adopted, "instruct", Instructed),
        ];
        for s in ReportStatus::ALL {
            for mv in every_move() {
                let got = next(*s, &mv, true);
                match allowed.iter().find(|(from, m, _)| from == s && *m == mv.as_str()) {
                    Some((_, _, to)) => assert_eq!(got, Ok(*to), "{s:?} --{mv:?}"),
                    None => assert!(got.is_err(), "{s:?} --{mv:?} should be refused, got {got:?}"),
                }
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(next(Compiled, &Move::Adopt { level: Some(Level::City) }, true), Err(Refused::NotSent));
        assert_eq!(next(Compiled, &Move::Decline, true), Err(Refused::NotSent));
        assert_eq!(next(Sent, &Move::Send { to: String::new() }, true), Err(Refused::AlreadySent));
        assert_eq!(next(Adopted, &Move::Decline, true), Err(Refused::AlreadyAdopted));
        assert_eq!(next(Sent, &every_move()[3], true), Err(Refused::NotAdopted), "批示 only after 采用");
        for s in [Instructed, NotAdopted] {
            assert!(s.is_final());
            for mv in every_move() {
                assert_eq!(next(s, &mv, true), Err(Refused::Final), "{s:?} --{mv:?}");
            }
        }
    }

    #[test]
    fn only_the_district_moves_a_report_on() {
        for s in ReportStatus::ALL {
            for mv in every_move() {
                assert_eq!(next(*s, &mv, false), Err(Refused::DistrictOnly));
            }
        }
        assert!(may_compile(Role::DistrictAdmin) && may_compile(Role::OfficeStaff));
        for r in [Role::Leader, Role::Member, Role::Department, Role::Auditor, Role::Sysadmin] {
            assert!(!may_compile(r), "{r:?}");
        }
    }

    #[test]
    fn moves_need_their_fields() {
        assert_eq!(next(Sent, &Move::Adopt { level: None }, true), Err(Refused::NeedsLevel));
        let instruct = |text: &str, by: &str| Move::Instruct { text: text.into(), by: by.into() };
        assert_eq!(next(Adopted, &instruct("  ", "市长"), true), Err(Refused::NeedsInstruction));
        assert_eq!(next(Adopted, &instruct("请研究。", " "), true), Err(Refused::NeedsInstructionBy));
        assert_eq!(next(Adopted, &instruct(&"很".repeat(5001), "市长"), true), Err(Refused::TooLong));
        assert_eq!(next(Compiled, &Move::Send { to: "市".repeat(101) }, true), Err(Refused::TooLong));
        // Where it went is worth noting, not required.
        assert_eq!(next(Compiled, &Move::Send { to: String::new() }, true), Ok(Sent));
    }

    #[test]
    fn only_compiled_reports_are_edited() {
        assert!(Compiled.editable());
        assert!(ReportStatus::ALL.iter().filter(|s| s.editable()).count() == 1);
    }

    #[test]
    fn text_needs_every_part() {
        let ok = ReportText {
            title: "关于加强老旧小区路灯维护的建议".into(),
            situation: "路灯坏了三个月。".into(),
            analysis: "维护责任不清。".into(),
            suggestion: "明确责任单位。".into(),
            reporter_name: "张三".into(),
            ..ReportText::default()
        };
        assert_eq!(ok.check(), Ok(()));
        let without = |f: fn(&mut ReportText)| {
            let mut t = ok.clone();
            f(&mut t);
            t.check()
        };
        assert_eq!(without(|t| t.title = " ".into()), Err("report.err.need_title"));
        assert_eq!(without(|t| t.situation.clear()), Err("report.err.need_situation"));
        assert_eq!(without(|t| t.analysis.clear()), Err("report.err.need_analysis"));
        assert_eq!(without(|t| t.suggestion.clear()), Err("report.err.need_suggestion"));
        assert_eq!(without(|t| t.reporter_name.clear()), Err("report.err.need_reporter"));
        assert_eq!(without(|t| t.title = "长".repeat(101)), Err("report.err.too_long"));
        assert_eq!(without(|t| t.analysis = "长".repeat(5001)), Err("report.err.too_long"));
        assert_eq!(without(|t| t.copy_to = "长".repeat(201)), Err("report.err.too_long_imprint"));
        assert_eq!(without(|t| t.report_to = "市政协办公室".into()), Ok(()), "the 版记 is optional");
    }

    #[test]
    fn counts_include_later_stages() {
        let c = Counts::tally([Compiled, Sent, Adopted, Instructed, NotAdopted, Adopted]);
        assert_eq!(c.as_tuple(), (6, 5, 3, 1));
        assert_eq!(Counts::tally([]).as_tuple(), (0, 0, 0, 0));
    }

    #[test]
    fn printed_dates_and_numbers() {
        assert_eq!(issue_label(12), "第12期");
        // 17:00 UTC on New Year's Eve is already the new year in Beijing.
        let t = NaiveDate::from_ymd_opt(2026, 12, 31).and_then(|d| d.and_hms_opt(17, 0, 0)).expect("time");
        assert_eq!(local_date(t), NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"));
    }

    #[test]
    fn print_settings_as_typed() {
        let s = PrintSettings::parse(" 市政协办公室 ", "区委、区政府领导", "", "", "").expect("ok");
        assert_eq!((s.report_to.as_str(), s.total_before), ("市政协办公室", None));
        assert_eq!(s.issuer_or("三门峡市湖滨区政协"), "三门峡市湖滨区政协办公室");
        let s = PrintSettings::parse("", "", "", "湖滨区政协办公室", " 127 ").expect("ok");
        assert_eq!((s.issuer_or("x").as_str(), s.total_before), ("湖滨区政协办公室", Some(127)));
        for bad in ["-1", "一百", "1.5", "10000001"] {
            assert_eq!(PrintSettings::parse("", "", "", "", bad), Err("report.err.bad_total_before"), "{bad}");
        }
        assert_eq!(PrintSettings::parse(&"长".repeat(201), "", "", "", ""), Err("report.err.too_long_imprint"));
    }

    #[test]
    fn issue_lines_and_reporters() {
        assert_eq!(issue_line(2026, 1, None, 5), "2026年第1期");
        assert_eq!(issue_line(2026, 1, Some(127), 1), "2026年第1期（总第128期）");
        assert_eq!(
            reporter_status(true, Some("经济界"), "湖滨区某公司", "总经理"),
            ["委员", "经济界", "湖滨区某公司总经理"]
        );
        assert_eq!(reporter_status(true, None, " ", ""), ["委员"]);
        assert!(reporter_status(false, None, "", "").is_empty());
    }

    #[test]
    fn prefill_from_the_case() {
        assert_eq!(
            title_from("  五原路社区路灯坏了三个月，晚上很黑。请尽快修。"),
            "五原路社区路灯坏了三个月，晚上很黑"
        );
        assert_eq!(title_from(&"长".repeat(50)).chars().count(), 41);
        assert_eq!(title_from(""), "");
        assert_eq!(situation_from("路灯坏了。", &[]), "路灯坏了。");
        let s = situation_from("路灯坏了。", &["路灯坏了。".into(), "三号楼前路灯不亮。".into()]);
        assert_eq!(s, "路灯坏了。\n三号楼前路灯不亮。\n（共有3位群众反映了这一问题。）");
    }
}
