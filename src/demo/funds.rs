//! The demo books: the duty rules, every office's budget for this year by
//! line, and in two offices an expense paid for an activity, one awaiting
//! approval and a draft, entered by the office and approved by the
//! district, with their members' funds and leave letters for an activity's
//! first invitees. Amounts are made up, as every demo number is.

use chrono::Datelike;
use diesel::prelude::*;

use crate::funds::model::{BudgetLine, ExpenseAction, ExpenseFor};
use crate::funds::money::Fen;
use crate::funds::store::{budgets, expenses, letters, member_funds, rules};
use crate::kernel::auth::store as users;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{activities, activity_members};
use crate::kernel::error::AppResult;
use crate::kernel::ids::OfficeId;
use crate::kernel::time::today;

/// Yuan per line and year for each office (`gen` varies them by office).
pub(crate) const BUDGET: [(BudgetLine, i64); 6] = [
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
    rules::add(c, &admin, &rule(year))?;
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
        // Leave letters for the first two invitees of the office's first
        // activity that has any and is not cancelled.
        let invited: Vec<(i64, crate::kernel::ids::MemberId)> = activities::table
            .inner_join(activity_members::table)
            .filter(activities::office_id.eq(office).and(activities::status.ne("cancelled")))
            .filter(activity_members::invited.eq(true))
            .order((activities::planned_at.asc(), activity_members::id.asc()))
            .select((activities::id, activity_members::member_id))
            .load(c)?;
        let first = invited.first().map(|(a, _)| *a);
        for (a, m) in invited.into_iter().filter(|(a, _)| Some(*a) == first).take(2) {
            letters::issue::<crate::activities::store::Activities>(c, &staff, a, m)?;
        }
        // Every serving member of the office: 2,000 yuan for the year; the
        // first has used some for research travel.
        let people = member_funds::of_office(c, &admin, office, year)?;
        for (i, l) in people.iter().enumerate() {
            member_funds::allocate(c, &admin, l.member, year, Fen(200_000))?;
            if i == 0 {
                member_funds::spend(c, &staff, l.member, day, USES[0], Fen(16_800), "赴各村调研农村饮水安全")?;
            }
        }
    }
    Ok(())
}

/// What the demo rules let members' funds pay for.
const USES: [&str; 4] = ["调研考察交通费", "社情民意资料印制费", "履职培训资料费", "联系群众活动场地租用费"];

fn rule(year: i32) -> rules::Draft {
    rules::Draft {
        title: "湖滨区政协委员履职服务保障办法".into(),
        doc_number: format!("湖政协发〔{year}〕2号"),
        effective_from: chrono::NaiveDate::from_ymd_opt(year, 1, 1),
        body: "第一条 为保障政协委员依照章程履行职责，结合本区实际，制定本办法。\n\
               第二条 委员每年参加政协组织的会议、协商、视察、调研、联系群众等履职活动不少于12天。\n\
               第三条 委员所在单位应当支持委员履行职责，保障委员参加政协活动的时间，不因履职影响其工资福利待遇。\n\
               第四条 区政协为每位委员安排年度履职经费，用于本办法所列用途，不得用于其他开支。\n\
               第五条 各乡镇（街道）将政协工作办公室运行和委员活动经费列入本级预算。"
            .into(),
        duty_days: 12,
        fund_uses: USES.join("\n"),
        leave_clause: "委员所在单位应当支持委员履行职责，保障委员参加政协活动的时间，不因履职影响其工资福利待遇。"
            .into(),
        letter_prefix: "湖政协函".into(),
    }
}
