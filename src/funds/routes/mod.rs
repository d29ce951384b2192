//! The funds pages: the books and expenses, the duty rules, members' funds.

mod books;
mod member_funds;
mod rules;

use axum::Router;

use crate::funds::model::ExpenseStatus;
use crate::kernel::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(books::router()).merge(rules::router()).merge(member_funds::router())
}

/// For the templates: a status's tag class.
pub fn status_class(s: &ExpenseStatus) -> &'static str {
    match *s {
        ExpenseStatus::Approved | ExpenseStatus::Paid => "ok",
        ExpenseStatus::Returned => "warn",
        _ => "",
    }
}
