//! Each demo role on a phone: the home shows its work queue, and the first
//! count's link leads to a list with as many rows as the count said.

use super::Browser;
use crate::support::{DEMO_PASSWORD, Kind, TestApp};

/// The rows the page shows in `css` (table rows or list items).
async fn rows(b: &Browser, css: &str) -> i64 {
    let n = b
        .client
        .execute(&format!("return document.querySelectorAll({css:?}).length"), vec![])
        .await
        .expect("count rows");
    n.as_i64().expect("a number")
}

/// What the home's first count says: (its id, the number, where it leads).
async fn first_count(b: &Browser) -> (String, i64, String) {
    let v = b
        .client
        .execute(
            "const li = document.querySelector('#queue ul.queue li'); \
             return [li.id, li.querySelector('.n').textContent.trim(), li.querySelector('a').getAttribute('href')];",
            vec![],
        )
        .await
        .expect("the first count");
    let a = v.as_array().expect("three values");
    let s = |i: usize| a[i].as_str().expect("text").to_string();
    (s(0), s(1).parse().expect("a number"), s(2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_s_first_count_leads_to_its_list() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("app");
    let b = Browser::start().await;
    for (user, first) in [
        ("admin", "q-to_accept"),
        ("gaomiao", "q-to_accept"),
        ("member", "q-to_reply"),
        ("dept", "q-to_sign"),
        ("leader", "q-overdue"),
        ("sysadmin", "q-locked"),
    ] {
        b.login(&app, user, DEMO_PASSWORD).await;
        assert!(b.text("#welcome").await.starts_with("您好"), "{user}");
        let (id, n, href) = first_count(&b).await;
        assert_eq!(id, first, "{user}");
        b.shot(&format!("home-{user}")).await;
        if let Some(anchor) = href.strip_prefix('#') {
            // A list on the home itself.
            let shown = match anchor {
                "invitations" => rows(&b, "#invitations li, #consultation-invitations li").await,
                _ => rows(&b, &format!("#{anchor} li")).await,
            };
            assert!(shown >= n, "{user}: {n} counted, {shown} listed");
        } else {
            b.click(&format!("#{first} a")).await;
            let url = b.client.current_url().await.expect("url");
            assert_eq!(format!("{}?{}", url.path(), url.query().unwrap_or("")), href, "{user}: the counted filter");
            let shown = match url.path() {
                "/opinions" => rows(&b, "#inbox tbody tr").await,
                "/consultations/items" => rows(&b, "#item-list tbody tr").await,
                "/activities/coverage" => rows(&b, "#coverage tbody tr").await,
                other => panic!("{user}: an unexpected list {other}"),
            };
            assert_eq!(shown, n.min(50), "{user}: {href}");
            b.shot(&format!("list-{user}")).await;
        }
        b.click("header form[action='/logout'] button").await;
    }
    // The leader's key figures lead to the cases they count.
    b.login(&app, "leader", DEMO_PASSWORD).await;
    let received: i64 = b.text("#key-figures tbody tr td a").await.parse().expect("a number");
    b.click("#key-figures tbody tr td a").await;
    assert_eq!(b.path().await, "/opinions");
    assert_eq!(rows(&b, "#inbox tbody tr").await, received.min(50));
    b.click("header form[action='/logout'] button").await;
    // The auditor's home shows the latest entries and leads to the log.
    b.login(&app, "auditor", DEMO_PASSWORD).await;
    assert!(rows(&b, "#audit-recent li").await > 0, "logging in is audited");
    b.click("#audit-all").await;
    assert_eq!(b.path().await, "/audit");
    b.close().await;
}
