//! 三员分立: the sysadmin manages accounts, the security admin grants roles,
//! unlocks and resets, the auditor reads the log; none does another's duty.

use diesel::prelude::*;

use crate::on_both_databases;
use crate::support::{DEMO_PASSWORD, TestApp, location};

on_both_databases!(each_administrator_keeps_to_one_duty, security_admin_unlocks_grants_and_resets);

async fn each_administrator_keeps_to_one_duty(app: TestApp) {
    let sysadmin = app.login_as("sysadmin").await;
    let security = app.login_as("secadmin").await;
    let auditor = app.login_as("auditor").await;
    assert_eq!(sysadmin.get("/security").await.status(), 403);
    assert_eq!(sysadmin.get("/audit").await.status(), 403);
    assert_eq!(security.get("/admin/users").await.status(), 403);
    assert_eq!(security.get("/audit").await.status(), 403);
    assert_eq!(auditor.get("/security").await.status(), 403);
    assert_eq!(auditor.get("/admin/users").await.status(), 403);
    assert_eq!(security.get("/security").await.status(), 200);

    // The sysadmin creates accounts, but not of the administrators' roles.
    let (_, page) = sysadmin.get_text("/admin/users").await;
    assert!(page.contains("value=\"leader\""));
    assert!(!page.contains("value=\"security_admin\"") && !page.contains("value=\"auditor\""));
    let r = sysadmin
        .post_form("/admin/users", &[("username", "audit2"), ("display_name", "审二"), ("role", "auditor")])
        .await;
    assert!(r.text().await.unwrap_or_default().contains("由安全管理员授予"));
    assert_eq!(app.client().login("audit2", DEMO_PASSWORD).await.status(), 200, "no such account");
    // Nor resets passwords any more.
    let member = app.actor("member").user_id;
    let r = sysadmin.post_form(&format!("/security/users/{member}/reset-password"), &[]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.client().login("member", DEMO_PASSWORD).await.status(), 303, "password unchanged");
}

async fn security_admin_unlocks_grants_and_resets(app: TestApp) {
    let security = app.login_as("secadmin").await;

    // The member's account locked as an attack from many addresses leaves it
    // (the attack itself: tests/it/sign_in.rs); the security page lists and unlocks.
    let member = app.actor("member").user_id;
    app.db
        .write_blocking(move |c| {
            use xieshang::kernel::db::schema::users;
            let until = xieshang::kernel::time::now() + chrono::Duration::hours(1);
            Ok(diesel::update(users::table.find(member)).set(users::locked_until.eq(Some(until))).execute(c)?)
        })
        .expect("lock");
    let body = app.client().login("member", DEMO_PASSWORD).await.text().await.unwrap_or_default();
    assert!(body.contains("锁定"), "locked");
    let (_, page) = security.get_text("/security").await;
    assert!(page.contains("id=\"locked-member\""));
    let r = security.post_form(&format!("/security/users/{member}/unlock"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.client().login("member", DEMO_PASSWORD).await.status(), 303, "unlocked");
    assert_eq!(app.audit_count("auth.unlocked"), 1);

    // Administrators without a second factor are listed.
    let (_, page) = security.get_text("/security").await;
    assert!(page.contains("id=\"missing-sysadmin\"") && !page.contains("id=\"missing-member\""));

    // Granting a role takes effect at once; one's own role is not one's to change.
    let leader = app.login_as("leader").await;
    assert_eq!(leader.get("/audit").await.status(), 403);
    let id = app.actor("leader").user_id;
    let r = security.post_form(&format!("/security/users/{id}/role"), &[("role", "auditor")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(leader.get("/audit").await.status(), 200);
    assert_eq!(app.audit_count("user.role"), 1);
    let me = app.actor("secadmin").user_id;
    let r = security.post_form(&format!("/security/users/{me}/role"), &[("role", "sysadmin")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap_or_default().contains("不能对自己的账号进行此操作"));
    let r = security.post_form(&format!("/security/users/{id}/role"), &[("role", "root")]).await;
    assert_eq!(r.status(), 400, "an unknown role");

    // A lost phone: the security admin resets the second factor.
    let admin = app.login_as("admin").await;
    app.enrol_two_factor(&admin, "admin").await;
    assert_eq!(location(&app.client().login("admin", DEMO_PASSWORD).await), "/login/code");
    let id = app.actor("admin").user_id;
    let r = security.post_form(&format!("/security/users/{id}/reset-two-factor"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&app.client().login("admin", DEMO_PASSWORD).await), "/", "password alone again");
    assert_eq!(app.audit_count("user.two_factor_reset"), 1);

    // And a password: a new initial one, to be changed at the next sign-in.
    let body =
        security.post_form(&format!("/security/users/{id}/reset-password"), &[]).await.text().await.unwrap_or_default();
    assert!(body.contains("id=\"issued-password\""));
    assert_eq!(app.client().login("admin", DEMO_PASSWORD).await.status(), 200, "the old password is gone");
}
