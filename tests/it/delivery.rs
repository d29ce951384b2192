//! Getting word to people, on both databases: urgent cases alert their handler
//! at once (not in the next morning's digest), and texts to residents go
//! through an HTTP SMS gateway — here a fake one on a local port — once each,
//! whatever the retries.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use diesel::prelude::*;
use xieshang::config::Config;
use xieshang::kernel::db::schema::{jobs, opinion_events, opinions, outbox};
use xieshang::kernel::jobs::{Registry, Worker};
use xieshang::kernel::notify::Sms;

use crate::on_both_databases;
use crate::support::{TestApp, assign_to_department, location, post_ok, submit_opinion};

on_both_databases!(an_urgent_case_alerts_its_handler_at_once, texts_go_through_the_http_gateway_once_each,);

fn urgent_alerts(app: &TestApp, id: i64) -> Vec<(String, String)> {
    let subject = format!("urgent:{id}");
    app.db
        .read_blocking(move |c| {
            Ok(outbox::table
                .filter(outbox::subject.eq(&subject))
                .select((outbox::recipient, outbox::channel))
                .load(c)?)
        })
        .expect("outbox")
}

fn is_urgent(app: &TestApp, id: i64) -> bool {
    app.db.read_blocking(move |c| Ok(opinions::table.find(id).select(opinions::urgent).first(c)?)).expect("case")
}

async fn an_urgent_case_alerts_its_handler_at_once(app: TestApp) {
    let resident = app.client();
    // A resident cannot make their own case urgent.
    let code =
        submit_opinion(&resident, &[("body", "五原路社区12号楼燃气管道有异味，怕是漏气了。"), ("urgent", "1")]).await;
    let id = app.opinion_id(&code);
    assert!(!is_urgent(&app, id));
    let (admin, dept, gaomiao) =
        (app.login_as("admin").await, app.login_as("dept").await, app.login_as("gaomiao").await);
    // A handler may not mark cases; staff may.
    let r = dept.post_form(&format!("/opinions/{id}/urgent"), &[("urgent", "1")]).await;
    assert_eq!(r.status(), 404, "the department does not see an unassigned case");
    let page = post_ok(&admin, &format!("/opinions/{id}/urgent"), &[("urgent", "1")]).await;
    assert!(page.contains("id=\"urgent-tag\"") && page.contains("标为紧急件"), "tag and timeline");
    assert!(is_urgent(&app, id));
    assert!(urgent_alerts(&app, id).is_empty(), "no handler yet, nobody to alert");
    // Assigned: the housing bureau is told at once, in its inbox.
    let housing = app.department_id("区住房和城乡建设局");
    assign_to_department(&admin, id, housing).await;
    assert_eq!(urgent_alerts(&app, id), vec![(format!("department:{housing}"), "inapp".to_string())]);
    let (_, inbox) = dept.get_text("/opinions").await;
    assert!(inbox.contains("id=\"urgent-alerts\"") && inbox.contains(&code), "the alert tops the handler's inbox");
    assert!(inbox.contains("紧急件，请立即签收办理"));
    let (_, other) = gaomiao.get_text("/opinions").await;
    assert!(!other.contains("urgent-alerts"), "another unit gets no alert");
    // Only urgent cases, when asked.
    let (_, only) = admin.get_text("/opinions?urgent=1").await;
    assert!(only.contains(&format!("id=\"case-{id}\"")));
    assert!(!only.contains("五原路社区金河湾小区老人多"), "a demo case that is not urgent is filtered out");
    // Marking it again sends nothing more; signing clears the alert from the inbox.
    post_ok(&admin, &format!("/opinions/{id}/urgent"), &[("urgent", "0")]).await;
    post_ok(&admin, &format!("/opinions/{id}/urgent"), &[("urgent", "1")]).await;
    assert_eq!(urgent_alerts(&app, id).len(), 1, "one alert per case and unit");
    post_ok(&dept, &format!("/opinions/{id}/act"), &[("action", "sign")]).await;
    let (_, inbox) = dept.get_text("/opinions").await;
    assert!(!inbox.contains("id=\"urgent-alerts\""), "signed for: the alert is done");
    // Staff can enter a paper slip as urgent; a closed case cannot be marked.
    let r = gaomiao
        .post_form("/opinions", &[("source", "paper"), ("body", "高庙村东头变压器冒烟，村民很担心。"), ("urgent", "1")])
        .await;
    assert_eq!(r.status(), 303);
    let slip: i64 = location(&r).trim_start_matches("/opinions/").parse().expect("case id");
    assert!(is_urgent(&app, slip));
    let marks: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(opinion_events::table
                .filter(opinion_events::opinion_id.eq(id).and(opinion_events::kind.eq("marked_urgent")))
                .count()
                .get_result(c)?)
        })
        .expect("events");
    assert_eq!(marks, 2);
}

/// What the fake gateway saw, and what it answers next.
#[derive(Default)]
struct Gateway {
    seen: Vec<(Option<String>, serde_json::Value)>,
    answers: Vec<StatusCode>,
    /// Requests that followed a redirect the gateway answered.
    stolen: usize,
}

async fn fake_gateway() -> (String, Arc<Mutex<Gateway>>) {
    let state = Arc::new(Mutex::new(Gateway::default()));
    let shared = state.clone();
    let thief = state.clone();
    let app = axum::Router::new()
        .route(
            "/send",
            axum::routing::post(move |headers: HeaderMap, axum::Json(body): axum::Json<serde_json::Value>| {
                let shared = shared.clone();
                async move {
                    let mut g = shared.lock().expect("gateway");
                    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(String::from);
                    g.seen.push((auth, body));
                    let answer = if g.answers.is_empty() { StatusCode::OK } else { g.answers.remove(0) };
                    (answer, [(axum::http::header::LOCATION, "/stolen")])
                }
            }),
        )
        .route(
            "/stolen",
            axum::routing::any(move || {
                let thief = thief.clone();
                async move {
                    thief.lock().expect("gateway").stolen += 1;
                    StatusCode::OK
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("gateway") });
    (format!("http://{addr}/send"), state)
}

fn gateway_registry(app: &TestApp, url: &str) -> Arc<Registry> {
    let cfg = Config {
        sms_driver: "http".into(),
        sms_gateway_url: Some(url.into()),
        sms_gateway_token: Some("s3cret".into()),
        ..Config::default()
    };
    let mut r = Registry::standard();
    let sms = Arc::new(Sms::from_config(&cfg).expect("driver"));
    xieshang::opinions::jobs::register(&mut r, app.state.personal.clone(), sms, Some("https://xs.example.cn".into()));
    Arc::new(r)
}

/// Runs every job that is due.
async fn run_jobs(w: &Worker) {
    while w.run_once().await.expect("run") {}
}

/// Makes the waiting notify jobs due now, skipping the backoff.
async fn retry_now(app: &TestApp) {
    app.db
        .write(|c| {
            Ok(diesel::update(jobs::table.filter(jobs::kind.eq("opinions.notify").and(jobs::status.ne("done"))))
                .set(jobs::run_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1)))
                .execute(c)?)
        })
        .await
        .expect("due");
}

fn texts(app: &TestApp) -> Vec<(String, String, i32)> {
    app.db
        .read_blocking(|c| {
            Ok(outbox::table
                .filter(outbox::channel.eq("sms-http"))
                .order(outbox::id.asc())
                .select((outbox::status, outbox::body, outbox::attempts))
                .load(c)?)
        })
        .expect("outbox")
}

async fn texts_go_through_the_http_gateway_once_each(app: TestApp) {
    app.db.write(|c| Ok(diesel::delete(jobs::table).execute(c)?)).await.expect("empty the queue");
    let (url, gateway) = fake_gateway().await;
    let worker = Worker::new(app.db.clone(), gateway_registry(&app, &url), "t");
    let resident = app.client();
    let code =
        submit_opinion(&resident, &[("body", "幸福路的下水道堵了一个星期，污水漫到路上。"), ("phone", "13903981234")])
            .await;
    let id = app.opinion_id(&code);
    let admin = app.login_as("admin").await;
    // The gateway is down at first: the text waits and is retried.
    gateway.lock().expect("gateway").answers = vec![StatusCode::SERVICE_UNAVAILABLE];
    post_ok(&admin, &format!("/opinions/{id}/act"), &[("action", "accept")]).await;
    run_jobs(&worker).await;
    let t = texts(&app);
    assert_eq!(t.len(), 1);
    assert_eq!((t[0].0.as_str(), t[0].2), ("failed", 1), "failed once, waiting for its retry");
    retry_now(&app).await;
    run_jobs(&worker).await;
    let t = texts(&app);
    assert_eq!(t.len(), 1, "the retry reuses the row");
    assert_eq!((t[0].0.as_str(), t[0].2), ("sent", 2));
    assert!(t[0].1.contains(&code) && t[0].1.contains("已受理"));
    {
        let g = gateway.lock().expect("gateway");
        assert_eq!(g.seen.len(), 2);
        let (auth, body) = &g.seen[1];
        assert_eq!(auth.as_deref(), Some("Bearer s3cret"));
        assert_eq!(body["to"], "13903981234", "the gateway gets the number in full");
        assert_eq!(body["id"], g.seen[0].1["id"], "the same id on every try, so the gateway can drop repeats");
        let text = body["text"].as_str().unwrap_or_default();
        assert!(text.contains(&format!("https://xs.example.cn/track/{code}")), "{text}");
    }
    // A job that ran again after the gateway accepted sends nothing more.
    retry_now(&app).await;
    app.db
        .write(|c| {
            Ok(diesel::update(jobs::table.filter(jobs::kind.eq("opinions.notify")))
                .set((jobs::status.eq("queued"), jobs::run_at.eq(chrono::Utc::now().naive_utc())))
                .execute(c)?)
        })
        .await
        .expect("requeue");
    run_jobs(&worker).await;
    assert_eq!(gateway.lock().expect("gateway").seen.len(), 2, "never twice");
    // The gateway refuses a message for good: marked failed, not retried.
    gateway.lock().expect("gateway").answers = vec![StatusCode::BAD_REQUEST];
    let housing = app.department_id("区住房和城乡建设局");
    assign_to_department(&admin, id, housing).await;
    run_jobs(&worker).await;
    let t = texts(&app);
    assert_eq!(t.len(), 2);
    assert_eq!(t[1].0, "failed", "visible to staff");
    let pending: i64 = app
        .db
        .read_blocking(|c| {
            Ok(jobs::table
                .filter(jobs::kind.eq("opinions.notify").and(jobs::status.ne("done")))
                .count()
                .get_result(c)?)
        })
        .expect("jobs");
    assert_eq!(pending, 0, "a refusal is final");
    // A gateway that redirects: the number and the token go nowhere else.
    gateway.lock().expect("gateway").answers = vec![StatusCode::TEMPORARY_REDIRECT];
    let other = submit_opinion(&resident, &[("body", "建设路的路灯坏了三盏。"), ("phone", "13903981235")]).await;
    post_ok(&admin, &format!("/opinions/{}/act", app.opinion_id(&other)), &[("action", "accept")]).await;
    run_jobs(&worker).await;
    let t = texts(&app);
    assert_eq!(t.len(), 3);
    assert_eq!(t[2].0, "failed", "a redirect is not followed and not retried");
    assert_eq!(gateway.lock().expect("gateway").stolen, 0);
}
