//! The leaders' dashboard over HTTP on both databases: its figures equal
//! counts computed here directly from the records, an office sees only its
//! own, a bad period is refused in Chinese, and the xlsx holds the page's
//! figures.

use std::collections::BTreeMap;

use calamine::{Data, Reader, Xlsx};
use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use xieshang::kernel::db::schema::{
    budgets, consultation_items, expenses, home_evidence, home_items, members_homes, offices, opinions,
};
use xieshang::kernel::time::{start_of_local_day, today};
use xieshang::kernel::web::i18n::Lang;
use xieshang::opinions::model::Status;

use crate::on_both_databases;
use crate::support::{Client, TestApp};

on_both_databases!(
    the_figures_are_the_records_counted,
    an_office_sees_its_own_figures_only,
    periods_choose_and_a_bad_one_is_refused,
);

/// A data table's rows: its row header and its cells, as the page shows them.
fn table(page: &str, id: &str) -> BTreeMap<String, Vec<String>> {
    let t = page
        .split(&format!("<table id=\"{id}\">"))
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap_or_else(|| panic!("no table #{id}"));
    let body = t.split("<tbody>").nth(1).unwrap_or("");
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let label = row.split("<th scope=\"row\">").nth(1).and_then(|s| s.split("</th>").next()).unwrap_or("");
            let cells = row.split("<td>").skip(1).filter_map(|c| c.split("</td>").next()).map(String::from).collect();
            (label.to_string(), cells)
        })
        .collect()
}

fn number(cells: &[String], i: usize) -> i64 {
    cells[i].parse().unwrap_or_else(|_| panic!("not a count: {cells:?}"))
}

async fn page(c: &Client, path: &str) -> String {
    let (status, html) = c.get_text(path).await;
    assert_eq!(status, 200, "{path}");
    html
}

fn zh(key: &str) -> String {
    Lang::Zh.t(key)
}

/// This year to date, as the period of the year counts it.
fn year_bounds() -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    let t = today();
    let first = NaiveDate::from_ymd_opt(t.year(), 1, 1).expect("1 January");
    (start_of_local_day(first), start_of_local_day(t + Duration::days(1)))
}

/// Cases submitted this year by status, and by office name (`None`: none),
/// counted from the cases themselves.
fn opinion_counts(app: &TestApp, office: Option<i64>) -> (BTreeMap<String, i64>, BTreeMap<Option<String>, i64>) {
    let (a, b) = year_bounds();
    let rows: Vec<(String, Option<String>)> = app
        .db
        .read_blocking(move |c| {
            let mut q = opinions::table
                .left_join(offices::table.on(opinions::office_id.eq(offices::id.nullable())))
                .filter(opinions::created_at.ge(a).and(opinions::created_at.lt(b)))
                .select((opinions::status, offices::name.nullable()))
                .into_boxed();
            if let Some(o) = office {
                q = q.filter(opinions::office_id.eq(o));
            }
            Ok(q.load(c)?)
        })
        .expect("cases");
    let (mut by_status, mut by_office) = (BTreeMap::new(), BTreeMap::new());
    for (s, o) in rows {
        *by_status.entry(s).or_default() += 1;
        *by_office.entry(o).or_default() += 1;
    }
    (by_status, by_office)
}

async fn the_figures_are_the_records_counted(app: TestApp) {
    let leader = app.login_as("leader").await;
    let quarter = format!("{}年第", today().year());
    assert!(page(&leader, "/dashboard").await.contains(&quarter), "this quarter by default");
    let year = today().year();
    let html = page(&leader, &format!("/dashboard?period={year}")).await;

    // Opinions by status and by office: the counters agree with the cases.
    let (by_status, by_office) = opinion_counts(&app, None);
    assert!(by_status.values().sum::<i64>() > 0, "the demo has cases this year");
    let shown = table(&html, "by-status");
    for s in Status::ALL {
        let want = by_status.get(s.as_str()).copied().unwrap_or(0);
        let row = shown.get(&zh(&s.label_key())).unwrap_or_else(|| panic!("no row for {s:?}"));
        assert_eq!(number(row, 0), want, "{s:?}");
    }
    let shown = table(&html, "by-office");
    for (office, n) in &by_office {
        let name = office.clone().unwrap_or_else(|| zh("stats.no_office"));
        assert_eq!(number(&shown[&name], 0), *n, "{name}");
    }
    let received: i64 = by_office.values().sum();
    assert!(html.contains(&format!("<dd>{received}</dd>")), "the headline counts every case");

    // Agreed items: open and overdue now, done this year.
    let t = today();
    let (a, b) = year_bounds();
    let (open, overdue, done): (i64, i64, i64) = app
        .db
        .read_blocking(move |c| {
            let open = consultation_items::table.filter(consultation_items::status.eq("open"));
            Ok((
                open.count().get_result(c)?,
                open.filter(consultation_items::deadline.lt(t)).count().get_result(c)?,
                consultation_items::table
                    .filter(consultation_items::status.eq("done"))
                    .filter(consultation_items::closed_at.ge(a).and(consultation_items::closed_at.lt(b)))
                    .count()
                    .get_result(c)?,
            ))
        })
        .expect("items");
    let items = table(&html, "items");
    assert_eq!(number(&items[&zh("dashboard.items_open")], 0), open);
    assert_eq!(number(&items[&zh("dashboard.items_overdue")], 0), overdue);
    assert_eq!(number(&items[&zh("dashboard.items_done")], 0), done);

    // 六有: items marked met with evidence, per office.
    let met: Vec<(String, i64)> = app
        .db
        .read_blocking(|c| {
            let with_evidence = home_evidence::table.select(home_evidence::home_item_id);
            Ok(members_homes::table
                .inner_join(offices::table)
                .inner_join(home_items::table)
                .filter(home_items::status.eq("met"))
                .filter(home_items::id.eq_any(with_evidence))
                .select(offices::name)
                .load::<String>(c)?
                .into_iter()
                .fold(BTreeMap::<String, i64>::new(), |mut m, o| {
                    *m.entry(o).or_default() += 1;
                    m
                })
                .into_iter()
                .collect())
        })
        .expect("homes");
    let homes = table(&html, "homes");
    for (office, cells) in &homes {
        let want = met.iter().find(|(o, _)| o == office).map_or(0, |(_, n)| *n);
        assert_eq!(number(cells, 0), want, "{office}");
    }

    // Funds: each office's budget and what it has spent this year, in yuan.
    let year = t.year();
    let books: Vec<(String, i64, i64)> = app
        .db
        .read_blocking(move |c| {
            let names: Vec<(i64, String)> = offices::table.select((offices::id, offices::name)).load(c)?;
            let mut out = vec![];
            for (id, name) in names {
                let budget: Vec<i64> = budgets::table
                    .filter(budgets::office_id.eq(id).and(budgets::year.eq(year)))
                    .select(budgets::amount_fen)
                    .load(c)?;
                let spent: Vec<i64> = expenses::table
                    .filter(expenses::office_id.eq(id).and(expenses::year.eq(year)))
                    .filter(expenses::status.eq_any(["approved", "paid"]))
                    .select(expenses::amount_fen)
                    .load(c)?;
                out.push((name, budget.iter().sum(), spent.iter().sum()));
            }
            Ok(out)
        })
        .expect("books");
    let funds = table(&html, "funds");
    assert!(books.iter().any(|(_, b, _)| *b > 0), "the demo has budgets this year");
    for (office, budget, spent) in books {
        let row = &funds[&office];
        assert_eq!(row[0], format!("{:.2}", budget as f64 / 100.0), "{office} budget");
        assert_eq!(row[1], format!("{:.2}", spent as f64 / 100.0), "{office} spent");
    }

    // Every figure has its chart, an image named by its title.
    assert!(html.matches("role=\"img\"").count() >= 8, "charts drawn");
    assert!(!html.contains("<script src=\"http"), "no outside scripts");

    // The xlsx holds the same figures as the page.
    let r = leader.get(&format!("/dashboard.xlsx?period={year}")).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("xlsx");
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("opens");
    let names = wb.sheet_names().to_vec();
    assert!(names.len() >= 13, "{names:?}");
    let status_sheet = names.iter().find(|n| n.starts_with("01 ")).expect("the first figure").clone();
    let range = wb.worksheet_range(&status_sheet).expect("sheet");
    let mut in_sheet = BTreeMap::new();
    for row in range.rows() {
        if let (Some(Data::String(label)), Some(Data::Float(n))) = (row.first(), row.get(1)) {
            in_sheet.insert(label.clone(), *n as i64);
        }
    }
    for (label, cells) in table(&html, "by-status") {
        assert_eq!(in_sheet.get(&label), Some(&number(&cells, 0)), "{label} in the xlsx");
    }

    // The print view: one page with the headline numbers and every chart.
    let print = page(&leader, &format!("/dashboard/print?period={year}")).await;
    assert!(print.contains("dashboard-print.css") && print.contains("id=\"headlines\""));
    assert!(print.matches("<section class=\"figure\"").count() >= 13);
}

async fn an_office_sees_its_own_figures_only(app: TestApp) {
    let gaomiao = app.office_id("高庙乡");
    let staff = app.login_as("gaomiao").await;
    let year = today().year();
    let html = page(&staff, &format!("/dashboard?period={year}")).await;
    assert!(html.contains("高庙乡"));
    let (by_status, _) = opinion_counts(&app, Some(gaomiao));
    let shown = table(&html, "by-status");
    for s in Status::ALL {
        let want = by_status.get(s.as_str()).copied().unwrap_or(0);
        assert_eq!(number(&shown[&zh(&s.label_key())], 0), want, "{s:?}");
    }
    for id in ["by-office", "rates", "coverage", "homes", "funds"] {
        let offices: Vec<String> = table(&html, id).into_keys().collect();
        assert!(offices.iter().all(|o| o == "高庙乡"), "#{id} shows other offices: {offices:?}");
    }
    // No other office's name anywhere on the page or in the export.
    for other in ["涧河街道", "湖滨街道", "会兴街道"] {
        assert!(!html.contains(other), "{other} on gaomiao's dashboard");
    }
    let bytes = staff.get(&format!("/dashboard.xlsx?period={year}")).await.bytes().await.expect("xlsx");
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("opens");
    for name in wb.sheet_names().to_vec() {
        let range = wb.worksheet_range(&name).expect("sheet");
        for cell in range.used_cells() {
            if let Data::String(s) = cell.2 {
                assert!(!s.contains("涧河街道"), "{name}: {s}");
            }
        }
    }
}

async fn periods_choose_and_a_bad_one_is_refused(app: TestApp) {
    let admin = app.login_as("admin").await;
    let t = today();
    for period in
        [t.year().to_string(), format!("{}Q{}", t.year(), (t.month() - 1) / 3 + 1), t.format("%Y-%m").to_string()]
    {
        let html = page(&admin, &format!("/dashboard?period={period}")).await;
        assert!(html.contains(&format!("value=\"{period}\" selected")), "{period} chosen");
        page(&admin, &format!("/dashboard/print?period={period}")).await;
        assert_eq!(admin.get(&format!("/dashboard.xlsx?period={period}")).await.status(), 200);
    }
    let last_year = page(&admin, &format!("/dashboard?period={}", t.year() - 1)).await;
    assert!(last_year.contains("id=\"period-next\""));
    // The first year a figure can be asked for has nothing before it to link to.
    let first = page(&admin, "/dashboard?period=2000").await;
    assert!(!first.contains("id=\"period-prev\"") && last_year.contains("id=\"period-prev\""));
    for bad in ["2026Q5", "abc", "3000", "2026-13", "<script>"] {
        let (status, html) = admin.get_text(&format!("/dashboard?period={bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert!(html.contains("时段无效"), "{bad}: {html}");
        assert!(!html.contains("<script>"), "{bad} echoed");
    }
    for who in ["member", "dept", "auditor"] {
        let c = app.login_as(who).await;
        assert_eq!(c.get("/dashboard").await.status(), 403, "{who}");
        assert_eq!(c.get("/dashboard.xlsx").await.status(), 403, "{who}");
    }
}
