//! The JSON API over HTTP on both databases: a token the sysadmin issues
//! submits, tracks and moves cases; scopes, expiry, revocation and the limit
//! per minute refuse with JSON; bad input changes nothing; the document
//! describes every route.

use diesel::prelude::*;
use serde_json::{Value, json};
use xieshang::api::tokens::model;
use xieshang::kernel::audit::store::Who;
use xieshang::kernel::db::schema::{api_tokens, opinions};

use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(
    a_token_the_sysadmin_issues_submits_tracks_and_acts,
    scopes_expiry_revocation_and_the_limit_refuse_in_json,
    bad_input_gets_a_json_error_and_changes_nothing,
    another_committee_s_token_sees_nothing_here,
    the_document_describes_every_route,
);

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    fn new(app: &TestApp, token: &str) -> Api {
        Api { http: reqwest::Client::new(), base: app.url(""), token: token.into() }
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.expect("GET");
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
}

fn case_count(app: &TestApp) -> i64 {
    app.db.read_blocking(|c| Ok(opinions::table.count().get_result(c)?)).expect("count")
}

async fn a_token_the_sysadmin_issues_submits_tracks_and_acts(app: TestApp) {
    // The sysadmin issues it on the page and sees it once.
    let admin = app.login_as("sysadmin").await;
    let r = admin
        .post_form(
            "/admin/api-tokens",
            &[
                ("name", "12345热线"),
                ("scope", "read"),
                ("scope", "submit"),
                ("scope", "act"),
                ("days", "365"),
                ("per_minute", "120"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    let start = page.find("id=\"issued-token\">").expect("the token shown") + "id=\"issued-token\">".len();
    let t: String = page[start..].chars().take_while(|c| *c != '<').collect();
    assert!(t.starts_with("xs_") && t.len() == 43, "{t}");
    // Only its hash is kept.
    let stored: Vec<String> =
        app.db.read_blocking(|c| Ok(api_tokens::table.select(api_tokens::token_hash).load(c)?)).expect("rows");
    assert_eq!(stored, vec![model::hash(&t)]);
    let api = Api::new(&app, &t);

    // A case with the hotline's own number; sent twice, it is one case.
    let before = case_count(&app);
    let new = json!({"body": "交口乡集市路口的路灯坏了三天，晚上很黑。", "external_id": "12345-2026-000881",
                     "submitter_name": "李大爷", "submitter_phone": "13812345678", "urgent": true});
    let (s, made) = api.post("/api/v1/cases", new.clone()).await;
    assert_eq!(s, 201, "{made}");
    assert_eq!(made["source"], "api");
    assert_eq!(made["status"], "submitted");
    assert_eq!(made["urgent"], true);
    assert_eq!(made["events"][0]["by"], "12345热线");
    // No resident's name or phone in what the API answers.
    assert!(!made.to_string().contains("13812345678") && !made.to_string().contains("李大爷"));
    let (s, again) = api.post("/api/v1/cases", new).await;
    assert_eq!(s, 200);
    assert_eq!(again["id"], made["id"]);
    assert_eq!(case_count(&app), before + 1);
    let id = made["id"].as_i64().expect("id");

    // Found in the list, by search, and read whole.
    let (s, list) = api.get("/api/v1/cases?status=submitted").await;
    assert_eq!(s, 200);
    assert!(list["items"].as_array().expect("items").iter().any(|c| c["id"] == id));
    let (s, one) = api.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(one["body"], "交口乡集市路口的路灯坏了三天，晚上很黑。");

    // Moved on as district staff would: accepted, then assigned.
    let (s, moved) = api.post(&format!("/api/v1/cases/{id}/actions"), json!({"action": "accept"})).await;
    assert_eq!(s, 200, "{moved}");
    assert_eq!(moved["status"], "accepted");
    let dept = app.department_id("区住房和城乡建设局");
    let (s, moved) = api
        .post(
            &format!("/api/v1/cases/{id}/actions"),
            json!({"action": "assign", "assignee": format!("department:{dept}"), "days": 10}),
        )
        .await;
    assert_eq!(s, 200, "{moved}");
    assert_eq!(moved["status"], "assigned");
    assert_eq!(moved["assignee"], format!("department:{dept}"));
    // A handler's move is not the district's: refused, nothing changes.
    let (s, refused) = api.post(&format!("/api/v1/cases/{id}/actions"), json!({"action": "sign"})).await;
    assert_eq!(s, 403, "{refused}");
    assert_eq!(refused["code"], "error.forbidden");

    // Staff see it in the inbox as sent by another system, with its timeline.
    let staff = app.login_as("admin").await;
    let (_, html) = staff.get_text(&format!("/opinions/{id}")).await;
    assert!(html.contains("外部系统接入") && html.contains("12345热线"), "the case page names the system");

    // Every call is audited, and the sysadmin sees when it was last used.
    assert!(app.audit_count("api.call") >= 7);
    assert_eq!(app.audit_count("api_token.create"), 1);
    let (_, list_page) = admin.get_text("/admin/api-tokens").await;
    assert!(list_page.contains("12345热线") && !list_page.contains("尚未使用") && !list_page.contains(&t));
}

async fn scopes_expiry_revocation_and_the_limit_refuse_in_json(app: TestApp) {
    let reader = Api::new(&app, &app.api_token("hubin", "市级平台", "read", 120));
    let (s, _) = reader.get("/api/v1/cases").await;
    assert_eq!(s, 200);
    let before = case_count(&app);
    let (s, e) = reader.post("/api/v1/cases", json!({"body": "想反映一件事"})).await;
    assert_eq!(s, 403);
    assert_eq!(e["code"], "api.token_no_scope");
    assert_eq!(e["message"], "该令牌没有此项操作的权限。");
    assert_eq!(e["message_en"], "This token may not do this.");
    assert_eq!(case_count(&app), before);
    assert_eq!(app.audit_count("api.refused"), 1);

    // No token, or one that is not ours: 401 with the scheme to use.
    let r = reqwest::get(app.url("/api/v1/cases")).await.expect("GET");
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("www-authenticate").is_some());
    let (s, e) = Api::new(&app, "xs_not_a_token_we_gave").get("/api/v1/cases").await;
    assert_eq!((s, e["code"].as_str()), (401, Some("api.token_unknown")));

    // Revoked on the sysadmin's page: refused at the next call.
    let t = app.api_token("hubin", "区大数据中心", "read", 120);
    let id: i64 = app
        .db
        .read_blocking(|c| {
            Ok(api_tokens::table.filter(api_tokens::name.eq("区大数据中心")).select(api_tokens::id).first(c)?)
        })
        .expect("id");
    let admin = app.login_as("sysadmin").await;
    let r = admin.post_form(&format!("/admin/api-tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status(), 303);
    let (s, e) = Api::new(&app, &t).get("/api/v1/cases").await;
    assert_eq!((s, e["code"].as_str()), (401, Some("api.token_revoked")));
    assert_eq!(app.audit_count("api_token.revoke"), 1);

    // Expired yesterday.
    let t = app.api_token("hubin", "旧平台", "read", 120);
    let hash = model::hash(&t);
    app.db
        .write_blocking(move |c| {
            diesel::update(api_tokens::table.filter(api_tokens::token_hash.eq(&hash)))
                .set(api_tokens::expires_at.eq(Some(xieshang::kernel::time::now() - chrono::Duration::days(1))))
                .execute(c)?;
            Ok(())
        })
        .expect("expire");
    let (s, e) = Api::new(&app, &t).get("/api/v1/cases").await;
    assert_eq!((s, e["code"].as_str()), (401, Some("api.token_expired")));

    // Its account locked by the sysadmin: the token is as good as unknown.
    let t = app.api_token("hubin", "测试系统", "read", 120);
    let user: i64 = app
        .db
        .read_blocking(|c| {
            Ok(api_tokens::table.filter(api_tokens::name.eq("测试系统")).select(api_tokens::user_id).first(c)?)
        })
        .expect("user");
    let r = admin.post_form(&format!("/admin/users/{user}/lock"), &[]).await;
    assert_eq!(r.status(), 303);
    let (s, _) = Api::new(&app, &t).get("/api/v1/cases").await;
    assert_eq!(s, 401);

    // Three calls a minute: the fourth waits.
    let slow = Api::new(&app, &app.api_token("hubin", "慢系统", "read", 3));
    for _ in 0..3 {
        assert_eq!(slow.get("/api/v1/offices").await.0, 200);
    }
    let r = slow.http.get(app.url("/api/v1/offices")).bearer_auth(&slow.token).send().await.expect("GET");
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("60"));

    // The account behind a token cannot sign in to the pages.
    let username: String = app
        .db
        .read_blocking(move |c| {
            use xieshang::kernel::db::schema::users;
            Ok(users::table.find(user).select(users::username).first(c)?)
        })
        .expect("username");
    let r = app.client().login(&username, "").await;
    assert_ne!(r.status(), 303);
}

async fn bad_input_gets_a_json_error_and_changes_nothing(app: TestApp) {
    let api = Api::new(&app, &app.api_token("hubin", "12345热线", "read,submit,act", 600));
    let before = case_count(&app);
    for (body, code) in [
        (json!({"body": "   "}), "opinion.empty"),
        (json!({"body": "路灯坏了", "submitter_phone": "12345"}), "form.bad_phone"),
        (json!({"body": "路灯坏了", "office_id": 999999}), "opinion.bad_place"),
        (json!({"body": "路灯坏了", "colour": "red"}), "api.bad_json"),
        (json!({"body": 5}), "api.bad_json"),
        (json!({"body": "路灯坏了", "external_id": ""}), "api.bad_external_id"),
        (json!({"body": "字".repeat(2001)}), "opinion.too_long"),
    ] {
        let (s, e) = api.post("/api/v1/cases", body.clone()).await;
        assert_eq!((s, e["code"].as_str()), (400, Some(code)), "{body}");
        assert!(!e["message"].as_str().unwrap_or_default().is_empty());
    }
    let r = api.http.post(app.url("/api/v1/cases")).bearer_auth(&api.token).body("{").send().await.expect("POST");
    assert_eq!(r.status(), 415);
    let r = api
        .http
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{\"body\": ")
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 400);
    assert_eq!(case_count(&app), before);

    for (path, status) in [
        ("/api/v1/cases?status=lost", 400),
        ("/api/v1/cases?from=2026-13-01", 400),
        ("/api/v1/cases?before=abc", 400),
        ("/api/v1/cases/abc", 404),
        ("/api/v1/cases/99999999", 404),
        ("/api/v1/members?page=0", 400),
        ("/api/v1/activities?kind=party", 400),
        ("/api/v1/activities/99999999", 404),
        ("/api/v1/consultations/99999999", 404),
        ("/api/v1/no-such-thing", 404),
    ] {
        let (s, e) = api.get(path).await;
        assert_eq!(s, status, "{path}: {e}");
        assert!(e["code"].is_string(), "{path} answers JSON");
    }
    // A move the case's state does not allow, or one that does not exist.
    let (_, list) = api.get("/api/v1/cases?status=submitted").await;
    let id = list["items"][0]["id"].as_i64().expect("a submitted demo case");
    let (s, _) = api.post(&format!("/api/v1/cases/{id}/actions"), json!({"action": "approve"})).await;
    assert!(s == 409 || s == 400, "{s}");
    let (s, e) = api.post(&format!("/api/v1/cases/{id}/actions"), json!({"action": "fly"})).await;
    assert_eq!((s, e["code"].as_str()), (400, Some("api.bad_json")));
    let (s, e) = api.post(&format!("/api/v1/cases/{id}/actions"), json!({"action": "callback"})).await;
    assert_eq!((s, e["code"].as_str()), (400, Some("track.choose_rating")));
    let (s, _) = api.post(&format!("/api/v1/cases/{id}/actions"), json!({"action": "assign", "days": 0})).await;
    assert_eq!(s, 400);
    let (_, after) = api.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(after["status"], "submitted");
}

async fn another_committee_s_token_sees_nothing_here(app: TestApp) {
    app.db
        .write_blocking(|c| {
            xieshang::setup::new_committee(
                c,
                || Who::System { committee_id: None, name: "test" },
                "other",
                "另一个区政协",
            )?;
            Ok(())
        })
        .expect("committee");
    let here = Api::new(&app, &app.api_token("hubin", "本区平台", "read", 600));
    let there = Api::new(&app, &app.api_token("other", "外区平台", "read,submit,act", 600));
    let (_, list) = here.get("/api/v1/cases").await;
    let id = list["items"][0]["id"].as_i64().expect("a hubin case");
    let (s, _) = there.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(s, 404);
    let (s, _) = there.post(&format!("/api/v1/cases/{id}/actions"), json!({"action": "accept"})).await;
    assert_eq!(s, 404);
    let (_, theirs) = there.get("/api/v1/cases").await;
    assert_eq!(theirs["items"].as_array().map(Vec::len), Some(0));
    let (_, members) = there.get("/api/v1/members").await;
    assert_eq!(members["total"], 0);
    let (_, mine) = here.get("/api/v1/members").await;
    assert!(mine["total"].as_i64().unwrap_or(0) > 0);
    let first = &mine["items"][0];
    assert!(first["phone_masked"].as_str().unwrap_or_default().contains("****"), "phones are masked: {first}");
    let (s, offices) = there.get("/api/v1/offices").await;
    assert_eq!((s, offices.as_array().map(Vec::len)), (200, Some(0)));
}

async fn the_document_describes_every_route(app: TestApp) {
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json")).await.expect("GET").json().await.expect("JSON");
    assert!(doc["openapi"].as_str().unwrap_or_default().starts_with("3.1"));
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/api/v1/cases", &["get", "post"][..]),
        ("/api/v1/cases/{id}", &["get"]),
        ("/api/v1/cases/{id}/actions", &["post"]),
        ("/api/v1/hotline/orders", &["post"]),
        ("/api/v1/offices", &["get"]),
        ("/api/v1/categories", &["get"]),
        ("/api/v1/members", &["get"]),
        ("/api/v1/activities", &["get"]),
        ("/api/v1/activities/{id}", &["get"]),
        ("/api/v1/consultations", &["get"]),
        ("/api/v1/consultations/{id}", &["get"]),
    ] {
        for m in methods {
            let op = &paths[path][*m];
            assert!(op.is_object(), "{m} {path} documented");
            assert!(op["security"][0]["token"].is_array(), "{m} {path} asks for the token");
            for status in ["200", "401", "403", "429"] {
                assert!(op["responses"][status].is_object(), "{m} {path} documents {status}");
            }
        }
    }
    assert_eq!(paths.len(), 11, "no route left out, none documented that does not exist");
    assert_eq!(doc["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    let r = reqwest::get(app.url("/api/v1/docs")).await.expect("GET");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(page.contains("/api/v1/cases/{id}/actions") && page.contains("CaseDetail") && page.contains("接口目录"));
}
