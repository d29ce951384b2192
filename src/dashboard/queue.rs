//! What each role's home shows: its work queue as counts, each with the link
//! to the list that shows the same filter, and the key figures of leaders.
//! Everything is computed from current data on each visit, through the areas'
//! store functions, which scope by the acting user; counts are COUNT queries.

use crate::activities::model::{Mark, Quarter};
use crate::activities::store::{activities as activity_store, coverage};
use crate::consultations::model::ItemStatus;
use crate::consultations::store::consultations::{self as consultation_store};
use crate::consultations::store::items::{self, ItemFilter};
use crate::kernel::audit::store::{self as audit, Entry};
use crate::kernel::auth::store::{self as accounts, UserSummary};
use crate::kernel::auth::throttle::is_locked;
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::time::{now, today};
use crate::meetings::Reply;
use crate::meetings::store::attendees::{self, Invitation, Kind, Unanswered};
use crate::opinions::model::{Assignee, Status};
use crate::opinions::stats::{self, Month, Period};
use crate::opinions::store::cases::{self, InboxFilter};

/// One line of the work queue: how many, and where to see them.
#[derive(Debug, Clone)]
pub struct Count {
    /// Its translation key (`queue.*`); also its element id on the page.
    pub key: &'static str,
    pub n: i64,
    pub href: String,
    /// Late work: shown in red while there is any.
    pub late: bool,
}

impl Count {
    /// The element id: the key's last part (`queue.to_sign` → `to_sign`).
    pub fn id(&self) -> &str {
        self.key.rsplit('.').next().unwrap_or(self.key)
    }
}

/// A unit holding overdue cases, with the inbox link to them.
#[derive(Debug, Clone)]
pub struct UnitCount {
    pub name: String,
    pub n: i64,
    pub href: String,
}

/// A key figure this month and this quarter, each beside the one before.
#[derive(Debug, Clone)]
pub struct Figure {
    pub key: &'static str,
    pub month: Trend,
    pub quarter: Trend,
}

/// A period's value, the previous period's, and the list behind it.
#[derive(Debug, Clone)]
pub struct Trend {
    pub now: Value,
    pub before: Value,
    pub href: String,
}

/// A count, or a rate that may not exist (nothing rated: no rate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Count(i64),
    Rate(Option<f64>),
}

impl Value {
    pub fn shown(&self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Rate(r) => stats::percent(*r),
        }
    }
}

impl Trend {
    /// `up`, `down` or `same` against the previous period; `None` when a rate
    /// is missing on either side.
    pub fn direction(&self) -> Option<&'static str> {
        let (a, b) = match (self.now, self.before) {
            (Value::Count(a), Value::Count(b)) => (a as f64, b as f64),
            (Value::Rate(Some(a)), Value::Rate(Some(b))) => (a, b),
            _ => return None,
        };
        Some(if (a - b).abs() < 1e-9 {
            "same"
        } else if a > b {
            "up"
        } else {
            "down"
        })
    }
}

/// A member's liaison point and where it stands this quarter.
#[derive(Debug, Clone)]
pub struct Point {
    pub place: String,
    pub office: String,
    pub mark: Mark,
}

impl Point {
    pub fn mark_key(&self) -> String {
        format!("coverage.{}", self.mark.as_str())
    }

    /// The tag's colour: visited, planned, or still to plan.
    pub fn tone(&self) -> &'static str {
        match self.mark {
            Mark::Held => "ok",
            Mark::Planned => "warn",
            Mark::Missing => "bad",
        }
    }
}

/// Everything a home page shows besides the greeting.
#[derive(Debug, Clone, Default)]
pub struct Queue {
    pub counts: Vec<Count>,
    /// The units with the most overdue cases (district and office staff, leaders).
    pub overdue_units: Vec<UnitCount>,
    /// Planned meetings of the office whose invitees have not all replied.
    pub unanswered: Vec<Unanswered>,
    /// A member's invitations to activities and consultations to come.
    pub invitations: Vec<Invitation>,
    pub consultations: Vec<Invitation>,
    /// A member's liaison points this quarter.
    pub points: Vec<Point>,
    /// This quarter, as the page names it.
    pub quarter: Option<Quarter>,
    /// Leaders' key figures.
    pub figures: Vec<Figure>,
    /// The sysadmin's locked and disabled accounts.
    pub locked: Vec<UserSummary>,
    /// The auditor's latest audit entries.
    pub audit: Vec<Entry>,
}

/// How many units the overdue list names.
const TOP_UNITS: usize = 5;
/// How many audit entries the auditor's home shows.
const AUDIT_LINES: usize = 8;

fn inbox(conn: &mut DbConn, actor: &Actor, key: &'static str, f: InboxFilter, late: bool) -> AppResult<Count> {
    Ok(Count { key, n: cases::count(conn, actor, &f)?, href: f.href(), late })
}

fn item_count(conn: &mut DbConn, actor: &Actor, key: &'static str, f: ItemFilter, late: bool) -> AppResult<Count> {
    Ok(Count { key, n: items::count(conn, actor, &f)?, href: f.href(), late })
}

/// What the actor's home shows, gathered in one read.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, role = %actor.role))]
pub fn gather(conn: &mut DbConn, actor: &Actor) -> AppResult<Queue> {
    let quarter = Quarter::of(today());
    let mut q = Queue { quarter: Some(quarter), ..Queue::default() };
    match actor.role {
        Role::Department => {
            q.counts = handler_counts(conn, actor)?;
            q.counts.push(inbox(
                conn,
                actor,
                "queue.returned",
                mine(InboxFilter { returned: true, ..default() }),
                true,
            )?);
            q.counts.push(item_count(
                conn,
                actor,
                "queue.items_open",
                ItemFilter { status: Some(ItemStatus::Open), ..ItemFilter::default() },
                false,
            )?);
            q.counts.push(item_count(
                conn,
                actor,
                "queue.items_due_soon",
                ItemFilter { due_soon: true, ..ItemFilter::default() },
                false,
            )?);
            q.counts.push(item_count(
                conn,
                actor,
                "queue.items_overdue",
                ItemFilter { overdue: true, ..ItemFilter::default() },
                true,
            )?);
            let invited = crate::consultations::store::departments::invitations(conn, actor)?;
            let waiting = invited.iter().filter(|(_, r)| *r == Reply::Pending).count() as i64;
            q.counts.push(Count {
                key: "queue.department_invitations",
                n: waiting,
                href: "/consultations/items#department-invitations".into(),
                late: false,
            });
        }
        Role::DistrictAdmin | Role::OfficeStaff => {
            q.counts = dispatcher_counts(conn, actor, quarter)?;
            if actor.role == Role::OfficeStaff {
                // An office may hold cases too: shown when it does.
                q.counts.extend(handler_counts(conn, actor)?.into_iter().filter(|c| c.n > 0));
                q.unanswered = attendees::unanswered(conn, actor)?;
                let n = q.unanswered.iter().map(|u| u.pending).sum();
                q.counts.push(Count { key: "queue.members_to_reply", n, href: "#unanswered".into(), late: false });
                let (open, overdue) = crate::inspections::store::rectifications::open_of_office(conn, actor, today())?;
                if open > 0 {
                    q.counts.push(Count {
                        key: "queue.rectifications",
                        n: open,
                        href: "/inspections".into(),
                        late: overdue > 0,
                    });
                }
            }
            if actor.role == Role::DistrictAdmin {
                let n = crate::inspections::store::rectifications::overdue_count(conn, actor, today())?;
                if n > 0 {
                    q.counts.push(Count {
                        key: "queue.rectifications_overdue",
                        n,
                        href: "/inspections".into(),
                        late: true,
                    });
                }
            }
            q.overdue_units = overdue_units(conn, actor, TOP_UNITS)?;
        }
        Role::Member => {
            q.invitations = attendees::upcoming(conn, actor, Kind::Activity)?;
            q.consultations = attendees::upcoming(conn, actor, Kind::Consultation)?;
            let waiting =
                q.invitations.iter().chain(&q.consultations).filter(|i| i.reply == Reply::Pending).count() as i64;
            q.counts.push(Count { key: "queue.to_reply", n: waiting, href: "#invitations".into(), late: false });
            q.counts.extend(handler_counts(conn, actor)?);
            q.points = coverage::own_points(conn, actor, quarter)?
                .into_iter()
                .map(|(place, office, mark)| Point { place, office, mark })
                .collect();
        }
        Role::Leader => {
            q.figures = figures(conn, actor)?;
            q.counts.push(inbox(conn, actor, "queue.overdue", InboxFilter { overdue: true, ..default() }, true)?);
            q.overdue_units = overdue_units(conn, actor, TOP_UNITS)?;
        }
        Role::Sysadmin => {
            let t = now();
            q.locked = accounts::list(conn, actor)?
                .into_iter()
                .filter(|u| u.disabled || is_locked(u.locked_until, t))
                .collect();
            let n = q.locked.len() as i64;
            q.counts.push(Count { key: "queue.locked", n, href: "#locked-accounts".into(), late: n > 0 });
        }
        Role::SecurityAdmin => {
            let rows = crate::kernel::auth::security::overview(conn, actor)?;
            let n = rows.iter().filter(|u| u.is_locked()).count() as i64;
            q.counts.push(Count {
                key: "queue.locked_by_passwords",
                n,
                href: "/security#locked-accounts".into(),
                late: n > 0,
            });
            let n = rows.iter().filter(|u| u.missing_two_factor && !u.disabled).count() as i64;
            q.counts.push(Count {
                key: "queue.missing_two_factor",
                n,
                href: "/security#missing-two-factor".into(),
                late: n > 0,
            });
        }
        Role::Auditor => {
            q.audit = audit::list(conn, actor, None, None)?.into_iter().take(AUDIT_LINES).collect();
        }
    }
    // What waits among proposals: to review, to sign, to answer, to rate.
    for (key, n, href, late) in crate::proposals::store::proposals::waiting(conn, actor)? {
        if n > 0 {
            q.counts.push(Count { key, n, href, late });
        }
    }
    // Residents' online comments (网络议政) waiting for the staff who moderate them.
    let held = crate::consultations::online::store::phase::held_to_moderate(conn, actor)?;
    if held > 0 {
        q.counts.push(Count { key: "queue.online_held", n: held, href: "/consultations/online".into(), late: false });
    }
    if matches!(actor.role, Role::OfficeStaff | Role::Member | Role::Department) {
        // Notices sent to the actor's unit that nobody of it has opened.
        let n = crate::notices::store::notices::unread(conn, actor)?;
        q.counts.push(Count { key: "queue.unread_notices", n, href: "/notices#received".into(), late: false });
    }
    Ok(q)
}

fn default() -> InboxFilter {
    InboxFilter::default()
}

/// Held by the actor's own unit.
fn mine(f: InboxFilter) -> InboxFilter {
    InboxFilter { mine: true, ..f }
}

/// A handler's cases: to sign for, to answer, overdue.
fn handler_counts(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Count>> {
    Ok(vec![
        inbox(conn, actor, "queue.to_sign", mine(InboxFilter { status: Some(Status::Assigned), ..default() }), false)?,
        inbox(
            conn,
            actor,
            "queue.to_answer",
            mine(InboxFilter { status: Some(Status::InProgress), ..default() }),
            false,
        )?,
        inbox(conn, actor, "queue.mine_overdue", mine(InboxFilter { overdue: true, ..default() }), true)?,
    ])
}

/// The dispatcher's queue: the district's, or an office's by the scope.
fn dispatcher_counts(conn: &mut DbConn, actor: &Actor, quarter: Quarter) -> AppResult<Vec<Count>> {
    let waiting = [
        ("queue.to_accept", Status::Submitted),
        ("queue.to_assign", Status::Accepted),
        ("queue.to_review", Status::AnswerReview),
    ];
    let counts = cases::count_statuses(conn, actor, &waiting.map(|(_, s)| s))?;
    let mut out: Vec<Count> = waiting
        .iter()
        .zip(counts)
        .map(|((key, s), n)| {
            let f = InboxFilter { status: Some(*s), ..default() };
            Count { key, n, href: f.href(), late: false }
        })
        .collect();
    out.extend([
        inbox(conn, actor, "queue.extensions", InboxFilter { extension: true, ..default() }, false)?,
        inbox(conn, actor, "queue.overdue", InboxFilter { overdue: true, ..default() }, true)?,
        item_count(conn, actor, "queue.items_overdue", ItemFilter { overdue: true, ..ItemFilter::default() }, true)?,
    ]);
    let board = coverage::board(conn, actor, None, quarter, Some(Mark::Missing))?;
    out.push(Count {
        key: "queue.points_missing",
        n: board.missing as i64,
        href: format!("/activities/coverage?quarter={quarter}&mark=missing"),
        late: false,
    });
    Ok(out)
}

/// The `top` units holding the most overdue cases, each linked to its inbox.
pub(crate) fn overdue_units(conn: &mut DbConn, actor: &Actor, top: usize) -> AppResult<Vec<UnitCount>> {
    let units = cases::overdue_by_holder(conn, actor, top)?;
    let mut out = Vec::with_capacity(units.len());
    for (unit, n) in units {
        let f = InboxFilter { overdue: true, holder: Some(unit), ..default() };
        let name = unit_name(conn, actor, unit)?;
        out.push(UnitCount { name, n, href: f.href() });
    }
    Ok(out)
}

/// A handling unit's name, from the actor's committee.
fn unit_name(conn: &mut DbConn, actor: &Actor, unit: Assignee) -> AppResult<String> {
    use crate::kernel::db::schema::{departments, members, offices};
    use diesel::prelude::*;
    let c = actor.committee_id;
    let name: Option<String> = match unit {
        Assignee::Department(d) => departments::table
            .filter(departments::id.eq(d).and(departments::committee_id.eq(c)))
            .select(departments::name)
            .get_result(conn)
            .optional()?,
        Assignee::Office(o) => offices::table
            .filter(offices::id.eq(o).and(offices::committee_id.eq(c)))
            .select(offices::name)
            .get_result(conn)
            .optional()?,
        Assignee::Member(m) => members::table
            .filter(members::id.eq(m).and(members::committee_id.eq(c)))
            .select(members::name)
            .get_result(conn)
            .optional()?,
    };
    Ok(name.unwrap_or_else(|| unit.key()))
}

/// A run of whole months: a month, or a quarter's three.
#[derive(Debug, Clone, Copy)]
struct Span {
    first: Month,
    last: Month,
}

impl Span {
    fn month(m: Month) -> Span {
        Span { first: m, last: m }
    }
    fn quarter(q: Quarter) -> Span {
        let first = Month::of_date(q.first_day());
        Span { first, last: first.next().next() }
    }
    fn from(self) -> chrono::NaiveDate {
        self.first.first_day()
    }
    fn to(self) -> chrono::NaiveDate {
        self.last.next().first_day() - chrono::Duration::days(1)
    }
}

/// A span's figures.
#[derive(Debug, Clone, Copy, Default)]
struct Snapshot {
    opinions: Period,
    activities: i64,
    consultations: i64,
    items_done: i64,
}

fn held_activities(s: Span) -> activity_store::Filter {
    activity_store::Filter {
        status: Some(crate::activities::model::Status::Held),
        from: Some(s.from()),
        to: Some(s.to()),
        ..Default::default()
    }
}

fn held_consultations(s: Span) -> consultation_store::Filter {
    consultation_store::Filter { held_from: Some(s.from()), held_to: Some(s.to()), ..Default::default() }
}

fn items_done(s: Span) -> ItemFilter {
    ItemFilter {
        status: Some(ItemStatus::Done),
        closed_from: Some(s.from()),
        closed_to: Some(s.to()),
        ..Default::default()
    }
}

/// The actor's figures of a span: each a COUNT, or a sum of the counters.
fn snapshot(conn: &mut DbConn, actor: &Actor, s: Span) -> AppResult<Snapshot> {
    Ok(Snapshot {
        opinions: stats::period(conn, actor, s.first, s.last)?.unwrap_or_default(),
        activities: activity_store::count(conn, actor, &held_activities(s))?,
        consultations: consultation_store::count(conn, actor, &held_consultations(s))?,
        items_done: items::count(conn, actor, &items_done(s))?,
    })
}

/// The key figures in the actor's scope (the district's for a leader): this
/// month and this quarter, each beside the previous one.
fn figures(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Figure>> {
    let m = Month::current();
    let qr = Quarter::of(today());
    let (month, quarter) = (Span::month(m), Span::quarter(qr));
    let (prev_month, prev_quarter) = (Span::month(m.prev()), Span::quarter(qr.prev()));
    let [a, b, c, d] = [month, prev_month, quarter, prev_quarter].map(|s| (s, Snapshot::default()));
    let mut snaps = [a, b, c, d];
    for (s, snap) in snaps.iter_mut() {
        *snap = snapshot(conn, actor, *s)?;
    }
    let [(_, sm), (_, spm), (_, sq), (_, spq)] = snaps;
    type Pick = (&'static str, fn(&Snapshot) -> Value, fn(Span) -> String);
    let picks: [Pick; 6] = [
        (
            "queue.fig_received",
            |x| Value::Count(x.opinions.received),
            |s| InboxFilter { from: Some(s.from()), to: Some(s.to()), ..default() }.href(),
        ),
        ("queue.fig_answered", |x| Value::Count(x.opinions.answered), |s| format!("/opinions/stats?month={}", s.last)),
        (
            "queue.fig_satisfaction",
            |x| Value::Rate(x.opinions.satisfaction()),
            |s| format!("/opinions/stats?month={}", s.last),
        ),
        ("queue.fig_activities", |x| Value::Count(x.activities), |s| held_activities(s).href()),
        ("queue.fig_consultations", |x| Value::Count(x.consultations), |s| held_consultations(s).href()),
        ("queue.fig_items_done", |x| Value::Count(x.items_done), |s| items_done(s).href()),
    ];
    Ok(picks
        .into_iter()
        .map(|(key, value, href)| Figure {
            key,
            month: Trend { now: value(&sm), before: value(&spm), href: href(month) },
            quarter: Trend { now: value(&sq), before: value(&spq), href: href(quarter) },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trend(now: Value, before: Value) -> Option<&'static str> {
        Trend { now, before, href: String::new() }.direction()
    }

    #[test]
    fn trends_compare_with_the_period_before() {
        assert_eq!(trend(Value::Count(5), Value::Count(3)), Some("up"));
        assert_eq!(trend(Value::Count(0), Value::Count(3)), Some("down"));
        assert_eq!(trend(Value::Count(2), Value::Count(2)), Some("same"));
        assert_eq!(trend(Value::Rate(Some(0.9)), Value::Rate(Some(0.8))), Some("up"));
        // Nothing rated on either side: no rate, so no trend.
        assert_eq!(trend(Value::Rate(None), Value::Rate(Some(0.8))), None);
        assert_eq!(Value::Rate(None).shown(), "—");
    }

    #[test]
    fn a_quarter_spans_its_three_months() {
        let s = Span::quarter(Quarter { year: 2026, q: 4 });
        assert_eq!((s.from().to_string(), s.to().to_string()), ("2026-10-01".into(), "2026-12-31".into()));
        let m = Span::month(Month::new(2026, 2).expect("month"));
        assert_eq!((m.from().to_string(), m.to().to_string()), ("2026-02-01".into(), "2026-02-28".into()));
    }
}
