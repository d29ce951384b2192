//! Issue 20's online consultation on a phone: the office opens a consultation
//! online to residents → a resident comments on the public page and is told
//! it waits for review → the office sees it held and publishes it → the
//! public page shows it, the resident's name masked.

use diesel::prelude::*;
use xieshang::kernel::db::schema::online_comments;

use super::Browser;
use crate::support::{DEMO_PASSWORD, Kind, TestApp, post_ok};

const TITLE: &str = "社区助餐点选址网络议政";
const SAID: &str = "希望助餐点设在菜市场附近，老人买菜吃饭都方便。";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_s_comment_is_held_then_published() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    // An approved topic of 高庙乡, as the consultations journey leaves one.
    let staff = app.login_as("gaomiao").await;
    let id = crate::consultations::propose(&staff, &[("title", TITLE)]).await;
    post_ok(&staff, &format!("/consultations/{id}/decide"), &[("decision", "approve")]).await;
    let b = Browser::start().await;

    // The office opens it online for a week (the form's default), residents welcome.
    b.login(&app, "gaomiao", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&format!("/consultations/{id}"))).await.expect("consultation");
    b.click("#online-link").await;
    b.click_no_wait("#online-form input[name=residents]").await;
    b.click("#online-form button[type=submit]").await;
    assert_eq!(b.text("#online-phase").await, "进行中");
    b.shot("online-opened").await;
    b.click("header form[action='/logout'] button").await;

    // A resident finds it from the box and comments.
    b.client.goto(&app.url("/box/hubin")).await.expect("box");
    b.click("#online-link").await;
    b.click(&format!("a[href='/box/hubin/online/{id}']")).await;
    b.fill("#public-comment-form textarea[name=body]", SAID).await;
    b.fill("#public-comment-form input[name=name]", "李桂芳").await;
    b.click("#public-comment-form button[type=submit]").await;
    assert!(b.text("#comment-sent").await.contains("审核后公开"));
    assert!(!b.text("#comments").await.contains(SAID), "held until staff publish it");
    b.shot("online-comment-held").await;

    // The office sees it waiting, and publishes it.
    b.login(&app, "gaomiao", DEMO_PASSWORD).await;
    b.client.goto(&app.url("/consultations/online")).await.expect("list");
    assert!(b.text(&format!("#held-{id}")).await.contains("待审核 1"));
    b.click(&format!("a[href='/consultations/{id}/online']")).await;
    let comment: i64 = app
        .db
        .read_blocking(|c| {
            Ok(online_comments::table.filter(online_comments::body.eq(SAID)).select(online_comments::id).first(c)?)
        })
        .expect("the comment");
    assert_eq!(b.text(&format!("#status-{comment}")).await, "待审核");
    assert!(b.text(&format!("#comment-{comment}")).await.contains("李**"));
    b.click(&format!("#moderate-{comment} button[value=publish]")).await;
    assert_eq!(b.text(&format!("#status-{comment}")).await, "已公开");
    b.click("header form[action='/logout'] button").await;

    // The public page shows it, the name masked.
    b.client.goto(&app.url(&format!("/box/hubin/online/{id}"))).await.expect("public page");
    let shown = b.text(&format!("#comment-{comment}")).await;
    assert!(shown.contains(SAID) && shown.contains("李**") && !shown.contains("李桂芳"), "{shown}");
    b.shot("online-comment-published").await;
    b.close().await;
}
