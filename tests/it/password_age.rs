//! Password aging: a password older than `password_max_age_days` (90 by
//! default) must be changed at the next sign-in; 0 turns aging off.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use xieshang::kernel::db::schema::users;

use crate::on_both_databases;
use crate::support::{DEMO_PASSWORD, Kind, TestApp, location};

on_both_databases!(an_old_password_must_be_changed);

fn age_password(app: &TestApp, username: &str, days: i64) {
    let u = username.to_string();
    let at = Utc::now().naive_utc() - Duration::days(days);
    app.db
        .write_blocking(move |c| {
            Ok(diesel::update(users::table.filter(users::username.eq(&u)))
                .set(users::password_changed_at.eq(at))
                .execute(c)?)
        })
        .expect("age");
}

async fn an_old_password_must_be_changed(app: TestApp) {
    age_password(&app, "member", 89);
    let c = app.login_as("member").await;
    assert_eq!(c.get("/").await.status(), 200, "89 days is still in time");

    age_password(&app, "member", 91);
    let c = app.login_as("member").await;
    assert_eq!(location(&c.get("/").await), "/account/password");
    let (_, page) = c.get_text("/account/password").await;
    assert!(page.contains("已超过有效期"));
    assert_eq!(app.audit_count("auth.password_expired"), 1);
    let new = "Hubin-River-2027";
    let r = c.post_form("/account/password", &[("current", DEMO_PASSWORD), ("new", new), ("confirm", new)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(c.get("/").await.status(), 200);
    // The new password counts from now: the next sign-in is not stopped.
    let again = app.client();
    assert_eq!(again.login("member", new).await.status(), 303);
    assert_eq!(again.get("/").await.status(), 200);
    assert_eq!(app.audit_count("auth.password_expired"), 1);
}

async fn aging_off(app: TestApp) {
    age_password(&app, "member", 400);
    let c = app.login_as("member").await;
    assert_eq!(c.get("/").await.status(), 200, "0 days: no aging");
}

mod aging_off {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = TestApp::spawn_with(Kind::Sqlite, |c| c.password_max_age_days = 0).await.expect("sqlite app");
        super::aging_off(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = TestApp::spawn_with(Kind::Postgres, |c| c.password_max_age_days = 0).await {
            super::aging_off(app).await;
        }
    }
}
