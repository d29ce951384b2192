//! 忘记密码: the page that tells the way back in, and the reset by a code
//! texted to the account's verified phone (the demo's log driver stands in for
//! the gateway).

use std::sync::Arc;

use diesel::prelude::*;
use xieshang::app::job_registry;
use xieshang::kernel::auth::reset::{self, Checked, Identifier};
use xieshang::kernel::db::schema::{audit_log, jobs, outbox, password_resets, users};
use xieshang::kernel::jobs::Worker;

use crate::on_both_databases;
use crate::support::{Client, DEMO_PASSWORD, TestApp, location};

on_both_databases!(the_login_page_leads_to_the_way_back_in, a_texted_code_resets_the_password);

async fn the_login_page_leads_to_the_way_back_in(app: TestApp) {
    let c = app.client();
    let (_, login) = c.get_text("/login").await;
    assert!(login.contains("href=\"/forgot\"") && login.contains("忘记密码"));
    let (status, page) = c.get_text("/forgot").await;
    assert_eq!(status, 200);
    assert!(page.contains("系统管理员") && page.contains("一次性的初始密码"), "the sysadmin's path");
    assert!(page.contains("立即设置自己的新密码"), "changed at first login");
    assert!(page.contains("id=\"forgot-sms\"") && page.contains("用户名或手机号"), "texted codes in the demo");

    // The security admin's reset is that path: a one-time password, changed at first login.
    let secadmin = app.login_as("secadmin").await;
    let id = user_id(&app, "leader");
    let (_, page) = secadmin.get_text("/security").await;
    assert!(page.contains(&format!("/security/users/{id}/reset-password")));
    let r = secadmin.post_form(&format!("/security/users/{id}/reset-password"), &[]).await;
    let body = r.text().await.unwrap_or_default();
    let start = body.find("id=\"issued-password\">").expect("issued") + "id=\"issued-password\">".len();
    let initial = &body[start..start + body[start..].find('<').expect("end")];
    let leader = app.client();
    assert_eq!(leader.login("leader", initial).await.status(), 303);
    assert_eq!(location(&leader.get("/").await), "/account/password", "must change it first");
}

fn user_id(app: &TestApp, username: &str) -> i64 {
    let u = username.to_string();
    app.db
        .read_blocking(move |c| Ok(users::table.filter(users::username.eq(&u)).select(users::id).first(c)?))
        .expect("user")
}

fn texts(app: &TestApp, user: i64) -> Vec<(String, String)> {
    let subject = format!("password_reset:{user}");
    app.db
        .read_blocking(move |c| {
            Ok(outbox::table
                .filter(outbox::subject.eq(&subject))
                .order(outbox::id.asc())
                .select((outbox::body, outbox::status))
                .load(c)?)
        })
        .expect("outbox")
}

/// The code of the newest text, as the phone would show it.
fn last_code(app: &TestApp) -> String {
    let payload: String = app
        .db
        .read_blocking(|c| {
            Ok(jobs::table
                .filter(jobs::kind.eq(reset::SEND_JOB))
                .order(jobs::id.desc())
                .select(jobs::payload)
                .first(c)?)
        })
        .expect("job");
    let v: serde_json::Value = serde_json::from_str(&payload).expect("json");
    app.state.personal.decrypt(v["code"].as_str().expect("code")).expect("decrypt")
}

fn audited(app: &TestApp, action: &str) -> i64 {
    let a = action.to_string();
    app.db
        .read_blocking(move |c| Ok(audit_log::table.filter(audit_log::action.eq(&a)).count().get_result(c)?))
        .expect("audit")
}

async fn ask(c: &Client, who: &str) -> String {
    let r = c.post_form("/forgot", &[("who", who)]).await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap_or_default()
}

async fn reset_with(c: &Client, code: &str, new: &str) -> reqwest::Response {
    c.post_form("/forgot/reset", &[("who", "member"), ("code", code), ("new", new), ("confirm", new)]).await
}

async fn a_texted_code_resets_the_password(app: TestApp) {
    let member = user_id(&app, "member");
    let sysadmin = app.login_as("sysadmin").await;
    // No verified phone yet: asking sends nothing, and says the same.
    let visitor = app.client();
    let unknown = ask(&visitor, "member").await;
    assert!(unknown.contains("id=\"forgot-sent\""));
    assert!(texts(&app, member).is_empty());

    // The sysadmin records her phone and confirms it with her.
    let path = format!("/admin/users/{member}/phone");
    let r = sysadmin.post_form(&path, &[("phone", "139 0398 7777"), ("verified", "1")]).await;
    assert_eq!(r.status(), 303);
    let (_, page) = sysadmin.get_text(&format!("/admin/users/{member}")).await;
    assert!(page.contains("139****7777") && page.contains("已核实"), "masked and verified");
    let stored: Option<String> =
        app.db.read_blocking(move |c| Ok(users::table.find(member).select(users::phone_enc).first(c)?)).expect("phone");
    assert!(!stored.unwrap_or_default().contains("7777"), "encrypted at rest");
    assert_eq!(audited(&app, "user.phone"), 1);
    let body = sysadmin.post_form(&path, &[("phone", "12345")]).await.text().await.unwrap_or_default();
    assert!(body.contains("请填写11位手机号"));

    // She is logged in elsewhere, forgets, and asks by login name.
    let elsewhere = app.login_as("member").await;
    let page = ask(&visitor, "member").await;
    assert_eq!(page.matches("id=\"forgot-sent\"").count(), 1);
    assert_eq!(page, unknown.replace(&extract_csrf(&unknown), &extract_csrf(&page)), "same answer as for nobody");
    let sent = texts(&app, member);
    assert_eq!(sent.len(), 1, "queued once");
    assert!(sent[0].0.contains("******") && sent[0].0.contains("验证码"), "the outbox copy hides the code");
    let code = last_code(&app);
    assert!(!sent[0].0.contains(&code));
    assert_eq!(audited(&app, "auth.reset_code_sent"), 1);
    // The job texts it (the log driver here) and marks it sent.
    let worker = Worker::new(app.db.clone(), Arc::new(job_registry(&app.state)), "t");
    while worker.run_once().await.expect("run") {}
    assert_eq!(texts(&app, member)[0].1, "sent");

    // A wrong code counts; a weak password keeps the code; the right one works.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = reset_with(&visitor, wrong, "Hubin-River-2026").await;
    assert!(r.text().await.unwrap_or_default().contains("验证码错误或已失效"));
    let attempts: i32 = app
        .db
        .read_blocking(|c| {
            Ok(password_resets::table.order(password_resets::id.desc()).select(password_resets::attempts).first(c)?)
        })
        .expect("reset");
    assert_eq!(attempts, 1);
    assert_eq!(audited(&app, "auth.reset_code_wrong"), 1);
    let r = reset_with(&visitor, &code, "short").await;
    assert!(r.text().await.unwrap_or_default().contains("新密码太短"));
    let r = reset_with(&visitor, &code, "Hubin-River-2026").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    let (_, login) = visitor.get_text("/login").await;
    assert!(login.contains("密码已重设"));
    assert_eq!(audited(&app, "auth.password_reset_by_code"), 1);
    // Her other session is over; the new password works, the old one not.
    assert!(location(&elsewhere.get("/account/password").await).starts_with("/login"), "logged out elsewhere");
    assert_eq!(app.client().login("member", DEMO_PASSWORD).await.status(), 200);
    assert_eq!(app.client().login("member", "Hubin-River-2026").await.status(), 303);
    // The code is spent.
    let r = reset_with(&visitor, &code, "Hubin-Lake-2027!").await;
    assert!(r.text().await.unwrap_or_default().contains("验证码错误或已失效"));

    // By phone this time; ten minutes later the code is dead.
    ask(&visitor, "13903987777").await;
    assert_eq!(texts(&app, member).len(), 2);
    let code = last_code(&app);
    let later = xieshang::kernel::time::now() + chrono::Duration::minutes(11);
    let vault = app.state.personal.clone();
    let checked = app
        .db
        .write_blocking(|c| {
            xieshang::kernel::time::with_clock(later, || {
                reset::check(c, &vault, &Identifier::Username("member".into()), &code, "10.0.0.9")
            })
        })
        .expect("check");
    assert!(matches!(checked, Checked::Invalid), "expired");
    assert!(reset_with(&visitor, &code, "Hubin-Lake-2027!").await.text().await.unwrap_or_default().contains("已失效"));

    // Five wrong tries and even the right code is refused.
    ask(&visitor, "member").await;
    let code = last_code(&app);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        reset_with(&visitor, wrong, "Hubin-Lake-2027!").await;
    }
    assert!(reset_with(&visitor, &code, "Hubin-Lake-2027!").await.text().await.unwrap_or_default().contains("已失效"));
    assert_eq!(app.client().login("member", "Hubin-River-2026").await.status(), 303, "unchanged");

    // Three codes an hour per account: the fourth request sends nothing, says the same.
    let page = ask(&visitor, "member").await;
    assert!(page.contains("id=\"forgot-sent\""));
    assert_eq!(texts(&app, member).len(), 3);
    assert_eq!(audited(&app, "auth.reset_rate_limited"), 1);
    // Ten requests an hour per address: the eleventh is refused outright.
    for _ in 0..5 {
        ask(&visitor, "nobody").await;
    }
    let page = ask(&visitor, "nobody").await;
    assert!(page.contains("操作过于频繁"), "rate-limited by address");
}

fn extract_csrf(page: &str) -> String {
    crate::support::extract_csrf(page).unwrap_or_default()
}
