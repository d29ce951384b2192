//! Group robots on both databases: a unit's WeCom and DingTalk groups get its
//! urgent alerts beside the in-app message, through fake robot servers on a
//! local port (DingTalk's signature checked); a busy robot is retried, a
//! refusal waits on the deliveries page until staff send it again.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query};
use diesel::prelude::*;
use serde_json::{Value, json};
use xieshang::kernel::db::schema::{jobs, outbox};
use xieshang::kernel::jobs::{Registry, Worker};

use crate::on_both_databases;
use crate::support::{TestApp, assign_to_department, post_ok, submit_opinion};

on_both_databases!(an_urgent_alert_reaches_the_unit_s_groups, a_refused_message_waits_until_sent_again);

const SECRET: &str = "SECb6e1a2c3d4e5f60718293a4b5c6d7e8f90";

/// What the fake robots saw, and the `errcode`s they answer next.
#[derive(Default)]
struct Robots {
    seen: Vec<(String, Value)>,
    answers: Vec<i64>,
    bad_signatures: usize,
}

async fn fake_robots() -> (String, Arc<Mutex<Robots>>) {
    let state = Arc::new(Mutex::new(Robots::default()));
    let shared = state.clone();
    let app = axum::Router::new().route(
        "/{kind}",
        axum::routing::post(
            move |Path(kind): Path<String>,
                  Query(q): Query<std::collections::HashMap<String, String>>,
                  axum::Json(body): axum::Json<Value>| {
                let shared = shared.clone();
                async move {
                    let mut r = shared.lock().expect("robots");
                    if kind == "dingtalk" {
                        let ts: i64 = q.get("timestamp").and_then(|t| t.parse().ok()).unwrap_or_default();
                        let want = xieshang::kernel::notify::robots::model::dingtalk_sign(SECRET, ts);
                        if q.get("sign") != Some(&want) {
                            r.bad_signatures += 1;
                            return axum::Json(json!({"errcode": 310000, "errmsg": "sign not match"}));
                        }
                    }
                    r.seen.push((kind, body));
                    let code = if r.answers.is_empty() { 0 } else { r.answers.remove(0) };
                    axum::Json(json!({"errcode": code, "errmsg": if code == 0 { "ok" } else { "no" }}))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("robots") });
    (format!("http://{addr}"), state)
}

fn worker(app: &TestApp) -> Worker {
    let mut r = Registry::standard();
    xieshang::kernel::notify::robots::register(&mut r, app.state.personal.clone());
    Worker::new(app.db.clone(), Arc::new(r), "robots")
}

async fn run_jobs(w: &Worker) {
    while w.run_once().await.expect("run") {}
}

async fn retry_now(app: &TestApp) {
    app.db
        .write(|c| {
            Ok(diesel::update(jobs::table.filter(jobs::kind.eq("notify.robot").and(jobs::status.eq("queued"))))
                .set(jobs::run_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1)))
                .execute(c)?)
        })
        .await
        .expect("due");
}

/// The robots' deliveries: (channel, status, attempts, body).
fn deliveries(app: &TestApp) -> Vec<(String, String, i32, String)> {
    app.db
        .read_blocking(|c| {
            Ok(outbox::table
                .filter(outbox::channel.eq_any(["wecom", "dingtalk"]))
                .order(outbox::id.asc())
                .select((outbox::channel, outbox::status, outbox::attempts, outbox::body))
                .load(c)?)
        })
        .expect("outbox")
}

async fn an_urgent_alert_reaches_the_unit_s_groups(app: TestApp) {
    app.db.write(|c| Ok(diesel::delete(jobs::table).execute(c)?)).await.expect("empty the queue");
    let (base, robots) = fake_robots().await;
    let w = worker(&app);
    let admin = app.login_as("admin").await;
    let housing = app.department_id("区住房和城乡建设局");
    let unit = format!("department:{housing}");
    let wecom = format!("{base}/wecom?key=693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa");
    let dingtalk = format!("{base}/dingtalk?access_token=abcdef0123456789");
    post_ok(&admin, "/robots", &[("unit", &unit), ("kind", "wecom"), ("name", "住建局工作群"), ("webhook", &wecom)])
        .await;
    let page = post_ok(
        &admin,
        "/robots",
        &[("unit", &unit), ("kind", "dingtalk"), ("name", "住建局钉钉群"), ("webhook", &dingtalk), ("secret", SECRET)],
    )
    .await;
    // Listed with the start of the key only; the secret never shown.
    assert!(page.contains("住建局工作群") && page.contains("住建局钉钉群") && page.contains("已加签"));
    assert!(!page.contains("0ec2sifa5aaa") && !page.contains(SECRET));
    assert_eq!(app.audit_count("robot.add"), 2);

    // An office's staff see their own office only, and cannot add for a department.
    let gaomiao = app.login_as("gaomiao").await;
    let (s, own) = gaomiao.get_text("/robots").await;
    assert_eq!(s, 200);
    assert!(!own.contains("住建局工作群") && !own.contains(&format!("value=\"{unit}\"")));
    let r =
        gaomiao.post_form("/robots", &[("unit", &unit), ("kind", "wecom"), ("name", "x"), ("webhook", &wecom)]).await;
    assert_eq!(r.status(), 403);
    let (_, after) = admin.get_text("/robots").await;
    assert!(!after.contains(">x<"), "nothing added for a unit the office does not manage");

    // An urgent case assigned to the bureau: both groups are told, DingTalk
    // after a busy first answer.
    robots.lock().expect("robots").answers = vec![0, 130101];
    let resident = app.client();
    let code = submit_opinion(&resident, &[("body", "五原路社区12号楼燃气管道有异味，怕是漏气了。")]).await;
    let id = app.opinion_id(&code);
    post_ok(&admin, &format!("/opinions/{id}/urgent"), &[("urgent", "1")]).await;
    assign_to_department(&admin, id, housing).await;
    run_jobs(&w).await;
    let d = deliveries(&app);
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d.iter().all(|(_, _, _, body)| body.contains(&code)));
    let by = |ch: &str| d.iter().find(|x| x.0 == ch).cloned().expect("row");
    assert_eq!((by("wecom").1.as_str(), by("wecom").2), ("sent", 1));
    assert_eq!((by("dingtalk").1.as_str(), by("dingtalk").2), ("failed", 1), "busy: waits for its retry");
    retry_now(&app).await;
    run_jobs(&w).await;
    let d = deliveries(&app);
    assert_eq!(d.iter().find(|x| x.0 == "dingtalk").map(|x| (x.1.as_str(), x.2)), Some(("sent", 2)));
    {
        let r = robots.lock().expect("robots");
        assert_eq!(r.bad_signatures, 0, "every DingTalk call signed");
        assert_eq!(r.seen.len(), 3);
        let (kind, body) = &r.seen[0];
        assert_eq!(body["msgtype"], "text");
        assert!(body["text"]["content"].as_str().unwrap_or_default().contains(&code), "{kind}: {body}");
    }
    // The resident's words stay in the app: the groups get the code and the deadline.
    assert!(d.iter().all(|(_, _, _, body)| !body.contains("燃气管道")), "{d:?}");
    // The morning digest reaches the groups too (Monday 2026-12-07, 08:00 in Beijing).
    let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("time");
    let written = app.db.write(move |c| xieshang::opinions::jobs::digest(c, at)).await.expect("digest");
    assert!(written > 0);
    let digests: Vec<String> = app
        .db
        .read_blocking(|c| {
            Ok(outbox::table
                .filter(outbox::channel.eq_any(["wecom", "dingtalk"]).and(outbox::subject.like("digest:%")))
                .select(outbox::channel)
                .load(c)?)
        })
        .expect("outbox");
    assert_eq!(digests.len(), 2, "both of the bureau's groups: {digests:?}");
    run_jobs(&w).await;
    assert_eq!(robots.lock().expect("robots").seen.len(), 5);
    // Nothing is sent twice.
    run_jobs(&w).await;
    assert_eq!(robots.lock().expect("robots").seen.len(), 5);

    // Stopped: the next alert goes in-app only.
    let robot_id: i64 = app
        .db
        .read_blocking(|c| {
            use xieshang::kernel::db::schema::robots;
            Ok(robots::table.filter(robots::kind.eq("wecom")).select(robots::id).first(c)?)
        })
        .expect("robot");
    post_ok(&admin, &format!("/robots/{robot_id}/active"), &[]).await;
    let code2 = submit_opinion(&resident, &[("body", "五原路社区路面塌陷，车辆无法通行。")]).await;
    let id2 = app.opinion_id(&code2);
    post_ok(&admin, &format!("/opinions/{id2}/urgent"), &[("urgent", "1")]).await;
    assign_to_department(&admin, id2, housing).await;
    let new_rows: Vec<String> = deliveries(&app).into_iter().filter(|x| x.3.contains(&code2)).map(|x| x.0).collect();
    assert_eq!(new_rows, vec!["dingtalk".to_string()]);
}

async fn a_refused_message_waits_until_sent_again(app: TestApp) {
    app.db.write(|c| Ok(diesel::delete(jobs::table).execute(c)?)).await.expect("empty the queue");
    let (base, robots) = fake_robots().await;
    let w = worker(&app);
    let admin = app.login_as("admin").await;
    let hook = format!("{base}/wecom?key=wrong-key");
    post_ok(
        &admin,
        "/robots",
        &[("unit", "district"), ("kind", "wecom"), ("name", "区政协机关群"), ("webhook", &hook)],
    )
    .await;
    // Bad input changes nothing.
    for form in [
        vec![("unit", "district"), ("kind", "wecom"), ("name", ""), ("webhook", hook.as_str())],
        vec![("unit", "district"), ("kind", "wecom"), ("name", "群"), ("webhook", "ftp://x")],
        vec![("unit", "district"), ("kind", "wecom"), ("name", "群"), ("webhook", hook.as_str()), ("secret", "SECx")],
        vec![("unit", "office:999999"), ("kind", "wecom"), ("name", "群"), ("webhook", hook.as_str())],
        vec![("unit", "district"), ("kind", "qq"), ("name", "群"), ("webhook", hook.as_str())],
    ] {
        let r = admin.post_form("/robots", &form).await;
        assert_eq!(r.status(), 303, "{form:?}");
    }
    assert_eq!(app.audit_count("robot.add"), 1);

    // The test message: the robot refuses it (a wrong key) and it is not retried.
    robots.lock().expect("robots").answers = vec![93000];
    let robot_id: i64 = app
        .db
        .read_blocking(|c| {
            use xieshang::kernel::db::schema::robots;
            Ok(robots::table.select(robots::id).first(c)?)
        })
        .expect("robot");
    post_ok(&admin, &format!("/robots/{robot_id}/test"), &[]).await;
    run_jobs(&w).await;
    let d = deliveries(&app);
    assert_eq!((d[0].1.as_str(), d[0].2), ("failed", 1));
    let (s, page) = admin.get_text("/deliveries?failed=1").await;
    assert_eq!(s, 200);
    assert!(page.contains("区政协机关群") && page.contains("errcode 93000") && page.contains("重新发送"), "{page}");
    // Others do not see the deliveries.
    for who in ["gaomiao", "leader", "member", "sysadmin"] {
        let c = app.login_as(who).await;
        assert_eq!(c.get("/deliveries").await.status(), 403, "{who}");
    }
    // Fixed on the robot's side, sent again from the page.
    let id: i64 = app
        .db
        .read_blocking(|c| Ok(outbox::table.filter(outbox::channel.eq("wecom")).select(outbox::id).first(c)?))
        .expect("row");
    let page = post_ok(&admin, &format!("/deliveries/{id}/resend"), &[]).await;
    assert!(page.contains("已重新排队发送"));
    run_jobs(&w).await;
    let d = deliveries(&app);
    assert_eq!((d[0].1.as_str(), d.len()), ("sent", 1), "the same row, sent");
    assert_eq!(app.audit_count("delivery.resend"), 1);
    // Sent: nothing to send again.
    let r = admin.post_form(&format!("/deliveries/{id}/resend"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(robots.lock().expect("robots").seen.len(), 2);
}
