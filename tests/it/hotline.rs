//! The 12345 hotline exchange on both databases, against a fake hotline on a
//! local port: its work orders come in once per number and every public step
//! goes back to it (retried when it is down); staff forward a case and the
//! hotline's number for it is kept.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use diesel::prelude::*;
use serde_json::{Value, json};
use xieshang::config::Config;
use xieshang::kernel::db::schema::{jobs, outbox};
use xieshang::kernel::jobs::{Registry, Worker};

use crate::support::{Kind, TestApp, assign_to_department, post_ok, submit_opinion};

/// What the fake hotline saw at each path, and the statuses it answers next.
#[derive(Default)]
struct Fake {
    seen: Vec<(String, Value, Option<String>)>,
    answers: Vec<StatusCode>,
}

async fn fake_hotline() -> (String, Arc<Mutex<Fake>>) {
    let state = Arc::new(Mutex::new(Fake::default()));
    let shared = state.clone();
    let app = axum::Router::new().route(
        "/{path}",
        axum::routing::post(
            move |axum::extract::Path(path): axum::extract::Path<String>,
                  headers: axum::http::HeaderMap,
                  axum::Json(body): axum::Json<Value>| {
                let shared = shared.clone();
                async move {
                    let mut f = shared.lock().expect("hotline");
                    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(String::from);
                    let status = if f.answers.is_empty() { StatusCode::OK } else { f.answers.remove(0) };
                    if status == StatusCode::OK {
                        f.seen.push((path.clone(), body, auth));
                    }
                    (status, axum::Json(json!({ "order_no": "HB-F-0001" })))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("hotline") });
    (format!("http://{addr}"), state)
}

fn worker(app: &TestApp, url: &str) -> Worker {
    let cfg =
        Config { hotline_url: Some(url.into()), hotline_token: Some("hotline-s3cret".into()), ..Config::default() };
    let mut r = Registry::standard();
    xieshang::api::hotline::jobs::register(&mut r, Arc::new(xieshang::api::hotline::jobs::Hotline::from_config(&cfg)));
    Worker::new(app.db.clone(), Arc::new(r), "hotline")
}

async fn run_jobs(app: &TestApp, w: &Worker) {
    // Due now, skipping the backoff of a failed try.
    app.db
        .write(|c| {
            Ok(diesel::update(jobs::table.filter(jobs::kind.like("hotline.%").and(jobs::status.eq("queued"))))
                .set(jobs::run_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1)))
                .execute(c)?)
        })
        .await
        .expect("due");
    while w.run_once().await.expect("run") {}
}

async fn a_work_order_comes_in_once_and_its_steps_go_back(app: TestApp) {
    app.db.write(|c| Ok(diesel::delete(jobs::table).execute(c)?)).await.expect("empty the queue");
    let (url, fake) = fake_hotline().await;
    let w = worker(&app, &url);
    let t = app.api_token("hubin", "12345热线", "read,hotline", 600);
    let http = reqwest::Client::new();
    let order = json!({"order_no": "HB20261205000123", "content": "小区门口的井盖丢了，晚上有人掉进去过。",
                       "address": "湖滨区五原路18号", "caller_phone": "13700001111"});
    let send = || http.post(app.url("/api/v1/hotline/orders")).bearer_auth(&t).json(&order).send();
    let r = send().await.expect("POST");
    assert_eq!(r.status(), 201);
    let case: Value = r.json().await.expect("JSON");
    assert_eq!(case["body"], "小区门口的井盖丢了，晚上有人掉进去过。\n地址：湖滨区五原路18号");
    let r = send().await.expect("POST");
    assert_eq!(r.status(), 200, "the same order number is the same case");
    let again: Value = r.json().await.expect("JSON");
    assert_eq!(again["id"], case["id"]);
    let id = case["id"].as_i64().expect("id");

    // Staff handle it on the web; each public step goes back, the first try finding the hotline down.
    fake.lock().expect("hotline").answers = vec![StatusCode::SERVICE_UNAVAILABLE];
    let admin = app.login_as("admin").await;
    let page = post_ok(&admin, &format!("/opinions/{id}/act"), &[("action", "accept")]).await;
    assert!(page.contains("HB20261205000123"), "the case page shows the order number");
    run_jobs(&app, &w).await;
    assert!(fake.lock().expect("hotline").seen.is_empty(), "the hotline was down");
    assign_to_department(&admin, id, app.department_id("区住房和城乡建设局")).await;
    run_jobs(&app, &w).await;
    {
        let f = fake.lock().expect("hotline");
        let statuses: Vec<&str> = f.seen.iter().map(|(_, b, _)| b["status"].as_str().unwrap_or_default()).collect();
        assert_eq!(statuses, vec!["accepted", "assigned"], "both steps, each once, the retried one too");
        let (path, body, auth) = &f.seen[0];
        assert_eq!(path, "status");
        assert_eq!(body["order_no"], "HB20261205000123");
        assert_eq!(body["status_label"], "已受理");
        assert_eq!(auth.as_deref(), Some("Bearer hotline-s3cret"));
        assert!(!body.to_string().contains("13700001111"), "no caller's phone goes back");
    }
    // Each post is a delivery, the retried one with its two attempts.
    let rows: Vec<(String, i32)> = app
        .db
        .read_blocking(|c| {
            Ok(outbox::table
                .filter(outbox::channel.eq("hotline"))
                .order(outbox::id.asc())
                .select((outbox::status, outbox::attempts))
                .load(c)?)
        })
        .expect("outbox");
    assert_eq!(rows, vec![("sent".to_string(), 2), ("sent".to_string(), 1)]);
    // The hotline's order is filed with the hotline's own number: no other case found by it.
    let (_, deliveries) = admin.get_text("/deliveries").await;
    assert!(deliveries.contains("HB20261205000123") || deliveries.contains("12345"));
}

async fn staff_forward_a_case_and_the_hotline_s_number_is_kept(app: TestApp, url: String, fake: Arc<Mutex<Fake>>) {
    app.db.write(|c| Ok(diesel::delete(jobs::table).execute(c)?)).await.expect("empty the queue");
    let w = worker(&app, &url);
    let resident = app.client();
    let code = submit_opinion(&resident, &[("body", "湖滨区供暖公司收费不合理，暖气不热还加价。")]).await;
    let id = app.opinion_id(&code);
    let admin = app.login_as("admin").await;
    let (_, page) = admin.get_text(&format!("/opinions/{id}")).await;
    assert!(page.contains("id=\"hotline-form\""), "offered while a hotline is connected");
    let page = post_ok(&admin, &format!("/opinions/{id}/hotline"), &[]).await;
    assert!(page.contains("已转12345热线"), "{page}");
    run_jobs(&app, &w).await;
    let (_, page) = admin.get_text(&format!("/opinions/{id}")).await;
    assert!(page.contains("id=\"hotline-order\">HB-F-0001<"), "the hotline's number is kept");
    assert!(!page.contains("id=\"hotline-form\""));
    {
        let f = fake.lock().expect("hotline");
        let (path, body, _) = &f.seen[0];
        assert_eq!(path, "orders");
        assert_eq!(body["code"], code.as_str());
        assert_eq!(body["content"], "湖滨区供暖公司收费不合理，暖气不热还加价。");
    }
    // Forwarded once only.
    let page = post_ok(&admin, &format!("/opinions/{id}/hotline"), &[]).await;
    assert!(page.contains("已与12345热线关联"));
    assert_eq!(app.audit_count("opinion.forward_hotline"), 1);
    // Its later public steps go to the hotline under the number.
    post_ok(&admin, &format!("/opinions/{id}/act"), &[("action", "accept")]).await;
    run_jobs(&app, &w).await;
    let f = fake.lock().expect("hotline");
    assert_eq!(f.seen.len(), 2);
    assert_eq!((f.seen[1].0.as_str(), &f.seen[1].1["order_no"]), ("status", &json!("HB-F-0001")));
}

async fn without_a_hotline_nothing_is_forwarded(app: TestApp) {
    let resident = app.client();
    let code = submit_opinion(&resident, &[("body", "路口红绿灯时间太短，老人过不去。")]).await;
    let id = app.opinion_id(&code);
    let admin = app.login_as("admin").await;
    let (_, page) = admin.get_text(&format!("/opinions/{id}")).await;
    assert!(!page.contains("id=\"hotline-form\""));
    let page = post_ok(&admin, &format!("/opinions/{id}/hotline"), &[]).await;
    assert!(page.contains("尚未接入12345热线"));
    // An office's staff cannot forward another office's case either way.
    let jobs_queued: i64 = app
        .db
        .read_blocking(|c| Ok(jobs::table.filter(jobs::kind.eq("hotline.forward")).count().get_result(c)?))
        .expect("jobs");
    assert_eq!(jobs_queued, 0);
}

async fn each(kind: Kind) {
    let Some(app) = TestApp::spawn(kind).await else { return };
    a_work_order_comes_in_once_and_its_steps_go_back(app).await;
    let Some(app) = TestApp::spawn(kind).await else { return };
    without_a_hotline_nothing_is_forwarded(app).await;
    let (url, fake) = fake_hotline().await;
    let configured = url.clone();
    let Some(app) = TestApp::spawn_with(kind, |c| c.hotline_url = Some(configured)).await else { return };
    staff_forward_a_case_and_the_hotline_s_number_is_kept(app, url, fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    each(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    each(Kind::Postgres).await;
}
