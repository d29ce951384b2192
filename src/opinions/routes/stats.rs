//! The figures of the opinion loop: per handling unit and per office for a
//! month, ranked, with its xlsx for the monthly 通报; and the public results
//! wall of a committee's box.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use axum::routing::get;
use chrono::NaiveDateTime;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Deserialize;

use crate::kernel::auth::CurrentUser;
use crate::kernel::calendar::model::shanghai_date;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::state::AppState;
use crate::kernel::web::{Page, form, render};
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
        st.db.read(move |c| Ok((stats::figures(c, &me, month, sort)?, stats::counts(c, &me, month)?))).await?;
    render(&StatsTemplate { page, figures, counts, sort, can_export })
}

/// The ranking for the monthly 通报: handling units on the first sheet, offices
/// on the second, rates as numbers (Excel sorts and charts them), "—" where a
/// rate has nothing to count.
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
        st.db.read(move |c| Ok((stats::figures(c, &me, month, sort)?, org::committee(c, &me)?.name))).await?;
    let bytes = ranking_workbook(&page, &committee, &figures, sort).map_err(xlsx_error)?;
    let name = format!("{}-{month}.xlsx", page.t("stats.file_name"));
    Ok(crate::kernel::files::attachment(bytes, crate::kernel::files::Kind::Xlsx, &name))
}

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing the ranking: {e}"))
}

fn ranking_workbook(page: &Page, committee: &str, f: &Figures, sort: SortKey) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let title = format!("{committee} {} {}", f.month, page.t("stats.title"));
    let sorted = format!("{} {}", page.t("stats.sorted_by"), page.t(&format!("stats.col_{}", sort.as_str())));
    let ws = wb.add_worksheet();
    ws.set_name(page.t("stats.sheet_units"))?;
    write_sheet(ws, page, &title, &sorted, &f.units, true)?;
    let ws = wb.add_worksheet();
    ws.set_name(page.t("stats.sheet_offices"))?;
    write_sheet(ws, page, &title, &sorted, &f.offices, false)?;
    wb.save_to_buffer()
}

fn write_sheet(
    ws: &mut Worksheet,
    page: &Page,
    title: &str,
    sorted: &str,
    rows: &[Row],
    units: bool,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let head = Format::new().set_bold().set_background_color(0xDDEBF7).set_text_wrap();
    let pct = Format::new().set_num_format("0.0%");
    let one = Format::new().set_num_format("0.0");
    ws.write_string_with_format(0, 0, title, &Format::new().set_bold().set_font_size(14))?;
    ws.write_string(1, 0, sorted)?;
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
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, h, &head)?;
    }
    ws.set_column_width(1, 24)?;
    for (i, r) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        let mut c: u16 = 0;
        match r.rank {
            Some(k) => ws.write_number_with_format(row, c, k as f64, &bold)?,
            None => ws.write_string(row, c, "—")?,
        };
        c += 1;
        ws.write_string(row, c, r.name.clone().unwrap_or_else(|| page.t("stats.no_office")))?;
        c += 1;
        if units {
            ws.write_string(row, c, page.t(&r.kind_key()))?;
            c += 1;
        }
        let t = &r.tally;
        let counts_and_rates: [(Option<u32>, Option<f64>); 12] = [
            (Some(t.assigned), None),
            (Some(t.signed_on_time), None),
            (None, t.sign_rate()),
            (Some(t.answered), None),
            (Some(t.answered_on_time), None),
            (None, t.answer_rate()),
            (Some(t.rated), None),
            (Some(t.satisfied), None),
            (None, t.satisfaction()),
            (Some(t.sent_back), None),
            (None, t.sent_back_rate()),
            (None, t.average_days()),
        ];
        for (j, (n, v)) in counts_and_rates.iter().enumerate() {
            let is_days = j == counts_and_rates.len() - 1;
            match (n, v) {
                (Some(n), _) => ws.write_number(row, c, f64::from(*n))?,
                (None, Some(v)) => ws.write_number_with_format(row, c, *v, if is_days { &one } else { &pct })?,
                (None, None) => ws.write_string(row, c, "—")?,
            };
            c += 1;
        }
    }
    ws.set_freeze_panes(4, 2)?;
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
    let number = q.page.as_deref().and_then(|p| p.trim().parse::<i64>().ok()).filter(|p| *p >= 1).unwrap_or(1);
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
