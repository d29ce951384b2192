//! The files an office files (归档): a quarter's or a year's activity list as
//! xlsx and one activity's record sheet (活动记录表) as docx. (A member's
//! year, activities included, is `crate::duty`.)
//!
//! The files are the office's archive documents and are always in Chinese:
//! their fixed texts (column headers, the record sheet's labels, file names)
//! live in [`zh`] below, and the kinds and states are the zh-CN locale's
//! labels. The links and messages around them follow the user's language.
//!
//! Who may have which file is checked by the stores this module reads
//! through: `activities::list`/`get` scope activities by office.

pub mod docx;
pub mod xlsx;

use std::collections::HashMap;
use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::activities::model::{Kind, Quarter, Status};
use crate::activities::store::activities::{self as store, Activity, Filter, Row};
use crate::activities::store::{Activities, heard};
use crate::kernel::auth::{Actor, OfficeScope};
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::members_homes;
use crate::kernel::docx::chinese_date;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ActivityId, HomeId, OfficeId};
use crate::kernel::web::i18n::Lang;
use crate::kernel::web::paging;
use crate::meetings::store::{attendees, files as meeting_files, speakers};
use crate::org::store as org;

/// Every fixed text of the exported files, in one place.
pub mod zh {
    /// The activity list's columns.
    pub const LIST_COLUMNS: [&str; 12] = [
        "时间",
        "类型",
        "活动名称",
        "工作办公室",
        "地点/联系点",
        "状态",
        "邀请人数",
        "出席人数",
        "出席委员",
        "群众人数",
        "纪要摘要",
        "成果",
    ];
    pub const LIST_SHEET: &str = "活动一览";
    /// The record sheet's title and labels, top to bottom.
    pub const RECORD_TITLE: &str = "委员活动记录表";
    pub const OFFICE_SUFFIX: &str = "政协工作办公室";
    pub const L_TITLE: &str = "活动名称";
    pub const L_KIND: &str = "活动类型";
    pub const L_OFFICE: &str = "工作办公室";
    pub const L_PLACE: &str = "活动地点";
    pub const L_TIME: &str = "活动时间";
    pub const L_TOPIC: &str = "活动主题";
    pub const L_INVITED: &str = "应邀委员";
    pub const L_PRESENT: &str = "出席委员";
    pub const L_APOLOGIES: &str = "请假委员及事由";
    pub const L_OTHERS: &str = "其他参加人员";
    pub const L_RESIDENTS: &str = "参加群众";
    pub const L_MINUTES: &str = "活动纪要";
    pub const L_OUTCOMES: &str = "活动成果";
    pub const L_FINDINGS: &str = "调研发现";
    pub const L_SPEAKERS: &str = "发言要点";
    pub const L_HEARD: &str = "收集的社情民意";
    pub const L_PHOTOS: &str = "照片及材料";
    pub const FILLED_BY: &str = "填表人：";
    pub const PRINTED_ON: &str = "填表日期：";
    /// Room to write a number, a date by hand on a blank form.
    pub const BLANK_PEOPLE: &str = "\u{3000}\u{3000}\u{3000}\u{3000}人";
    pub const BLANK_DATE: &str = "\u{3000}\u{3000}\u{3000}\u{3000}年\u{3000}\u{3000}月\u{3000}\u{3000}日";
    /// An empty field.
    pub const NONE: &str = "无";
    /// A list of names.
    pub const SEP: &str = "、";
    /// The whole committee, in file names and titles.
    pub const ALL_OFFICES: &str = "全区";
    pub const LIST_FILE: &str = "活动";
    pub const RECORD_FILE: &str = "活动记录表";

    pub fn people(n: usize) -> String {
        format!("{n}人")
    }
    pub fn year(year: i32) -> String {
        format!("{year}年")
    }
    pub fn list_title(scope: &str, period: &str) -> String {
        format!("{scope}{period}委员活动一览")
    }
    pub fn list_note(count: usize, printed: &str) -> String {
        format!("共{count}项活动　导出日期：{printed}")
    }
    pub fn not_held(status: &str) -> String {
        format!("（{status}）")
    }
    pub fn heard(count: usize, codes: &str) -> String {
        format!("共{count}条，查询码：{codes}")
    }
    pub fn files(photos: usize, others: usize) -> String {
        format!("照片{photos}张，其他材料{others}份（存于系统）")
    }
}

/// How long the minutes' summary in the list may be.
pub const SUMMARY_CHARS: usize = 200;

/// `store::activities::list` returns at most this many rows; the export asks
/// quarter by quarter, and office by office when a quarter is that full, so
/// nothing is cut off silently.
const LIST_CAP: usize = 500;

/// What a list export covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Quarter(Quarter),
    Year(i32),
}

impl Period {
    /// `quarter` (`2026Q4`) wins over `year` (`2026`), as on the list page;
    /// neither: the year of `today`.
    pub fn parse(quarter: Option<&str>, year: Option<&str>, today: NaiveDate) -> AppResult<Period> {
        match (quarter.map(str::trim).filter(|s| !s.is_empty()), year.map(str::trim).filter(|s| !s.is_empty())) {
            (Some(q), _) => Quarter::parse(q).map(Period::Quarter).ok_or(AppError::BadRequest("activity.bad_quarter")),
            (None, Some(y)) => parse_year(y).map(Period::Year),
            (None, None) => Ok(Period::Year(Quarter::of(today).year)),
        }
    }

    pub fn quarters(self) -> Vec<Quarter> {
        match self {
            Period::Quarter(q) => vec![q],
            Period::Year(year) => (1..=4).map(|q| Quarter { year, q }).collect(),
        }
    }

    /// `2026年第四季度`, `2026年`.
    pub fn chinese(self) -> String {
        match self {
            Period::Quarter(q) => q.label(Lang::Zh),
            Period::Year(y) => zh::year(y),
        }
    }
}

impl fmt::Display for Period {
    /// `2026Q4`, `2026`: for file names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Quarter(q) => write!(f, "{q}"),
            Period::Year(y) => write!(f, "{y}"),
        }
    }
}

/// A year as typed: four digits, 2000–2100.
pub fn parse_year(s: &str) -> AppResult<i32> {
    paging::year(Some(s)).ok_or(AppError::BadRequest("activity.bad_year"))
}

/// Where it took place: the village or community, the Members' Home and the
/// venue, whichever there are.
pub fn place(locality: Option<&str>, home: Option<&str>, venue: &str) -> String {
    let mut parts: Vec<&str> = vec![];
    for p in [locality, home, Some(venue)].into_iter().flatten().map(str::trim) {
        if !p.is_empty() && !parts.contains(&p) {
            parts.push(p);
        }
    }
    parts.join("，")
}

/// The first `max` characters on one line, with `…` when cut.
pub fn summary(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut s: String = one_line.chars().take(max).collect();
        s.push('…');
        s
    }
}

/// A file name part: no path or reserved characters, not too long.
pub fn file_part(s: &str, max: usize) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .map(|c| if "/\\:*?\"<>|".contains(c) { '_' } else { c })
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

fn label(key: &str) -> String {
    Lang::Zh.t(key)
}

/// Beijing date and time, `2026年11月21日 09:00`.
fn chinese_time(utc: NaiveDateTime) -> String {
    let local = crate::kernel::time::local(&utc);
    format!("{} {}", chinese_date(shanghai_date(utc)), local.get(11..).unwrap_or_default())
}

/// One line of the activity list.
#[derive(Debug, Clone)]
pub struct ListLine {
    /// Held (or planned) at, Beijing time.
    pub at: NaiveDateTime,
    pub kind: String,
    pub title: String,
    pub office: String,
    pub place: String,
    pub status: String,
    pub invited: i64,
    pub present: i64,
    /// Names of the members present, `、`-separated.
    pub present_names: String,
    pub residents: i32,
    pub minutes: String,
    pub outcomes: String,
}

/// The activity list of the actor's scope: `office` (one office; the district
/// and leaders may pick any, others only their own), `kind`, the period.
/// Returns what the list covers (the office's name, or 全区) and the lines by
/// date. Roles without offices (departments, auditor, sysadmin) are refused.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, office = ?office, kind = ?kind))]
pub fn list_export(
    conn: &mut DbConn,
    actor: &Actor,
    office: Option<OfficeId>,
    kind: Option<Kind>,
    period: Period,
) -> AppResult<(String, Vec<ListLine>)> {
    let own = match actor.office_scope() {
        OfficeScope::None => return Err(AppError::Forbidden),
        OfficeScope::One(o) => Some(o),
        OfficeScope::All => None,
    };
    let office = office.or(own);
    let scope = match office {
        Some(o) => org::get_office(conn, actor, o)?.ok_or(AppError::NotFound)?.name,
        None => zh::ALL_OFFICES.to_string(),
    };
    let mut rows: Vec<Row> = vec![];
    for quarter in period.quarters() {
        let f = Filter { office, quarter: Some(quarter), kind, ..Filter::default() };
        let chunk = store::list(conn, actor, &f)?;
        if chunk.len() < LIST_CAP {
            rows.extend(chunk);
            continue;
        }
        if office.is_some() {
            return Err(AppError::BadRequest("activity.export_too_many"));
        }
        for o in org::list_offices(conn, actor)? {
            let chunk = store::list(conn, actor, &Filter { office: Some(o.id), ..f.clone() })?;
            if chunk.len() >= LIST_CAP {
                return Err(AppError::BadRequest("activity.export_too_many"));
            }
            rows.extend(chunk);
        }
    }
    rows.sort_by_key(|r| (r.activity.when(), r.activity.id));
    let homes: HashMap<HomeId, String> = members_homes::table
        .filter(members_homes::committee_id.eq(actor.committee_id))
        .select((members_homes::id, members_homes::name))
        .load::<(HomeId, String)>(conn)?
        .into_iter()
        .collect();
    let mut lines = Vec::with_capacity(rows.len());
    for r in rows {
        let a = &r.activity;
        let present: Vec<String> = attendees::list::<Activities>(conn, actor, a.id.0)?
            .into_iter()
            .filter(|x| x.attended)
            .map(|x| x.name)
            .collect();
        let home = a.home_id.and_then(|h| homes.get(&h)).map(String::as_str);
        lines.push(ListLine {
            at: crate::kernel::time::local_time(&a.when()),
            kind: label(&a.kind_label_key()),
            title: a.title.clone(),
            office: r.office.clone(),
            place: place(r.locality.as_deref(), home, &a.venue),
            status: label(&a.status_label_key()),
            invited: r.invited,
            present: r.present,
            present_names: present.join(zh::SEP),
            residents: a.residents_count,
            minutes: summary(&a.minutes, SUMMARY_CHARS),
            outcomes: a.outcomes.trim().to_string(),
        });
    }
    Ok((scope, lines))
}

/// The file name of a list export: `活动_高庙乡_2026Q4.xlsx`.
pub fn list_file_name(scope: &str, period: Period) -> String {
    format!("{}_{}_{period}.xlsx", zh::LIST_FILE, file_part(scope, 40))
}

/// What the record sheet shows.
#[derive(Debug, Clone)]
pub struct RecordSheet {
    pub office: String,
    pub title: String,
    pub kind: String,
    pub place: String,
    /// Held (or planned) at, Beijing time; with the state when not held.
    pub time: String,
    pub topic: String,
    pub invited: Vec<String>,
    pub present: Vec<String>,
    /// Name and reason.
    pub apologies: Vec<(String, String)>,
    pub others: String,
    pub residents: i32,
    pub minutes: String,
    pub outcomes: String,
    /// Research only (or whenever there are findings).
    pub findings: Option<String>,
    /// Who spoke and their points: `name：points`.
    pub speakers: Vec<String>,
    /// Tracking codes of the opinions heard.
    pub heard: Vec<String>,
    pub photos: usize,
    pub other_files: usize,
    pub printed: NaiveDate,
    /// For the file name.
    pub date: NaiveDate,
    /// Not yet held: the sheet is a form to fill by hand.
    pub planned: bool,
    /// When the file is made (UTC), for its properties.
    pub created: NaiveDateTime,
}

/// One activity's record sheet, for whoever may see the activity: the
/// district and leaders, and the office's staff and members (they see the
/// same on the activity's page).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, id = ?id))]
pub fn record_sheet(conn: &mut DbConn, actor: &Actor, id: ActivityId, today: NaiveDate) -> AppResult<RecordSheet> {
    let a: Activity = store::get(conn, actor, id)?.ok_or(AppError::NotFound)?;
    let (office, locality, home) = store::place_names(conn, &a)?;
    let people = attendees::list::<Activities>(conn, actor, id.0)?;
    let files = meeting_files::list::<Activities>(conn, actor, id.0)?;
    let photos = files.iter().filter(|(_, role, ..)| role == "photo").count();
    let status = a.status;
    let mut time = chinese_time(a.when());
    if status == Status::Cancelled {
        time.push_str(&zh::not_held(&label(&a.status_label_key())));
    }
    Ok(RecordSheet {
        place: place(locality.as_deref(), home.as_deref(), &a.venue),
        office,
        title: a.title.clone(),
        kind: label(&a.kind_label_key()),
        time,
        topic: a.topic.trim().to_string(),
        invited: people.iter().filter(|x| x.invited).map(|x| x.name.clone()).collect(),
        present: people.iter().filter(|x| x.attended).map(|x| x.name.clone()).collect(),
        apologies: people
            .iter()
            .filter(|x| x.apologised())
            .map(|x| (x.name.clone(), x.reply_note.trim().to_string()))
            .collect(),
        others: a.other_participants.trim().to_string(),
        residents: a.residents_count,
        minutes: a.minutes.clone(),
        outcomes: a.outcomes.clone(),
        findings: (a.kind == Kind::Research || !a.findings.trim().is_empty()).then(|| a.findings.clone()),
        speakers: speakers::list::<Activities>(conn, actor, id.0)?
            .into_iter()
            .map(|s| format!("{}：{}", s.name, s.points))
            .collect(),
        heard: heard::list(conn, &a)?.into_iter().map(|(_, code, ..)| code).collect(),
        photos,
        other_files: files.len() - photos,
        printed: today,
        date: shanghai_date(a.when()),
        planned: status == Status::Planned,
        created: crate::kernel::time::now(),
    })
}

/// The file name of a record sheet: `活动记录表_2026-11-21_听民声….docx`.
pub fn record_file_name(r: &RecordSheet) -> String {
    format!("{}_{}_{}.docx", zh::RECORD_FILE, r.date, file_part(&r.title, 30))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
    }

    #[test]
    fn periods_parse_or_explain() {
        let today = day("2026-11-28");
        let q4 = Quarter { year: 2026, q: 4 };
        assert_eq!(Period::parse(Some("2026Q4"), None, today).ok(), Some(Period::Quarter(q4)));
        assert_eq!(Period::parse(Some(" 2026q4 "), Some("2025"), today).ok(), Some(Period::Quarter(q4)));
        assert_eq!(Period::parse(None, Some("2025"), today).ok(), Some(Period::Year(2025)));
        assert_eq!(Period::parse(Some(""), Some(""), today).ok(), Some(Period::Year(2026)));
        for (q, y, key) in [
            (Some("2026Q5"), None, "activity.bad_quarter"),
            (Some("第四季度"), None, "activity.bad_quarter"),
            (None, Some("26"), "activity.bad_year"),
            (None, Some("２０２６"), "activity.bad_year"),
            (None, Some("99999999999999999999"), "activity.bad_year"),
        ] {
            match Period::parse(q, y, today) {
                Err(AppError::BadRequest(k)) => assert_eq!(k, key, "{q:?} {y:?}"),
                other => panic!("{q:?} {y:?}: {other:?}"),
            }
        }
        assert_eq!(Period::Quarter(q4).to_string(), "2026Q4");
        assert_eq!(Period::Quarter(q4).chinese(), "2026年第四季度");
        assert_eq!(Period::Year(2026).quarters().len(), 4);
        assert_eq!(list_file_name("高庙乡", Period::Quarter(q4)), "活动_高庙乡_2026Q4.xlsx");
    }

    #[test]
    fn places_summaries_and_names() {
        assert_eq!(place(Some("五原路社区"), None, "社区会议室"), "五原路社区，社区会议室");
        assert_eq!(place(None, Some("高庙乡委员之家"), " "), "高庙乡委员之家");
        assert_eq!(place(Some("A"), None, "A"), "A");
        assert_eq!(summary("第一行\n\n第二行", 10), "第一行 第二行");
        assert_eq!(summary("一二三四五", 3), "一二三…");
        assert_eq!(file_part("路灯/维修:\"问题\"", 30), "路灯_维修__问题_");
    }
}
