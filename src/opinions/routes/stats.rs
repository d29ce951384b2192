//! The figures of the opinion loop: per handling unit and per office for a
//! month, ranked, with its xlsx for the monthly 通报; and the public results
//! wall of a committee's box.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use axum::routing::get;
use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;

use crate::kernel::auth::CurrentUser;
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::state::AppState;
use crate::kernel::time::today;
use crate::kernel::web::{Page, form, paging, render};
use crate::kernel::xlsx::{self, Formats, Print, Sheet};
use crate::opinions::stats::{
    self, Count, Counts, Figures, Month, PublicCase, PublicCounts, Row, SortKey, WALL_PAGE, one_decimal, percent,
};
use crate::org::store as org;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opinions/stats", get(stats_page))
        .route("/opinions/stats/ranking.xlsx", get(ranking_xlsx))
        .route("/box/{committee}/results", get(results))
}

#[derive(Deserialize, Default)]
struct StatsQuery {
    month: Option<String>,
    sort: Option<String>,
}

impl StatsQuery {
    /// The month asked for (this month by default) and the ranking's column.
    fn parse(&self) -> AppResult<(Month, SortKey)> {
        let month = match form::text(&self.month) {
            None => Month::current(),
            Some(m) => Month::parse(&m).ok_or(AppError::BadRequest("stats.bad_month"))?,
        };
        Ok((month, self.sort.as_deref().and_then(SortKey::parse).unwrap_or_default()))
    }
}

#[derive(Template)]
#[template(path = "opinions/stats.html")]
struct StatsTemplate {
    page: Page,
    figures: Figures,
    counts: Option<Counts>,
    sort: SortKey,
    can_export: bool,
}

impl StatsTemplate {
    fn link(&self, month: Month, sort: SortKey) -> String {
        format!("/opinions/stats?month={month}&sort={}", sort.as_str())
    }
    fn sort_link(&self, key: &str) -> String {
        self.link(self.figures.month, SortKey::parse(key).unwrap_or_default())
    }
    fn sorted_by(&self, key: &str) -> bool {
        self.sort.as_str() == key
    }
    /// 发回重办 and working days rank fewest first.
    fn ascending(&self, key: &str) -> bool {
        matches!(key, "sent_back" | "days")
    }
    fn prev_link(&self) -> String {
        self.link(self.figures.month.prev(), self.sort)
    }
    fn next_link(&self) -> Option<String> {
        let next = self.figures.month.next();
        (next <= Month::current()).then(|| self.link(next, self.sort))
    }
    fn pct(&self, r: Option<f64>) -> String {
        percent(r)
    }
    fn days(&self, r: &Row) -> String {
        one_decimal(r.tally.average_days())
    }
    fn name(&self, r: &Row) -> String {
        r.name.clone().unwrap_or_else(|| self.page.t("stats.no_office"))
    }
    fn count_name(&self, n: &Option<String>) -> String {
        n.clone().unwrap_or_else(|| self.page.t("stats.no_office"))
    }
    fn satisfaction(&self, c: &Count) -> String {
        percent(c.satisfaction())
    }
}

async fn stats_page(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<StatsQuery>,
) -> AppResult<Html<String>> {
    let (month, sort) = q.parse()?;
    let can_export = stats::may_export(&me);
    let (figures, counts) =
        st.db.read_heavy(move |c| Ok((stats::figures(c, &me, month, sort)?, stats::counts(c, &me, month)?))).await?;
    render(&StatsTemplate { page, figures, counts, sort, can_export })
}

/// The ranking for the monthly 通报: handling units on the first sheet, offices
/// on the second, rates as numbers (Excel sorts and charts them), blank where a
/// rate has nothing to count; printed like every export (`kernel::xlsx`).
async fn ranking_xlsx(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    page: Page,
    Query(q): Query<StatsQuery>,
) -> AppResult<Response> {
    if !stats::may_export(&me) {
        return Err(AppError::Forbidden);
    }
    let (month, sort) = q.parse()?;
    let (figures, committee) =
        st.db.read_heavy(move |c| Ok((stats::figures(c, &me, month, sort)?, org::committee(c, &me)?.name))).await?;
    let bytes = ranking_workbook(&page, &committee, &figures, sort, today()).map_err(xlsx::error)?;
    let name = format!("{}-{month}.xlsx", page.t("stats.file_name"));
    Ok(crate::kernel::files::attachment(bytes, crate::kernel::files::Kind::Xlsx, &name))
}

/// The row of the headers, under the title and the sort.
const HEADER_ROW: u32 = 3;

fn ranking_workbook(
    page: &Page,
    committee: &str,
    f: &Figures,
    sort: SortKey,
    printed: NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let title = format!("{committee} {} {}", f.month, page.t("stats.title"));
    let sorted = format!("{} {}", page.t("stats.sorted_by"), page.t(&format!("stats.col_{}", sort.as_str())));
    for (sheet, rows, units) in [("stats.sheet_units", &f.units, true), ("stats.sheet_offices", &f.offices, false)] {
        let mut ws = Sheet::new(wb.add_worksheet(), &page.t(sheet))?;
        write_sheet(&mut ws, page, &title, &sorted, rows, units)?;
        ws.finish(&Print { title: &title, printed, header_rows: (HEADER_ROW, HEADER_ROW) })?;
    }
    wb.save_to_buffer()
}

fn write_sheet(
    ws: &mut Sheet<'_>,
    page: &Page,
    title: &str,
    sorted: &str,
    rows: &[Row],
    units: bool,
) -> Result<(), XlsxError> {
    let f = Formats::new();
    let rank = f.number.clone().set_bold();
    ws.title(0, title);
    ws.note(1, sorted);
    let mut headers = vec![page.t("stats.rank"), page.t(if units { "stats.unit" } else { "stats.office" })];
    if units {
        headers.push(page.t("stats.kind"));
    }
    for k in [
        "stats.assigned",
        "stats.signed_on_time",
        "stats.col_sign",
        "stats.answered",
        "stats.answered_on_time",
        "stats.col_answer",
        "stats.rated",
        "stats.satisfied",
        "stats.col_satisfaction",
        "stats.sent_back",
        "stats.col_sent_back",
        "stats.col_days",
    ] {
        headers.push(page.t(k));
    }
    ws.headers(HEADER_ROW, &headers, &f.header)?;
    for (i, r) in rows.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        let mut c: u16 = 0;
        ws.optional(row, c, r.rank.map(|k| k as f64), &rank)?;
        c += 1;
        ws.text(row, c, &r.name.clone().unwrap_or_else(|| page.t("stats.no_office")), &f.text)?;
        c += 1;
        if units {
            ws.text(row, c, &page.t(&r.kind_key()), &f.text)?;
            c += 1;
        }
        let t = &r.tally;
        let count = |n: u32| (Some(f64::from(n)), &f.number);
        let cells: [(Option<f64>, &Format); 12] = [
            count(t.assigned),
            count(t.signed_on_time),
            (t.sign_rate(), &f.percent),
            count(t.answered),
            count(t.answered_on_time),
            (t.answer_rate(), &f.percent),
            count(t.rated),
            count(t.satisfied),
            (t.satisfaction(), &f.percent),
            count(t.sent_back),
            (t.sent_back_rate(), &f.percent),
            (t.average_days(), &f.decimal),
        ];
        for (v, format) in cells {
            ws.optional(row, c, v, format)?;
            c += 1;
        }
    }
    ws.worksheet().set_freeze_panes(HEADER_ROW + 1, 2)?;
    Ok(())
}

#[derive(Deserialize, Default)]
struct WallQuery {
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "opinions/results.html")]
struct ResultsTemplate {
    page: Page,
    committee_code: String,
    committee_name: String,
    cases: Vec<PublicCase>,
    counts: PublicCounts,
    number: i64,
    pages: i64,
}

impl ResultsTemplate {
    fn day(&self, t: &Option<NaiveDateTime>) -> String {
        t.map(|t| shanghai_date(t).format("%Y-%m-%d").to_string()).unwrap_or_else(|| "—".into())
    }
    fn satisfaction(&self, c: &Count) -> String {
        percent(c.satisfaction())
    }
    fn category(&self, n: &Option<String>) -> String {
        n.clone().unwrap_or_else(|| self.page.t("results.no_category"))
    }
}

/// The public results wall: no login, no personal data.
async fn results(
    State(st): State<AppState>,
    page: Page,
    Path(code): Path<String>,
    Query(q): Query<WallQuery>,
) -> AppResult<Html<String>> {
    let number = paging::page(q.page.as_deref());
    let (committee, cases, total, counts) = st
        .db
        .read(move |c| {
            let committee = org::committee_by_code_unscoped(c, &code)?.ok_or(AppError::NotFound)?;
            let (cases, total) = stats::wall(c, committee.id, number)?;
            let counts = stats::public_counts(c, committee.id, Month::current())?;
            Ok((committee, cases, total, counts))
        })
        .await?;
    let pages = (total + WALL_PAGE - 1) / WALL_PAGE;
    render(&ResultsTemplate {
        page,
        committee_code: committee.code,
        committee_name: committee.name,
        cases,
        counts,
        number,
        pages,
    })
}
