//! Issue 18's archive journey on a phone: the chair opens 高庙乡's archive
//! for this year from the menu, looks through its activities, asks for the
//! bundle, watches it finish and downloads it.

use chrono::Datelike;
use xieshang::kernel::jobs::worker::Worker;

use super::Browser;
use crate::support::{DEMO_PASSWORD, Kind, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chair_downloads_an_office_s_bundle() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    let year = xieshang::kernel::time::today().year();
    let office = app.office_id("高庙乡");

    b.login(&app, "leader", DEMO_PASSWORD).await;
    b.open_menu("/archive").await;
    b.click("nav.main-nav a[href='/archive']").await;
    b.click("#year-form button[type=submit]").await;
    b.click(&format!("#archive-office-{office}")).await;
    assert_eq!(b.path().await, format!("/archive/{office}/{year}"));
    b.click("#cat-HD").await;
    assert!(b.text("#pieces").await.contains(&format!("{year}-HD-0001")));
    b.shot("archive-activities").await;

    b.click("#make-bundle").await;
    assert!(b.text("#bundle-status").await.contains("排队中"));
    let w = Worker::new(app.db.clone(), std::sync::Arc::new(xieshang::app::job_registry(&app.state)), "t");
    while w.run_once().await.expect("run") {}
    // The page refreshes itself until the bundle is ready.
    let mut ready = false;
    for _ in 0..50 {
        // Read in one script: the page may reload between finding the
        // element and reading it (a stale node), which is only "not yet".
        let status = b
            .client
            .execute("const e = document.querySelector('#bundle-status'); return e ? e.textContent : '';", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if status.contains("已完成") {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(ready, "the bundle page shows it ready");
    b.shot("archive-bundle-ready").await;
    let got = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(document.querySelector('#download-bundle').href) \
               .then(r => r.arrayBuffer().then(a => done([r.status, r.headers.get('content-type'), a.byteLength])));",
            vec![],
        )
        .await
        .expect("download");
    assert_eq!(got[0], 200);
    assert_eq!(got[1], "application/zip");
    assert!(got[2].as_u64().unwrap_or(0) > 1000, "{got:?}");
    b.close().await;
}
