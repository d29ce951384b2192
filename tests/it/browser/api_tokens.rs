//! Issue 19's journey on a phone: the sysadmin issues a token for the 12345
//! hotline, copies it once, the hotline's system calls with it and the page
//! shows it used; revoked, it stops at once. Then the district adds the
//! bureau's WeCom group robot and sends it a test message.

use super::Browser;
use crate::support::{DEMO_PASSWORD, Kind, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sysadmin_issues_a_token_and_revokes_it() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;

    b.login(&app, "sysadmin", DEMO_PASSWORD).await;
    b.client.find(fantoccini::Locator::Css("nav.main-nav a[href='/admin/api-tokens']")).await.expect("in the menu");
    b.client.goto(&app.url("/admin/api-tokens")).await.expect("tokens");
    b.fill("input[name=name]", "12345热线").await;
    b.click_no_wait("input[name=scope][value=hotline]").await;
    b.click("form[action='/admin/api-tokens'] button[type=submit]").await;
    let token = b.text("#issued-token").await;
    assert!(token.starts_with("xs_"), "{token}");
    b.shot("api-token-issued").await;

    // The hotline's system calls with it.
    let http = reqwest::Client::new();
    let r = http
        .post(app.url("/api/v1/hotline/orders"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"order_no": "HB-1", "content": "楼道灯坏了。"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 201);

    // The list shows it used, never the token again; revoked, it stops.
    b.client.goto(&app.url("/admin/api-tokens")).await.expect("tokens");
    let row = b.text("tbody tr").await;
    assert!(row.contains("12345热线") && !row.contains("尚未使用") && !row.contains(&token), "{row}");
    b.click("tbody tr form button").await;
    assert!(b.text("tbody tr").await.contains("已吊销"));
    let r = http.get(app.url("/api/v1/cases")).bearer_auth(&token).send().await.expect("GET");
    assert_eq!(r.status(), 401);
    b.click("header form[action='/logout'] button").await;

    // The district adds the bureau's work group and tries it.
    b.login(&app, "admin", DEMO_PASSWORD).await;
    b.open_menu("/robots").await;
    b.client.goto(&app.url("/robots")).await.expect("robots");
    let unit = format!("department:{}", app.department_id("区住房和城乡建设局"));
    b.client
        .execute(&format!("document.querySelector('select[name=unit]').value = '{unit}'"), vec![])
        .await
        .expect("the unit");
    b.fill("input[name=name]", "住建局工作群").await;
    b.fill("input[name=webhook]", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa-4bc4").await;
    b.click("form[action='/robots'] button[type=submit]").await;
    let listed = b.text("tbody tr").await;
    assert!(listed.contains("住建局工作群") && listed.contains("区住房和城乡建设局"), "{listed}");
    b.shot("robot-added").await;
    b.click("tbody tr form[action$='/test'] button").await;
    assert_eq!(b.path().await, "/robots");
    b.client.goto(&app.url("/deliveries")).await.expect("deliveries");
    assert!(b.text("tbody tr").await.contains("住建局工作群"));
    b.close().await;
}
