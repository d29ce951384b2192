//! The demo books: every office's budget for this year by line, and in each
//! office an expense paid for an activity, one awaiting approval and a
//! draft, entered by the office and approved by the district, as the store
//! would have them. Amounts are made up, as every demo number is.

use chrono::Datelike;
use diesel::prelude::*;

use crate::funds::model::{BudgetLine, ExpenseAction, ExpenseFor};
use crate::funds::money::Fen;
use crate::funds::store::{budgets, expenses};
use crate::kernel::auth::store as users;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::activities;
use crate::kernel::error::AppResult;
use crate::kernel::ids::OfficeId;
use crate::kernel::time::today;

/// Yuan per line and year for each office.
const BUDGET: [(BudgetLine, i64); 6] = [
    (BudgetLine::Activities, 20_000),
    (BudgetLine::Consultations, 10_000),
    (BudgetLine::Home, 30_000),
    (BudgetLine::Training, 5_000),
    (BudgetLine::Research, 8_000),
    (BudgetLine::Office, 6_000),
];

pub fn load(c: &mut DbConn, office_ids: &[OfficeId]) -> AppResult<()> {
    let Some(admin) = users::find_by_username_unscoped(c, "admin")?.map(|u| u.actor(None)) else { return Ok(()) };
    let year = today().year();
    for &office in office_ids {
        for (line, yuan) in BUDGET {
            budgets::set(c, &admin, Some(office), year, line, Fen(yuan * 100))?;
        }
    }
    for (username, office) in [("gaomiao", "高庙乡"), ("jianhe", "涧河街道")] {
        let Some(staff) = users::find_by_username_unscoped(c, username)?.map(|u| u.actor(None)) else { continue };
        let Some(office) = crate::org::store::office_by_name(c, admin.committee_id, office)?.map(|o| o.id) else {
            continue;
        };
        let activity: Option<i64> = activities::table
            .filter(activities::office_id.eq(office))
            .order(activities::planned_at.asc())
            .select(activities::id)
            .first(c)
            .optional()?;
        let day = today().with_day(1).unwrap_or_else(today);
        let entry = |line, yuan: &str, payee: &str, purpose: &str, for_kind, record| expenses::Entry {
            books: Some(office),
            line,
            spent_on: day,
            amount: Fen::parse(yuan).unwrap_or(Fen(100)),
            payee: payee.into(),
            purpose: purpose.into(),
            for_kind,
            record,
        };
        let (kind, record) = match activity {
            Some(a) => (ExpenseFor::Activity, Some(a)),
            None => (ExpenseFor::Office, None),
        };
        let paid = expenses::create(
            c,
            &staff,
            &entry(BudgetLine::Activities, "386.50", "县城彩印部", "联系活动宣传折页和意见征集表印制", kind, record),
        )?;
        expenses::act(c, &staff, paid, ExpenseAction::Submit, "")?;
        expenses::act(c, &admin, paid, ExpenseAction::Approve, "")?;
        expenses::act(c, &staff, paid, ExpenseAction::Pay, "")?;
        let waiting = expenses::create(
            c,
            &staff,
            &entry(BudgetLine::Home, "1280", "城乡供电所", "委员之家本季度电费", ExpenseFor::Office, None),
        )?;
        expenses::act(c, &staff, waiting, ExpenseAction::Submit, "")?;
        expenses::create(
            c,
            &staff,
            &entry(BudgetLine::Office, "96", "文具店", "会议记录本、签字笔", ExpenseFor::Office, None),
        )?;
    }
    Ok(())
}
