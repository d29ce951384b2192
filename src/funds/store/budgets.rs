//! Budgets per office (or the district's own) and year, by line, and what is
//! spent and left on each line.

use diesel::prelude::*;

use super::{Books, lock_books, may_read};
use crate::funds::model::{BudgetLine, ExpenseStatus, remaining};
use crate::funds::money::Fen;
use crate::kernel::audit::{self, Change, store::Who};
use crate::kernel::auth::{Actor, Role};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{budgets, expenses, offices};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::time::now;

/// Years a budget may be set for: the books of a committee in service.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// One line of a year's books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineTotals {
    pub line: BudgetLine,
    pub budget: Fen,
    /// Approved and paid, reversals netted.
    pub spent: Fen,
    /// Submitted, awaiting approval.
    pub pending: Fen,
    /// Budget less spent: negative after an approved overspend.
    pub left: Fen,
}

/// Approved and paid amounts per line, reversals netted: what the line has
/// committed. Also read by the approval's overspend check.
pub(crate) fn spent(conn: &mut DbConn, actor: &Actor, books: Books, year: i32, line: BudgetLine) -> AppResult<Fen> {
    let rows: Vec<i64> = books_filter(actor, books, year)
        .filter(expenses::line.eq(line))
        .filter(expenses::status.eq_any([ExpenseStatus::Approved, ExpenseStatus::Paid]))
        .select(expenses::amount_fen)
        .load(conn)?;
    Ok(rows.into_iter().map(Fen).sum())
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

/// The budget set for a line; no row is a budget of zero.
pub(crate) fn budget(conn: &mut DbConn, actor: &Actor, books: Books, year: i32, line: BudgetLine) -> AppResult<Fen> {
    let q = budgets::table
        .filter(budgets::committee_id.eq(actor.committee_id))
        .filter(budgets::year.eq(year))
        .filter(budgets::line.eq(line))
        .select(budgets::amount_fen)
        .into_boxed();
    let q = match books {
        Some(o) => q.filter(budgets::office_id.eq(o)),
        None => q.filter(budgets::office_id.is_null()),
    };
    Ok(q.first::<i64>(conn).optional()?.map_or(Fen::ZERO, Fen))
}

/// A year's books, every line, for whoever may read them.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, books = ?books, year))]
pub fn totals(conn: &mut DbConn, actor: &Actor, books: Books, year: i32) -> AppResult<Vec<LineTotals>> {
    if !may_read(actor, books) {
        return Err(AppError::NotFound);
    }
    let rows: Vec<(String, ExpenseStatus, i64)> =
        books_filter(actor, books, year).select((expenses::line, expenses::status, expenses::amount_fen)).load(conn)?;
    let mut out = Vec::with_capacity(BudgetLine::ALL.len());
    for line in BudgetLine::ALL {
        let of = |wanted: &[ExpenseStatus]| -> Fen {
            rows.iter().filter(|(l, s, _)| l == line.as_str() && wanted.contains(s)).map(|(_, _, a)| Fen(*a)).sum()
        };
        let spent = of(&[ExpenseStatus::Approved, ExpenseStatus::Paid]);
        let budget = budget(conn, actor, books, year, *line)?;
        out.push(LineTotals {
            line: *line,
            budget,
            spent,
            pending: of(&[ExpenseStatus::Submitted]),
            left: remaining(budget, spent),
        });
    }
    Ok(out)
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
