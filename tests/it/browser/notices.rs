//! Issue 18's notice journey on a phone: the district writes an internal
//! notice to every office with a reply date and publishes it → an office
//! sees it unread on its home, opens it and replies → the district sees
//! who has read and replied.

use super::Browser;
use crate::support::{DEMO_PASSWORD, Kind, TestApp};

const TITLE: &str = "关于报送年度履职工作总结的通知";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_district_s_notice_is_read_and_answered() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    let by = (xieshang::kernel::time::today() + chrono::Duration::days(7)).to_string();

    b.login(&app, "admin", DEMO_PASSWORD).await;
    b.client.goto(&app.url("/notices")).await.expect("notices");
    b.click("#new-notice").await;
    b.fill("#notice-form input[name=title]", TITLE).await;
    b.fill("#notice-form textarea[name=body]", "请于月底前报送。").await;
    b.click_no_wait("#notice-form input[name=all_offices]").await;
    b.client
        .execute(&format!("document.querySelector('#notice-form input[name=reply_by]').value = '{by}'"), vec![])
        .await
        .expect("the reply date");
    b.click("#notice-form button[type=submit]").await;
    assert_eq!(b.text("#notice-title").await, TITLE);
    b.click("#publish").await;
    assert!(b.text("#receipt-counts").await.starts_with("已读 0 /"));
    b.shot("notice-published").await;
    b.click("header form[action='/logout'] button").await;

    // The office: one unread notice on its home, opened and answered.
    b.login(&app, "gaomiao", DEMO_PASSWORD).await;
    assert!(b.text("#q-unread_notices").await.contains('1'));
    b.click("#q-unread_notices a").await;
    b.client.find(fantoccini::Locator::LinkText(TITLE)).await.expect("the notice listed").click().await.expect("open");
    assert!(b.text("#reply-by").await.contains(&by));
    b.fill("#my-reply textarea[name=reply]", "已收到，将按时报送。").await;
    b.click("#my-reply button[type=submit]").await;
    assert!(b.text("#my-reply-text").await.contains("已收到，将按时报送。"));
    b.shot("notice-replied").await;
    b.click("header form[action='/logout'] button").await;

    // The district sees who read and replied.
    b.login(&app, "admin", DEMO_PASSWORD).await;
    b.client.goto(&app.url("/notices")).await.expect("notices");
    b.client.find(fantoccini::Locator::LinkText(TITLE)).await.expect("issued").click().await.expect("open");
    let counts = b.text("#receipt-counts").await;
    assert!(counts.starts_with("已读 1 /") && counts.contains("已回执 1 /"), "{counts}");
    assert!(b.text("#receipts").await.contains("已收到，将按时报送。"));
    b.close().await;
}
