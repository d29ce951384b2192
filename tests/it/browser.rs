//! Browser journeys in headless Chromium (Debian's chromium + chromium-driver),
//! on a phone-sized window, as a convener in a village would use the app.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::support::{DEMO_PASSWORD, Kind, TestApp};

mod api_tokens;
mod archive;
mod dashboard;
mod funds;
mod homes;
mod inspections;
mod notices;
mod online;
mod proposals;
mod workbench;

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

    /// Clicks something that loads a new page, and waits until it has loaded
    /// (the old document carries a marker the new one lacks).
    async fn click(&self, css: &str) {
        self.client.execute("document.body.dataset.stale = '1'", vec![]).await.expect("mark page");
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .expect("click");
        for _ in 0..100 {
            let fresh = self
                .client
                .execute(
                    "return document.readyState === 'complete' && document.body && !document.body.dataset.stale",
                    vec![],
                )
                .await;
            if matches!(fresh, Ok(serde_json::Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no new page after clicking {css}");
    }

    /// Clicks something on the page that does not load a new one (a radio button).
    async fn click_no_wait(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .expect("click");
    }

    /// Opens the navigation menu holding the link to `href`.
    async fn open_menu(&self, href: &str) {
        let link = format!("nav.main-nav a[href='{href}']");
        self.click_no_wait(&format!("nav.main-nav li.menu:has(a[href='{href}']) summary")).await;
        let el = self.client.find(Locator::Css(&link)).await.unwrap_or_else(|e| panic!("{link}: {e}"));
        for _ in 0..50 {
            if el.is_displayed().await.unwrap_or(false) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the menu holding {href} did not open");
    }

    /// With XIESHANG_SCREENSHOTS=DIR set, saves what the phone shows now as
    /// DIR/NAME.png, for a person to look at; otherwise does nothing.
    async fn shot(&self, name: &str) {
        if let Ok(dir) = std::env::var("XIESHANG_SCREENSHOTS") {
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).expect("save screenshot");
        }
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
    b.client.goto(&app.url("/offices")).await.expect("open a staff page");
    assert_eq!(b.path().await, "/login", "logged out for real");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_ask_a_question_not_a_lock() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    for _ in 0..3 {
        b.login(&app, "member", "Not-the-password-1").await;
        assert!(b.text("#login-error").await.contains("用户名或密码错误"));
    }
    assert!(b.text("#login-challenge").await.contains("等于几"), "the question after three wrong");
    b.login(&app, "member", DEMO_PASSWORD).await;
    assert!(b.text("#login-error").await.contains("回答下面的问题"), "the question must be answered");
    assert_eq!(b.path().await, "/login");
    b.close().await;
}

/// Issue 3's journey on a phone: office staff add a locality, link a member to
/// it, tick a 六有 item with a photo, and see the compliance board change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_staff_set_up_a_point_and_a_home_item() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    b.login(&app, "gaomiao", DEMO_PASSWORD).await;
    b.open_menu("/offices").await;
    b.click("nav.main-nav a[href='/offices']").await;
    b.click("table a[href^='/offices/']").await;
    let office_path = b.path().await;

    // A new village: a gap until a member is linked.
    b.fill("#add-locality input[name=name]", "白鹤岭村").await;
    b.click("#add-locality button[type=submit]").await;
    assert!(b.text("p.flash").await.contains("村/社区已添加"));
    let gap = b.text("li.point.gap").await;
    assert!(gap.contains("白鹤岭村") && gap.contains("暂无委员联系"), "{gap}");
    assert!(gap.contains("白鹤岭村 村"), "the kind follows the name: {gap}");
    // Pick the first member in the new point's list and link them.
    let select = b.client.find(Locator::Css("li.point.gap select[name=member_id]")).await.expect("select");
    select.select_by_index(1).await.expect("choose a member");
    b.click("li.point.gap button[type=submit]").await;
    assert!(b.text("p.flash").await.contains("已建立定点联系"));
    assert!(b.client.find(Locator::Css("li.point.gap")).await.is_err(), "no gap left");
    b.shot("office").await;
    assert_eq!(b.path().await, office_path);

    // 有规章制度 with a photo.
    b.click("a[href^='/homes/']").await;
    let before = b.text("#item-rules h2").await;
    assert!(before.contains("缺失") || before.contains("未达标"), "{before}");
    let dir = tempfile::tempdir().expect("dir");
    let photo = dir.path().join("制度牌.png");
    std::fs::write(&photo, crate::org::PNG).expect("photo");
    let status = b.client.find(Locator::Css("#item-rules select[name=status]")).await.expect("status");
    status.select_by_value("met").await.expect("met");
    b.click("#item-rules .check-form button").await;
    let file = b.client.find(Locator::Css("#item-rules input[type=file]")).await.expect("file input");
    file.send_keys(&photo.to_string_lossy()).await.expect("choose photo");
    b.fill("#item-rules .evidence-form input[name=note]", "制度已上墙").await;
    b.click("#item-rules .evidence-form button").await;
    assert!(b.text("p.flash").await.contains("佐证已上传"));
    assert!(b.text("#item-rules h2").await.contains("已达标"));
    assert!(b.client.find(Locator::Css("#item-rules ul.evidence img")).await.is_ok(), "the photo shows");
    b.shot("home").await;

    // The board turns the item green and counts it.
    b.open_menu("/homes").await;
    b.click("nav.main-nav a[href='/homes']").await;
    let cell = b.client.find(Locator::Css("td[data-item=rules]")).await.expect("cell");
    assert_eq!(cell.attr("data-state").await.expect("attr").as_deref(), Some("ok"));
    assert!(b.text("#compliance-board td.met").await.starts_with('3'));
    b.shot("board").await;
    b.close().await;
}

/// Issue 4: a resident drops a concern from a phone, with a photo, through a
/// locality's QR link, and follows it with the tracking code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_submits_from_a_phone_and_follows_the_code() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let locality: i64 = app
        .db
        .read_blocking(|c| {
            use diesel::prelude::*;
            use xieshang::kernel::db::schema::localities;
            Ok(localities::table.filter(localities::name.eq("五原路社区")).select(localities::id).first(c)?)
        })
        .expect("locality");
    let b = Browser::start().await;
    b.client.goto(&app.url(&format!("/box/hubin?locality={locality}"))).await.expect("open box");
    assert!(b.text("section.box p.lead").await.contains("五原路社区"));
    b.fill("textarea[name=body]", "金河湾小区3号楼前的路灯坏了，晚上很黑，老人出门不方便。").await;
    b.fill("input[name=name]", "王秀兰").await;
    // Large print halfway through: what was typed is still there.
    b.click("#elder-toggle").await;
    let typed = b
        .client
        .execute(
            "return [document.querySelector('textarea[name=body]').value, document.querySelector('input[name=name]').value, document.documentElement.className]",
            vec![],
        )
        .await
        .expect("read the form");
    assert_eq!(typed[0], "金河湾小区3号楼前的路灯坏了，晚上很黑，老人出门不方便。", "{typed}");
    assert_eq!(typed[1], "王秀兰");
    assert!(typed[2].as_str().unwrap_or_default().contains("large"), "{typed}");
    let dir = tempfile::tempdir().expect("dir");
    let photo = dir.path().join("路灯.png");
    std::fs::write(&photo, crate::org::PNG).expect("photo");
    let file = b.client.find(Locator::Css("input[name=photo]")).await.expect("photo input");
    file.send_keys(&photo.to_string_lossy()).await.expect("choose photo");
    b.fill("input[name=phone]", "13903980001").await;
    b.shot("box").await;
    // A double tap on 提交 sends the form once.
    b.client.execute("document.body.dataset.stale = '1'", vec![]).await.expect("mark page");
    b.client
        .execute(
            "var f = document.querySelector('#box-form'); f.requestSubmit(); f.requestSubmit(); return true",
            vec![],
        )
        .await
        .expect("submit twice");
    let code = b.text("#tracking-code").await.replace(' ', "");
    let filed: i64 = app
        .db
        .read_blocking(|c| {
            use diesel::prelude::*;
            use xieshang::kernel::db::schema::opinions;
            Ok(opinions::table.filter(opinions::body.like("金河湾小区3号楼前的路灯坏了%")).count().get_result(c)?)
        })
        .expect("count");
    assert_eq!(filed, 1, "one case for one concern");
    assert_eq!(code.len(), 10, "a tracking code: {code}");
    assert!(b.text("#submitted").await.contains("提交成功"));
    b.shot("submitted").await;

    // Later, from the tracking page, with the code typed in lower case.
    b.client.goto(&app.url("/track")).await.expect("open tracking");
    b.fill("input[name=code]", &code.to_lowercase()).await;
    b.click("form[action='/track'] button").await;
    assert_eq!(b.text("#case-status").await, "已收到");
    assert!(b.text("#timeline").await.contains("已收到您的意见"));
    b.close().await;
}

/// Issue 14: a resident who knows only the site's address finds the box from
/// the front page, submits, and comes back to the case by its code, typed as
/// people type it (lower case, a space).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_goes_from_the_front_page_to_the_tracking_page() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    b.client.goto(&app.url("/")).await.expect("open the site");
    assert_eq!(b.path().await, "/", "the front page, not the login");
    assert_eq!(b.text("#to-box").await, "我要反映");
    let fits = b
        .client
        .execute("return document.documentElement.scrollWidth <= window.innerWidth", vec![])
        .await
        .expect("measure");
    assert_eq!(fits, serde_json::Value::Bool(true), "no sideways scrolling on a phone");
    b.shot("front").await;
    b.click("#to-box").await;
    assert_eq!(b.path().await, "/box/hubin");
    b.fill("textarea[name=body]", "崖底街道的公交站牌倒了，等车的人不知道在哪里上车。").await;
    b.click("#box-form button[type=submit]").await;
    let shown = b.text("#tracking-code").await;
    let code = shown.replace(' ', "");
    assert_eq!(code.len(), 10, "a tracking code: {shown}");

    // Back to the front page by the header's link; the code as noted down.
    b.click("header a.brand").await;
    assert_eq!(b.path().await, "/");
    let typed = format!("{} {}", code[..5].to_lowercase(), code[5..].to_lowercase());
    b.fill("#front-code", &typed).await;
    b.click("#front-track button[type=submit]").await;
    assert_eq!(b.path().await, format!("/track/{code}"));
    assert_eq!(b.text("#case-status").await, "已收到");
    b.shot("front-tracked").await;
    b.close().await;
}

/// Issue 4: staff triage and assign, the department signs and answers, staff
/// release the answer, the resident rates it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_assign_a_department_answers_the_resident_rates() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    b.client.goto(&app.url("/box/hubin")).await.expect("open box");
    b.fill("textarea[name=body]", "建设路与和平路路口下水道井盖丢失，很危险。").await;
    b.click("#box-form button[type=submit]").await;
    let code = b.text("#tracking-code").await.replace(' ', "");

    // 受理 and 交办 to the housing bureau.
    b.login(&app, "admin", DEMO_PASSWORD).await;
    b.client.goto(&app.url("/opinions?status=submitted")).await.expect("inbox");
    b.click("#inbox a[href^='/opinions/']").await;
    assert!(b.text("#case-body").await.contains("井盖丢失"));
    b.click("#do-accept").await;
    assert!(b.text("p.flash").await.contains("已办理"));
    let select = b.client.find(Locator::Css("#assign-form select[name=assignee]")).await.expect("assignee");
    select.select_by_label("区住房和城乡建设局").await.expect("choose the bureau");
    b.click("#assign-form button[type=submit]").await;
    assert_eq!(b.text("#assignee").await, "区住房和城乡建设局");
    let case_path = b.path().await;
    b.click("header form[action='/logout'] button").await;

    // The bureau signs for it and answers.
    b.login(&app, "dept", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&case_path)).await.expect("case");
    b.click("#do-sign").await;
    // A refused form comes back with what was typed (99 days is too many).
    b.client
        .execute("document.querySelector(\"form[action$='/extension']\").closest('details').open = true", vec![])
        .await
        .expect("open");
    b.fill("form[action$='/extension'] input[name=days]", "99").await;
    b.fill("form[action$='/extension'] input[name=reason]", "需要协调燃气公司迁改管线。").await;
    b.click("form[action$='/extension'] button[type=submit]").await;
    assert!(!b.text("p.flash.bad").await.is_empty());
    let kept = b
        .client
        .execute("return document.querySelector(\"form[action$='/extension'] input[name=reason]\").value", vec![])
        .await
        .expect("read");
    assert_eq!(kept, "需要协调燃气公司迁改管线。", "what was typed comes back");
    b.fill("#answer-form textarea[name=note]", "已补装井盖并设置警示标志，同时排查了周边井盖。").await;
    b.click("#answer-form button[type=submit]").await;
    assert_eq!(b.text("#case-status").await, "答复审核中");
    b.click("header form[action='/logout'] button").await;

    // Staff release the answer.
    b.login(&app, "admin", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&case_path)).await.expect("case");
    b.click("#do-approve").await;
    assert_eq!(b.text("#case-status").await, "已答复");
    b.click("header form[action='/logout'] button").await;

    // The resident reads the answer and rates it.
    b.client.goto(&app.url(&format!("/track/{code}"))).await.expect("track");
    assert!(b.text("#answer").await.contains("已补装井盖"));
    b.click_no_wait("#rate input[value=satisfied]").await;
    b.click("#rate button[type=submit]").await;
    assert!(b.text("p.flash").await.contains("谢谢您的评价"));
    assert_eq!(b.text("#case-status").await, "已办结");
    assert_eq!(b.text("#rating").await, "满意");
    b.shot("rated").await;
    b.close().await;
}

/// Issue 6: office staff plan a visit to a village, the member signs in on
/// their phone through the QR link, staff write the record with a photo, the
/// coverage board turns the point to held and the Home's public page shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_liaison_visit_from_plan_to_public_page() {
    use diesel::prelude::*;
    use xieshang::kernel::db::schema::{liaisons, members, members_homes, users};
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let (point, home): (i64, i64) = app
        .db
        .read_blocking(|c| {
            let m: i64 = members::table
                .inner_join(users::table.on(members::user_id.eq(users::id.nullable())))
                .filter(users::username.eq("member"))
                .select(members::id)
                .first(c)?;
            let point = liaisons::table.filter(liaisons::member_id.eq(m)).select(liaisons::locality_id).first(c)?;
            let office: i64 = members::table.find(m).select(members::office_id).first::<Option<i64>>(c)?.unwrap_or(0);
            let home =
                members_homes::table.filter(members_homes::office_id.eq(office)).select(members_homes::id).first(c)?;
            Ok((point, home))
        })
        .expect("demo point");
    let b = Browser::start().await;

    // Staff plan the visit; the point's members come ticked.
    b.login(&app, "gaomiao", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&format!("/activities/new?locality={point}"))).await.expect("plan");
    let today = (chrono::Utc::now().naive_utc() + chrono::Duration::hours(8)).format("%Y-%m-%d").to_string();
    let now = (chrono::Utc::now().naive_utc() + chrono::Duration::hours(8)).format("%H:%M").to_string();
    b.client
        .execute(
            "document.querySelector('#plan-form input[name=date]').value = arguments[0];
             document.querySelector('#plan-form input[name=time]').value = arguments[1];",
            vec![serde_json::json!(today), serde_json::json!(now)],
        )
        .await
        .expect("date");
    // The picker: the point's members first and ticked; a name search narrows
    // every group, folded ones too.
    let js = |script: &str| {
        let script = script.to_string();
        let c = b.client.clone();
        async move { c.execute(&script, vec![]).await.expect("script") }
    };
    let ticked = js("return document.querySelectorAll('#plan-form input[name=member]:checked').length").await;
    assert!(ticked.as_u64().unwrap_or(0) >= 1, "the point's members come ticked");
    let last =
        js("const l = document.querySelectorAll('#plan-form label[data-name]'); return l[l.length - 1].dataset.name")
            .await;
    let last = last.as_str().unwrap_or_default().to_string();
    b.fill("#plan-form .picker-search", &last).await;
    let shown = js("return [...document.querySelectorAll('#plan-form label[data-name]')].filter(l => !l.hidden && l.offsetParent !== null).map(l => l.dataset.name)").await;
    let shown: Vec<String> = serde_json::from_value(shown).unwrap_or_default();
    assert!(!shown.is_empty() && shown.iter().all(|n| n.contains(&last)), "{last}: {shown:?}");
    js("const s = document.querySelector('#plan-form .picker-search'); s.value = ''; s.dispatchEvent(new Event('input'));").await;
    b.click("#plan-form button[type=submit]").await;
    assert!(b.text("p.flash").await.contains("活动已安排"));
    let activity = b.path().await;
    let link = b.text("#signin-link").await;
    b.shot("activity-planned").await;
    b.click("header form[action='/logout'] button").await;

    // The member scans the code with their phone: logs in, comes back, signs in.
    b.client.goto(&link).await.expect("scan");
    b.fill("input[name=username]", "member").await;
    b.fill("input[name=password]", DEMO_PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.click("#signin-form button[type=submit]").await;
    assert!(b.text("#signed-in").await.contains("签到成功"));
    b.shot("activity-signed-in").await;
    b.click("header form[action='/logout'] button").await;

    // Staff write the record and add a photo.
    b.login(&app, "gaomiao", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&activity)).await.expect("activity");
    assert!(b.text("#attendees").await.contains("扫码签到"));
    b.fill("#record-form textarea[name=minutes]", "在村委会与群众座谈，听取了对村道硬化和饮水的意见。").await;
    b.fill("#record-form textarea[name=outcomes]", "村道硬化列入乡里明年计划。").await;
    b.click("#record-form button[type=submit]").await;
    assert!(b.text("p.flash").await.contains("活动记录已保存"));
    let dir = tempfile::tempdir().expect("dir");
    let photo = dir.path().join("座谈.png");
    std::fs::write(&photo, crate::org::PNG).expect("photo");
    let file = b.client.find(Locator::Css("#photo-form input[type=file]")).await.expect("file input");
    file.send_keys(&photo.to_string_lossy()).await.expect("choose photo");
    b.click("#photo-form button[type=submit]").await;
    assert!(b.client.find(Locator::Css("#files img.thumb")).await.is_ok(), "the photo shows");

    // The coverage board turns the point to held.
    b.client.goto(&app.url("/activities/coverage")).await.expect("board");
    let class = b
        .client
        .find(Locator::Css(&format!("#point-{point}")))
        .await
        .expect("point row")
        .attr("class")
        .await
        .expect("class");
    assert_eq!(class.as_deref(), Some("mark-held"));
    b.shot("activity-coverage").await;
    b.click("header form[action='/logout'] button").await;

    // Anyone sees it on the Members' Home page.
    b.client.goto(&app.url(&format!("/box/hubin/homes/{home}"))).await.expect("public page");
    assert!(b.text("main").await.contains("村道硬化列入乡里明年计划"));
    assert!(b.client.find(Locator::Css("article img.thumb")).await.is_ok());
    b.shot("activity-public").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consultation_from_topic_to_a_closed_item_and_the_public_page() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    b.login(&app, "gaomiao", DEMO_PASSWORD).await;

    // The office proposes a topic and approves it.
    b.client.goto(&app.url("/consultations")).await.expect("list");
    b.fill("#propose-form input[name=title]", "老旧小区加装电梯协商").await;
    b.click("#propose-form button[type=submit]").await;
    assert!(b.text("p.flash").await.contains("议题已提出"));
    let consultation = b.path().await;
    b.click("#decide-form button[value=approve]").await;
    assert!(b.text("#consultation-status").await.contains("已立项"));

    // Planning: a member invited, now, at the Members' Home.
    b.click("#plan-link").await;
    let beijing = chrono::Utc::now().naive_utc() + chrono::Duration::hours(8);
    let (today, now) = (beijing.format("%Y-%m-%d").to_string(), beijing.format("%H:%M").to_string());
    b.client
        .execute(
            "document.querySelector('#plan-form input[name=date]').value = arguments[0];
             document.querySelector('#plan-form input[name=time]').value = arguments[1];
             document.querySelector('#plan-form input[name=member]').checked = true;",
            vec![serde_json::json!(today), serde_json::json!(now)],
        )
        .await
        .expect("plan fields");
    b.fill("#plan-form input[name=place]", "高庙乡委员之家").await;
    b.click("#plan-form button[type=submit]").await;
    assert!(b.text("p.flash").await.contains("协商已安排"));

    // The record, an agreed item owned by the office, the results.
    b.fill("#record-form textarea[name=record]", "居民和委员同意分批加装电梯。").await;
    b.click("#record-form button[type=submit]").await;
    assert!(b.text("p.flash").await.contains("协商纪要已保存"));
    let deadline = (chrono::Utc::now().naive_utc() + chrono::Duration::days(60)).format("%Y-%m-%d").to_string();
    b.client
        .execute(
            "document.querySelector('#item-form input[name=deadline]').value = arguments[0];
             const s = document.querySelector('#item-form select[name=owner]');
             s.value = [...s.options].find(o => o.value.startsWith('office:') && o.text === '高庙乡').value;",
            vec![serde_json::json!(deadline)],
        )
        .await
        .expect("item fields");
    b.fill("#item-form textarea[name=body]", "首批两栋楼完成加装").await;
    b.click("#item-form button[type=submit]").await;
    assert!(b.text("p.flash").await.contains("事项已添加"));
    b.fill("#close-form textarea[name=results]", "同意分批加装电梯，首批两栋楼年内完成。").await;
    b.click("#close-form button[type=submit]").await;
    assert!(b.text("#consultation-status").await.contains("已公开成果"));
    b.shot("consultation-closed").await;

    // The office follows its item up until done.
    b.click("#items li a").await;
    b.fill("#progress-form textarea[name=note]", "首批两栋楼已开工。").await;
    b.click("#progress-form button[type=submit]").await;
    assert!(b.text("#notes").await.contains("首批两栋楼已开工"));
    b.click("#finish-form button[value=done]").await;
    assert!(b.text("#item-status").await.contains("已办结"));
    b.client.goto(&app.url(&consultation)).await.expect("consultation");
    assert!(b.text("#effective").await.contains("有实效"));
    b.click("#public-link").await;
    b.click("header form[action='/logout'] button").await;

    // Anyone sees what was agreed and what has been done.
    let id = consultation.trim_start_matches("/consultations/");
    b.client.goto(&app.url(&format!("/box/hubin/consultations/{id}"))).await.expect("public page");
    let main = b.text("main").await;
    assert!(main.contains("首批两栋楼完成加装") && main.contains("有实效") && main.contains("已办结"));
    b.shot("consultation-public").await;
    b.close().await;
}

/// Issue 14, 适老化: on a 360 px phone, in both languages, with and without
/// large type, every public page fits the screen, its text is at least 18 px
/// (larger in elder mode), no control is smaller than the text, targets are
/// at least 48 px high, and the elder toggle sits at the top. Then a district
/// staffer's grouped navigation on a 1280 px screen and on the phone, and each
/// of their pages on the phone in large type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_fit_a_phone_in_elder_mode_and_both_languages() {
    use diesel::prelude::*;
    use xieshang::kernel::db::schema::{consultations, members_homes, opinions};
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let (code, consultation, home): (String, i64, i64) = app
        .db
        .read_blocking(|c| {
            let code = opinions::table.order(opinions::id.asc()).select(opinions::code).first(c)?;
            let consultation =
                consultations::table.order(consultations::id.asc()).select(consultations::id).first(c)?;
            let home = members_homes::table.order(members_homes::id.asc()).select(members_homes::id).first(c)?;
            Ok((code, consultation, home))
        })
        .expect("demo records");
    let pages = [
        "/".to_string(),
        "/box/hubin".into(),
        "/track".into(),
        format!("/track/{code}"),
        "/track?code=NOSUCHCODE".into(),
        "/box/hubin/results".into(),
        "/box/hubin/consultations".into(),
        format!("/box/hubin/consultations/{consultation}"),
        format!("/box/hubin/homes/{home}"),
        "/login".into(),
    ];
    let b = Browser::start().await;
    b.client.set_window_size(360, 800).await.expect("phone size");
    const MEASURE: &str = r#"
        const px = el => parseFloat(getComputedStyle(el).fontSize);
        const visible = el => el.getClientRects().length > 0;
        const body = px(document.body);
        const toggle = document.querySelector('#elder-toggle').getBoundingClientRect();
        const controls = [...document.querySelectorAll('main button, main input, main select, main textarea')]
            .filter(el => visible(el) && !['hidden', 'checkbox', 'radio'].includes(el.type));
        const small = controls.filter(el => px(el) < body).map(el => el.outerHTML.slice(0, 80));
        const targets = [...document.querySelectorAll('header a.tool, main button, main input, main select, main a.button')]
            .filter(el => visible(el) && !['hidden', 'checkbox', 'radio'].includes(el.type) && !el.classList.contains('link'));
        const low = targets.filter(el => el.getBoundingClientRect().height < 47.5).map(el => el.outerHTML.slice(0, 80));
        const h1 = document.querySelector('main h1');
        return {
            width: window.innerWidth, scroll: document.documentElement.scrollWidth, body,
            h1: h1 ? px(h1) : null, small, low, submit: document.querySelector('main button[type=submit]') !== null,
            toggleTop: toggle.top, toggleHeight: toggle.height,
        };
    "#;
    let mut normal_sizes = std::collections::HashMap::new();
    for lang in ["zh-CN", "en"] {
        for large in ["off", "on"] {
            b.client.goto(&app.url(&format!("/lang/{lang}?next=/login"))).await.expect("language");
            b.client.goto(&app.url(&format!("/ui/large/{large}?next=/login"))).await.expect("elder mode");
            for (n, path) in pages.iter().enumerate() {
                b.client.goto(&app.url(path)).await.expect("open");
                let m = b.client.execute(MEASURE, vec![]).await.expect("measure");
                let at = format!("{path} ({lang}, large type {large})");
                let num = |k: &str| m[k].as_f64().unwrap_or_else(|| panic!("{at}: {k} in {m}"));
                assert_eq!(num("width"), 360.0, "{at}: the window is a phone's");
                assert!(num("scroll") <= num("width"), "{at}: {} px wide on a 360 px screen", num("scroll"));
                let body = num("body");
                if large == "off" {
                    assert!(body >= 18.0, "{at}: body text {body} px");
                    normal_sizes.insert((lang, path.clone()), body);
                } else {
                    let normal = normal_sizes[&(lang, path.clone())];
                    assert!(body > normal, "{at}: body text {body} px, {normal} px without large type");
                }
                if let Some(h1) = m["h1"].as_f64() {
                    assert!(h1 > body, "{at}: the heading ({h1} px) is larger than the text ({body} px)");
                }
                assert_eq!(m["small"], serde_json::json!([]), "{at}: controls smaller than the text ({body} px)");
                assert_eq!(m["low"], serde_json::json!([]), "{at}: touch targets under 48 px high");
                assert!(num("toggleTop") < 10.0, "{at}: the elder toggle at the top, not at {}", num("toggleTop"));
                assert!(num("toggleHeight") >= 48.0, "{at}: the elder toggle is {} px high", num("toggleHeight"));
                if path.starts_with("/box/hubin") && path.len() == "/box/hubin".len() {
                    assert_eq!(m["submit"], serde_json::json!(true), "{at}: the box has its submit button");
                }
                b.shot(&format!("public-{lang}-{large}-{n}")).await;
            }
        }
    }

    // A district staffer's navigation: nothing beyond the screen's edge, at
    // 1280 px and on the phone, each menu open in turn.
    b.client.goto(&app.url("/lang/zh-CN?next=/login")).await.expect("language");
    b.client.goto(&app.url("/ui/large/off?next=/login")).await.expect("standard type");
    b.login(&app, "admin", DEMO_PASSWORD).await;
    const NAV: &str = r#"
        const out = [];
        const check = () => document.querySelectorAll('nav.main-nav a, nav.main-nav summary').forEach(el => {
            const r = el.getBoundingClientRect();
            if (r.width > 0 && (r.right > window.innerWidth + 0.5 || r.left < 0)) out.push(el.textContent.trim());
        });
        check();
        const menus = [...document.querySelectorAll('nav.main-nav details')];
        for (const d of menus) { d.open = true; check(); d.open = false; }
        const links = document.querySelectorAll('nav.main-nav a').length;
        return { cut: out, menus: menus.length, links, scroll: document.documentElement.scrollWidth, width: window.innerWidth };
    "#;
    for lang in ["en", "zh-CN"] {
        b.client.goto(&app.url(&format!("/lang/{lang}?next=/"))).await.expect("language");
        for width in [1280, 360] {
            b.client.set_window_size(width, 800).await.expect("window size");
            b.client.goto(&app.url("/")).await.expect("home");
            let m = b.client.execute(NAV, vec![]).await.expect("measure the navigation");
            let at = format!("{width} px, {lang}");
            assert_eq!(m["cut"], serde_json::json!([]), "{at}: navigation cut off");
            assert!(m["menus"].as_u64() >= Some(4) && m["links"].as_u64() >= Some(16), "{at}: {m}");
            assert!(m["scroll"].as_f64() <= m["width"].as_f64(), "{at}: the page is wider than the screen: {m}");
            b.shot(&format!("nav-{lang}-{width}")).await;
        }
    }
    // Every page of the staffer's menus fits the phone in large type too.
    b.client.set_window_size(360, 800).await.expect("phone size");
    b.client.goto(&app.url("/ui/large/on?next=/")).await.expect("large type");
    let hrefs = b
        .client
        .execute("return [...document.querySelectorAll('nav.main-nav a')].map(a => a.getAttribute('href'))", vec![])
        .await
        .expect("the menus' links");
    let mut wide = vec![];
    for href in hrefs.as_array().expect("a list").iter().filter_map(|h| h.as_str()) {
        b.client.goto(&app.url(href)).await.expect("open");
        let w = b
            .client
            .execute("return [document.documentElement.scrollWidth, window.innerWidth]", vec![])
            .await
            .expect("widths");
        if w[0].as_f64() > w[1].as_f64() {
            wide.push(format!("{href}: {w}"));
            b.shot(&format!("wide-{}", href.replace('/', "_"))).await;
        }
    }
    assert!(wide.is_empty(), "wider than a 360 px phone in large type: {wide:?}");
    b.client.goto(&app.url("/ui/large/off?next=/")).await.expect("standard type");

    // The current page is marked in its menu and on the menu's summary.
    b.client.goto(&app.url("/opinions/stats")).await.expect("figures");
    let summary = b.client.find(Locator::Css("nav.main-nav summary.current")).await.expect("the menu is marked");
    assert!(summary.text().await.expect("text").contains("社情民意"));
    let current = b.client.find(Locator::Css("nav.main-nav a[aria-current=page]")).await.expect("the page is marked");
    assert_eq!(current.attr("href").await.expect("href").as_deref(), Some("/opinions/stats"));
    b.close().await;
}
