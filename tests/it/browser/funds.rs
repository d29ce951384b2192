//! Issue 17's journey on a phone: an activity is held → its office enters
//! the cost from the activity's page with a receipt photo and submits it →
//! the district approves → the member's duty score shows the activity →
//! the office's year-end report lists the expense with its receipt.

use fantoccini::Locator;

use super::Browser;
use crate::activity_exports::{cell, held_visit, row_with, sheet_named};
use crate::support::{DEMO_PASSWORD, Kind, TestApp};

const PURPOSE: &str = "走访活动资料印制";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_s_cost_from_receipt_to_year_end() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let v = held_visit(&app).await;
    let b = Browser::start().await;

    // The office enters the cost from the activity's page: the activity and
    // its budget line come chosen.
    b.login(&app, "gaomiao", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&format!("/activities/{}", v.id))).await.expect("activity");
    b.click("#enter-cost").await;
    let chosen = b
        .client
        .execute(
            "return [document.querySelector('#expense-form select[name=record]').value, document.querySelector('#expense-form select[name=line]').value]",
            vec![],
        )
        .await
        .expect("the form");
    assert_eq!(chosen, serde_json::json!([format!("activity:{}", v.id), "activities"]));
    b.fill("#expense-form input[name=amount]", "368.5").await;
    b.fill("#expense-form input[name=payee]", "高庙乡文印店").await;
    b.fill("#expense-form textarea[name=purpose]", PURPOSE).await;
    b.click("#expense-form button[type=submit]").await;
    assert!(b.text("#expense-amount").await.contains("叁佰陆拾捌元伍角整"), "the amount in capitals");
    let expense = b.path().await;

    // A photo of the receipt, then the submission.
    let dir = tempfile::tempdir().expect("dir");
    let photo = dir.path().join("发票.png");
    std::fs::write(&photo, crate::org::PNG).expect("photo");
    let file = b.client.find(Locator::Css("#receipt-form input[type=file]")).await.expect("file input");
    file.send_keys(&photo.to_string_lossy()).await.expect("choose photo");
    b.click("#receipt-form button[type=submit]").await;
    assert!(b.text("#receipt-list").await.contains("发票.png"));
    b.click("#do-submit").await;
    assert!(b.text("#expense-status").await.contains("待审批"));
    b.shot("expense-submitted").await;
    b.click("header form[action='/logout'] button").await;

    // The district approves it.
    b.login(&app, "admin", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&expense)).await.expect("expense");
    b.click("#do-approve").await;
    assert!(b.text("#expense-status").await.contains("已审批"));

    // The member's score shows the activity, linked to it.
    b.client.goto(&app.url(&format!("/duty/members/{}", v.present.0))).await.expect("score");
    let lines = b.text("#score-lines").await;
    assert!(lines.contains(crate::activity_exports::TITLE) && lines.contains("参加委员活动"), "{lines}");
    assert!(b.text("#member-score").await.parse::<i32>().unwrap_or(0) >= 2);
    b.shot("duty-score").await;

    // The office's year-end report, from its books page, lists the expense.
    b.client.goto(&app.url(&format!("/funds?books={}", v.office))).await.expect("books");
    let href = b.client.find(Locator::Css("#books-xlsx")).await.expect("the report link").attr("href").await;
    let href = href.expect("attr").expect("an href");
    b.close().await;
    let admin = app.login_as("admin").await;
    let f = crate::activity_exports::download(&admin, &href).await;
    assert_eq!(f.status, 200);
    let list = sheet_named(&f.bytes, "支出明细");
    let row = row_with(&list, "用途", PURPOSE).expect("the expense in the report");
    assert_eq!(cell(&row, "金额"), "368.5");
    assert_eq!(cell(&row, "状态"), "已审批");
    assert!(cell(&row, "票据").ends_with("-1 发票.png"), "{row:?}");
}
