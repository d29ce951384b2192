//! The funds pages: the books and expenses, the duty rules, members' funds.

mod books;
mod export;
mod letters;
mod member_funds;
mod rules;
mod voucher;

use axum::Router;

use crate::funds::model::ExpenseStatus;
use crate::kernel::state::AppState;
use crate::kernel::web::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(books::router())
        .merge(rules::router())
        .merge(member_funds::router())
        .merge(voucher::router())
        .merge(export::router())
        .merge(letters::router())
}

/// For the templates: a status's tag class.
pub fn status_class(s: &ExpenseStatus) -> &'static str {
    match *s {
        ExpenseStatus::Approved | ExpenseStatus::Paid => "ok",
        ExpenseStatus::Returned => "warn",
        _ => "",
    }
}

/// For the templates: an expense's voucher number as finance writes it,
/// 2026年第12号.
pub fn voucher_no(page: &Page, year: &i32, no: &i32) -> String {
    page.t("funds.voucher_no").replace("%{year}", &year.to_string()).replace("%{no}", &no.to_string())
}
