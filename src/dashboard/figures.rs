//! The leaders' dashboard's data for a period, gathered in one read through
//! the areas' store functions, which scope by the acting user: the whole
//! committee for the district and leaders, one office for its staff. Opinion
//! counts come from the maintained counters, never a GROUP BY over the cases
//! (docs/decisions.md, "The leaders' dashboard").

use chrono::NaiveDate;

use super::period::Period;
use super::queue::{self, UnitCount};
use crate::activities::model::{Mark, Quarter};
use crate::activities::store::coverage;
use crate::consultations::model::ItemStatus;
use crate::consultations::store::items::{self, ItemFilter};
use crate::duty::scores;
use crate::funds::store::budgets::{self, Sums};
use crate::kernel::auth::{Actor, OfficeScope, Role};
use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, AppResult};
use crate::opinions::stats::{self, RangeCounts, Tally};
use crate::opinions::store::cases::{self, InboxFilter};
use crate::org::model::{Compliance, HomeItem};
use crate::org::store::{self as org, homes};

/// Who sees the dashboard: the district and leaders (the committee), office
/// staff (their office). Everyone else is refused.
pub fn may_view(actor: &Actor) -> bool {
    matches!(actor.role, Role::DistrictAdmin | Role::Leader | Role::OfficeStaff)
}

/// How many handling units the overdue chart names.
const OVERDUE_UNITS: usize = 10;

/// Consultations' agreed items: open and overdue now, closed in the period.
#[derive(Debug, Clone, Copy, Default)]
pub struct Items {
    pub open: i64,
    pub overdue: i64,
    pub done: i64,
    pub explained: i64,
}

/// Everything the dashboard shows for a period, in the actor's scope.
#[derive(Debug, Clone)]
pub struct Board {
    pub period: Period,
    /// The quarter of the liaison coverage.
    pub quarter: Quarter,
    /// The office the figures are limited to (office staff), by name.
    pub office: Option<String>,
    pub opinions: RangeCounts,
    /// Per office: the period's tally (按时办结率, 满意率, working days).
    pub rates: Vec<(Option<String>, Tally)>,
    /// Units holding overdue cases now, most first, and all overdue cases.
    pub overdue: Vec<UnitCount>,
    pub overdue_total: i64,
    /// Per office: liaison points held, planned, missing in `quarter`.
    pub coverage: Vec<(String, [usize; 3])>,
    pub items: Items,
    /// Per office: 六有 items met (with evidence), of six.
    pub homes: Vec<(String, usize)>,
    /// Per item: the offices that meet it.
    pub home_items: Vec<(HomeItem, usize)>,
    /// Per books (an office's; `None` the district's own): budget and spent.
    pub funds: Vec<(Option<String>, Sums)>,
    /// Each active member's score and duty half days for the period's year.
    pub scores: Vec<i32>,
    pub half_days: Vec<i32>,
    /// Members behind the year's pace of duty days.
    pub behind: usize,
}

impl Board {
    /// The period's opinion tally over all offices.
    pub fn total_tally(&self) -> Tally {
        let mut t = Tally::default();
        for (_, x) in &self.rates {
            t += *x;
        }
        t
    }
}

/// The dashboard of `period` as `today` stands, for the actor.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, period = %period.code()))]
pub fn gather(conn: &mut DbConn, actor: &Actor, period: Period, today: NaiveDate) -> AppResult<Board> {
    if !may_view(actor) {
        return Err(AppError::Forbidden);
    }
    let (first, last) = (period.first(), period.last(today));
    let (from, to) = period.days(today);
    let quarter = period.quarter(today);
    let year = period.year();
    let office = match actor.office_scope() {
        OfficeScope::One(o) => org::get_office(conn, actor, o)?.map(|o| o.name),
        _ => None,
    };
    let opinions = stats::range_counts(conn, actor, first, last)?.ok_or(AppError::Forbidden)?;
    let rates = stats::office_tallies(conn, actor, first, last)?.ok_or(AppError::Forbidden)?;
    let overdue = queue::overdue_units(conn, actor, OVERDUE_UNITS)?;
    let overdue_total = cases::count(conn, actor, &InboxFilter { overdue: true, ..InboxFilter::default() })?;

    let mut coverage: Vec<(String, [usize; 3])> = vec![];
    for p in coverage::board(conn, actor, None, quarter, None)?.points {
        let i = [Mark::Held, Mark::Planned].iter().position(|m| m.as_str() == p.mark).unwrap_or(2);
        match coverage.iter_mut().find(|(o, _)| *o == p.office) {
            Some((_, n)) => n[i] += 1,
            None => {
                let mut n = [0; 3];
                n[i] = 1;
                coverage.push((p.office, n));
            }
        }
    }

    let count = |conn: &mut DbConn, f: ItemFilter| items::count(conn, actor, &f);
    let closed = |status| ItemFilter {
        status: Some(status),
        closed_from: Some(from),
        closed_to: Some(to),
        ..ItemFilter::default()
    };
    let items = Items {
        open: count(conn, ItemFilter { status: Some(ItemStatus::Open), ..ItemFilter::default() })?,
        overdue: count(conn, ItemFilter { overdue: true, ..ItemFilter::default() })?,
        done: count(conn, closed(ItemStatus::Done))?,
        explained: count(conn, closed(ItemStatus::Explained))?,
    };

    let board = homes::board(conn, actor)?;
    let mut homes: Vec<(String, usize)> = board.iter().map(|r| (r.office_name.clone(), r.met())).collect();
    // An office without a Members' Home yet meets none of the 六有: it counts, with nothing met.
    for o in crate::org::store::list_offices(conn, actor)? {
        if !homes.iter().any(|(name, _)| *name == o.name) {
            homes.push((o.name, 0));
        }
    }
    let home_items = HomeItem::ALL
        .iter()
        .map(|item| {
            let met = board.iter().filter(|r| r.items.iter().any(|(i, c)| i == item && *c == Compliance::Met)).count();
            (*item, met)
        })
        .collect();

    let funds = funds(conn, actor, year)?;

    let expected = scores::expected_days(conn, actor, year, today)?;
    let ranked = scores::ranking(conn, actor, None, year, expected, today)?;
    Ok(Board {
        period,
        quarter,
        office,
        opinions,
        rates,
        overdue,
        overdue_total,
        coverage,
        items,
        homes,
        home_items,
        funds,
        scores: ranked.iter().map(|r| r.score).collect(),
        half_days: ranked.iter().map(|r| r.half_days).collect(),
        behind: ranked.iter().filter(|r| r.behind).count(),
    })
}

/// The year's books the actor reads: every office's and the district's own,
/// or their office's.
fn funds(conn: &mut DbConn, actor: &Actor, year: i32) -> AppResult<Vec<(Option<String>, Sums)>> {
    if let OfficeScope::One(o) = actor.office_scope() {
        let lines = budgets::totals(conn, actor, Some(o), year)?;
        let name = org::get_office(conn, actor, o)?.map(|o| o.name);
        return Ok(vec![(name, Sums::total(lines.iter().map(|l| &l.sums)))]);
    }
    let by_office = budgets::by_office(conn, actor, year)?;
    let mut out: Vec<(Option<String>, Sums)> = org::list_offices(conn, actor)?
        .into_iter()
        .map(|o| {
            let sums = by_office.get(&o.id).map(|lines| Sums::total(lines.iter().map(|l| &l.sums)));
            (Some(o.name), sums.unwrap_or_default())
        })
        .collect();
    let own = budgets::totals(conn, actor, None, year)?;
    out.push((None, Sums::total(own.iter().map(|l| &l.sums))));
    Ok(out)
}
