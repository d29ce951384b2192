//! The edge of the web app: NUL bytes refused before any handler, hostile
//! page numbers, security headers, cross-site posts, and who may read
//! `/metrics`. Each runs on SQLite and PostgreSQL.

use diesel::prelude::*;
use xieshang::kernel::db::schema::{
    activities, audit_log, consultations, members, opinion_events, opinion_reports, opinions, sectors, users,
};

use crate::on_both_databases;
use crate::support::{Client, TestApp, location, post_to_box};

const NUL_PAGE: &str = "提交的内容含有无法识别的控制字符（NUL），请删除后重试。";

/// A small real PNG: its header holds NUL bytes.
fn png() -> Vec<u8> {
    let out = crate::support::png();
    assert!(out.contains(&0));
    out
}

/// Rows in the tables the forms below would write to, and the audit log.
fn counts(app: &TestApp) -> Vec<i64> {
    app.db
        .read_blocking(|c| {
            Ok(vec![
                opinions::table.count().get_result(c)?,
                opinion_events::table.count().get_result(c)?,
                members::table.count().get_result(c)?,
                sectors::table.count().get_result(c)?,
                activities::table.count().get_result(c)?,
                consultations::table.count().get_result(c)?,
                opinion_reports::table.count().get_result(c)?,
                users::table.count().get_result(c)?,
                audit_log::table.count().get_result(c)?,
            ])
        })
        .expect("counts")
}

/// A refused request: the 400 page with the Chinese message.
async fn assert_nul_page(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), 400, "{what}");
    let body = r.text().await.expect("body");
    assert!(body.contains(NUL_PAGE), "{what}: {body}");
}

async fn nul_everywhere(app: TestApp) {
    // Signing in is audited: before the counts.
    let admin = app.login_as("admin").await;
    let sysadmin = app.login_as("sysadmin").await;
    let before = counts(&app);
    let resident = app.client();
    // The public box, without and with a photo; the photo's bytes hold NULs
    // of their own (a PNG's header does), which are fine.
    let fields = [("body", "路灯坏了\0"), ("name", "张三"), ("phone", "13800000000")];
    assert_nul_page(post_to_box(&resident, &fields, None).await, "box").await;
    assert_nul_page(post_to_box(&resident, &fields, Some(&png())).await, "box with photo").await;
    let named = [("body", "路灯坏了"), ("name", "张\0三")];
    assert_nul_page(post_to_box(&resident, &named, Some(&png())).await, "box, name").await;
    // Login, a tracking address, query strings.
    assert_nul_page(resident.login("admin\0", "x").await, "login").await;
    assert_nul_page(resident.get("/track/ABC%00DEF").await, "track path").await;
    assert_nul_page(resident.get("/track?code=ABC%00").await, "track query").await;
    assert_nul_page(resident.get("/box/hubin/results?page=1%00").await, "results query").await;
    assert_nul_page(resident.get("/box/hubin?office=%FF").await, "not UTF-8").await;

    // Staff forms: each refused at the edge, nothing written.
    let staff_forms: [(&str, &[(&str, &str)]); 15] = [
        ("/sectors", &[("name", "新界别\0")]),
        ("/sectors/1", &[("name", "\0")]),
        ("/members", &[("name", "王\0五"), ("gender", "男")]),
        ("/members/1", &[("name", "王五\0")]),
        ("/offices/1", &[("name", "高庙乡\0")]),
        ("/offices/1/staffers", &[("name", "李四\0"), ("phone", "13900000000")]),
        ("/offices/1/localities", &[("name", "新村\0")]),
        ("/opinions", &[("body", "意见\0"), ("source", "phone")]),
        ("/opinions/1/act", &[("action", "note"), ("note", "备注\0")]),
        ("/opinions/bulk", &[("action", "assign\0")]),
        ("/activities", &[("title", "调研\0"), ("kind", "research")]),
        ("/consultations", &[("title", "议题\0")]),
        ("/opinions/reports", &[("case", "1"), ("title", "标题\0")]),
        ("/calendar/days", &[("day", "2026-10-01"), ("kind", "holiday"), ("name", "国庆\0")]),
        ("/account/password", &[("current", "x\0"), ("new", "y"), ("confirm", "y")]),
    ];
    for (path, fields) in staff_forms {
        assert_nul_page(admin.post_form(path, fields).await, path).await;
    }
    assert_nul_page(sysadmin.post_form("/admin/users", &[("username", "new\0user")]).await, "accounts").await;
    // JSON, as a script would send it.
    let json = admin
        .http
        .post(format!("{}/opinions/bulk", admin.base))
        .header("content-type", "application/json")
        .body(r#"{"action":"a\u0000b"}"#)
        .send()
        .await
        .expect("POST");
    assert_nul_page(json, "json").await;
    assert_eq!(counts(&app), before, "nothing written");

    // The same form without the NUL goes through: it was the NUL.
    let r = admin.post_form("/sectors", &[("name", "新界别")]).await;
    assert_eq!(r.status(), 303);
    let r =
        post_to_box(&resident, &[("body", "向阳路口的路灯不亮了，晚上很黑。"), ("name", "张三")], Some(&png())).await;
    assert_eq!(r.status(), 303, "a photo with NUL bytes in it is fine");
    assert!(location(&r).starts_with("/track/"));
}

/// Every list address with every hostile number: an answer, never a 500.
async fn hostile_numbers(app: TestApp) {
    let admin = app.login_as("admin").await;
    let member = app.login_as("member").await;
    let resident = app.client();
    let numbers =
        ["9223372036854775807", "-9223372036854775808", "99999999999999999999999", "2147483648", "0", "-1", "1e9", ""];
    let lists = [
        (&resident, "/box/hubin/results?page="),
        (&admin, "/members?page="),
        (&admin, "/members?q=王&page="),
        (&admin, "/opinions?before="),
        (&admin, "/audit?before="),
        (&admin, "/calendar?year="),
        (&admin, "/activities?year="),
        (&admin, "/activities/export.xlsx?year="),
        (&admin, "/opinions/reports?year="),
        (&admin, "/members/1/reports?year="),
        (&admin, "/members/1/duty.xlsx?year="),
        (&admin, "/members/1/duty.docx?year="),
        (&member, "/members?page="),
    ];
    for (client, list) in lists {
        for n in numbers {
            let path = format!("{list}{n}");
            let r = client.get(&path).await;
            assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
        }
    }
    // Dates at chrono's ends in every date filter: refused with a message, never a 500.
    for filter in [
        "/opinions?from=",
        "/opinions?to=",
        "/activities?to=",
        "/consultations?held_to=",
        "/consultations/items?closed_to=",
    ] {
        for d in ["262143-12-31", "-262143-01-01", "0000-01-01", "99999-01-01"] {
            let path = format!("{filter}{d}");
            let r = admin.get(&path).await;
            assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
        }
    }
    // The far pages are empty pages of the list, not errors.
    let (status, _) = admin.get_text("/members?page=9223372036854775807").await;
    assert_eq!(status, 200);
    let (status, _) = resident.get_text("/box/hubin/results?page=9223372036854775807").await;
    assert_eq!(status, 200);
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

async fn security_headers(app: TestApp) {
    let resident = app.client();
    let admin = app.login_as("admin").await;
    let pages: [(&Client, &str); 5] = [
        (&resident, "/box/hubin"),
        (&resident, "/login"),
        (&resident, "/track"),
        (&admin, "/opinions"),
        (&admin, "/members"),
    ];
    for (client, path) in pages {
        let r = client.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let csp = header(&r, "content-security-policy");
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe-inline"), "{path}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&r, "x-frame-options"), "DENY", "{path}");
        assert!(header(&r, "permissions-policy").contains("camera=()"), "{path}");
        assert_eq!(header(&r, "cross-origin-opener-policy"), "same-origin", "{path}");
        assert_eq!(header(&r, "cache-control"), "no-store", "{path}");
        assert_eq!(header(&r, "strict-transport-security"), "", "no TLS here");
        let referrer =
            if matches!(path, "/login" | "/track") { "same-origin" } else { "strict-origin-when-cross-origin" };
        assert_eq!(header(&r, "referrer-policy"), referrer, "{path}");
        // No inline script or style left for the policy to block.
        let html = r.text().await.expect("body");
        assert!(!html.contains("<script>") && !html.contains("<style") && !html.contains("style=\""), "{path}");
    }
    // Static assets keep their caching, and get the headers too.
    let r = resident.get("/static/app.css").await;
    assert_eq!(header(&r, "cache-control"), "public, max-age=3600");
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    // A poster page styles itself from a file now.
    let office = app.office_id("高庙乡");
    let (status, html) = admin.get_text(&format!("/posters/home/{office}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("/static/poster.css") && !html.contains("<style"));
    assert_eq!(resident.get("/static/poster.css").await.status(), 200);
}

async fn hsts_behind_tls(app: TestApp) {
    let r = app.client().get("/login").await;
    assert_eq!(header(&r, "strict-transport-security"), "max-age=31536000");
}

async fn cross_site_posts(app: TestApp) {
    let admin = app.login_as("admin").await;
    let before = counts(&app);
    let token = admin.csrf().await;
    let post = |headers: &[(&'static str, &'static str)]| {
        let mut req =
            admin.http.post(format!("{}/sectors", admin.base)).form(&[("_csrf", token.as_str()), ("name", "跨站界别")]);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
    };
    let r = post(&[("sec-fetch-site", "cross-site")]).await.expect("POST");
    assert_eq!(r.status(), 403);
    assert!(r.text().await.expect("body").contains("这个请求来自其他网站，已被拒绝"));
    let r = post(&[("origin", "https://evil.example")]).await.expect("POST");
    assert_eq!(r.status(), 403);
    let r = post(&[("origin", "null")]).await.expect("POST");
    assert_eq!(r.status(), 403);
    assert_eq!(counts(&app), before, "nothing written");
    // The site's own pages, and clients that send neither header, pass.
    let own = format!("http://{}", app.addr);
    let r = admin
        .http
        .post(format!("{}/sectors", admin.base))
        .header("origin", own)
        .header("sec-fetch-site", "same-origin")
        .form(&[("_csrf", token.as_str()), ("name", "本站界别")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 303);
    assert_eq!(admin.post_form("/sectors", &[("name", "无头界别")]).await.status(), 303);
    // Reading is never refused: a link from another site still opens a page.
    let r = admin.http.get(format!("{}/opinions", admin.base)).header("sec-fetch-site", "cross-site").send().await;
    assert_eq!(r.expect("GET").status(), 200);
}

async fn metrics_need_the_token(app: TestApp) {
    let c = app.client();
    assert_eq!(c.get("/metrics").await.status(), 404);
    let with = |token: &str| {
        c.http.get(format!("{}/metrics", c.base)).header("authorization", format!("Bearer {token}")).send()
    };
    assert_eq!(with("wrong").await.expect("GET").status(), 404);
    let r = with("s3cret-scrape-token").await.expect("GET");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("body").contains("http_requests_total"));
}

async fn metrics_hidden_without_a_token(app: TestApp) {
    let c = app.client();
    assert_eq!(c.get("/metrics").await.status(), 404);
    let r = c.http.get(format!("{}/metrics", c.base)).header("authorization", "Bearer ").send().await;
    assert_eq!(r.expect("GET").status(), 404, "an empty token opens nothing");
}

async fn metrics_on_their_own_address(app: TestApp) {
    // What `metrics_listen` serves.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = xieshang::app::metrics_router(app.state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    // The statements run so far (every test's, in this process): a page
    // view that reads the database moves the count on.
    let statements = || async {
        let r = reqwest::get(format!("http://{addr}/metrics")).await.expect("GET");
        assert_eq!(r.status(), 200);
        let text = r.text().await.expect("body");
        assert!(text.contains("http_requests_total"));
        text.lines()
            .find_map(|l| l.strip_prefix("xieshang_db_statements_total "))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .expect("the statement count")
    };
    let before = statements().await;
    assert_eq!(app.client().get("/box/hubin").await.status(), 200);
    assert!(statements().await > before, "the box's page read the database");
}

/// PostgreSQL's connections are not tried at every checkout: one whose server
/// side went away (a restart, a proxy's timeout) fails the statement that
/// meets it and then leaves the pool, which recovers instead of failing on
/// that connection for good.
async fn a_lost_connection_leaves_the_pool(app: TestApp) {
    use diesel::RunQueryDsl;
    if app.db.backend != xieshang::kernel::db::Backend::Postgres {
        return;
    }
    let ping = || app.db.read(xieshang::kernel::db::ping);
    // Open the pool's connections, then end every one but the asking one.
    let opened = futures_util::future::join_all((0..4).map(|_| ping())).await;
    assert!(opened.iter().all(Result::is_ok));
    app.db
        .read(|c| {
            diesel::sql_query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .execute(c)?;
            Ok(())
        })
        .await
        .expect("end the other connections");
    let mut answers = vec![];
    for _ in 0..12 {
        answers.push(ping().await.is_ok());
    }
    assert!(answers.iter().filter(|ok| !**ok).count() <= 4, "one failure at most per lost connection: {answers:?}");
    assert!(answers[8..].iter().all(|ok| *ok), "the pool recovered: {answers:?}");
}

on_both_databases!(
    nul_everywhere,
    hostile_numbers,
    security_headers,
    cross_site_posts,
    metrics_hidden_without_a_token,
    a_lost_connection_leaves_the_pool
);

mod with_config {
    use super::*;
    use crate::support::Kind;

    async fn each(kind: Kind) {
        let Some(app) = TestApp::spawn_with(kind, |c| c.metrics_token = Some("s3cret-scrape-token".into())).await
        else {
            return;
        };
        metrics_need_the_token(app).await;
        let Some(app) = TestApp::spawn(kind).await else { return };
        metrics_on_their_own_address(app).await;
        let Some(app) = TestApp::spawn_with(kind, |c| c.secure_cookies = true).await else { return };
        hsts_behind_tls(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        each(Kind::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        each(Kind::Postgres).await;
    }
}
