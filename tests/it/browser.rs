//! Browser journeys in headless Chromium (Debian's chromium + chromium-driver),
//! on a phone-sized window, as a convener in a village would use the app.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::support::{DEMO_PASSWORD, Kind, TestApp};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process and a browser session; both end when dropped.
struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists(),
            "{CHROMEDRIVER} is missing: install Debian's chromium and chromium-driver (.ci/run does)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=390,844",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => unreachable!("a JSON object"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = None;
        for _ in 0..50 {
            match ClientBuilder::new(HttpConnector::new()).capabilities(caps.clone()).connect(&url).await {
                Ok(client) => return Browser { client, driver, _profile: profile },
                Err(e) => last_err = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("could not start a Chromium session: {last_err:?}");
    }

    async fn text(&self, css: &str) -> String {
        let el = self.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await;
        el.unwrap_or_else(|e| panic!("{css} not found: {e}")).text().await.expect("text")
    }

    async fn fill(&self, css: &str, value: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        el.clear().await.expect("clear");
        el.send_keys(value).await.expect("type");
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .expect("click");
    }

    async fn path(&self) -> String {
        self.client.current_url().await.expect("url").path().to_string()
    }

    async fn login(&self, app: &TestApp, user: &str, password: &str) {
        self.client.goto(&app.url("/login")).await.expect("open login");
        self.fill("input[name=username]", user).await;
        self.fill("input[name=password]", password).await;
        self.click("form[action='/login'] button[type=submit]").await;
    }

    async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_see_the_home_page_log_out() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    b.client.goto(&app.url("/offices")).await.expect("open");
    // Sent to log in first, and brought back afterwards.
    assert_eq!(b.path().await, "/login");
    b.fill("input[name=username]", "gaomiao").await;
    b.fill("input[name=password]", DEMO_PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    assert!(b.text("main h1").await.contains("政协工作办公室"));
    assert_eq!(b.path().await, "/offices");
    b.click("nav.main-nav a[href='/']").await;
    assert_eq!(b.text("#welcome").await, "您好，刘晓燕");
    assert_eq!(b.text("#role").await, "工作办公室人员");
    assert!(b.text("ul.tiles").await.contains("高庙乡"));
    b.click("header form[action='/logout'] button").await;
    assert!(b.text("main h1").await.contains("登录"));
    b.client.goto(&app.url("/")).await.expect("open home");
    assert_eq!(b.path().await, "/login", "logged out for real");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_passwords_lock_the_account() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    for _ in 0..4 {
        b.login(&app, "member", "Not-the-password-1").await;
        assert!(b.text("#login-error").await.contains("用户名或密码错误"));
    }
    b.login(&app, "member", "Not-the-password-1").await;
    assert!(b.text("#login-error").await.contains("已被锁定"));
    b.login(&app, "member", DEMO_PASSWORD).await;
    assert!(b.text("#login-error").await.contains("已被锁定"), "locked even with the right password");
    assert_eq!(b.path().await, "/login");
    b.close().await;
}
