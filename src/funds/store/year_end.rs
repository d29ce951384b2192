//! The year-end finance report (年度经费决算): one set of books' lines and
//! every expense with its record and numbered receipts, and the district's
//! summary over its offices, line by line. Read here, written by
//! `funds::xlsx`.

use diesel::prelude::*;

use super::budgets::{self, LineTotals, zero_lines};
use super::choices::{record_names, record_of};
use super::expenses::{self, Expense};
use super::receipts::{self, Receipt};
use super::{Books, may_read};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{committees, offices};
use crate::kernel::error::{AppError, AppResult};

/// One expense as the report lists it.
pub struct Listed {
    pub e: Expense,
    /// The activity, consultation or Home it rests on; `None`: office costs.
    pub record: Option<String>,
    pub receipts: Vec<Receipt>,
}

/// One set of books' year.
pub struct BooksYear {
    pub committee: String,
    /// The office; `None`: the district's own books.
    pub office: Option<String>,
    pub year: i32,
    pub lines: Vec<LineTotals>,
    pub expenses: Vec<Listed>,
}

/// The district's year over its offices, and its own books.
pub struct DistrictYear {
    pub committee: String,
    pub year: i32,
    /// Every office by name, its lines (zeros where nothing was set).
    pub offices: Vec<(String, Vec<LineTotals>)>,
    pub own: Vec<LineTotals>,
}

fn committee_name(conn: &mut DbConn, actor: &Actor) -> AppResult<String> {
    Ok(committees::table.find(actor.committee_id).select(committees::name).first(conn)?)
}

/// The year of one set of books, for whoever may read them.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, books = ?books, year))]
pub fn books_year(conn: &mut DbConn, actor: &Actor, books: Books, year: i32) -> AppResult<BooksYear> {
    if !may_read(actor, books) {
        return Err(AppError::NotFound);
    }
    let lines = budgets::totals(conn, actor, books, year)?;
    let list = expenses::list(conn, actor, books, year)?;
    let mut names = record_names(conn, &list)?;
    let mut files = receipts::of_expenses(conn, &list)?;
    let office = match books {
        Some(o) => Some(offices::table.find(o).select(offices::name).first::<String>(conn)?),
        None => None,
    };
    let expenses = list
        .into_iter()
        .map(|e| Listed {
            record: record_of(&e).and_then(|k| names.remove(&k)),
            receipts: files.remove(&e.id).unwrap_or_default(),
            e,
        })
        .collect();
    Ok(BooksYear { committee: committee_name(conn, actor)?, office, year, lines, expenses })
}

/// The district's summary of a year, for the district and leaders.
#[tracing::instrument(level = "debug", skip_all, fields(user = %actor.user_id, year))]
pub fn district_year(conn: &mut DbConn, actor: &Actor, year: i32) -> AppResult<DistrictYear> {
    let mut books = budgets::by_office(conn, actor, year)?;
    let offices = crate::org::store::list_offices(conn, actor)?
        .into_iter()
        .map(|o| {
            let lines = books.remove(&o.id).unwrap_or_else(zero_lines);
            (o.name, lines)
        })
        .collect();
    let own = budgets::totals(conn, actor, None, year)?;
    Ok(DistrictYear { committee: committee_name(conn, actor)?, year, offices, own })
}
