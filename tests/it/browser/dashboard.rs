//! A leader sees the whole picture on one page, on a phone: the dashboard
//! from the home (this quarter), a chart with its data table for each
//! figure, the year chosen instead, and the print view for a meeting.

use fantoccini::Locator;
use fantoccini::wd::{PrintConfiguration, PrintMargins, PrintSize};

use super::Browser;
use crate::support::{DEMO_PASSWORD, Kind, TestApp};

/// How many of `css` the page holds.
async fn count(b: &Browser, css: &str) -> i64 {
    let n = b.client.execute(&format!("return document.querySelectorAll({css:?}).length"), vec![]).await;
    n.expect("count").as_i64().expect("a number")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_sees_the_whole_picture_on_one_page() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    b.login(&app, "leader", DEMO_PASSWORD).await;
    b.click("#to-dashboard").await;
    assert_eq!(b.path().await, "/dashboard");
    assert!(b.text("#dashboard-title").await.contains("工作数据看板"));
    let year = chrono::Datelike::year(&xieshang::kernel::time::today());
    assert!(b.text("#dashboard-title").await.contains(&format!("{year}年第")), "this quarter first");

    // Every figure: a chart that is an image with a title, and its table.
    let figures = count(&b, "section.figure").await;
    assert!(figures >= 13, "{figures} figures");
    assert_eq!(count(&b, "section.figure details table").await, figures);
    assert!(count(&b, "section.figure svg[role=img] title").await >= 10, "charts drawn");
    assert!(b.text("#h-received dd").await.parse::<i64>().is_ok_and(|n| n > 0));
    // The page fits the phone: nothing wider than the screen.
    let wide = b
        .client
        .execute("return document.documentElement.scrollWidth <= window.innerWidth + 1", vec![])
        .await
        .expect("width");
    assert_eq!(wide, serde_json::Value::Bool(true), "the page scrolls sideways on a phone");
    b.shot("dashboard").await;

    // A data table opens under its chart.
    b.click_no_wait("#fig-by-status summary").await;
    let table = b.client.find(Locator::Css("#by-status")).await.expect("table");
    assert!(table.is_displayed().await.expect("shown"));
    assert!(b.text("#by-status").await.contains("已办结"));

    // Another period: this year.
    let select = b.client.find(Locator::Css("#period")).await.expect("selector");
    select.select_by_index(0).await.expect("this year");
    b.click("#dashboard-period button[type=submit]").await;
    let url = b.client.current_url().await.expect("url");
    assert_eq!(url.query(), Some(format!("period={year}").as_str()));
    let title = b.text("#dashboard-title").await;
    assert!(title.ends_with(&format!("{year}年")), "{title}");
    assert!(count(&b, "section.figure").await >= 13);

    // Elder mode: large type and high contrast, still within the phone's width.
    b.click("#elder-toggle").await;
    assert_eq!(b.path().await, "/dashboard");
    let fits = b
        .client
        .execute("return document.documentElement.scrollWidth <= window.innerWidth + 1", vec![])
        .await
        .expect("width");
    assert_eq!(fits, serde_json::Value::Bool(true), "elder mode scrolls sideways");
    b.client.execute("document.querySelector('#fig-coverage').scrollIntoView()", vec![]).await.expect("scroll");
    b.shot("dashboard-large").await;
    b.click("#elder-toggle").await;

    // The print view for a meeting.
    b.click("#dashboard-print").await;
    assert_eq!(b.path().await, "/dashboard/print");
    assert!(count(&b, "#dashboard-sheet svg.chart").await >= 10);
    b.shot("dashboard-print").await;
    // Printed on A4 with the page's own margins, at full size: one page.
    let m = 0.8;
    let a4 = PrintConfiguration::builder()
        .size(PrintSize::A4)
        .margins(PrintMargins { top: m, bottom: m, left: m, right: m })
        .shrink_to_fit(false)
        .build()
        .expect("print settings");
    let pdf = b.client.print(a4).await.expect("print");
    let text = String::from_utf8_lossy(&pdf);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    assert_eq!(pages, 1, "the print view takes {pages} pages");
    b.close().await;
}
