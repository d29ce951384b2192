//! Issue 20's proposal journey on a phone: a member drafts a proposal from
//! a case they see and submits it → staff accept and assign it → the unit
//! signs and answers with its letter → the member rates the answer.

use fantoccini::Locator;

use super::Browser;
use crate::support::{DEMO_PASSWORD, Kind, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_from_a_case_to_a_rated_answer() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    let set = |css: &str, v: String| format!("document.querySelector('{css}').value = '{v}'");

    let code = app.heard_case("张丽华", "村道坑洼多，雨后积水，电动车常摔倒。");
    b.login(&app, "member", DEMO_PASSWORD).await;
    b.client.goto(&app.url("/opinions")).await.expect("my cases");
    b.client
        .find(Locator::Css(&format!("main a[href='/opinions/{}']", app.opinion_id(&code))))
        .await
        .expect("the case she heard")
        .click()
        .await
        .expect("open the case");
    b.click("#to-proposal").await;
    assert!(b.path().await.starts_with("/proposals/new"));
    let grounds = b
        .client
        .execute("return document.querySelector('#proposal-form textarea[name=grounds]').value", vec![])
        .await
        .expect("grounds");
    assert!(grounds.as_str().is_some_and(|g| !g.is_empty()), "the case's words are the grounds");
    b.fill("#proposal-form input[name=title]", "关于完善农村道路养护机制的建议").await;
    b.fill("#proposal-form textarea[name=suggestions]", "建立村道日常养护责任制。").await;
    b.click("#proposal-form button[type=submit]").await;
    b.click("#submit-proposal").await;
    assert!(b.text("#proposal-status").await.contains("待审查"));
    let proposal = b.path().await;
    b.shot("proposal-submitted").await;
    b.click("header form[action='/logout'] button").await;

    b.login(&app, "admin", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&proposal)).await.expect("the proposal");
    b.click("#accept-proposal").await;
    assert_eq!(b.text("#proposal-number").await, "第3号");
    let housing = app.department_id("区住房和城乡建设局");
    b.client.execute(&set("#assign-form select[name=lead]", housing.to_string()), vec![]).await.expect("lead");
    b.click("#assign-proposal").await;
    assert!(b.text("#lead-unit").await.contains("区住房和城乡建设局"));
    b.click("header form[action='/logout'] button").await;

    b.login(&app, "dept", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&proposal)).await.expect("the proposal");
    b.click("#sign-proposal").await;
    b.fill("#answer-form textarea[name=answer]", "已将村道养护纳入年度计划。").await;
    let dir = tempfile::tempdir().expect("dir");
    let letter = dir.path().join("答复函.png");
    std::fs::write(&letter, crate::org::PNG).expect("letter");
    let file = b.client.find(Locator::Css("#answer-form input[type=file]")).await.expect("file input");
    file.send_keys(&letter.to_string_lossy()).await.expect("choose the letter");
    b.click("#answer-proposal").await;
    assert!(b.text("#answer").await.contains("答复函.png"));
    b.click("header form[action='/logout'] button").await;

    b.login(&app, "member", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&proposal)).await.expect("the proposal");
    assert!(b.text("#answer-text").await.contains("村道养护"));
    b.client
        .execute("document.querySelector('#rate-form input[value=satisfied]').checked = true", vec![])
        .await
        .expect("rating");
    b.click("#rate-proposal").await;
    assert_eq!(b.text("#rating").await, "满意");
    b.shot("proposal-rated").await;
    b.close().await;
}
