//! The books (经费账目): a year's budget lines with what is spent and left, the
//! expense list, entering an expense and moving it through approval. The
//! rules and who may do what are in the store; handlers parse and render.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::collections::HashMap;

use axum::{Form, Router};
use chrono::Datelike;
use serde::Deserialize;
use tower_sessions::Session;

use crate::funds::model::{BudgetLine, ExpenseAction, ExpenseFor};
use crate::funds::money::Fen;
use crate::funds::store::budgets::{self, LineTotals, Sums};
use crate::funds::store::choices::{self, Choice};
use crate::funds::store::expenses::{self, Entry, Expense};
use crate::funds::store::receipts::{self, Receipt};
use crate::funds::store::{Books, may_keep};
use crate::kernel::auth::{Actor, CurrentUser, Role};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{ExpenseId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::page::form_done;
use crate::kernel::web::{Page, form, paging, render};
use crate::org::store::{self as org, Office};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/funds", get(books_page))
        .route("/funds/budgets", post(set_budget))
        .route("/funds/expenses", post(create))
        .route("/funds/expenses/new", get(new_form))
        .route("/funds/expenses/{id}", get(expense_page).post(edit))
        .route("/funds/expenses/{id}/{action}", post(act))
}

/// `books=12` (an office) or `books=district` (the district's own).
pub(super) fn books_of(raw: &Option<String>, me: &Actor) -> AppResult<Option<Books>> {
    match form::text(raw).as_deref() {
        None => Ok(match me.role {
            Role::OfficeStaff => Some(me.office_id),
            _ => None,
        }),
        Some("district") => Ok(Some(None)),
        Some(_) => Ok(Some(Some(OfficeId(form::id(raw)?.ok_or(AppError::BadRequest("form.bad_choice"))?)))),
    }
}

impl BooksTemplate {
    fn receipts_of(&self, id: &ExpenseId) -> usize {
        self.receipts.get(id).copied().unwrap_or(0)
    }

    /// The year-end report's address for what the page shows.
    fn xlsx_href(&self) -> String {
        match self.books {
            Some(b) => format!("/funds/books.xlsx?books={}&year={}", books_param(b), self.year),
            None => format!("/funds/books.xlsx?year={}", self.year),
        }
    }
}

fn books_param(books: Books) -> String {
    books.map_or_else(|| "district".to_string(), |o| o.to_string())
}

fn books_href(books: Books, year: i32) -> String {
    format!("/funds?books={}&year={year}", books_param(books))
}

#[derive(Deserialize, Default)]
pub(super) struct BooksQuery {
    pub books: Option<String>,
    pub year: Option<String>,
}

/// One office's line in the district's summary.
struct OfficeSummary {
    office: Office,
    sums: Sums,
}

#[derive(Template)]
#[template(path = "funds/books.html")]
struct BooksTemplate {
    page: Page,
    year: i32,
    /// `None`: the district's summary over offices.
    books: Option<Books>,
    books_name: String,
    offices: Vec<Office>,
    lines: Vec<LineTotals>,
    /// All lines together, or all offices in the summary.
    total: Option<Sums>,
    expenses: Vec<Expense>,
    /// How many receipts each listed expense has.
    receipts: HashMap<ExpenseId, usize>,
    summary: Vec<OfficeSummary>,
    can_keep: bool,
    can_budget: bool,
    /// The district and leaders: the summary and the district's own books.
    sees_all: bool,
}

/// The name of whose books these are: an office's, or the district's own.
fn books_name(page: &Page, offices: &[Office], books: Books) -> String {
    match books {
        Some(o) => offices.iter().find(|x| x.id == o).map(|x| x.name.clone()).unwrap_or_default(),
        None => page.t("funds.district_books"),
    }
}

async fn books_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<BooksQuery>,
) -> AppResult<Response> {
    let year = paging::year(q.year.as_deref()).unwrap_or_else(|| today().year());
    let books = books_of(&q.books, &me)?;
    let district = me.role == Role::DistrictAdmin;
    let sees_all = matches!(me.role, Role::DistrictAdmin | Role::Leader);
    let can_keep = books.is_some_and(|b| may_keep(&me, b));
    let (offices, lines, expenses, receipts, summary) = st
        .db
        .read(move |c| {
            let offices = org::list_offices(c, &me)?;
            match books {
                Some(b) => {
                    let list = expenses::list(c, &me, b, year)?;
                    let receipts = receipts::of_expenses(c, &list)?.into_iter().map(|(id, r)| (id, r.len())).collect();
                    Ok((offices, budgets::totals(c, &me, b, year)?, list, receipts, vec![]))
                }
                None => {
                    let books = budgets::by_office(c, &me, year)?;
                    // Every office is listed, one without books as zeros.
                    let summary = offices
                        .iter()
                        .map(|o| OfficeSummary {
                            office: o.clone(),
                            sums: books
                                .get(&o.id)
                                .map(|lines| Sums::total(lines.iter().map(|l| &l.sums)))
                                .unwrap_or_default(),
                        })
                        .collect();
                    Ok((offices, vec![], vec![], HashMap::new(), summary))
                }
            }
        })
        .await?;
    let books_name = books.map(|b| books_name(&page, &offices, b)).unwrap_or_default();
    let total = match books {
        Some(_) => (!lines.is_empty()).then(|| Sums::total(lines.iter().map(|l| &l.sums))),
        None => Some(Sums::total(summary.iter().map(|s| &s.sums))),
    };
    render(&BooksTemplate {
        page,
        year,
        books,
        books_name,
        offices,
        lines,
        total,
        expenses,
        receipts,
        summary,
        can_keep,
        can_budget: district && books.is_some(),
        sees_all,
    })
    .map(IntoResponse::into_response)
}

#[derive(Deserialize)]
struct BudgetForm {
    books: Option<String>,
    year: String,
    line: String,
    amount: String,
}

async fn set_budget(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<BudgetForm>,
) -> AppResult<Redirect> {
    let books = books_of(&f.books, &me)?.ok_or(AppError::BadRequest("form.bad_choice"))?;
    let year = paging::year(Some(&f.year)).ok_or(AppError::BadRequest("budget.bad_year"))?;
    let back = books_href(books, year);
    let line = BudgetLine::parse(&f.line).ok_or(AppError::BadRequest("form.bad_choice"))?;
    // A budget may be set to nothing: blank or 0 is zero.
    let amount = match form::text(&Some(f.amount)).as_deref() {
        None | Some("0") => Ok(Fen::ZERO),
        Some(s) => Fen::parse(s).map_err(|p| AppError::BadRequest(p.message_key())),
    };
    let result = match amount {
        Ok(a) => st.db.write(move |c| budgets::set(c, &me, books, year, line, a)).await,
        Err(e) => Err(e),
    };
    form_done(&session, result, "budget.saved", &back).await
}

#[derive(Template)]
#[template(path = "funds/expense_new.html")]
struct NewTemplate {
    page: Page,
    books: Books,
    books_name: String,
    lines: &'static [BudgetLine],
    choices: Vec<Choice>,
    today: String,
    /// Opened from an activity or consultation: it is preselected, and the
    /// budget line that goes with it.
    record: String,
    line: &'static str,
}

#[derive(Deserialize, Default)]
struct NewQuery {
    books: Option<String>,
    record: Option<String>,
}

async fn new_form(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    if !matches!(me.role, Role::DistrictAdmin | Role::OfficeStaff) {
        return Err(AppError::NotFound);
    }
    let books = books_of(&q.books, &me)?.ok_or(AppError::BadRequest("funds.choose_books"))?;
    if !may_keep(&me, books) {
        return Err(if crate::funds::store::may_read(&me, books) { AppError::Forbidden } else { AppError::NotFound });
    }
    let year = today().year();
    let (choices, offices) =
        st.db.read(move |c| Ok((choices::choices(c, &me, books, year)?, org::list_offices(c, &me)?))).await?;
    let books_name = books_name(&page, &offices, books);
    let record = form::text(&q.record).unwrap_or_default();
    render(&NewTemplate {
        page,
        books,
        books_name,
        lines: BudgetLine::ALL,
        choices,
        today: today().to_string(),
        // Only a preselection: the store checks the record on save.
        line: match choices::parse(record.as_str()) {
            Ok((ExpenseFor::Activity, _)) => BudgetLine::Activities.as_str(),
            Ok((ExpenseFor::Consultation, _)) => BudgetLine::Consultations.as_str(),
            Ok((ExpenseFor::Home, _)) => BudgetLine::Home.as_str(),
            _ => "",
        },
        record,
    })
    .map(IntoResponse::into_response)
}

#[derive(Deserialize)]
struct ExpenseForm {
    books: Option<String>,
    line: String,
    spent_on: Option<String>,
    amount: String,
    payee: String,
    purpose: String,
    record: String,
}

impl ExpenseForm {
    fn entry(&self, me: &Actor) -> AppResult<Entry> {
        let books = books_of(&self.books, me)?.ok_or(AppError::BadRequest("form.bad_choice"))?;
        let (for_kind, record) = choices::parse(&self.record)?;
        Ok(Entry {
            books,
            line: BudgetLine::parse(&self.line).ok_or(AppError::BadRequest("expense.line_required"))?,
            spent_on: form::date(&self.spent_on)?.ok_or(AppError::BadRequest("expense.bad_date"))?,
            amount: Fen::parse(&self.amount).map_err(|p| AppError::BadRequest(p.message_key()))?,
            payee: self.payee.clone(),
            purpose: self.purpose.clone(),
            for_kind,
            record,
        })
    }
}

async fn create(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<ExpenseForm>,
) -> AppResult<Redirect> {
    let entry = f.entry(&me);
    let books = books_of(&f.books, &me)?.unwrap_or(None);
    let result = match entry {
        Ok(e) => st.db.write(move |c| expenses::create(c, &me, &e)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => form_done(&session, Ok(()), "expense.created", &format!("/funds/expenses/{id}")).await,
        Err(e) => form_done(&session, Err(e), "", &format!("/funds/expenses/new?books={}", books_param(books))).await,
    }
}

async fn edit(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ExpenseForm>,
) -> AppResult<Redirect> {
    let id = ExpenseId(id);
    let result = match f.entry(&me) {
        Ok(e) => st.db.write(move |c| expenses::edit(c, &me, id, &e)).await,
        Err(e) => Err(e),
    };
    form_done(&session, result, "expense.saved", &format!("/funds/expenses/{id}")).await
}

#[derive(Template)]
#[template(path = "funds/expense.html")]
struct ExpenseTemplate {
    page: Page,
    e: Expense,
    books_name: String,
    /// The actions the actor may take now, in the order shown.
    actions: Vec<&'static str>,
    editable: bool,
    /// Why approving is not the actor's to do (own entry, over budget).
    why_not: Option<&'static str>,
    lines: &'static [BudgetLine],
    choices: Vec<Choice>,
    /// The edit form's record choice.
    record: String,
    reversal_of: Option<Expense>,
    reversed_by: Option<Expense>,
    receipts: Vec<Receipt>,
    max_receipts: usize,
}

/// An expense's record as the form's value (`activity:12`, `office`).
fn record_value(e: &Expense) -> String {
    choices::record_of(e).map_or_else(|| "office".into(), |(kind, id)| format!("{kind}:{id}"))
}

async fn expense_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let id = ExpenseId(id);
    let (e, offices, (actions, why_not), reversal_of, reversed_by, choices, receipts) = st
        .db
        .read(move |c| {
            let e = expenses::get(c, &me, id)?;
            let actions = expenses::allowed(c, &me, &e)?;
            let choices = if actions.0.contains(&ExpenseAction::Edit) {
                choices::choices(c, &me, e.office_id, e.year)?
            } else {
                vec![]
            };
            let of = match e.reverses_id {
                Some(r) => Some(expenses::get(c, &me, r)?),
                None => None,
            };
            let by = expenses::reversal_of(c, &me, id)?;
            let receipts = receipts::list(c, &e)?;
            Ok((e, org::list_offices(c, &me)?, actions, of, by, choices, receipts))
        })
        .await?;
    let books_name = books_name(&page, &offices, e.office_id);
    let editable = actions.contains(&ExpenseAction::Edit);
    let actions = actions
        .into_iter()
        .filter(|a| *a != ExpenseAction::Edit)
        .map(|a| match a {
            ExpenseAction::Submit => "submit",
            ExpenseAction::Approve => "approve",
            ExpenseAction::Return => "return",
            ExpenseAction::Pay => "pay",
            ExpenseAction::Reverse => "reverse",
            _ => "delete",
        })
        .collect();
    let record = record_value(&e);
    render(&ExpenseTemplate {
        page,
        e,
        books_name,
        actions,
        editable,
        why_not,
        lines: BudgetLine::ALL,
        choices,
        record,
        reversal_of,
        reversed_by,
        receipts,
        max_receipts: receipts::MAX_RECEIPTS,
    })
    .map(IntoResponse::into_response)
}

#[derive(Deserialize)]
struct ActForm {
    #[serde(default)]
    reason: String,
}

async fn act(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<ActForm>,
) -> AppResult<Redirect> {
    let id = ExpenseId(id);
    let action = match action.as_str() {
        "submit" => ExpenseAction::Submit,
        "approve" => ExpenseAction::Approve,
        "return" => ExpenseAction::Return,
        "pay" => ExpenseAction::Pay,
        "reverse" => ExpenseAction::Reverse,
        "delete" => ExpenseAction::Delete,
        _ => return Err(AppError::NotFound),
    };
    let back = format!("/funds/expenses/{id}");
    match action {
        ExpenseAction::Reverse => {
            let r = st.db.write(move |c| expenses::reverse(c, &me, id, &f.reason)).await;
            match r {
                Ok(new) => form_done(&session, Ok(()), "expense.reversed", &format!("/funds/expenses/{new}")).await,
                Err(e) => form_done(&session, Err(e), "", &back).await,
            }
        }
        ExpenseAction::Delete => {
            let r = st
                .db
                .write(move |c| {
                    let e = expenses::get(c, &me, id)?;
                    expenses::act(c, &me, id, action, "")?;
                    Ok(books_href(e.office_id, e.year))
                })
                .await;
            match r {
                Ok(to) => form_done(&session, Ok(()), "expense.deleted", &to).await,
                Err(e) => form_done(&session, Err(e), "", &back).await,
            }
        }
        _ => {
            let r = st.db.write(move |c| expenses::act(c, &me, id, action, &f.reason)).await;
            let ok = match action {
                ExpenseAction::Submit => "expense.submitted",
                ExpenseAction::Approve => "expense.approved",
                ExpenseAction::Return => "expense.returned",
                _ => "expense.paid",
            };
            form_done(&session, r, ok, &back).await
        }
    }
}
