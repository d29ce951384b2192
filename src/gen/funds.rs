//! The district's books over the generated years: each office's budget by
//! line every year (around the demo's amounts), and an expense for about
//! half of the activities held, entered by the office, approved by the
//! district and mostly paid — through the funds store, audited as in use.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;

use super::org::Cast;
use crate::funds::model::{BudgetLine, ExpenseAction, ExpenseFor};
use crate::funds::money::Fen;
use crate::funds::store::{budgets, expenses};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::activities;
use crate::kernel::error::AppResult;
use crate::kernel::time::{local_time, with_clock};

const COSTS: [(&str, &str); 4] = [
    ("县城彩印部", "活动宣传折页和意见征集表印制"),
    ("乡运输服务站", "委员赴村调研用车"),
    ("村委会", "座谈会场地和茶水"),
    ("文印店", "会议材料复印装订"),
];

/// Budgets and expenses of `years` (Beijing calendar years) for every
/// office of the casts; returns (budget lines set, expenses entered).
pub fn books(
    conn: &mut DbConn,
    rng: &mut impl Rng,
    casts: &[Cast],
    years: std::ops::RangeInclusive<i32>,
) -> AppResult<(u64, u64)> {
    let (mut lines, mut entered) = (0, 0);
    for cast in casts {
        for year in years.clone() {
            for office in &cast.offices {
                for (line, yuan) in crate::demo::funds::BUDGET {
                    let amount = Fen(yuan * 100 * rng.random_range(70..=130) / 100);
                    budgets::set(conn, &cast.admin, Some(office.id), year, line, amount)?;
                    lines += 1;
                }
                let (from, to) = (start(year), start(year + 1));
                let held: Vec<(i64, NaiveDateTime)> = activities::table
                    .filter(activities::office_id.eq(office.id).and(activities::status.eq("held")))
                    .filter(activities::held_at.ge(from).and(activities::held_at.lt(to)))
                    .select((activities::id, activities::held_at.assume_not_null()))
                    .load(conn)?;
                for (activity, at) in held {
                    if !rng.random_bool(0.5) {
                        continue;
                    }
                    let (payee, purpose) = COSTS[rng.random_range(0..COSTS.len())];
                    let e = expenses::Entry {
                        books: Some(office.id),
                        line: BudgetLine::Activities,
                        spent_on: local_time(&at).date(),
                        amount: Fen(rng.random_range(80..=1_500) * 100 + rng.random_range(0..2) * 50),
                        payee: payee.into(),
                        purpose: purpose.into(),
                        for_kind: ExpenseFor::Activity,
                        record: Some(activity),
                    };
                    with_clock(at, || -> AppResult<()> {
                        let id = expenses::create(conn, &office.staff, &e)?;
                        expenses::act(conn, &office.staff, id, ExpenseAction::Submit, "")?;
                        expenses::act(conn, &cast.admin, id, ExpenseAction::Approve, "")?;
                        if rng.random_bool(0.85) {
                            expenses::act(conn, &office.staff, id, ExpenseAction::Pay, "")?;
                        }
                        Ok(())
                    })?;
                    entered += 1;
                }
            }
        }
    }
    Ok((lines, entered))
}

fn start(year: i32) -> NaiveDateTime {
    crate::kernel::time::start_of_local_day(NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default())
}

/// The Beijing years from `from` to `until`.
pub fn years(from: NaiveDateTime, until: NaiveDateTime) -> std::ops::RangeInclusive<i32> {
    local_time(&from).year()..=local_time(&until).year()
}
