//! The calendar page: a year's holidays and make-up working days, and the working
//! days of each month. The district admin adds, changes and removes days; the other
//! business roles read it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use tower_sessions::Session;

use super::model::{self, Calendar, DayKind};
use super::store;
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::page::flash;
use crate::kernel::web::{Page, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(calendar_page))
        .route("/calendar/days", post(set_day))
        .route("/calendar/days/remove", post(remove_day))
        .route("/calendar/fill", post(fill))
}

pub struct DayRow {
    pub day: NaiveDate,
    pub weekday_key: String,
    pub kind: DayKind,
    pub name: String,
}

impl DayRow {
    pub fn is_workday(&self) -> bool {
        self.kind == DayKind::Workday
    }
}

pub struct MonthRow {
    pub label_key: String,
    pub working_days: i64,
}

#[derive(Template)]
#[template(path = "kernel/calendar.html")]
struct CalendarTemplate {
    page: Page,
    year: i32,
    days: Vec<DayRow>,
    months: Vec<MonthRow>,
    total: i64,
    has_holidays: bool,
    can_edit: bool,
    can_fill: bool,
}

#[derive(Deserialize)]
struct CalendarQuery {
    year: Option<String>,
}

/// A year from the address; anything else (missing, mistyped, out of range) shows this year.
fn year_or_this(year: Option<&str>) -> i32 {
    year.and_then(|y| y.trim().parse().ok()).and_then(|y| model::check_year(y).ok()).unwrap_or_else(|| today().year())
}

async fn calendar_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<CalendarQuery>,
) -> AppResult<Html<String>> {
    let year = year_or_this(q.year.as_deref());
    let can_edit = model::can_manage(&me);
    let (rows, can_fill) =
        st.db.read(move |c| Ok((store::list(c, &me, year)?, store::national_missing(c, &me, year)?))).await?;
    let specials: Vec<_> = rows.iter().map(store::CalendarDay::special).collect();
    let cal = Calendar::new(specials.iter().cloned());
    let months: Vec<MonthRow> = (1..=12)
        .map(|m| MonthRow {
            label_key: format!("calendar.month_{m}"),
            working_days: cal.working_days_in_month(year, m),
        })
        .collect();
    let total = months.iter().map(|m| m.working_days).sum();
    let days: Vec<DayRow> = specials
        .into_iter()
        .map(|d| DayRow {
            weekday_key: format!("calendar.weekday_{}", d.day.weekday().number_from_monday()),
            day: d.day,
            kind: d.kind,
            name: d.name,
        })
        .collect();
    let has_holidays = days.iter().any(|d| d.kind == DayKind::Holiday);
    render(&CalendarTemplate { page, year, days, months, total, has_holidays, can_edit, can_fill })
}

/// The calendar forms; a missing field arrives empty and gets a plain message.
#[derive(Deserialize)]
struct DayForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    /// The year the form was on, to go back to when the date is unreadable.
    #[serde(default)]
    year: String,
}

impl DayForm {
    fn back(&self) -> String {
        let year = model::parse_day(&self.day).map(|d| d.year()).unwrap_or_else(|| year_or_this(Some(&self.year)));
        format!("/calendar?year={year}")
    }
}

/// After a form: a user mistake is a message on the page the user comes back to;
/// anything else (403, an internal error) is an error page.
async fn done(session: &Session, result: AppResult<()>, ok_key: &str, back: &str) -> AppResult<Redirect> {
    match result {
        Ok(()) => flash(session, true, ok_key).await,
        Err(AppError::BadRequest(k) | AppError::Conflict(k)) => flash(session, false, k).await,
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(back))
}

async fn set_day(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<DayForm>,
) -> AppResult<Redirect> {
    // Refused before the fields are read: someone who may not change the calendar
    // learns nothing from its messages.
    if !model::can_manage(&me) {
        return Err(AppError::Forbidden);
    }
    let back = f.back();
    let result = match model::parse_form(&f.day, &f.kind) {
        Ok((day, kind)) => st.db.write(move |c| store::set_day(c, &me, day, kind, &f.name)).await,
        Err(k) => Err(AppError::BadRequest(k)),
    };
    done(&session, result, "calendar.saved", &back).await
}

async fn remove_day(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<DayForm>,
) -> AppResult<Redirect> {
    if !model::can_manage(&me) {
        return Err(AppError::Forbidden);
    }
    let back = f.back();
    let result = match model::parse_day(&f.day) {
        Some(day) => st.db.write(move |c| store::remove_day(c, &me, day)).await,
        None => Err(AppError::BadRequest("calendar.bad_date")),
    };
    done(&session, result, "calendar.removed", &back).await
}

async fn fill(
    State(st): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Form(f): Form<DayForm>,
) -> AppResult<Redirect> {
    if !model::can_manage(&me) {
        return Err(AppError::Forbidden);
    }
    let year = year_or_this(Some(&f.year));
    let result = st.db.write(move |c| store::fill_national(c, &me, year)).await.map(|_| ());
    done(&session, result, "calendar.filled", &format!("/calendar?year={year}")).await
}
