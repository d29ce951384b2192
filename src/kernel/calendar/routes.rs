//! The calendar page: a year's holidays and make-up working days, and the working
//! days of each month. The district admin adds, changes and removes days; the other
//! business roles read it.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::model::{self, Calendar, DayKind};
use super::store;
use crate::kernel::auth::{Actor, CurrentUser};
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::action::action_form;
use crate::kernel::web::{Page, paging, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(calendar_page))
        .route(
            "/calendar/days",
            action_form("calendar.saved", DayForm::back, |c, me, f| {
                managing(me)?;
                let (day, kind) = model::parse_form(&f.day, &f.kind).map_err(AppError::BadRequest)?;
                store::set_day(c, me, day, kind, &f.name)
            }),
        )
        .route(
            "/calendar/days/remove",
            action_form("calendar.removed", DayForm::back, |c, me, f| {
                managing(me)?;
                let day = model::parse_day(&f.day).ok_or(AppError::BadRequest("calendar.bad_date"))?;
                store::remove_day(c, me, day)
            }),
        )
        .route(
            "/calendar/fill",
            action_form("calendar.filled", DayForm::year_page, |c, me, f| {
                managing(me)?;
                store::fill_national(c, me, year_or_this(Some(&f.year))).map(|_| ())
            }),
        )
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
    paging::year(year).and_then(|y| model::check_year(y).ok()).unwrap_or_else(|| today().year())
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
    /// The year of the day the form names, or else the year it was on.
    fn back(&self) -> String {
        let year = model::parse_day(&self.day).map(|d| d.year()).unwrap_or_else(|| year_or_this(Some(&self.year)));
        format!("/calendar?year={year}")
    }

    /// The year the form was on.
    fn year_page(&self) -> String {
        format!("/calendar?year={}", year_or_this(Some(&self.year)))
    }
}

/// Refused before the fields are read: someone who may not change the calendar
/// learns nothing from its messages.
fn managing(me: &Actor) -> AppResult<()> {
    if model::can_manage(me) { Ok(()) } else { Err(AppError::Forbidden) }
}
