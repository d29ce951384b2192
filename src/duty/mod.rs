//! A member's duty record (履职档案) for a year: everything the member did
//! that the system knows — activities and consultations attended, opinions
//! heard at activities and brought to staff, 社情民意信息 written and adopted
//! — as one dated list with its counts, for the member page (`org::duty`)
//! and as xlsx.
//!
//! This module sits above the areas and reads through their stores. Who may
//! read a member's record is the roster's rule (`members::profile`: the
//! member themself, their office's staff, the district and leaders); anyone
//! else gets "not found". The areas' `…_unscoped` functions are called only
//! after that check.

pub mod docx;
pub mod jobs;
pub mod routes;
pub mod score;
pub mod scores;
pub mod time;
pub mod xlsx;

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::activities::export::{file_part, place, summary};
use crate::activities::store::activities::{self as activity_store, Activity};
use crate::activities::store::heard;
use crate::consultations::store::consultations::{self as consultation_store, Consultation};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, MemberId, OpinionId};
use crate::kernel::time::local_time;
use crate::kernel::web::i18n::Lang;
use crate::opinions::reports::model::ReportStatus;
use crate::opinions::reports::store::{self as report_store, Report};
use crate::opinions::store::cases::{self, HeardCase};
use crate::org::duty::DutyCounts;
use crate::org::store::members::{self, Profile};

/// The record's fixed texts: an archive document, always in Chinese.
pub mod zh {
    pub const SHEET: &str = "履职档案";
    pub const FILE: &str = "履职档案";
    pub const COLUMNS: [&str; 7] = ["序号", "时间", "类别", "事项", "工作办公室", "地点或说明", "状态"];
    pub const NONE: &str = "无";
    pub const PRESENT: &str = "出席";

    pub fn title(name: &str, year: i32) -> String {
        format!("{name} {year}年度履职档案")
    }
    pub fn note(office: &str, sector: &str, printed: &str) -> String {
        format!("工作办公室：{office}　界别：{sector}　导出日期：{printed}")
    }
    pub fn heard_at(activity: &str, code: &str) -> String {
        format!("在“{activity}”中听取，查询码{code}")
    }
    pub fn entered(source: &str, code: &str) -> String {
        format!("{source}，查询码{code}")
    }
    pub fn with_level(status: &str, level: &str) -> String {
        format!("{status}（{level}）")
    }
    pub fn activity_place(kind: &str, place: &str) -> String {
        if place.is_empty() { kind.to_string() } else { format!("{kind}：{place}") }
    }

    /// The Word file's headings and labels.
    pub mod docx {
        pub const ABOUT: &str = "一、基本情况";
        pub const DONE: &str = "二、履职情况";
        pub const SCORE: &str = "三、履职积分";
        pub const RECORDS: &str = "履职记录";
        pub const SCORED_BY: &str = "积分按区政协当年积分标准由系统根据以上记录自动计算，每一分对应一条记录。";
        pub const OFFICE: &str = "工作办公室：";
        pub const PRINTED: &str = "导出日期：";

        pub fn days(done: &str, expected: i32) -> String {
            if expected > 0 { format!("{done}天（履职规定每年{expected}天）") } else { format!("{done}天") }
        }
    }

    pub const SCORE_SHEET: &str = "履职积分";
    pub const SCORE_COLUMNS: [&str; 5] = ["序号", "日期", "项目", "记录", "积分"];
    pub const TOTAL: &str = "合计";

    pub fn score_title(name: &str, year: i32) -> String {
        format!("{name} {year}年度履职积分")
    }
    /// Duty days done, and those the rules ask for when set.
    pub fn days(done: &str, expected: i32) -> String {
        if expected > 0 {
            format!("履职天数：{done}天（履职规定每年{expected}天）。积分按区政协积分标准由系统记录自动计算。")
        } else {
            format!("履职天数：{done}天。积分按区政协积分标准由系统记录自动计算。")
        }
    }

    /// The summary under the title: every count, in words.
    pub fn summary(c: &crate::org::duty::DutyCounts) -> String {
        format!(
            "合计：参加委员活动{}次，参加协商议事{}次，在活动中听取社情民意{}条，反映社情民意{}条，编报社情民意信息{}篇（其中被采用{}篇）。",
            c.activities, c.consultations, c.heard, c.entered, c.reports, c.adopted
        )
    }
}

/// How much of an opinion's text the list shows.
const OPINION_CHARS: usize = 40;

/// What the member did, in the list's order of kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Activity,
    Consultation,
    Heard,
    Entered,
    Report,
}

impl Kind {
    /// The list's 类别 and the summary's words.
    pub fn zh(self) -> &'static str {
        match self {
            Kind::Activity => "参加活动",
            Kind::Consultation => "参加协商",
            Kind::Heard => "听取民意",
            Kind::Entered => "反映民意",
            Kind::Report => "社情民意信息",
        }
    }
}

/// One thing the member did.
#[derive(Debug, Clone)]
pub struct Line {
    /// Beijing time.
    pub at: NaiveDateTime,
    pub kind: Kind,
    pub title: String,
    pub office: String,
    /// Where, or what it was about.
    pub detail: String,
    pub state: String,
}

/// A member's year.
#[derive(Debug, Clone)]
pub struct Record {
    pub name: String,
    /// The member's office, or 无.
    pub office: String,
    pub sector: String,
    pub year: i32,
    pub lines: Vec<Line>,
    pub counts: DutyCounts,
    /// The year's 履职积分, line by line, and its total.
    pub score: Vec<score::ScoreLine>,
    pub score_total: i32,
    /// Duty half days (`duty::time`) and the days the rules ask for.
    pub half_days: i32,
    pub expected_days: i32,
}

/// What the areas' stores return for a member's year, before names are
/// looked up.
struct Gathered {
    profile: Profile,
    activities: Vec<Activity>,
    consultations: Vec<Consultation>,
    cases: Vec<HeardCase>,
    /// Cases heard at an activity: the activity and its title.
    at_activities: HashMap<OpinionId, (ActivityId, String)>,
    reports: Vec<Report>,
}

impl Gathered {
    fn counts(&self, year: i32) -> DutyCounts {
        let heard = self.cases.iter().filter(|c| self.at_activities.contains_key(&c.id)).count() as i64;
        DutyCounts {
            year,
            activities: self.activities.len() as i64,
            consultations: self.consultations.len() as i64,
            heard,
            entered: self.cases.len() as i64 - heard,
            reports: self.reports.len() as i64,
            adopted: self.reports.iter().filter(|r| adopted(r.status)).count() as i64,
        }
    }
}

fn adopted(s: ReportStatus) -> bool {
    matches!(s, ReportStatus::Adopted | ReportStatus::Instructed)
}

fn gather(conn: &mut DbConn, actor: &Actor, member: MemberId, year: i32) -> AppResult<Gathered> {
    let profile = members::profile(conn, actor, member)?;
    let reports = report_store::for_member(conn, actor, member, year)?.ok_or(AppError::NotFound)?.1;
    Ok(Gathered {
        activities: activity_store::attended_in_unscoped(conn, member, year)?,
        consultations: consultation_store::attended_in_unscoped(conn, member, year)?,
        cases: cases::heard_by_unscoped(conn, member, year)?,
        at_activities: heard::at_activities_unscoped(conn, member, year)?
            .into_iter()
            .map(|(case, activity, title)| (case, (activity, title)))
            .collect(),
        reports,
        profile,
    })
}

/// A member's year in numbers, for the member page; not found when the
/// actor may not see the member.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, member = ?member, year))]
pub fn counts(conn: &mut DbConn, actor: &Actor, member: MemberId, year: i32) -> AppResult<DutyCounts> {
    Ok(gather(conn, actor, member, year)?.counts(year))
}

fn label(key: &str) -> String {
    Lang::Zh.t(key)
}

/// A member's year as a dated list, with its counts; not found when the
/// actor may not see the member.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, member = ?member, year))]
pub fn record(conn: &mut DbConn, actor: &Actor, member: MemberId, year: i32) -> AppResult<Record> {
    let g = gather(conn, actor, member, year)?;
    let counts = g.counts(year);
    let mut lines = vec![];
    for a in &g.activities {
        let (office, locality, home) = activity_store::place_names(conn, a)?;
        let kind = label(&a.kind_label_key());
        lines.push(Line {
            at: local_time(&a.when()),
            kind: Kind::Activity,
            title: a.title.clone(),
            office,
            detail: zh::activity_place(&kind, &place(locality.as_deref(), home.as_deref(), &a.venue)),
            state: zh::PRESENT.to_string(),
        });
    }
    for c in &g.consultations {
        lines.push(Line {
            at: local_time(&c.when()),
            kind: Kind::Consultation,
            title: c.title.clone(),
            office: consultation_store::office_name(conn, c)?,
            detail: c.place.trim().to_string(),
            state: zh::PRESENT.to_string(),
        });
    }
    for case in &g.cases {
        let (kind, detail) = match g.at_activities.get(&case.id) {
            Some((_, activity)) => (Kind::Heard, zh::heard_at(activity, &case.code)),
            None => (Kind::Entered, zh::entered(&label(&case.source.label_key()), &case.code)),
        };
        lines.push(Line {
            at: local_time(&case.created_at),
            kind,
            title: summary(&case.body, OPINION_CHARS),
            office: String::new(),
            detail,
            state: label(&case.status.label_key()),
        });
    }
    for r in &g.reports {
        let status = label(&r.status_label_key());
        lines.push(Line {
            at: local_time(&r.created_at),
            kind: Kind::Report,
            title: r.title.clone(),
            office: String::new(),
            detail: String::new(),
            state: match r.level_label_key() {
                Some(level) if adopted(r.status) => zh::with_level(&status, &label(&level)),
                _ => status,
            },
        });
    }
    lines.sort_by_key(|l| (l.at, l.kind));
    let s = scores::member_score(conn, actor, member, year)?;
    let expected_days = scores::expected_days(conn, actor, year, crate::kernel::time::today())?;
    let p = g.profile;
    Ok(Record {
        score: s.lines,
        score_total: s.total,
        half_days: s.half_days,
        expected_days,
        name: p.member.name,
        office: p.office.map(|(_, name)| name).unwrap_or_else(|| zh::NONE.to_string()),
        sector: p.sector.unwrap_or_else(|| zh::NONE.to_string()),
        year,
        lines,
        counts,
    })
}

/// `履职档案_张丽华_2026.xlsx`.
/// `履职档案_张丽华_2026.xlsx` (or `.docx`).
pub fn file_name(r: &Record, ext: &str) -> String {
    format!("{}_{}_{}.{ext}", zh::FILE, file_part(&r.name, 20), r.year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_every_count() {
        let c =
            DutyCounts { year: 2026, activities: 3, consultations: 1, heard: 2, entered: 1, reports: 2, adopted: 1 };
        assert_eq!(
            zh::summary(&c),
            "合计：参加委员活动3次，参加协商议事1次，在活动中听取社情民意2条，反映社情民意1条，编报社情民意信息2篇（其中被采用1篇）。"
        );
        assert_eq!(zh::activity_place("联系活动", ""), "联系活动");
        assert!(adopted(ReportStatus::Instructed) && !adopted(ReportStatus::Sent));
    }
}
