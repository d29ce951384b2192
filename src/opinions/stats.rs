//! Figures of the opinion loop (docs/decisions.md, "Opinion figures"): per
//! handling unit and per office for a month, the ranking for the monthly 通报,
//! the dashboard's counts by status, office and month, and the public results
//! wall.
//!
//! The monthly figures are computed from the timeline (`opinion_events`) of the
//! cases that had an assignment, an approved answer or a rating in the month;
//! `tally` is pure and unit-tested. The counts come from `opinion_stats`,
//! counters kept in the same transaction as every change of a case
//! (`on_submit`, `on_step`), because a GROUP BY over 10^6 cases takes seconds.

use std::collections::HashMap;
use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Text};
use serde::Serialize;

use crate::kernel::auth::{Actor, Role};
use crate::kernel::calendar::model::{Calendar, shanghai_date};
use crate::kernel::calendar::store as calendar;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{
    departments, members, offices, opinion_categories, opinion_event_units, opinion_events, opinion_stats, opinions,
};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{CategoryId, CommitteeId, DepartmentId, OfficeId, OpinionId};
use crate::kernel::time::start_of_local_day;
use crate::kernel::web::paging;
use crate::opinions::model::{AssigneeKind, EventKind, Rating, SIGN_WITHIN_WORKING_DAYS, Status};
use crate::opinions::store::cases::{self, Opinion, Scope};

// ---------------------------------------------------------------------------
// Months

/// A calendar month in Asia/Shanghai, the unit of every figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((2000..=9998).contains(&year) && (1..=12).contains(&month)).then_some(Month { year, month })
    }

    /// `2026-11`, as `<input type="month">` sends it.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }

    pub fn of_date(d: NaiveDate) -> Month {
        Month { year: d.year(), month: d.month() }
    }

    /// The month an instant (naive UTC) falls in, in Beijing.
    pub fn of(utc: NaiveDateTime) -> Month {
        Month::of_date(shanghai_date(utc))
    }

    pub fn current() -> Month {
        Month::of_date(crate::kernel::time::today())
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { month: self.month + 1, ..self } }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 { Month { year: self.year - 1, month: 12 } } else { Month { month: self.month - 1, ..self } }
    }

    /// `[start, end)` in naive UTC: Beijing midnight on the 1st to the next 1st.
    pub fn bounds(self) -> (NaiveDateTime, NaiveDateTime) {
        (start_of_local_day(self.first_day()), start_of_local_day(self.next().first_day()))
    }

    /// The `n` months ending with this one, oldest first.
    pub fn last(self, n: usize) -> Vec<Month> {
        let mut v = Vec::with_capacity(n);
        let mut m = self;
        for _ in 0..n {
            v.push(m);
            m = m.prev();
        }
        v.reverse();
        v
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

// ---------------------------------------------------------------------------
// Rates

/// `num / den`, or `None` when nothing was counted: a rate over zero cases is
/// no rate (shown as "—"), never NaN and never 0 %.
pub fn ratio(num: u32, den: u32) -> Option<f64> {
    (den > 0).then(|| f64::from(num) / f64::from(den))
}

/// `87.5%`, or `—`.
pub fn percent(r: Option<f64>) -> String {
    match r {
        Some(r) if r.is_finite() => format!("{:.1}%", r * 100.0),
        _ => "—".into(),
    }
}

/// `3.5`, or `—`.
pub fn one_decimal(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.1}"),
        _ => "—".into(),
    }
}

/// One unit's (or one office's) counts for a month; the rates derive from them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Assignments made in the month whose window to sign has closed (signed,
    /// or still unsigned after it).
    pub assigned: u32,
    pub signed_on_time: u32,
    /// Cases whose answer was approved (`answered`) in the month.
    pub answered: u32,
    pub answered_on_time: u32,
    /// Of those, cases sent back (发回重办) before the answer.
    pub sent_back: u32,
    /// Working days from assignment to answer, over `timed` answered cases.
    pub working_days: i64,
    pub timed: u32,
    /// Ratings given in the month (满意, 基本满意, 不满意).
    pub rated: u32,
    /// 满意 + 基本满意.
    pub satisfied: u32,
    /// Closed as 未评价: counted, but not in the satisfaction rate.
    pub unrated: u32,
}

impl Tally {
    pub fn sign_rate(&self) -> Option<f64> {
        ratio(self.signed_on_time, self.assigned)
    }
    pub fn answer_rate(&self) -> Option<f64> {
        ratio(self.answered_on_time, self.answered)
    }
    pub fn satisfaction(&self) -> Option<f64> {
        ratio(self.satisfied, self.rated)
    }
    pub fn sent_back_rate(&self) -> Option<f64> {
        ratio(self.sent_back, self.answered)
    }
    pub fn average_days(&self) -> Option<f64> {
        (self.timed > 0).then(|| self.working_days as f64 / f64::from(self.timed))
    }
    pub fn is_empty(&self) -> bool {
        *self == Tally::default()
    }
}

/// Months' tallies add up: every field counts cases or sums their days.
impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.assigned += o.assigned;
        self.signed_on_time += o.signed_on_time;
        self.answered += o.answered;
        self.answered_on_time += o.answered_on_time;
        self.sent_back += o.sent_back;
        self.working_days += o.working_days;
        self.timed += o.timed;
        self.rated += o.rated;
        self.satisfied += o.satisfied;
        self.unrated += o.unrated;
    }
}

// ---------------------------------------------------------------------------
// Timelines and the monthly tally (pure)

/// A handling unit: a department, an office or a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Unit {
    pub kind: AssigneeKind,
    pub id: i64,
}

impl Unit {
    fn from_parts(kind: Option<AssigneeKind>, id: Option<i64>) -> Option<Unit> {
        Some(Unit { kind: kind?, id: id? })
    }
}

/// The timeline events the figures read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `assigned` or `reassigned`.
    Assigned,
    Signed,
    /// 退回 by the handler.
    Returned,
    SentBack,
    /// The answer approved and released to the resident.
    Answered,
    Rated,
    /// 不满意 the first time: rated, and the case goes back to the handler.
    Reopened,
    AutoClosed,
}

/// Event kinds of the timeline that matter here.
const TIMELINE_KINDS: [EventKind; 9] = [
    EventKind::Assigned,
    EventKind::Reassigned,
    EventKind::Signed,
    EventKind::Returned,
    EventKind::SentBack,
    EventKind::Answered,
    EventKind::Rated,
    EventKind::Reopened,
    EventKind::AutoClosed,
];
/// Event kinds that put a case into a month's figures.
const MONTH_KINDS: [EventKind; 6] = [
    EventKind::Assigned,
    EventKind::Reassigned,
    EventKind::Answered,
    EventKind::Rated,
    EventKind::Reopened,
    EventKind::AutoClosed,
];

impl Step {
    /// The step a timeline event is, if the figures read it.
    pub fn of(kind: EventKind) -> Option<Step> {
        Some(match kind {
            EventKind::Assigned | EventKind::Reassigned => Step::Assigned,
            EventKind::Signed => Step::Signed,
            EventKind::Returned => Step::Returned,
            EventKind::SentBack => Step::SentBack,
            EventKind::Answered => Step::Answered,
            EventKind::Rated => Step::Rated,
            EventKind::Reopened => Step::Reopened,
            EventKind::AutoClosed => Step::AutoClosed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseEvent {
    pub step: Step,
    pub at: NaiveDateTime,
    /// Who held the case after an assignment, and at an answer (recorded since
    /// `opinion_event_units` exists).
    pub unit: Option<Unit>,
    /// The deadline in force at an answer, extensions included.
    pub due: Option<NaiveDateTime>,
}

impl CaseEvent {
    pub fn new(step: Step, at: NaiveDateTime) -> CaseEvent {
        CaseEvent { step, at, unit: None, due: None }
    }
}

/// One case as the figures see it: its office, its final rating, its current
/// handler and deadline (the fallback for events recorded without a unit), and
/// its timeline, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    pub office: Option<OfficeId>,
    pub rating: Option<Rating>,
    pub unit: Option<Unit>,
    pub due: Option<NaiveDateTime>,
    pub events: Vec<CaseEvent>,
}

#[derive(Debug, Default)]
pub struct Tallies {
    pub units: HashMap<Unit, Tally>,
    pub offices: HashMap<Option<OfficeId>, Tally>,
}

impl Tallies {
    fn each(&mut self, unit: Option<Unit>, office: Option<OfficeId>, f: impl Fn(&mut Tally)) {
        if let Some(u) = unit {
            f(self.units.entry(u).or_default());
        }
        f(self.offices.entry(office).or_default());
    }
}

/// One case's answers within the month, counted once per unit: on time only if
/// every answer was, sent back if any round was, the working days of the first.
#[derive(Debug, Clone, Copy)]
struct Answer {
    on_time: bool,
    sent_back: bool,
    days: Option<i64>,
}

impl Answer {
    fn merge(&mut self, other: Answer) {
        self.on_time &= other.on_time;
        self.sent_back |= other.sent_back;
        self.days = self.days.or(other.days);
    }

    fn count(self, t: &mut Tally) {
        t.answered += 1;
        t.answered_on_time += u32::from(self.on_time);
        t.sent_back += u32::from(self.sent_back);
        if let Some(d) = self.days {
            t.working_days += d;
            t.timed += 1;
        }
    }
}

/// The month's figures per unit and per office. `now` decides whether an
/// assignment still unsigned is late (its window closed) or still pending.
pub fn tally(cases: &[Timeline], month: Month, now: NaiveDateTime, cal: &Calendar) -> Tallies {
    let (start, end) = month.bounds();
    let within = |t: NaiveDateTime| t >= start && t < end;
    let sign_due = |assigned: NaiveDateTime| cal.due_at(assigned, SIGN_WITHIN_WORKING_DAYS);
    let mut out = Tallies::default();
    for case in cases {
        let office = case.office;
        // An assignment counts in its own month; signed by its deadline, or late.
        let sign = |out: &mut Tallies, (assigned, unit): (NaiveDateTime, Option<Unit>), on_time: bool| {
            if within(assigned) {
                out.each(unit, office, |t| {
                    t.assigned += 1;
                    t.signed_on_time += u32::from(on_time);
                });
            }
        };
        // Without a recorded unit (older events) only the last assignment can be
        // attributed: to the case's current handler.
        let last_assignment = case.events.iter().rposition(|e| e.step == Step::Assigned);
        let mut holder: Option<Unit> = None;
        let mut unsigned: Option<(NaiveDateTime, Option<Unit>)> = None;
        let mut round_start: Option<NaiveDateTime> = None;
        let mut sent_back = false;
        let mut answers: Vec<(Option<Unit>, Answer)> = vec![];
        let mut office_answer: Option<Answer> = None;
        for (i, e) in case.events.iter().enumerate() {
            match e.step {
                Step::Assigned | Step::Returned => {
                    // An assignment taken away unsigned: late if its window had
                    // closed, otherwise it says nothing about the unit.
                    if let Some(a) = unsigned.take()
                        && e.at > sign_due(a.0)
                    {
                        sign(&mut out, a, false);
                    }
                    if e.step == Step::Assigned {
                        let fallback = if Some(i) == last_assignment { case.unit } else { None };
                        holder = e.unit.or(fallback);
                        unsigned = Some((e.at, holder));
                        round_start = Some(e.at);
                    } else {
                        holder = None;
                        round_start = None;
                    }
                    sent_back = false;
                }
                Step::Signed => {
                    if let Some(a) = unsigned.take() {
                        sign(&mut out, a, e.at <= sign_due(a.0));
                    }
                }
                Step::SentBack => sent_back = true,
                Step::Answered => {
                    if within(e.at) {
                        let unit = e.unit.or(holder);
                        let due = e.due.or(case.due);
                        let answer = Answer {
                            on_time: due.is_some_and(|d| e.at <= d),
                            sent_back,
                            days: round_start
                                .map(|s| cal.working_days_between(shanghai_date(s), shanghai_date(e.at)).max(0)),
                        };
                        match answers.iter_mut().find(|(u, _)| *u == unit) {
                            Some((_, a)) => a.merge(answer),
                            None => answers.push((unit, answer)),
                        }
                        match &mut office_answer {
                            Some(a) => a.merge(answer),
                            None => office_answer = Some(answer),
                        }
                    }
                }
                Step::Rated | Step::Reopened | Step::AutoClosed => {
                    if within(e.at) {
                        let rating = match e.step {
                            Step::Reopened => Rating::Unsatisfied,
                            Step::AutoClosed => Rating::Unrated,
                            _ => case.rating.unwrap_or(Rating::Unrated),
                        };
                        out.each(holder, office, |t| match rating {
                            Rating::Satisfied | Rating::Basic => {
                                t.rated += 1;
                                t.satisfied += 1;
                            }
                            Rating::Unsatisfied => t.rated += 1,
                            Rating::Unrated => t.unrated += 1,
                        });
                    }
                    if e.step == Step::Reopened {
                        // A new round with a fresh deadline.
                        round_start = Some(e.at);
                        sent_back = false;
                    }
                }
            }
        }
        if let Some(a) = unsigned
            && now > sign_due(a.0)
        {
            sign(&mut out, a, false);
        }
        for (unit, a) in answers {
            if let Some(u) = unit {
                a.count(out.units.entry(u).or_default());
            }
        }
        if let Some(a) = office_answer {
            a.count(out.offices.entry(office).or_default());
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Ranking (pure)

/// The column a ranking is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    Sign,
    #[default]
    Answer,
    Satisfaction,
    SentBack,
    Days,
}

impl SortKey {
    pub const ALL: [SortKey; 5] =
        [SortKey::Sign, SortKey::Answer, SortKey::Satisfaction, SortKey::SentBack, SortKey::Days];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Sign => "sign",
            SortKey::Answer => "answer",
            SortKey::Satisfaction => "satisfaction",
            SortKey::SentBack => "sent_back",
            SortKey::Days => "days",
        }
    }

    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn value(self, t: &Tally) -> Option<f64> {
        match self {
            SortKey::Sign => t.sign_rate(),
            SortKey::Answer => t.answer_rate(),
            SortKey::Satisfaction => t.satisfaction(),
            SortKey::SentBack => t.sent_back_rate(),
            SortKey::Days => t.average_days(),
        }
    }

    /// 发回重办 and working days: fewer is better.
    fn lower_is_better(self) -> bool {
        matches!(self, SortKey::SentBack | SortKey::Days)
    }
}

/// A row of the figures tables: a handling unit or an office.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// `None` only for the office row of cases without an office.
    pub name: Option<String>,
    /// The unit's kind (`assignee_kind.*`); `None` on office rows.
    pub kind: Option<AssigneeKind>,
    pub unit: Option<Unit>,
    pub office: Option<OfficeId>,
    pub tally: Tally,
    /// 1 = best; equal values share a rank; `None` when the value is "—".
    pub rank: Option<usize>,
}

impl Row {
    pub fn kind_key(&self) -> String {
        self.kind.map(|k| k.label_key()).unwrap_or_default()
    }
}

/// Orders rows best first by `key` (rows without a value last), then by
/// satisfaction, then by name; equal values share a rank (1, 2, 2, 4).
pub fn rank(rows: &mut [Row], key: SortKey) {
    use std::cmp::Ordering;
    let better = |a: Option<f64>, b: Option<f64>| -> Ordering {
        match (a, b) {
            (Some(x), Some(y)) => {
                let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
                if key.lower_is_better() { o } else { o.reverse() }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    };
    rows.sort_by(|a, b| {
        better(key.value(&a.tally), key.value(&b.tally))
            .then_with(|| {
                let (x, y) = (a.tally.satisfaction(), b.tally.satisfaction());
                match (x, y) {
                    (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(Ordering::Equal),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                }
            })
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut previous: Option<(f64, usize)> = None;
    for (i, row) in rows.iter_mut().enumerate() {
        row.rank = key.value(&row.tally).map(|v| match previous {
            Some((p, r)) if p == v => r,
            _ => {
                previous = Some((v, i + 1));
                i + 1
            }
        });
    }
}

// ---------------------------------------------------------------------------
// Who sees what

/// Whose figures an actor sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The district and leaders: every unit and office.
    All,
    /// Office staff: their office's rows.
    Office(OfficeId),
    /// A department: its own row.
    Department(DepartmentId),
}

pub fn seen(conn: &mut DbConn, actor: &Actor) -> AppResult<Seen> {
    match (actor.role, cases::scope(conn, actor)?) {
        (Role::DistrictAdmin | Role::Leader, Scope::All) => Ok(Seen::All),
        (Role::OfficeStaff, Scope::Office(o)) => Ok(Seen::Office(o)),
        (Role::Department, Scope::Department(d)) => Ok(Seen::Department(d)),
        _ => Err(AppError::Forbidden),
    }
}

/// The ranking for the monthly 通报 is the district's.
pub fn may_export(actor: &Actor) -> bool {
    matches!(actor.role, Role::DistrictAdmin | Role::Leader)
}

impl Seen {
    fn unit(self, u: &Unit) -> bool {
        match self {
            Seen::All => true,
            Seen::Office(o) => u.kind == AssigneeKind::Office && u.id == o.0,
            Seen::Department(d) => u.kind == AssigneeKind::Department && u.id == d.0,
        }
    }

    fn office(self, o: Option<OfficeId>) -> bool {
        match self {
            Seen::All => true,
            Seen::Office(mine) => o == Some(mine),
            Seen::Department(_) => false,
        }
    }
}

// ---------------------------------------------------------------------------
// The month's figures from the database

/// Ids per `IN (…)` list: well inside SQLite's and PostgreSQL's bind limits.
const CHUNK: usize = 2000;

/// The timelines of the cases assigned, answered or rated in `[start, end)`.
fn timelines(
    conn: &mut DbConn,
    committee: CommitteeId,
    (start, end): (NaiveDateTime, NaiveDateTime),
) -> AppResult<Vec<Timeline>> {
    // The month's cases as a subquery (covered by `opinion_events_month`), so
    // the database joins and no list of ids travels back and forth.
    let month_events = diesel::alias!(opinion_events as month_events);
    let in_month = month_events
        .filter(month_events.field(opinion_events::committee_id).eq(committee))
        .filter(month_events.field(opinion_events::kind).eq_any(MONTH_KINDS))
        .filter(month_events.field(opinion_events::created_at).ge(start))
        .filter(month_events.field(opinion_events::created_at).lt(end))
        .select(month_events.field(opinion_events::opinion_id));
    type CaseRow =
        (OpinionId, Option<OfficeId>, Option<Rating>, Option<AssigneeKind>, Option<i64>, Option<NaiveDateTime>);
    type UnitRow = (i64, Option<AssigneeKind>, Option<i64>, Option<NaiveDateTime>);
    let cases: Vec<CaseRow> = opinions::table
        .filter(opinions::id.eq_any(in_month.clone()))
        .select((
            opinions::id,
            opinions::office_id,
            opinions::rating,
            opinions::assignee_kind,
            opinions::assignee_id,
            opinions::due_at,
        ))
        .load(conn)?;
    let events: Vec<(i64, OpinionId, EventKind, NaiveDateTime)> = opinion_events::table
        .filter(opinion_events::opinion_id.eq_any(in_month.clone()))
        .filter(opinion_events::kind.eq_any(TIMELINE_KINDS))
        .order((opinion_events::opinion_id.asc(), opinion_events::id.asc()))
        .select((opinion_events::id, opinion_events::opinion_id, opinion_events::kind, opinion_events::created_at))
        .load(conn)?;
    let units: HashMap<i64, (Option<Unit>, Option<NaiveDateTime>)> = opinion_event_units::table
        .filter(opinion_event_units::opinion_id.eq_any(in_month))
        .select((
            opinion_event_units::event_id,
            opinion_event_units::assignee_kind,
            opinion_event_units::assignee_id,
            opinion_event_units::due_at,
        ))
        .load::<UnitRow>(conn)?
        .into_iter()
        .map(|(e, k, id, due)| (e, (Unit::from_parts(k, id), due)))
        .collect();
    let mut by_case: HashMap<OpinionId, Timeline> = cases
        .into_iter()
        .map(|(id, office, rating, kind, aid, due)| {
            let t = Timeline { office, rating, unit: Unit::from_parts(kind, aid), due, events: vec![] };
            (id, t)
        })
        .collect();
    for (event_id, case, kind, at) in events {
        let (Some(step), Some(t)) = (Step::of(kind), by_case.get_mut(&case)) else { continue };
        let (unit, due) = units.get(&event_id).copied().unwrap_or((None, None));
        t.events.push(CaseEvent { step, at, unit, due });
    }
    Ok(by_case.into_values().collect())
}

/// The month's figures tables, as the actor may see them, ranked by `sort`.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub month: Month,
    pub units: Vec<Row>,
    pub offices: Vec<Row>,
}

#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, month = %month))]
pub fn figures(conn: &mut DbConn, actor: &Actor, month: Month, sort: SortKey) -> AppResult<Figures> {
    let seen = seen(conn, actor)?;
    let committee = actor.committee_id;
    let cases = timelines(conn, committee, month.bounds())?;
    // Working days are counted from assignments that may lie years back.
    let first_year = cases.iter().flat_map(|c| c.events.first()).map(|e| shanghai_date(e.at).year()).min();
    let cal =
        calendar::load_unscoped(conn, committee, first_year.unwrap_or(month.year).min(month.year), month.year + 1)?;
    let t = tally(&cases, month, crate::kernel::time::now(), &cal);

    let office_names: HashMap<i64, String> = offices::table
        .filter(offices::committee_id.eq(committee))
        .select((offices::id, offices::name))
        .load::<(OfficeId, String)>(conn)?
        .into_iter()
        .map(|(id, n)| (id.0, n))
        .collect();
    let dept_names: HashMap<i64, String> = departments::table
        .filter(departments::committee_id.eq(committee))
        .select((departments::id, departments::name))
        .load::<(DepartmentId, String)>(conn)?
        .into_iter()
        .map(|(id, n)| (id.0, n))
        .collect();
    let member_ids: Vec<i64> = t.units.keys().filter(|u| u.kind == AssigneeKind::Member).map(|u| u.id).collect();
    let mut member_names: HashMap<i64, String> = HashMap::new();
    for chunk in member_ids.chunks(CHUNK) {
        let rows: Vec<(i64, String)> = members::table
            .filter(members::committee_id.eq(committee).and(members::id.eq_any(chunk.to_vec())))
            .select((members::id, members::name))
            .load(conn)?;
        member_names.extend(rows);
    }

    let mut units: Vec<Row> = t
        .units
        .into_iter()
        .filter(|(u, _)| seen.unit(u))
        .map(|(u, tally)| {
            let names = match u.kind {
                AssigneeKind::Department => &dept_names,
                AssigneeKind::Office => &office_names,
                AssigneeKind::Member => &member_names,
            };
            let name = Some(names.get(&u.id).cloned().unwrap_or_else(|| format!("#{}", u.id)));
            Row { name, kind: Some(u.kind), unit: Some(u), office: None, tally, rank: None }
        })
        .collect();
    let mut office_rows: Vec<Row> = t
        .offices
        .into_iter()
        .filter(|(o, _)| seen.office(*o))
        .map(|(o, tally)| {
            let name = o.map(|o| office_names.get(&o.0).cloned().unwrap_or_else(|| format!("#{o}")));
            Row { name, kind: None, unit: None, office: o, tally, rank: None }
        })
        .collect();
    rank(&mut units, sort);
    rank(&mut office_rows, sort);
    Ok(Figures { month, units, offices: office_rows })
}

/// An office's name (`None`: no office) and its tally.
pub type OfficeTally = (Option<String>, Tally);

/// The offices' tallies over `first..=last` (months, both included), each
/// month tallied as on the figures page and summed, for the leaders'
/// dashboard: (office name, `None` for no office; its tally), busiest first.
/// The timelines are read once for the whole run. `None` for a department.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, first = %first, last = %last))]
pub fn office_tallies(
    conn: &mut DbConn,
    actor: &Actor,
    first: Month,
    last: Month,
) -> AppResult<Option<Vec<OfficeTally>>> {
    let seen = match seen(conn, actor)? {
        Seen::Department(_) => return Ok(None),
        s => s,
    };
    let committee = actor.committee_id;
    let cases = timelines(conn, committee, (first.bounds().0, last.bounds().1))?;
    let first_year = cases.iter().flat_map(|c| c.events.first()).map(|e| shanghai_date(e.at).year()).min();
    let cal =
        calendar::load_unscoped(conn, committee, first_year.unwrap_or(first.year).min(first.year), last.year + 1)?;
    let now = crate::kernel::time::now();
    let mut sums: HashMap<Option<OfficeId>, Tally> = HashMap::new();
    let mut m = first;
    while m <= last {
        for (o, t) in tally(&cases, m, now, &cal).offices {
            *sums.entry(o).or_default() += t;
        }
        m = m.next();
    }
    let names: HashMap<OfficeId, String> = offices::table
        .filter(offices::committee_id.eq(committee))
        .select((offices::id, offices::name))
        .load::<(OfficeId, String)>(conn)?
        .into_iter()
        .collect();
    // Every office of the scope is listed, with nothing if it had nothing.
    for id in names.keys() {
        if seen.office(Some(*id)) {
            sums.entry(Some(*id)).or_default();
        }
    }
    let mut rows: Vec<(Option<String>, Tally)> = sums
        .into_iter()
        .filter(|(o, t)| seen.office(*o) && (o.is_some() || !t.is_empty()))
        .map(|(o, t)| (o.map(|o| names.get(&o).cloned().unwrap_or_else(|| format!("#{o}"))), t))
        .collect();
    rows.sort_by(|a, b| b.1.answered.cmp(&a.1.answered).then_with(|| a.0.cmp(&b.0)));
    Ok(Some(rows))
}

// ---------------------------------------------------------------------------
// Counters (`opinion_stats`), kept with every change of a case

/// What a counter counts: cases of a month in a status (month of
/// submission), or ratings given (month of the rating). Stored as
/// `status.<s>` / `rating.<r>` in `opinion_stats.measure`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = Text)]
pub enum Measure {
    Status(Status),
    Rating(Rating),
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Status(s) => match s {
                Status::Submitted => "status.submitted",
                Status::Accepted => "status.accepted",
                Status::Rejected => "status.rejected",
                Status::Assigned => "status.assigned",
                Status::InProgress => "status.in_progress",
                Status::AnswerReview => "status.answer_review",
                Status::Answered => "status.answered",
                Status::Closed => "status.closed",
                Status::Merged => "status.merged",
            },
            Measure::Rating(r) => match r {
                Rating::Satisfied => "rating.satisfied",
                Rating::Basic => "rating.basic",
                Rating::Unsatisfied => "rating.unsatisfied",
                Rating::Unrated => "rating.unrated",
            },
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        match s.split_once('.')? {
            ("status", x) => Status::parse(x).map(Measure::Status),
            ("rating", x) => Rating::parse(x).map(Measure::Rating),
            _ => None,
        }
    }
}

crate::text_sql!(Measure);

// By the stored key: counters are touched in the order of their keys.
impl Ord for Measure {
    fn cmp(&self, other: &Measure) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Measure {
    fn partial_cmp(&self, other: &Measure) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// One counter: cases of a month, office and major category by a measure.
/// Ordered so that every transaction touches counters in the same order: two
/// concurrent moves on PostgreSQL cannot deadlock.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    committee: CommitteeId,
    month: String,
    office: i64,
    category: i64,
    measure: Measure,
}

/// The rating an event gives, if it gives one: `rated` the case's rating,
/// `reopened` 不满意 (the first 不满意 reopens the case), `auto_closed` 未评价.
pub fn rating_given(event_kind: EventKind, case_rating: Option<Rating>) -> Option<Rating> {
    match event_kind {
        // A rated case has its rating; none left would be a case edited by hand.
        EventKind::Rated => Some(case_rating.unwrap_or(Rating::Unrated)),
        EventKind::Reopened => Some(Rating::Unsatisfied),
        EventKind::AutoClosed => Some(Rating::Unrated),
        _ => None,
    }
}

/// The major class of a category (counters keep major classes: ten rows, not 35).
fn major_class(conn: &mut DbConn, category: Option<CategoryId>) -> AppResult<i64> {
    let Some(c) = category else { return Ok(0) };
    let parent: Option<Option<CategoryId>> =
        opinion_categories::table.find(c).select(opinion_categories::parent_id).get_result(conn).optional()?;
    Ok(major_of(c, parent.flatten()))
}

/// The top-level class a category counts under: its parent, or itself when it
/// has none.
pub fn major_of(category: CategoryId, parent: Option<CategoryId>) -> i64 {
    parent.unwrap_or(category).0
}

/// One counter moved by `delta` (the row made if missing):
/// `INSERT … ON CONFLICT (…) DO UPDATE SET n = n + delta`, spelled out rather
/// than built with diesel's `on_conflict().do_update()`, which diesel never
/// keeps prepared: two of these per status change, prepared afresh each time,
/// were a large part of every step's time (docs/decisions.md, "Generated data").
struct Bump<'a> {
    committee: i64,
    key: &'a Key,
    delta: i64,
}

impl<DB> QueryFragment<DB> for Bump<'_>
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text>,
    i64: ToSql<BigInt, DB>,
    String: ToSql<Text, DB>,
    Measure: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("INSERT INTO opinion_stats (committee_id, month, office_id, category_id, measure, n) VALUES (");
        out.push_bind_param::<BigInt, _>(&self.committee)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.key.month)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&self.key.office)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&self.key.category)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.key.measure)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&self.delta)?;
        out.push_sql(
            ") ON CONFLICT (committee_id, month, office_id, category_id, measure) \
             DO UPDATE SET n = opinion_stats.n + ",
        );
        out.push_bind_param::<BigInt, _>(&self.delta)
    }
}

impl QueryId for Bump<'_> {
    // One SQL text: the cache finds it by type, without building the text.
    type QueryId = Bump<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Conn> RunQueryDsl<Conn> for Bump<'_> {}

fn bump(conn: &mut DbConn, mut changes: Vec<(Key, i64)>) -> AppResult<()> {
    changes.sort();
    for (key, delta) in &changes {
        Bump { committee: key.committee.0, key, delta: *delta }.execute(conn)?;
    }
    Ok(())
}

/// A new case is counted, from what `cases::file` just wrote in its
/// transaction (nothing is read back). `major_category`: `major_of` its
/// category, 0 for none.
pub fn on_submit(
    conn: &mut DbConn,
    committee: CommitteeId,
    office: Option<OfficeId>,
    major_category: i64,
    created: NaiveDateTime,
) -> AppResult<()> {
    let key = Key {
        committee,
        month: Month::of(created).to_string(),
        office: office.map_or(0, |o| o.0),
        category: major_category,
        measure: Measure::Status(Status::Submitted),
    };
    bump(conn, vec![(key, 1)])
}

/// A step on a case is counted: its status moves between counters, a rating is
/// counted, and an assignment or an approved answer records the unit holding
/// the case and its deadline. Called at the end of `cases::apply`, in its
/// transaction; `before` is the case as it was, `event_id` the step's event.
pub fn on_step(conn: &mut DbConn, before: &Opinion, event_id: i64) -> AppResult<()> {
    let (status, rating, kind, assignee, due): (
        Status,
        Option<Rating>,
        Option<AssigneeKind>,
        Option<i64>,
        Option<NaiveDateTime>,
    ) = opinions::table
        .find(before.id)
        .select((opinions::status, opinions::rating, opinions::assignee_kind, opinions::assignee_id, opinions::due_at))
        .get_result(conn)?;
    let (event_kind, at): (EventKind, NaiveDateTime) = opinion_events::table
        .find(event_id)
        .select((opinion_events::kind, opinion_events::created_at))
        .get_result(conn)?;
    let category = major_class(conn, before.category_id)?;
    let key = |month: Month, measure: Measure| Key {
        committee: before.committee_id,
        month: month.to_string(),
        office: before.office_id.map_or(0, |o| o.0),
        category,
        measure,
    };
    let mut changes = vec![];
    if status != before.status {
        let submitted = Month::of(before.created_at);
        changes.push((key(submitted, Measure::Status(before.status)), -1));
        changes.push((key(submitted, Measure::Status(status)), 1));
    }
    if let Some(r) = rating_given(event_kind, rating) {
        changes.push((key(Month::of(at), Measure::Rating(r)), 1));
    }
    bump(conn, changes)?;
    if matches!(event_kind, EventKind::Assigned | EventKind::Reassigned | EventKind::Answered) {
        diesel::insert_into(opinion_event_units::table)
            .values((
                opinion_event_units::event_id.eq(event_id),
                opinion_event_units::committee_id.eq(before.committee_id),
                opinion_event_units::opinion_id.eq(before.id),
                opinion_event_units::assignee_kind.eq(kind),
                opinion_event_units::assignee_id.eq(assignee),
                opinion_event_units::due_at.eq(due),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// `(month, office or category, measure, n)` summed over the other dimension.
type CounterRow = (String, i64, Measure, i64);

fn sum_n() -> diesel::expression::SqlLiteral<BigInt> {
    // SUM(BIGINT) is NUMERIC on PostgreSQL; the cast keeps one type on both.
    diesel::dsl::sql::<BigInt>("CAST(SUM(n) AS BIGINT)")
}

/// Counts of one month, one office or one category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Cases submitted.
    pub received: i64,
    /// Of those, closed now (办结).
    pub closed: i64,
    /// Of those, not final yet (an answer waiting for its rating included).
    pub open: i64,
    /// Ratings given (满意, 基本满意, 不满意) and the satisfied ones.
    pub rated: i64,
    pub satisfied: i64,
}

impl Count {
    fn add(&mut self, measure: Measure, n: i64) {
        // A counter cannot go below zero unless a case was changed behind the
        // store's back; show 0 rather than a negative count.
        let n = n.max(0);
        match measure {
            Measure::Status(s) => {
                self.received += n;
                if s == Status::Closed {
                    self.closed += n;
                } else if !s.is_final() {
                    self.open += n;
                }
            }
            Measure::Rating(Rating::Satisfied | Rating::Basic) => {
                self.rated += n;
                self.satisfied += n;
            }
            Measure::Rating(Rating::Unsatisfied) => self.rated += n,
            Measure::Rating(Rating::Unrated) => {}
        }
    }

    pub fn satisfaction(&self) -> Option<f64> {
        (self.rated > 0).then(|| self.satisfied as f64 / self.rated as f64)
    }
}

/// The dashboard: cases by current status (all months), by office and by month
/// (the last 12 months, by month of submission), from the counters.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub by_status: Vec<(Status, i64)>,
    /// Office name (`None`: no office) and its counts.
    pub by_office: Vec<(Option<String>, Count)>,
    pub by_month: Vec<(Month, Count)>,
    pub total: Count,
}

/// The counts the actor may see: all for the district and leaders, their
/// office's for office staff, none for a department (`None`).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, upto = %upto))]
pub fn counts(conn: &mut DbConn, actor: &Actor, upto: Month) -> AppResult<Option<Counts>> {
    let office = match seen(conn, actor)? {
        Seen::All => None,
        Seen::Office(o) => Some(o),
        Seen::Department(_) => return Ok(None),
    };
    let mine = opinion_stats::table.filter(opinion_stats::committee_id.eq(actor.committee_id));
    let group = (opinion_stats::month, opinion_stats::office_id, opinion_stats::measure);
    let cols = (opinion_stats::month, opinion_stats::office_id, opinion_stats::measure, sum_n());
    let rows: Vec<CounterRow> = match office {
        Some(o) => mine.filter(opinion_stats::office_id.eq(o.0)).group_by(group).select(cols).load(conn)?,
        None => mine.group_by(group).select(cols).load(conn)?,
    };
    let months = upto.last(12);
    let (first, last) = (months[0].to_string(), upto.to_string());
    let names: HashMap<i64, String> = offices::table
        .filter(offices::committee_id.eq(actor.committee_id))
        .select((offices::id, offices::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();

    let mut by_status: Vec<(Status, i64)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    let mut by_office: HashMap<i64, Count> = HashMap::new();
    let mut by_month: HashMap<String, Count> = HashMap::new();
    let mut total = Count::default();
    for (month, office, measure, n) in rows {
        if let Measure::Status(s) = measure
            && let Some(slot) = by_status.iter_mut().find(|(x, _)| *x == s)
        {
            slot.1 += n.max(0);
        }
        if month >= first && month <= last {
            by_office.entry(office).or_default().add(measure, n);
            by_month.entry(month).or_default().add(measure, n);
            total.add(measure, n);
        }
    }
    // Every office of the scope is listed, with zeros if it had nothing.
    let mut office_ids: Vec<i64> = match office {
        Some(o) => vec![o.0],
        None => names.keys().copied().collect(),
    };
    office_ids.extend(by_office.keys().copied().filter(|id| *id == 0 || !names.contains_key(id)));
    office_ids.sort_unstable();
    office_ids.dedup();
    let mut by_office: Vec<(Option<String>, Count)> = office_ids
        .into_iter()
        .map(|id| {
            let name = (id != 0).then(|| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")));
            (name, by_office.remove(&id).unwrap_or_default())
        })
        .collect();
    by_office.sort_by(|a, b| b.1.received.cmp(&a.1.received).then_with(|| a.0.cmp(&b.0)));
    let by_month = months.into_iter().map(|m| (m, by_month.remove(&m.to_string()).unwrap_or_default())).collect();
    Ok(Some(Counts { by_status, by_office, by_month, total }))
}

/// The leaders' dashboard over a run of months: the cases submitted in them
/// by their current status, major category, office and month, from the
/// counters (one grouped read of the run's rows).
#[derive(Debug, Clone, Serialize)]
pub struct RangeCounts {
    pub by_status: Vec<(Status, i64)>,
    /// Major category name (`None`: not classified), largest first.
    pub by_category: Vec<(Option<String>, Count)>,
    /// Office name (`None`: no office), largest first; every office of the scope.
    pub by_office: Vec<(Option<String>, Count)>,
    pub by_month: Vec<(Month, Count)>,
    pub total: Count,
}

/// The counts of `first..=last` the actor may see: all for the district and
/// leaders, their office's for office staff, none for a department (`None`).
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, first = %first, last = %last))]
pub fn range_counts(conn: &mut DbConn, actor: &Actor, first: Month, last: Month) -> AppResult<Option<RangeCounts>> {
    let office = match seen(conn, actor)? {
        Seen::All => None,
        Seen::Office(o) => Some(o),
        Seen::Department(_) => return Ok(None),
    };
    let run = opinion_stats::table
        .filter(opinion_stats::committee_id.eq(actor.committee_id))
        .filter(opinion_stats::month.ge(first.to_string()).and(opinion_stats::month.le(last.to_string())));
    let group = (opinion_stats::month, opinion_stats::office_id, opinion_stats::category_id, opinion_stats::measure);
    let cols =
        (opinion_stats::month, opinion_stats::office_id, opinion_stats::category_id, opinion_stats::measure, sum_n());
    let rows: Vec<(String, i64, i64, Measure, i64)> = match office {
        Some(o) => run.filter(opinion_stats::office_id.eq(o.0)).group_by(group).select(cols).load(conn)?,
        None => run.group_by(group).select(cols).load(conn)?,
    };
    let office_names: HashMap<i64, String> = offices::table
        .filter(offices::committee_id.eq(actor.committee_id))
        .select((offices::id, offices::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let category_names: HashMap<i64, String> = opinion_categories::table
        .filter(opinion_categories::committee_id.eq(actor.committee_id).and(opinion_categories::parent_id.is_null()))
        .select((opinion_categories::id, opinion_categories::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut by_status: Vec<(Status, i64)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    let mut by_office: HashMap<i64, Count> = HashMap::new();
    let mut by_category: HashMap<i64, Count> = HashMap::new();
    let mut by_month: HashMap<String, Count> = HashMap::new();
    let mut total = Count::default();
    for (month, office, category, measure, n) in rows {
        if let Measure::Status(s) = measure
            && let Some(slot) = by_status.iter_mut().find(|(x, _)| *x == s)
        {
            slot.1 += n.max(0);
        }
        by_office.entry(office).or_default().add(measure, n);
        by_category.entry(category).or_default().add(measure, n);
        by_month.entry(month).or_default().add(measure, n);
        total.add(measure, n);
    }
    match office {
        Some(o) => {
            by_office.entry(o.0).or_default();
        }
        None => {
            for id in office_names.keys() {
                by_office.entry(*id).or_default();
            }
        }
    }
    let named = |names: &HashMap<i64, String>, id: i64| {
        (id != 0).then(|| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")))
    };
    let mut by_office: Vec<(Option<String>, Count)> = by_office
        .into_iter()
        .filter(|(id, c)| *id != 0 || c.received > 0)
        .map(|(id, c)| (named(&office_names, id), c))
        .collect();
    by_office.sort_by(|a, b| b.1.received.cmp(&a.1.received).then_with(|| a.0.cmp(&b.0)));
    let mut by_category: Vec<(Option<String>, Count)> = by_category
        .into_iter()
        .filter(|(_, c)| c.received > 0)
        .map(|(id, c)| (named(&category_names, id), c))
        .collect();
    by_category.sort_by(|a, b| b.1.received.cmp(&a.1.received).then_with(|| a.0.cmp(&b.0)));
    let mut months = vec![];
    let mut m = first;
    while m <= last {
        months.push((m, by_month.remove(&m.to_string()).unwrap_or_default()));
        m = m.next();
    }
    Ok(Some(RangeCounts { by_status, by_category, by_office, by_month: months, total }))
}

/// The opinion box over a run of months, for a home page's key figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    /// Cases submitted in the months.
    pub received: i64,
    /// Answers released to residents in the months.
    pub answered: i64,
    /// Ratings given (满意, 基本满意, 不满意) and the satisfied ones.
    pub rated: i64,
    pub satisfied: i64,
}

impl Period {
    pub fn satisfaction(&self) -> Option<f64> {
        (self.rated > 0).then(|| self.satisfied as f64 / self.rated as f64)
    }
}

/// The figures of `first` to `last` (months, both included) the actor may
/// see: the district's for the district and leaders, their office's for
/// office staff, none for anyone else. Received and rated come from the
/// counters; answered is one COUNT on the timeline's `opinion_events_month`.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, first = %first, last = %last))]
pub fn period(conn: &mut DbConn, actor: &Actor, first: Month, last: Month) -> AppResult<Option<Period>> {
    let office = match seen(conn, actor) {
        Ok(Seen::All) => None,
        Ok(Seen::Office(o)) => Some(o),
        Ok(Seen::Department(_)) | Err(AppError::Forbidden) => return Ok(None),
        Err(e) => return Err(e),
    };
    let months = opinion_stats::table
        .filter(opinion_stats::committee_id.eq(actor.committee_id))
        .filter(opinion_stats::month.ge(first.to_string()).and(opinion_stats::month.le(last.to_string())));
    let cols = (opinion_stats::measure, sum_n());
    let rows: Vec<(Measure, i64)> = match office {
        None => months.group_by(opinion_stats::measure).select(cols).load(conn)?,
        Some(o) => {
            months.filter(opinion_stats::office_id.eq(o.0)).group_by(opinion_stats::measure).select(cols).load(conn)?
        }
    };
    let mut p = Period::default();
    let mut c = Count::default();
    for (measure, n) in rows {
        c.add(measure, n);
    }
    p.received = c.received;
    p.rated = c.rated;
    p.satisfied = c.satisfied;
    let (a, b) = (first.bounds().0, last.bounds().1);
    let answered = opinion_events::table
        .filter(opinion_events::committee_id.eq(actor.committee_id))
        .filter(opinion_events::kind.eq(EventKind::Answered))
        .filter(opinion_events::created_at.ge(a).and(opinion_events::created_at.lt(b)));
    p.answered = match office {
        None => answered.count().get_result(conn)?,
        Some(o) => answered.inner_join(opinions::table).filter(opinions::office_id.eq(o)).count().get_result(conn)?,
    };
    Ok(Some(p))
}

/// Recomputes the counters of a committee from the cases and their timeline
/// (what the migration does for cases that were there before). For checking
/// that the counters kept up, and for repairs after editing cases by hand.
pub fn recount(conn: &mut DbConn, committee: CommitteeId) -> AppResult<()> {
    diesel::delete(opinion_stats::table.filter(opinion_stats::committee_id.eq(committee))).execute(conn)?;
    type CaseRow = (Option<OfficeId>, Option<CategoryId>, Status, Option<Rating>, NaiveDateTime, OpinionId);
    let cases: Vec<CaseRow> = opinions::table
        .filter(opinions::committee_id.eq(committee))
        .select((
            opinions::office_id,
            opinions::category_id,
            opinions::status,
            opinions::rating,
            opinions::created_at,
            opinions::id,
        ))
        .load(conn)?;
    let parents: HashMap<CategoryId, Option<CategoryId>> = opinion_categories::table
        .filter(opinion_categories::committee_id.eq(committee))
        .select((opinion_categories::id, opinion_categories::parent_id))
        .load(conn)?
        .into_iter()
        .collect();
    let major = |c: Option<CategoryId>| c.map_or(0, |c| major_of(c, parents.get(&c).copied().flatten()));
    let mut sums: HashMap<Key, i64> = HashMap::new();
    let mut by_id = HashMap::new();
    for (office, category, status, rating, created, id) in &cases {
        let key = Key {
            committee,
            month: Month::of(*created).to_string(),
            office: office.map_or(0, |o| o.0),
            category: major(*category),
            measure: Measure::Status(*status),
        };
        *sums.entry(key).or_default() += 1;
        by_id.insert(*id, (*office, *category, *rating));
    }
    let ratings: Vec<(OpinionId, EventKind, NaiveDateTime)> = opinion_events::table
        .filter(opinion_events::committee_id.eq(committee))
        .filter(opinion_events::kind.eq_any([EventKind::Rated, EventKind::Reopened, EventKind::AutoClosed]))
        .select((opinion_events::opinion_id, opinion_events::kind, opinion_events::created_at))
        .load(conn)?;
    for (id, kind, at) in ratings {
        let Some((office, category, rating)) = by_id.get(&id) else { continue };
        let Some(r) = rating_given(kind, *rating) else { continue };
        let key = Key {
            committee,
            month: Month::of(at).to_string(),
            office: office.map_or(0, |o| o.0),
            category: major(*category),
            measure: Measure::Rating(r),
        };
        *sums.entry(key).or_default() += 1;
    }
    bump(conn, sums.into_iter().collect())
}

/// A counter as `(month, office, category, measure, n)`.
pub type Counter = (String, i64, i64, Measure, i64);

/// The counters of a committee, sorted, zero rows left out: to compare with a
/// `recount`.
pub fn counters(conn: &mut DbConn, committee: CommitteeId) -> AppResult<Vec<Counter>> {
    let mut rows: Vec<Counter> = opinion_stats::table
        .filter(opinion_stats::committee_id.eq(committee))
        .filter(opinion_stats::n.ne(0))
        .select((
            opinion_stats::month,
            opinion_stats::office_id,
            opinion_stats::category_id,
            opinion_stats::measure,
            opinion_stats::n,
        ))
        .load(conn)?;
    rows.sort();
    Ok(rows)
}

// ---------------------------------------------------------------------------
// The public results wall

pub const WALL_PAGE: i64 = 20;

/// A closed case staff marked public: no name, no phone, digits masked.
#[derive(Debug, Clone, Serialize)]
pub struct PublicCase {
    pub category: Option<String>,
    pub office: Option<String>,
    pub question: String,
    pub answer: String,
    pub closed_at: Option<NaiveDateTime>,
}

/// Masks what looks like a phone or an ID number (7 digits or more in a row,
/// ASCII or full-width), keeping the first three: residents write their number
/// into the text itself, and the wall is public.
pub fn mask_numbers(text: &str) -> String {
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if digit(chars[i]) {
            let run = chars[i..].iter().take_while(|c| digit(**c)).count();
            if run >= 7 {
                out.extend(&chars[i..i + 3]);
                out.extend(std::iter::repeat_n('*', run - 3));
            } else {
                out.extend(&chars[i..i + run]);
            }
            i += run;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The committee's public cases, newest closed first, one page (from 1), and
/// how many there are.
pub fn wall(conn: &mut DbConn, committee: CommitteeId, page: i64) -> AppResult<(Vec<PublicCase>, i64)> {
    let public = || {
        opinions::table
            .filter(opinions::committee_id.eq(committee))
            // Spelled out, not bound, so the partial index `opinions_public` applies.
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "opinions.public = TRUE AND opinions.status = 'closed'",
            ))
    };
    let total: i64 = public().count().get_result(conn)?;
    // Only these columns are read: the submitter's name and phone never leave the database here.
    type WallRow = (Option<OfficeId>, Option<CategoryId>, String, Option<String>, Option<NaiveDateTime>);
    let rows: Vec<WallRow> = public()
        .order((opinions::closed_at.desc(), opinions::id.desc()))
        .limit(WALL_PAGE)
        .offset(paging::offset(page, WALL_PAGE))
        .select((opinions::office_id, opinions::category_id, opinions::body, opinions::answer, opinions::closed_at))
        .load(conn)?;
    let office_ids: Vec<OfficeId> = rows.iter().filter_map(|r| r.0).collect();
    let cat_ids: Vec<CategoryId> = rows.iter().filter_map(|r| r.1).collect();
    let office_names: HashMap<OfficeId, String> = offices::table
        .filter(offices::id.eq_any(office_ids))
        .select((offices::id, offices::name))
        .load(conn)?
        .into_iter()
        .collect();
    let cat_names: HashMap<CategoryId, String> = opinion_categories::table
        .filter(opinion_categories::id.eq_any(cat_ids))
        .select((opinion_categories::id, opinion_categories::name))
        .load(conn)?
        .into_iter()
        .collect();
    let cases = rows
        .into_iter()
        .map(|(office, category, body, answer, closed_at)| PublicCase {
            office: office.and_then(|o| office_names.get(&o).cloned()),
            category: category.and_then(|c| cat_names.get(&c).cloned()),
            question: mask_numbers(&body),
            answer: mask_numbers(answer.as_deref().unwrap_or_default()),
            closed_at,
        })
        .collect();
    Ok((cases, total))
}

/// The wall's figures over the last 12 months: cases by month and by major
/// category (received, closed), and the satisfaction rate, from the counters.
#[derive(Debug, Clone, Serialize)]
pub struct PublicCounts {
    pub by_month: Vec<(Month, Count)>,
    /// Major category name (`None`: not classified) and its counts.
    pub by_category: Vec<(Option<String>, Count)>,
    pub total: Count,
}

pub fn public_counts(conn: &mut DbConn, committee: CommitteeId, upto: Month) -> AppResult<PublicCounts> {
    let months = upto.last(12);
    let (first, last) = (months[0].to_string(), upto.to_string());
    let rows: Vec<CounterRow> = opinion_stats::table
        .filter(opinion_stats::committee_id.eq(committee))
        .filter(opinion_stats::month.ge(&first).and(opinion_stats::month.le(&last)))
        .group_by((opinion_stats::month, opinion_stats::category_id, opinion_stats::measure))
        .select((opinion_stats::month, opinion_stats::category_id, opinion_stats::measure, sum_n()))
        .load(conn)?;
    let names: HashMap<i64, String> = opinion_categories::table
        .filter(opinion_categories::committee_id.eq(committee).and(opinion_categories::parent_id.is_null()))
        .select((opinion_categories::id, opinion_categories::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut by_month: HashMap<String, Count> = HashMap::new();
    let mut by_category: HashMap<i64, Count> = HashMap::new();
    let mut total = Count::default();
    for (month, category, measure, n) in rows {
        by_month.entry(month).or_default().add(measure, n);
        by_category.entry(category).or_default().add(measure, n);
        total.add(measure, n);
    }
    let by_month = months.into_iter().map(|m| (m, by_month.remove(&m.to_string()).unwrap_or_default())).collect();
    let mut by_category: Vec<(Option<String>, Count)> = by_category
        .into_iter()
        .filter(|(_, c)| c.received > 0)
        .map(|(id, c)| ((id != 0).then(|| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))), c))
        .collect();
    by_category.sort_by(|a, b| b.1.received.cmp(&a.1.received).then_with(|| a.0.cmp(&b.0)));
    Ok(PublicCounts { by_month, by_category, total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::calendar::model::{DayKind, SpecialDay};

    fn at(s: &str) -> NaiveDateTime {
        // Beijing time in the tests, stored as UTC like every time.
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time") - chrono::Duration::hours(8)
    }

    fn nov() -> Month {
        Month::new(2026, 11).expect("month")
    }

    const HOUSING: Unit = Unit { kind: AssigneeKind::Department, id: 1 };
    const WATER: Unit = Unit { kind: AssigneeKind::Department, id: 2 };

    fn ev(step: Step, t: &str) -> CaseEvent {
        CaseEvent::new(step, at(t))
    }

    fn assigned(t: &str, unit: Unit) -> CaseEvent {
        CaseEvent { unit: Some(unit), ..ev(Step::Assigned, t) }
    }

    fn answered(t: &str, unit: Unit, due: &str) -> CaseEvent {
        CaseEvent { unit: Some(unit), due: Some(at(due)), ..ev(Step::Answered, t) }
    }

    fn case(office: i64, rating: Option<Rating>, events: Vec<CaseEvent>) -> Timeline {
        Timeline { office: Some(OfficeId(office)), rating, unit: None, due: None, events }
    }

    fn run(cases: &[Timeline], now: &str) -> Tallies {
        tally(cases, nov(), at(now), &Calendar::default())
    }

    #[test]
    fn months_parse_and_step() {
        let m = Month::parse("2026-11").expect("parses");
        assert_eq!(m.to_string(), "2026-11");
        assert_eq!(m.next().to_string(), "2026-12");
        assert_eq!(m.next().next().to_string(), "2027-01");
        assert_eq!(Month::parse("2027-01").map(|m| m.prev().to_string()), Some("2026-12".into()));
        for bad in ["2026-13", "2026-00", "26-11", "2026-1", "x", "", "2026-11-01"] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        let last = m.last(12);
        assert_eq!(last.len(), 12);
        assert_eq!(last[0].to_string(), "2025-12");
        assert_eq!(last[11], m);
        // Beijing midnight: 2026-11-01 00:00 +08:00 is 10-31 16:00 UTC.
        let (start, end) = m.bounds();
        assert_eq!(start, at("2026-11-01 00:00"));
        assert_eq!(end, at("2026-12-01 00:00"));
        assert_eq!(Month::of(at("2026-12-01 00:30")).to_string(), "2026-12");
        assert_eq!(Month::of(at("2026-11-30 23:59")).to_string(), "2026-11");
    }

    #[test]
    fn rates_over_nothing_are_a_dash_never_nan() {
        assert_eq!(ratio(0, 0), None);
        assert_eq!(ratio(3, 4), Some(0.75));
        assert_eq!(percent(ratio(0, 0)), "—");
        assert_eq!(percent(ratio(7, 8)), "87.5%");
        assert_eq!(percent(ratio(0, 5)), "0.0%");
        assert_eq!(percent(Some(f64::NAN)), "—");
        assert_eq!(one_decimal(None), "—");
        let t = Tally::default();
        for r in [t.sign_rate(), t.answer_rate(), t.satisfaction(), t.sent_back_rate(), t.average_days()] {
            assert_eq!(r, None);
        }
        assert_eq!(Count::default().satisfaction(), None);
    }

    #[test]
    fn signing_within_one_working_day() {
        let cases = vec![
            // Assigned Friday, signed Monday: one working day later, on time.
            case(1, None, vec![assigned("2026-11-06 10:00", HOUSING), ev(Step::Signed, "2026-11-09 18:00")]),
            // Assigned Monday, signed Wednesday: late.
            case(1, None, vec![assigned("2026-11-09 10:00", HOUSING), ev(Step::Signed, "2026-11-11 09:00")]),
            // Never signed, the window closed: late.
            case(1, None, vec![assigned("2026-11-10 10:00", HOUSING)]),
            // Never signed, the window still open: not counted yet.
            case(1, None, vec![assigned("2026-11-30 10:00", HOUSING)]),
            // Moved to another unit within the window: says nothing about housing;
            // the water bureau signs on time.
            case(
                2,
                None,
                vec![
                    assigned("2026-11-16 09:00", HOUSING),
                    assigned("2026-11-16 15:00", WATER),
                    ev(Step::Signed, "2026-11-17 08:00"),
                ],
            ),
            // Returned unsigned after its window closed: late.
            case(2, None, vec![assigned("2026-11-02 09:00", HOUSING), ev(Step::Returned, "2026-11-05 09:00")]),
            // Assigned in October: October's figure, not November's.
            case(1, None, vec![assigned("2026-10-30 09:00", HOUSING), ev(Step::Signed, "2026-11-04 09:00")]),
        ];
        let t = run(&cases, "2026-11-30 12:00");
        let h = t.units[&HOUSING];
        assert_eq!((h.assigned, h.signed_on_time), (4, 1));
        assert_eq!(percent(h.sign_rate()), "25.0%");
        let w = t.units[&WATER];
        assert_eq!((w.assigned, w.signed_on_time), (1, 1));
        // Offices count every assignment of their cases.
        assert_eq!(t.offices[&Some(OfficeId(1))].assigned, 3);
        assert_eq!(t.offices[&Some(OfficeId(2))].assigned, 2);
    }

    #[test]
    fn signing_counts_holidays_as_days_off() {
        let cal = Calendar::new([SpecialDay {
            day: NaiveDate::from_ymd_opt(2026, 11, 9).expect("day"),
            kind: DayKind::Holiday,
            name: "test".into(),
        }]);
        // Friday's case signed on Tuesday: Monday was a holiday, so in time.
        let c = case(1, None, vec![assigned("2026-11-06 10:00", HOUSING), ev(Step::Signed, "2026-11-10 17:00")]);
        let t = tally(&[c], nov(), at("2026-11-30 00:00"), &cal);
        assert_eq!(t.units[&HOUSING].signed_on_time, 1);
    }

    #[test]
    fn answers_on_time_sent_back_and_working_days() {
        let cases = vec![
            // Assigned Monday, answered Friday of the same week before its deadline: 4 working days.
            case(
                1,
                None,
                vec![
                    assigned("2026-11-02 09:00", HOUSING),
                    ev(Step::Signed, "2026-11-02 10:00"),
                    answered("2026-11-06 10:00", HOUSING, "2026-11-13 23:59"),
                ],
            ),
            // Sent back once, answered after its deadline (the deadline in force
            // then, an extension included, is what counts).
            case(
                2,
                None,
                vec![
                    assigned("2026-11-02 09:00", HOUSING),
                    ev(Step::Signed, "2026-11-02 10:00"),
                    ev(Step::SentBack, "2026-11-05 10:00"),
                    answered("2026-11-20 10:00", HOUSING, "2026-11-19 23:59"),
                ],
            ),
            // Answered in October: not November's.
            case(
                1,
                None,
                vec![assigned("2026-10-12 09:00", HOUSING), answered("2026-10-20 10:00", HOUSING, "2026-10-26 23:59")],
            ),
        ];
        let t = run(&cases, "2026-11-30 00:00");
        let h = t.units[&HOUSING];
        assert_eq!((h.answered, h.answered_on_time, h.sent_back), (2, 1, 1));
        assert_eq!(percent(h.answer_rate()), "50.0%");
        assert_eq!(percent(h.sent_back_rate()), "50.0%");
        // 4 working days, and 14 (Nov 2 → Nov 20).
        assert_eq!((h.working_days, h.timed), (18, 2));
        assert_eq!(one_decimal(h.average_days()), "9.0");
    }

    #[test]
    fn satisfaction_counts_every_rating_and_leaves_out_unrated() {
        let answered_case = |rating, tail: Vec<CaseEvent>| {
            let mut events =
                vec![assigned("2026-11-02 09:00", HOUSING), answered("2026-11-03 10:00", HOUSING, "2026-11-13 23:59")];
            events.extend(tail);
            case(1, rating, events)
        };
        let cases = vec![
            answered_case(Some(Rating::Satisfied), vec![ev(Step::Rated, "2026-11-04 10:00")]),
            answered_case(Some(Rating::Basic), vec![ev(Step::Rated, "2026-11-04 10:00")]),
            answered_case(Some(Rating::Unrated), vec![ev(Step::AutoClosed, "2026-11-20 10:00")]),
            // 不满意 reopens; the second answer is rated 满意: both ratings count,
            // so a unit cannot wipe out a 不满意 by answering again.
            answered_case(
                Some(Rating::Satisfied),
                vec![
                    ev(Step::Reopened, "2026-11-04 10:00"),
                    answered("2026-11-06 10:00", HOUSING, "2026-11-18 23:59"),
                    ev(Step::Rated, "2026-11-07 10:00"),
                ],
            ),
        ];
        let t = run(&cases, "2026-11-30 00:00");
        let h = t.units[&HOUSING];
        assert_eq!((h.rated, h.satisfied, h.unrated), (4, 3, 1));
        assert_eq!(percent(h.satisfaction()), "75.0%");
        // The reopened case is one answered case, timed from its first assignment.
        assert_eq!(h.answered, 4);
        assert_eq!(h.answered_on_time, 4);
    }

    #[test]
    fn units_follow_reassignment_and_older_events_fall_back_to_the_case() {
        // Reassigned after signing: the answer is the water bureau's.
        let moved = case(
            1,
            None,
            vec![
                assigned("2026-11-02 09:00", HOUSING),
                ev(Step::Signed, "2026-11-02 10:00"),
                assigned("2026-11-03 09:00", WATER),
                ev(Step::Signed, "2026-11-03 10:00"),
                answered("2026-11-05 10:00", WATER, "2026-11-17 23:59"),
            ],
        );
        // Events recorded before units were: the case's current handler and deadline.
        let old = Timeline {
            unit: Some(WATER),
            due: Some(at("2026-11-01 23:59")),
            ..case(1, None, vec![ev(Step::Assigned, "2026-10-20 09:00"), ev(Step::Answered, "2026-11-02 10:00")])
        };
        let t = run(&[moved, old], "2026-11-30 00:00");
        assert_eq!(t.units[&HOUSING].answered, 0);
        assert_eq!(t.units[&HOUSING].signed_on_time, 1);
        let w = t.units[&WATER];
        assert_eq!((w.answered, w.answered_on_time), (2, 1));
        // The office counts both cases once each.
        assert_eq!(t.offices[&Some(OfficeId(1))].answered, 2);
    }

    fn row(name: &str, t: Tally) -> Row {
        Row { name: Some(name.into()), kind: None, unit: None, office: None, tally: t, rank: None }
    }

    #[test]
    fn ranking_puts_the_best_first_and_dashes_last() {
        let t = |on_time, answered, satisfied, rated| Tally {
            answered,
            answered_on_time: on_time,
            rated,
            satisfied,
            ..Tally::default()
        };
        let mut rows = vec![
            row("甲", t(1, 2, 0, 0)),
            row("乙", t(0, 0, 0, 0)),
            row("丙", t(2, 2, 1, 2)),
            row("丁", t(2, 4, 1, 1)),
            row("戊", t(4, 4, 1, 1)),
        ];
        rank(&mut rows, SortKey::Answer);
        let order: Vec<_> = rows.iter().map(|r| (r.name.clone().unwrap_or_default(), r.rank)).collect();
        assert_eq!(
            order,
            vec![
                ("戊".into(), Some(1)),
                ("丙".into(), Some(1)),
                // Equal rates share a rank; satisfaction orders them.
                ("丁".into(), Some(3)),
                ("甲".into(), Some(3)),
                ("乙".into(), None),
            ]
        );
        // Fewer sent back is better.
        let mut rows = vec![
            row("a", Tally { answered: 2, sent_back: 2, ..Tally::default() }),
            row("b", Tally { answered: 2, sent_back: 0, ..Tally::default() }),
        ];
        rank(&mut rows, SortKey::SentBack);
        assert_eq!(rows[0].name.as_deref(), Some("b"));
        assert_eq!(SortKey::parse("days"), Some(SortKey::Days));
        assert_eq!(SortKey::parse("x"), None);
    }

    #[test]
    fn ratings_given_by_events() {
        assert_eq!(rating_given(EventKind::Rated, Some(Rating::Basic)), Some(Rating::Basic));
        assert_eq!(rating_given(EventKind::Reopened, Some(Rating::Unsatisfied)), Some(Rating::Unsatisfied));
        assert_eq!(rating_given(EventKind::AutoClosed, Some(Rating::Unrated)), Some(Rating::Unrated));
        assert_eq!(rating_given(EventKind::Answered, None), None);
    }

    #[test]
    fn measures_are_stored_as_status_or_rating_keys() {
        let all: Vec<Measure> = Status::ALL
            .iter()
            .map(|s| Measure::Status(*s))
            .chain(Rating::ALL.iter().map(|r| Measure::Rating(*r)))
            .collect();
        for m in &all {
            let expected = match m {
                Measure::Status(s) => format!("status.{s}"),
                Measure::Rating(r) => format!("rating.{r}"),
            };
            assert_eq!(m.as_str(), expected);
            assert_eq!(Measure::parse(m.as_str()), Some(*m));
        }
        for bad in ["status.nope", "rating.", "status", "other.closed", ""] {
            assert_eq!(Measure::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn counts_add_up_by_measure() {
        let mut c = Count::default();
        let mut add = |m: &str, n| c.add(Measure::parse(m).expect(m), n);
        add("status.closed", 3);
        add("status.in_progress", 2);
        add("status.rejected", 1);
        add("rating.satisfied", 2);
        add("rating.unsatisfied", 1);
        add("rating.unrated", 5);
        add("status.submitted", -1);
        assert_eq!(c, Count { received: 6, closed: 3, open: 2, rated: 3, satisfied: 2 });
        assert_eq!(percent(c.satisfaction()), "66.7%");
    }

    #[test]
    fn numbers_are_masked_on_the_wall() {
        assert_eq!(mask_numbers("我的电话13903981234，请回电"), "我的电话139********，请回电");
        assert_eq!(mask_numbers("身份证41120219800101123X"), "身份证411**************X");
        assert_eq!(mask_numbers("３号楼２单元，１３９０３９８１２３４"), "３号楼２单元，１３９********");
        assert_eq!(mask_numbers("3号楼前100米，2026年"), "3号楼前100米，2026年");
    }
}
