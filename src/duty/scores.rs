//! Scores and duty time in the database: the district's scoring table per
//! year (`score_points`), and members' scored records and duty half days
//! gathered through the areas' stores in batches, so that an office's or
//! the district's ranking costs the same handful of queries as one member's
//! page, and both come from the same code.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::score::{ScoreItem, ScoreLine, ScoreTable, Scored, rank, score};
use super::time::{behind, half_days};
use crate::activities::store::heard;
use crate::consultations::online::store::phase as online;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, OfficeScope, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{members, offices, score_points};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CommitteeId, MemberId, OfficeId};
use crate::kernel::time::{local_time, now};
use crate::meetings::store::attendees::{self, Kind};
use crate::meetings::store::speakers;
use crate::opinions::reports::model::{Level, ReportStatus};
use crate::opinions::reports::store as reports;
use crate::opinions::store::cases;
use crate::org::model::MemberStatus;
use crate::org::store::members as roster;

/// The committee's scoring table for `year`: the district's points, the
/// defaults for items it has not set.
pub fn table(conn: &mut DbConn, actor: &Actor, year: i32) -> AppResult<ScoreTable> {
    table_unscoped(conn, actor.committee_id, year)
}

fn table_unscoped(conn: &mut DbConn, committee: CommitteeId, year: i32) -> AppResult<ScoreTable> {
    let rows: Vec<(String, i32)> = score_points::table
        .filter(score_points::committee_id.eq(committee).and(score_points::year.eq(year)))
        .select((score_points::item, score_points::points))
        .load(conn)?;
    let given: Vec<(ScoreItem, i32)> = rows.into_iter().filter_map(|(i, p)| Some((ScoreItem::parse(&i)?, p))).collect();
    // Stored points passed the checks when set; defaults if a row was
    // changed behind the app's back.
    Ok(ScoreTable::new(year, &given).unwrap_or_else(|_| ScoreTable::defaults(year)))
}

/// The district sets the year's points; every change audited, before and after.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, year))]
pub fn set_table(conn: &mut DbConn, actor: &Actor, year: i32, given: &[(ScoreItem, i32)]) -> AppResult<()> {
    if actor.role != Role::DistrictAdmin {
        return Err(AppError::Forbidden);
    }
    if !crate::funds::store::budgets::YEARS.contains(&year) {
        return Err(AppError::BadRequest("budget.bad_year"));
    }
    let new = ScoreTable::new(year, given).map_err(|p| AppError::BadRequest(p.message_key()))?;
    let before = table(conn, actor, year)?;
    if before == new {
        return Ok(());
    }
    let t = now();
    diesel::delete(
        score_points::table.filter(score_points::committee_id.eq(actor.committee_id).and(score_points::year.eq(year))),
    )
    .execute(conn)?;
    for (item, points) in new.items() {
        diesel::insert_into(score_points::table)
            .values((
                score_points::committee_id.eq(actor.committee_id),
                score_points::year.eq(year),
                score_points::item.eq(item.as_str()),
                score_points::points.eq(points),
                score_points::updated_by.eq(actor.user_id),
                score_points::updated_at.eq(t),
            ))
            .execute(conn)?;
    }
    let json =
        |t: &ScoreTable| serde_json::json!(t.items().iter().map(|(i, p)| (i.as_str(), p)).collect::<HashMap<_, _>>());
    audit::record(
        conn,
        Who::User(actor),
        Change::new("score.set", "score_table", year).before(json(&before)).after(json(&new)),
    )
}

/// The day a year's duty is judged at: today for this year, its last day
/// for a past one.
pub fn judged_on(year: i32, today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).map_or(today, |end| today.min(end))
}

/// The duty days a year asks for: the rules in force on the day it is
/// judged at; 0 without rules.
pub fn expected_days(conn: &mut DbConn, actor: &Actor, year: i32, today: NaiveDate) -> AppResult<i32> {
    Ok(crate::funds::store::rules::in_force(conn, actor, judged_on(year, today))?.map_or(0, |r| r.duty_days))
}

/// What a member did that scores, and their duty half days.
#[derive(Debug, Clone, Default)]
pub struct Year {
    pub records: Vec<Scored>,
    /// Half days of meetings attended (`duty::time`).
    pub half_days: i32,
}

/// The scored records and duty half days of each of `members` (id and
/// name) in `year`, gathered in batches. Unscoped: the caller has checked
/// that the actor may see these members.
pub fn years_unscoped(
    conn: &mut DbConn,
    committee: CommitteeId,
    members: &[(MemberId, String)],
    year: i32,
) -> AppResult<HashMap<MemberId, Year>> {
    let ids: Vec<MemberId> = members.iter().map(|(id, _)| *id).collect();
    let mut out: HashMap<MemberId, Year> = ids.iter().map(|id| (*id, Year::default())).collect();
    let mut push = |m: MemberId, s: Scored| out.entry(m).or_default().records.push(s);

    let turnout = attendees::turnout_unscoped(conn, committee, &ids, year)?;
    let consultations: Vec<i64> =
        turnout.iter().filter(|t| t.kind == Kind::Consultation && t.attended).map(|t| t.id).collect();
    let speakers = speakers::consultation_names_unscoped(conn, &consultations)?;
    let names: HashMap<MemberId, &str> = members.iter().map(|(id, n)| (*id, n.as_str())).collect();
    let mut half: HashMap<MemberId, i32> = HashMap::new();
    for t in &turnout {
        let at = local_time(&t.held_at);
        let rec = |item| Scored { item, at, title: t.title.clone(), href: t.href() };
        if t.attended {
            *half.entry(t.member).or_default() += half_days(t.duration_minutes);
            push(t.member, rec(if t.kind == Kind::Activity { ScoreItem::Activity } else { ScoreItem::Consultation }));
            if t.kind == Kind::Consultation {
                let name = names.get(&t.member).copied().unwrap_or_default();
                // A speech is the record's speaker named as the member is.
                let spoke = speakers.iter().filter(|(c, n)| *c == t.id && n.trim() == name).count();
                for _ in 0..spoke {
                    push(t.member, rec(ScoreItem::Speech));
                }
            }
        } else if t.unexcused() {
            push(t.member, rec(ScoreItem::Absence));
        }
    }

    // 网络议政发言: each published comment (a hidden one no longer counts).
    for (member, at, id, title) in online::published_by_members_unscoped(conn, committee, &ids, year)? {
        let href = format!("/consultations/{id}/online");
        push(member, Scored { item: ScoreItem::OnlineSpeech, at: local_time(&at), title, href });
    }

    let cases = cases::heard_by_many_unscoped(conn, committee, &ids, year)?;
    let case_ids: Vec<_> = cases.iter().map(|c| c.1).collect();
    let at_activities: std::collections::HashSet<_> =
        heard::heard_at_activities_unscoped(conn, &case_ids)?.into_iter().collect();
    for (member, id, code, created_at) in cases {
        let item = if at_activities.contains(&id) { ScoreItem::Heard } else { ScoreItem::Entered };
        push(member, Scored { item, at: local_time(&created_at), title: code, href: format!("/opinions/{id}") });
    }

    for r in reports::by_members_unscoped(conn, committee, &ids, year)? {
        let Some(member) = r.reporter_member_id else { continue };
        let rec = |item| Scored {
            item,
            at: local_time(&r.created_at),
            title: r.title.clone(),
            href: format!("/opinions/reports/{}", r.id),
        };
        push(member, rec(ScoreItem::Report));
        if matches!(r.status, ReportStatus::Adopted | ReportStatus::Instructed) {
            let level = match r.adopted_level {
                Some(Level::National) => ScoreItem::AdoptedNational,
                Some(Level::Province) => ScoreItem::AdoptedProvince,
                Some(Level::City) => ScoreItem::AdoptedCity,
                _ => ScoreItem::AdoptedDistrict,
            };
            push(member, rec(level));
        }
        if r.instruction.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            push(member, rec(ScoreItem::Instructed));
        }
    }
    for (member, id, title, at) in
        crate::proposals::store::proposals::filed_by_members_unscoped(conn, committee, &ids, year)?
    {
        push(
            member,
            Scored { item: ScoreItem::Proposal, at: local_time(&at), title, href: format!("/proposals/{id}") },
        );
    }
    for (m, h) in half {
        out.entry(m).or_default().half_days = h;
    }
    Ok(out)
}

/// A member's score for a year: the table, every line and the total, and
/// their duty half days. Not found when the actor may not see the member.
pub struct MemberScore {
    pub table: ScoreTable,
    pub lines: Vec<ScoreLine>,
    pub total: i32,
    pub half_days: i32,
}

#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, member = ?member, year))]
pub fn member_score(conn: &mut DbConn, actor: &Actor, member: MemberId, year: i32) -> AppResult<MemberScore> {
    let p = roster::profile(conn, actor, member)?;
    let table = table(conn, actor, year)?;
    let mut years = years_unscoped(conn, actor.committee_id, &[(member, p.member.name)], year)?;
    let y = years.remove(&member).unwrap_or_default();
    let (lines, total) = score(&table, y.records);
    Ok(MemberScore { table, lines, total, half_days: y.half_days })
}

/// One member's place in a ranking.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub place: u32,
    pub member: MemberId,
    pub name: String,
    pub office: String,
    pub score: i32,
    pub half_days: i32,
    /// Behind the even pace of the year's duty days (`duty::time::behind`).
    pub behind: bool,
}

/// The ranking of an office's members (or all the committee's) by score for
/// `year`, with each one's duty half days against the days expected by
/// `today`. Office staff rank their own office; the district and leaders
/// any or all; others nothing.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, office = ?office, year))]
pub fn ranking(
    conn: &mut DbConn,
    actor: &Actor,
    office: Option<OfficeId>,
    year: i32,
    expected_days: i32,
    today: NaiveDate,
) -> AppResult<Vec<Ranked>> {
    let office = match (actor.role, actor.office_scope(), office) {
        (Role::DistrictAdmin | Role::Leader, OfficeScope::All, o) => o,
        (Role::OfficeStaff, OfficeScope::One(own), None) => Some(own),
        (Role::OfficeStaff, OfficeScope::One(own), Some(o)) if o == own => Some(own),
        _ => return Err(AppError::NotFound),
    };
    let mut q = members::table
        .left_join(offices::table.on(members::office_id.eq(offices::id.nullable())))
        .filter(members::committee_id.eq(actor.committee_id).and(members::status.eq(MemberStatus::Active)))
        .order((members::name.asc(), members::id.asc()))
        .select((members::id, members::name, offices::name.nullable()))
        .into_boxed();
    if let Some(o) = office {
        q = q.filter(members::office_id.eq(o));
    }
    let people: Vec<(MemberId, String, Option<String>)> = q.load(conn)?;
    let pairs: Vec<(MemberId, String)> = people.iter().map(|(id, n, _)| (*id, n.clone())).collect();
    let table = table(conn, actor, year)?;
    let mut years = years_unscoped(conn, actor.committee_id, &pairs, year)?;
    // Past years are judged at their end, not by today's pace.
    let by = judged_on(year, today);
    let scored: Vec<((MemberId, String, String, i32), i32)> = people
        .into_iter()
        .map(|(id, name, office)| {
            let y = years.remove(&id).unwrap_or_default();
            let (_, total) = score(&table, y.records);
            ((id, name, office.unwrap_or_default(), y.half_days), total)
        })
        .collect();
    Ok(rank(scored)
        .into_iter()
        .map(|(place, (member, name, office, half_days), score)| Ranked {
            place,
            member,
            name,
            office,
            score,
            half_days,
            behind: year <= chrono::Datelike::year(&today) && behind(half_days, expected_days, by),
        })
        .collect())
}
