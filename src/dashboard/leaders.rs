//! `/dashboard`: the leaders' dashboard for a period, its print view for a
//! meeting and its figures as xlsx. Thin handlers: parse the period, gather
//! (`figures`), turn into tables (`tables`), render.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use axum::routing::get;
use serde::Deserialize;

use super::figures::{self, Board};
use super::period::Period;
use super::tables::{self, Figure, Headline};
use crate::kernel::auth::CurrentUser;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::files::{Kind, attachment};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::{Page, form, render};
use crate::kernel::xlsx;
use crate::org::store as org;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/dashboard/print", get(print))
        .route("/dashboard.xlsx", get(export))
}

#[derive(Deserialize, Default)]
struct PeriodQuery {
    period: Option<String>,
}

impl PeriodQuery {
    /// The period asked for, this quarter to date by default.
    fn parse(&self) -> AppResult<Period> {
        let today = today();
        match form::text(&self.period) {
            None => Ok(Period::default_for(today)),
            Some(s) => Period::parse(&s, today).ok_or(AppError::BadRequest("dashboard.bad_period")),
        }
    }
}

/// A figure with its chart drawn.
struct Shown {
    fig: Figure,
    chart: String,
}

/// What the page and the print view share.
struct View {
    committee: String,
    board: Board,
    headlines: Vec<Headline>,
    figures: Vec<Shown>,
}

impl View {
    /// `湖滨区政协 · 2026年` or, for an office, `… · 高庙乡 · 2026年`.
    fn title(&self, page: &Page) -> String {
        let mut parts = vec![self.committee.clone()];
        parts.extend(self.board.office.clone());
        parts.push(self.board.period.label(page.lang));
        format!("{} · {}", page.t("dashboard.title"), parts.join(" · "))
    }
}

/// Gathers the period's figures for the signed-in user, or refuses them.
async fn view(st: &AppState, me: crate::kernel::auth::Actor, page: &Page, q: &PeriodQuery) -> AppResult<View> {
    if !figures::may_view(&me) {
        return Err(AppError::Forbidden);
    }
    let period = q.parse()?;
    let (committee, board) = st
        .db
        .read_heavy(move |c| Ok((org::committee(c, &me)?.name, figures::gather(c, &me, period, today())?)))
        .await?;
    let empty = page.t("dashboard.nothing");
    let figures =
        tables::figures(&board, page.lang).into_iter().map(|fig| Shown { chart: fig.chart(&empty), fig }).collect();
    Ok(View { committee, headlines: tables::headlines(&board, page.lang), board, figures })
}

#[derive(Template)]
#[template(path = "dashboard/board.html")]
struct BoardTemplate {
    page: Page,
    title: String,
    v: View,
    /// The selector's choices: (code, label, chosen).
    choices: Vec<(String, String, bool)>,
    prev: Option<String>,
    next: Option<String>,
}

async fn dashboard(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Html<String>> {
    let v = view(&st, me, &page, &q).await?;
    let (period, today) = (v.board.period, today());
    let mut choices: Vec<(String, String, bool)> =
        Period::choices(today).into_iter().map(|p| (p.code(), p.label(page.lang), p == period)).collect();
    if !choices.iter().any(|c| c.2) {
        choices.push((period.code(), period.label(page.lang), true));
    }
    let link = |p: Period| format!("/dashboard?period={}", p.code());
    render(&BoardTemplate {
        title: v.title(&page),
        prev: period.prev().map(link),
        next: period.next(today).map(link),
        choices,
        page,
        v,
    })
}

#[derive(Template)]
#[template(path = "dashboard/print.html")]
struct PrintTemplate {
    page: Page,
    title: String,
    v: View,
    printed: String,
}

/// One A4 page for a meeting: the headline numbers and every chart.
async fn print(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Html<String>> {
    let v = view(&st, me, &page, &q).await?;
    render(&PrintTemplate { title: v.title(&page), printed: today().to_string(), page, v })
}

async fn export(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let v = view(&st, me, &page, &q).await?;
    let title = v.title(&page);
    let figures: Vec<Figure> = v.figures.into_iter().map(|s| s.fig).collect();
    let overview = (page.t("dashboard.overview"), page.t("dashboard.figure"), page.t("dashboard.value"));
    let bytes = super::xlsx::workbook(&title, (&overview.0, &overview.1, &overview.2), &v.headlines, &figures, today())
        .map_err(xlsx::error)?;
    let name = format!("{}-{}.xlsx", page.t("dashboard.file_name"), v.board.period.code());
    Ok(attachment(bytes, Kind::Xlsx, &name))
}
