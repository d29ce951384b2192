//! Members' funds (委员经费): an office's members with their year's
//! allocation and use, one member's account with its uses, and the member's
//! own page (`/funds/mine`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Datelike;
use serde::Deserialize;
use tower_sessions::Session;

use crate::funds::money::Fen;
use crate::funds::store::member_funds::{self, Account, Line};
use crate::funds::store::rules::{self, Rule};
use crate::kernel::auth::{CurrentUser, Role};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{MemberId, OfficeId};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::page::form_done;
use crate::kernel::web::{Page, form, paging, render};
use crate::org::store::{self as org, Office};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/funds/members", get(office_list))
        .route("/funds/mine", get(mine))
        .route("/funds/members/{id}", get(account_page))
        .route("/funds/members/{id}/allocate", post(allocate))
        .route("/funds/members/{id}/spend", post(spend))
        .route("/funds/members/{id}/uses/{use_id}/reverse", post(reverse))
}

#[derive(Deserialize, Default)]
struct YearQuery {
    office: Option<String>,
    year: Option<String>,
}

#[derive(Template)]
#[template(path = "funds/members.html")]
struct OfficeTemplate {
    page: Page,
    year: i32,
    offices: Vec<Office>,
    office: Option<OfficeId>,
    lines: Vec<Line>,
}

async fn office_list(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let year = paging::year(q.year.as_deref()).unwrap_or_else(|| today().year());
    let office = form::id(&q.office)?.map(OfficeId).or(me.office_id.filter(|_| me.role == Role::OfficeStaff));
    if !matches!(me.role, Role::OfficeStaff | Role::DistrictAdmin | Role::Leader) {
        return Err(AppError::NotFound);
    }
    let (offices, lines) = st
        .db
        .read(move |c| {
            let offices = org::list_offices(c, &me)?;
            let lines = match office {
                Some(o) => member_funds::of_office(c, &me, o, year)?,
                None => vec![],
            };
            Ok((offices, lines))
        })
        .await?;
    render(&OfficeTemplate { page, year, offices, office, lines }).map(IntoResponse::into_response)
}

/// A member's own funds: their account page.
async fn mine(State(st): State<AppState>, CurrentUser(me): CurrentUser) -> AppResult<Redirect> {
    let own = st.db.read(move |c| member_funds::own_member(c, &me)).await?.ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/funds/members/{own}")))
}

#[derive(Template)]
#[template(path = "funds/member.html")]
struct AccountTemplate {
    page: Page,
    a: Account,
    /// The rule in force today, whose uses the form offers.
    rule: Option<Rule>,
    can_allocate: bool,
    can_spend: bool,
    today: String,
}

async fn account_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let year = paging::year(q.year.as_deref()).unwrap_or_else(|| today().year());
    let can_allocate = me.role == Role::DistrictAdmin;
    let keeper = matches!(me.role, Role::DistrictAdmin | Role::OfficeStaff);
    let (a, rule, office) = st
        .db
        .read(move |c| {
            let a = member_funds::account(c, &me, MemberId(id), year)?;
            let office = crate::org::store::members::profile(c, &me, MemberId(id))?.member.office_id;
            Ok((a, rules::in_force(c, &me, today())?, office.is_some_and(|o| me.office_id == Some(o))))
        })
        .await?;
    let can_spend = keeper && (can_allocate || office);
    render(&AccountTemplate { page, a, rule, can_allocate, can_spend, today: today().to_string() })
        .map(IntoResponse::into_response)
}

fn back(id: i64, year: i32) -> String {
    format!("/funds/members/{id}?year={year}")
}

#[derive(Deserialize)]
struct AllocateForm {
    year: String,
    amount: String,
}

async fn allocate(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<AllocateForm>,
) -> AppResult<Redirect> {
    let year = paging::year(Some(&f.year)).ok_or(AppError::BadRequest("budget.bad_year"))?;
    let amount = match form::text(&Some(f.amount)).as_deref() {
        None | Some("0") => Ok(Fen::ZERO),
        Some(s) => Fen::parse(s).map_err(|p| AppError::BadRequest(p.message_key())),
    };
    let result = match amount {
        Ok(a) => st.db.write(move |c| member_funds::allocate(c, &me, MemberId(id), year, a)).await,
        Err(e) => Err(e),
    };
    form_done(&session, result, "member_fund.allocated_ok", &back(id, year)).await
}

#[derive(Deserialize)]
struct SpendForm {
    spent_on: Option<String>,
    fund_use: String,
    amount: String,
    #[serde(default)]
    note: String,
}

async fn spend(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<SpendForm>,
) -> AppResult<Redirect> {
    let parsed = || -> AppResult<(chrono::NaiveDate, Fen)> {
        let day = form::date(&f.spent_on)?.ok_or(AppError::BadRequest("expense.bad_date"))?;
        let amount = Fen::parse(&f.amount).map_err(|p| AppError::BadRequest(p.message_key()))?;
        Ok((day, amount))
    };
    let (year, result) = match parsed() {
        Ok((day, amount)) => (
            day.year(),
            st.db
                .write(move |c| {
                    member_funds::spend(c, &me, MemberId(id), day, &f.fund_use, amount, &f.note).map(|_| ())
                })
                .await,
        ),
        Err(e) => (today().year(), Err(e)),
    };
    form_done(&session, result, "member_fund.spent", &back(id, year)).await
}

#[derive(Deserialize)]
struct ReverseForm {
    #[serde(default)]
    reason: String,
    year: String,
}

async fn reverse(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path((id, use_id)): Path<(i64, i64)>,
    Form(f): Form<ReverseForm>,
) -> AppResult<Redirect> {
    let year = paging::year(Some(&f.year)).unwrap_or_else(|| today().year());
    let result = st.db.write(move |c| member_funds::reverse(c, &me, use_id, &f.reason)).await;
    form_done(&session, result, "member_fund.reversed", &back(id, year)).await
}
