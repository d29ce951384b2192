//! Issue 20's workbench on a phone (390×844): the member opens it from her
//! home, it fits the screen, its service worker keeps the page; then the
//! network goes (the server the phone reaches is stopped, so every request
//! fails for real): the kept page says it is an offline copy, an opinion
//! written with a photo is kept on the phone and nothing reaches the server;
//! the network comes back (the server again, and the `online` event the
//! phone fires) and the draft is sent once, its tracking code shown. Before
//! that, one is sent online and one refused, kept and edited; after it, a
//! second offline draft on the kept page opened again is its own case; and
//! signing out from another page deletes the kept page.

use std::net::SocketAddr;
use std::time::Duration;

use diesel::prelude::*;
use fantoccini::Locator;
use tokio::sync::oneshot;
use xieshang::kernel::db::schema::{opinion_files, opinions};
use xieshang::kernel::state::AppState;

use super::Browser;
use crate::support::{DEMO_PASSWORD, Kind, TestApp};

const TEXT: &str = "磨石沟村的自来水管冻裂了，二十多户停水。";
const TEXT2: &str = "磨石沟村小学门口没有减速带，车开得很快。";
const ONLINE: &str = "磨石沟村的路灯坏了三盏，晚上看不清路。";
const FIXED: &str = "磨石沟村卫生室缺少常用药。";

/// The server the phone reaches for the app: stopped and started again on
/// the same address, as a network goes and comes back.
struct Network {
    addr: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Network {
    async fn start(state: AppState) -> Network {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut n = Network { addr, state, stop: None, task: None };
        n.serve(listener);
        n
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let (tx, rx) = oneshot::channel::<()>();
        let app = xieshang::app::router(self.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        self.stop = Some(tx);
        self.task = Some(tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        }));
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Nothing answers at the address any more.
    async fn down(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(10), task).await.is_err() {
                abort.abort();
            }
        }
    }

    async fn up(&mut self) {
        for _ in 0..50 {
            if let Ok(l) = tokio::net::TcpListener::bind(self.addr).await {
                self.serve(l);
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not listen on {} again", self.addr);
    }
}

/// Runs `script` (which calls `done(value)` at the end) in the page.
async fn run(b: &Browser, script: &str) -> serde_json::Value {
    let s = format!("const done = arguments[arguments.length - 1]; {script}");
    b.client.execute_async(&s, vec![]).await.unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Waits until `css`'s text contains `text`; the text it had.
async fn until_text(b: &Browser, css: &str, text: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(el) = b.client.find(Locator::Css(css)).await {
            last = el.text().await.unwrap_or_default();
            if last.contains(text) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never said {text:?}; it said {last:?}");
}

fn cases(app: &TestApp) -> Vec<(i64, Option<i64>)> {
    app.db
        .read_blocking(|c| {
            Ok(opinions::table.filter(opinions::body.eq(TEXT)).select((opinions::id, opinions::heard_by)).load(c)?)
        })
        .expect("cases")
}

fn count(app: &TestApp, text: &str) -> usize {
    let text = text.to_string();
    app.db
        .read_blocking(move |c| Ok(opinions::table.filter(opinions::body.eq(text)).count().get_result::<i64>(c)?))
        .map(|n| n as usize)
        .expect("count")
}

/// The member's drafts on the phone: [photos, refused] each.
async fn drafts(b: &Browser) -> serde_json::Value {
    run(
        b,
        "const r = indexedDB.open('xs-workbench', 1); r.onsuccess = () => { \
           const q = r.result.transaction('drafts').objectStore('drafts').getAll(); \
           q.onsuccess = () => done(q.result.map(d => [d.photos.length, !!d.refused])); };",
    )
    .await
}

/// Whether the service worker's copy of the workbench is kept.
async fn kept_page(b: &Browser) -> bool {
    run(b, "caches.open('xs-workbench-page').then(c => c.match('/m/')).then(r => done(!!r));").await
        == serde_json::Value::Bool(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workbench_on_a_phone_keeps_a_draft_offline_and_sends_it_back_online() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let mut net = Network::start(app.state.clone()).await;
    let b = Browser::start().await;
    b.client.goto(&net.url("/login")).await.expect("open login");
    b.fill("input[name=username]", "member").await;
    b.fill("input[name=password]", DEMO_PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;

    // From her home to the workbench, which fits the phone.
    b.click("#to-workbench").await;
    assert_eq!(b.path().await, "/m/");
    assert!(b.text("#wb-who").await.contains("张丽华"));
    assert!(b.text("#today").await.contains("委员之家学习交流"), "today's session");
    let fits = b
        .client
        .execute("return document.documentElement.scrollWidth <= window.innerWidth", vec![])
        .await
        .expect("width");
    assert_eq!(fits, serde_json::Value::Bool(true), "no sideways scrolling at 390 px");
    let button = b.client.find(Locator::Css("#report-form button[type=submit]")).await.expect("the button");
    let (_, _, _, height) = button.rectangle().await.expect("its size");
    assert!(height >= 44.0, "a thumb's target: {height}");
    // No camera button where the browser reads no QR codes (headless Linux).
    assert!(!b.client.find(Locator::Css("#scan")).await.expect("scan").is_displayed().await.expect("shown?"));
    b.shot("workbench").await;

    // The service worker takes the page in hand and keeps a copy of it.
    let ready = run(&b, "navigator.serviceWorker.ready.then(() => done(true), () => done(false));").await;
    assert_eq!(ready, serde_json::Value::Bool(true));
    b.client.refresh().await.expect("reload under the worker");
    let kept = run(
        &b,
        "caches.open('xs-workbench-page').then(c => c.match('/m/')).then(r => done(!!r && !!navigator.serviceWorker.controller));",
    )
    .await;
    assert_eq!(kept, serde_json::Value::Bool(true), "the page is kept");

    // Sent online first: the kept page's form had a key, which a draft
    // written on that copy must not take again.
    b.fill("#report-form textarea[name=body]", ONLINE).await;
    b.click_no_wait("#report-form button[type=submit]").await;
    until_text(&b, "#queue-status", "已发送，查询码").await;
    assert_eq!(count(&app, ONLINE), 1);

    // Refused as it stands (only spaces): kept on the phone and listed with
    // the reason; edited, it is sent and leaves the list.
    b.fill("#report-form textarea[name=body]", "   ").await;
    b.click_no_wait("#report-form button[type=submit]").await;
    until_text(&b, "#queue-status", "没有发送成功").await;
    until_text(&b, "#refused-list", "请写下").await;
    assert_eq!(drafts(&b).await, serde_json::json!([[0, true]]), "kept, marked refused");
    b.click_no_wait("#refused-list .draft-edit").await;
    b.fill("#report-form textarea[name=body]", FIXED).await;
    b.click_no_wait("#report-form button[type=submit]").await;
    until_text(&b, "#queue-status", "已发送，查询码").await;
    assert_eq!(count(&app, FIXED), 1);
    assert_eq!(drafts(&b).await, serde_json::json!([]), "the edited one replaced it");
    assert!(!b.client.find(Locator::Css("#refused")).await.expect("list").is_displayed().await.expect("shown?"));

    // The network goes: the kept page, marked as such.
    net.down().await;
    b.client.goto(&net.url("/m/")).await.expect("the kept page");
    assert!(b.text("#offline-banner").await.contains("现在没有网络"));
    assert!(b.text("#wb-who").await.contains("张丽华"));

    // An opinion with a photo, written offline: kept on the phone, not sent.
    let dir = tempfile::tempdir().expect("dir");
    let photo = dir.path().join("水管.png");
    std::fs::write(&photo, crate::support::distinct_png(42)).expect("photo");
    b.fill("#report-form textarea[name=body]", TEXT).await;
    let input = b.client.find(Locator::Css("#report-form input[name=photo]")).await.expect("photo input");
    input.send_keys(&photo.to_string_lossy()).await.expect("choose photo");
    b.click_no_wait("#report-form button[type=submit]").await;
    until_text(&b, "#queue-status", "已保存，联网后自动发送").await;
    assert_eq!(drafts(&b).await, serde_json::json!([[1, false]]), "the text and its photo on the phone");
    assert_eq!(
        b.client
            .find(Locator::Css("#report-form textarea[name=body]"))
            .await
            .expect("body")
            .prop("value")
            .await
            .expect("value"),
        Some(String::new()),
        "the form is free for the next one"
    );
    b.shot("workbench-offline").await;
    // The kept page opened again, another draft: its own key, both kept.
    b.client.goto(&net.url("/m/")).await.expect("the kept page again");
    assert!(b.text("#offline-banner").await.contains("现在没有网络"));
    b.fill("#report-form textarea[name=body]", TEXT2).await;
    b.click_no_wait("#report-form button[type=submit]").await;
    until_text(&b, "#queue-status", "条意见保存在手机上").await;
    let kept = drafts(&b).await;
    assert_eq!(kept.as_array().map(Vec::len), Some(2), "two drafts: {kept}");
    assert!(count(&app, TEXT) + count(&app, TEXT2) == 0, "nothing reached the server");

    // The network is back: both sent once, their tracking codes listed.
    net.up().await;
    b.client.execute("window.dispatchEvent(new Event('online'))", vec![]).await.expect("online");
    until_text(&b, "#queue-status", "已发送，查询码").await;
    for _ in 0..100 {
        if count(&app, TEXT) + count(&app, TEXT2) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let filed = cases(&app);
    assert_eq!((filed.len(), count(&app, TEXT2)), (1, 1), "two cases, one each");
    let (id, heard_by) = filed[0];
    assert!(heard_by.is_some(), "heard by the member");
    let photos: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(opinion_files::table.filter(opinion_files::opinion_id.eq(id)).count().get_result(c)?)
        })
        .expect("photos");
    assert_eq!(photos, 1, "with its photo");
    let code: String =
        app.db.read_blocking(move |c| Ok(opinions::table.find(id).select(opinions::code).first(c)?)).expect("code");
    until_text(&b, "#mine-list", &code).await;
    assert_eq!(drafts(&b).await, serde_json::json!([]), "nothing left on the phone");
    b.shot("workbench-sent").await;

    // The phone says `online` again: nothing is left to send twice.
    b.client.execute("window.dispatchEvent(new Event('online'))", vec![]).await.expect("online");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!((cases(&app).len(), count(&app, TEXT2)), (1, 1), "still one case each");

    // Signed out from another page: no copy of the workbench stays.
    b.client.goto(&net.url("/duty/mine")).await.expect("another page");
    assert!(kept_page(&b).await, "the copy is there while signed in");
    b.click("form[action='/logout'] button[type=submit]").await;
    let mut gone = false;
    for _ in 0..50 {
        if !kept_page(&b).await {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "the kept page is deleted once nobody is signed in");
    b.close().await;
    net.down().await;
}
