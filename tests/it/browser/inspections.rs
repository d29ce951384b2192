//! Issue 18's inspection journey on a phone: the district plans an
//! inspection of 高庙乡, records its findings with one item short and a
//! rectification item → the office opens it from its list and reports the
//! item done → the district sees it done.

use super::Browser;
use crate::support::{DEMO_PASSWORD, Kind, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspection_s_rectification_is_closed_by_the_office() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    let today = xieshang::kernel::time::today();
    let set = |css: &str, v: String| format!("document.querySelector('{css}').value = '{v}'");

    b.login(&app, "admin", DEMO_PASSWORD).await;
    b.client.goto(&app.url("/inspections")).await.expect("inspections");
    let office = app.office_id("涧河街道");
    b.client.execute(&set("#plan-form select[name=office]", office.to_string()), vec![]).await.expect("office");
    b.client.execute(&set("#plan-form input[name=planned_on]", today.to_string()), vec![]).await.expect("date");
    b.fill("#plan-form input[name=inspectors]", "区政协办公室 王明").await;
    b.click("#plan-form button[type=submit]").await;
    b.client
        .find(fantoccini::Locator::Css("#inspections a[href^='/inspections/']"))
        .await
        .expect("listed")
        .click()
        .await
        .expect("open");
    b.client
        .execute(
            "document.querySelectorAll('#record-form input[value=met]').forEach(r => r.checked = true); \
             document.querySelector('#record-form input[name=result_2][value=unmet]').checked = true;",
            vec![],
        )
        .await
        .expect("findings");
    b.fill("#record-form input[name=score]", "82").await;
    b.fill("#record-form textarea[name=summary]", "制度不全，需补充。").await;
    b.click("#record-form button[type=submit]").await;
    assert_eq!(b.text("#inspection-score").await, "82");
    b.fill("#item-form textarea[name=body]", "补充完善议事制度").await;
    let due = (today + chrono::Duration::days(10)).to_string();
    b.client.execute(&set("#item-form input[name=deadline]", due), vec![]).await.expect("deadline");
    b.click("#item-form button[type=submit]").await;
    assert!(b.text("#rectifications").await.contains("补充完善议事制度"));
    let inspection = b.path().await;
    b.shot("inspection-recorded").await;
    b.click("header form[action='/logout'] button").await;

    // The office closes the item with its evidence.
    b.login(&app, "jianhe", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&inspection)).await.expect("the inspection");
    assert!(b.text("#findings").await.contains("未达到"));
    b.fill("#rectifications textarea[name=evidence]", "已制定议事规则并上墙。").await;
    b.click("#rectifications button[type=submit]").await;
    assert!(b.text("#rectifications").await.contains("已完成"));
    b.shot("rectification-done").await;
    b.click("header form[action='/logout'] button").await;

    b.login(&app, "admin", DEMO_PASSWORD).await;
    b.client.goto(&app.url(&inspection)).await.expect("the inspection");
    assert!(b.text("#rectifications").await.contains("已制定议事规则并上墙。"));
    b.close().await;
}
