//! Budgets per office (or the district's own) and year, by line, and what is
//! spent and left on each line.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{Books, lock_books, may_read};
use crate::funds::model::{BudgetLine, ExpenseStatus, remaining};
use crate::funds::money::Fen;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{budgets, expenses, offices};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::OfficeId;
use crate::kernel::time::now;

/// Years a budget may be set for: the books of a committee in service.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Budget, spent, pending and left: of one line, of a year's books, of an
/// office in the district's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub budget: Fen,
    /// Approved and paid, reversals netted.
    pub spent: Fen,
    /// Submitted, awaiting approval.
    pub pending: Fen,
    /// Budget less spent: negative after an approved overspend.
    pub left: Fen,
}

impl Sums {
    fn new(budget: Fen, spent: Fen, pending: Fen) -> Sums {
        Sums { budget, spent, pending, left: remaining(budget, spent) }
    }

    /// The sums of several lines (or offices) together.
    pub fn total<'a>(parts: impl IntoIterator<Item = &'a Sums>) -> Sums {
        let parts: Vec<&Sums> = parts.into_iter().collect();
        Sums {
            budget: parts.iter().map(|p| p.budget).sum(),
            spent: parts.iter().map(|p| p.spent).sum(),
            pending: parts.iter().map(|p| p.pending).sum(),
            left: parts.iter().map(|p| p.left).sum(),
        }
    }
}

/// One line of a year's books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineTotals {
    pub line: BudgetLine,
    pub sums: Sums,
}

const SPENT: [ExpenseStatus; 2] = [ExpenseStatus::Approved, ExpenseStatus::Paid];

fn sum_amount() -> diesel::expression::SqlLiteral<BigInt> {
    // SUM(BIGINT) is NUMERIC on PostgreSQL; the cast keeps one type on both.
    diesel::dsl::sql::<BigInt>("CAST(SUM(amount_fen) AS BIGINT)")
}

/// Approved and paid amounts on a line, reversals netted: what the line has
/// committed. Read by the approval's overspend check.
pub(crate) fn spent(conn: &mut DbConn, actor: &Actor, books: Books, year: i32, line: BudgetLine) -> AppResult<Fen> {
    let total: Option<i64> = books_filter(actor, books, year)
        .filter(expenses::line.eq(line))
        .filter(expenses::status.eq_any(SPENT))
        .select(sum_amount().nullable())
        .first(conn)?;
    Ok(Fen(total.unwrap_or(0)))
}

fn books_filter(
    actor: &Actor,
    books: Books,
    year: i32,
) -> expenses::BoxedQuery<'static, crate::kernel::db::MultiBackend> {
    let q = expenses::table
        .filter(expenses::committee_id.eq(actor.committee_id))
        .filter(expenses::year.eq(year))
        .into_boxed();
    match books {
        Some(o) => q.filter(expenses::office_id.eq(o)),
        None => q.filter(expenses::office_id.is_null()),
    }
}

fn budgets_filter(
    actor: &Actor,
    books: Books,
    year: i32,
) -> budgets::BoxedQuery<'static, crate::kernel::db::MultiBackend> {
    let q =
        budgets::table.filter(budgets::committee_id.eq(actor.committee_id)).filter(budgets::year.eq(year)).into_boxed();
    match books {
        Some(o) => q.filter(budgets::office_id.eq(o)),
        None => q.filter(budgets::office_id.is_null()),
    }
}

/// The budget set for a line; no row is a budget of zero.
pub(crate) fn budget(conn: &mut DbConn, actor: &Actor, books: Books, year: i32, line: BudgetLine) -> AppResult<Fen> {
    let q = budgets_filter(actor, books, year).filter(budgets::line.eq(line)).select(budgets::amount_fen);
    Ok(q.first::<i64>(conn).optional()?.map_or(Fen::ZERO, Fen))
}

/// Every line at zero: books with nothing set or spent.
pub fn zero_lines() -> Vec<LineTotals> {
    BudgetLine::ALL.iter().map(|l| LineTotals { line: *l, sums: Sums::default() }).collect()
}

/// Grouped sums by (whose books, line, status) and budgets by (whose books,
/// line), folded into each line's sums; a line with neither is all zeros.
fn fold<K: Copy + Eq + std::hash::Hash>(
    amounts: Vec<(K, BudgetLine, ExpenseStatus, i64)>,
    set: Vec<(K, BudgetLine, i64)>,
) -> HashMap<K, Vec<LineTotals>> {
    let mut spent: HashMap<(K, BudgetLine), Fen> = HashMap::new();
    let mut pending: HashMap<(K, BudgetLine), Fen> = HashMap::new();
    let mut keys: Vec<K> = vec![];
    for (k, line, status, amount) in amounts {
        keys.push(k);
        let to = match status {
            ExpenseStatus::Approved | ExpenseStatus::Paid => &mut spent,
            ExpenseStatus::Submitted => &mut pending,
            ExpenseStatus::Draft | ExpenseStatus::Returned => continue,
        };
        let at = to.entry((k, line)).or_insert(Fen::ZERO);
        *at = at.saturating_add(Fen(amount));
    }
    let budgets: HashMap<(K, BudgetLine), Fen> = set
        .into_iter()
        .map(|(k, line, a)| {
            keys.push(k);
            ((k, line), Fen(a))
        })
        .collect();
    keys.into_iter()
        .map(|k| {
            let lines = BudgetLine::ALL
                .iter()
                .map(|line| {
                    let of = |m: &HashMap<(K, BudgetLine), Fen>| m.get(&(k, *line)).copied().unwrap_or(Fen::ZERO);
                    LineTotals { line: *line, sums: Sums::new(of(&budgets), of(&spent), of(&pending)) }
                })
                .collect();
            (k, lines)
        })
        .collect()
}

/// A year's books, every line, for whoever may read them: two grouped
/// queries whatever the number of expenses.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, books = ?books, year))]
pub fn totals(conn: &mut DbConn, actor: &Actor, books: Books, year: i32) -> AppResult<Vec<LineTotals>> {
    if !may_read(actor, books) {
        return Err(AppError::NotFound);
    }
    // Grouping does not go with a boxed query: one arm per kind of books.
    let base = expenses::table.filter(expenses::committee_id.eq(actor.committee_id)).filter(expenses::year.eq(year));
    let cols = (expenses::line, expenses::status, sum_amount());
    let grouped: Vec<(BudgetLine, ExpenseStatus, i64)> = match books {
        Some(o) => base
            .filter(expenses::office_id.eq(o))
            .group_by((expenses::line, expenses::status))
            .select(cols)
            .load(conn)?,
        None => base
            .filter(expenses::office_id.is_null())
            .group_by((expenses::line, expenses::status))
            .select(cols)
            .load(conn)?,
    };
    let amounts = grouped.into_iter().map(|(l, s, a)| ((), l, s, a)).collect();
    let set = budgets_filter(actor, books, year)
        .select((budgets::line, budgets::amount_fen))
        .load::<(BudgetLine, i64)>(conn)?
        .into_iter()
        .map(|(l, a)| ((), l, a))
        .collect();
    Ok(fold(amounts, set).remove(&()).unwrap_or_else(zero_lines))
}

/// Every office's books of a year, line by line, for the district's
/// summary and its year-end report: two grouped queries for all offices.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, year))]
pub fn by_office(conn: &mut DbConn, actor: &Actor, year: i32) -> AppResult<HashMap<OfficeId, Vec<LineTotals>>> {
    if !may_read(actor, None) {
        return Err(AppError::NotFound);
    }
    let amounts: Vec<(Option<OfficeId>, BudgetLine, ExpenseStatus, i64)> = expenses::table
        .filter(expenses::committee_id.eq(actor.committee_id))
        .filter(expenses::year.eq(year))
        .filter(expenses::office_id.is_not_null())
        .group_by((expenses::office_id, expenses::line, expenses::status))
        .select((expenses::office_id, expenses::line, expenses::status, sum_amount()))
        .load(conn)?;
    let set: Vec<(Option<OfficeId>, BudgetLine, i64)> = budgets::table
        .filter(budgets::committee_id.eq(actor.committee_id))
        .filter(budgets::year.eq(year))
        .filter(budgets::office_id.is_not_null())
        .select((budgets::office_id, budgets::line, budgets::amount_fen))
        .load(conn)?;
    Ok(fold(amounts, set).into_iter().filter_map(|(o, lines)| o.map(|o| (o, lines))).collect())
}

/// The district sets a line's budget for a year; every change audited with
/// the amount before and after.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, books = ?books, year))]
pub fn set(conn: &mut DbConn, actor: &Actor, books: Books, year: i32, line: BudgetLine, amount: Fen) -> AppResult<()> {
    if actor.role != Role::DistrictAdmin {
        return Err(AppError::Forbidden);
    }
    if !YEARS.contains(&year) {
        return Err(AppError::BadRequest("budget.bad_year"));
    }
    if let Some(o) = books {
        let ours: i64 = offices::table
            .filter(offices::id.eq(o).and(offices::committee_id.eq(actor.committee_id)))
            .count()
            .get_result(conn)?;
        if ours == 0 {
            return Err(AppError::NotFound);
        }
    }
    lock_books(conn, actor, books, year)?;
    let before = budget(conn, actor, books, year, line)?;
    let t = now();
    let target = budgets::table
        .filter(budgets::committee_id.eq(actor.committee_id))
        .filter(budgets::year.eq(year))
        .filter(budgets::line.eq(line));
    let updated = match books {
        Some(o) => diesel::update(target.filter(budgets::office_id.eq(o)))
            .set((budgets::amount_fen.eq(amount), budgets::updated_by.eq(actor.user_id), budgets::updated_at.eq(t)))
            .execute(conn)?,
        None => diesel::update(target.filter(budgets::office_id.is_null()))
            .set((budgets::amount_fen.eq(amount), budgets::updated_by.eq(actor.user_id), budgets::updated_at.eq(t)))
            .execute(conn)?,
    };
    if updated == 0 {
        diesel::insert_into(budgets::table)
            .values((
                budgets::committee_id.eq(actor.committee_id),
                budgets::office_id.eq(books),
                budgets::year.eq(year),
                budgets::line.eq(line),
                budgets::amount_fen.eq(amount),
                budgets::updated_by.eq(actor.user_id),
                budgets::updated_at.eq(t),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        Who::User(actor),
        Change::new("budget.set", "budget", format!("{}:{year}:{line}", books.map_or(0, |o| o.0)))
            .before(serde_json::json!({ "amount_fen": before }))
            .after(serde_json::json!({ "amount_fen": amount, "office_id": books, "year": year, "line": line })),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Amounts in fen written yuan_fen (100_00 is 100 yuan) to read as money.
    #[allow(clippy::inconsistent_digit_grouping)]
    #[test]
    fn grouped_rows_fold_into_each_line() {
        use BudgetLine::*;
        use ExpenseStatus::*;
        let amounts = vec![
            (1, Activities, Approved, 100_00),
            (1, Activities, Paid, 50_00),
            // A reversal of 20 yuan nets against the approved amounts.
            (1, Activities, Approved, -20_00),
            (1, Activities, Submitted, 7_00),
            (1, Activities, Draft, 999_00),
            (1, Activities, Returned, 999_00),
            (2, Training, Paid, 1),
        ];
        let set = vec![(1, Activities, 120_00), (3, Home, 5_00)];
        let folded = fold(amounts, set);
        let line = |k: i32, l: BudgetLine| folded[&k].iter().find(|x| x.line == l).map(|x| x.sums).expect("line");
        assert_eq!(
            line(1, Activities),
            Sums { budget: Fen(120_00), spent: Fen(130_00), pending: Fen(7_00), left: Fen(-10_00) }
        );
        assert_eq!(line(1, Home), Sums::default(), "a line with nothing is zeros");
        assert_eq!(line(2, Training), Sums { budget: Fen::ZERO, spent: Fen(1), pending: Fen::ZERO, left: Fen(-1) });
        assert_eq!(line(3, Home).left, Fen(5_00), "books with a budget and no spending");
        assert_eq!(folded[&1].len(), BudgetLine::ALL.len());
        let total = Sums::total(folded[&1].iter().map(|l| &l.sums));
        assert_eq!((total.budget, total.spent, total.left), (Fen(120_00), Fen(130_00), Fen(-10_00)));
    }
}
