//! Two-factor sign-in: enrolment with a QR code and a typed secret, the code
//! step after the password, recovery codes, no code accepted twice, wrong codes
//! throttled like passwords, and administrators forced to enrol.

use diesel::prelude::*;
use xieshang::kernel::db::schema::users;

use crate::on_both_databases;
use crate::support::{DEMO_PASSWORD, Kind, TestApp, location};

on_both_databases!(enrolled_users_sign_in_with_a_code_or_a_recovery_code, wrong_codes_are_throttled);

/// A code of the same length that is not `code`.
fn wrong(code: &str) -> String {
    let last = code.chars().last().and_then(|c| c.to_digit(10)).unwrap_or(0);
    format!("{}{}", &code[..5], (last + 1) % 10)
}

async fn enrolled_users_sign_in_with_a_code_or_a_recovery_code(app: TestApp) {
    let admin = app.login_as("admin").await;
    let (_, page) = admin.get_text("/account/two-factor").await;
    assert!(page.contains("<svg"), "a QR code to scan");
    let codes = app.enrol_two_factor(&admin, "admin").await;
    assert_eq!(app.audit_count("user.two_factor_enabled"), 1);
    // The secret is stored encrypted, never as typed.
    let enc: Option<String> = app
        .db
        .read_blocking(|c| {
            Ok(users::table.filter(users::username.eq("admin")).select(users::totp_secret_enc).first(c)?)
        })
        .expect("read");
    assert!(enc.is_some_and(|e| e.starts_with("v2:")), "sealed by the vault, not in clear");
    let (_, page) = admin.get_text("/account/two-factor").await;
    assert!(page.contains("id=\"codes-left\">10<"), "ten recovery codes left");

    // The password alone no longer signs in: the code page follows.
    let c = app.client();
    let r = c.login("admin", DEMO_PASSWORD).await;
    assert_eq!(location(&r), "/login/code");
    assert!(location(&c.get("/account/two-factor").await).starts_with("/login?"), "not signed in yet");
    let right = app.totp_code("admin");
    let r = c.post_form("/login/code", &[("code", &wrong(&right))]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap_or_default().contains("验证码错误"));
    let r = c.post_form("/login/code", &[("code", &right)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(c.get("/account/two-factor").await.status(), 200, "signed in");
    assert!(app.audit_count("auth.two_factor") >= 1);

    // The same code a second time is refused, even while still current.
    let again = app.client();
    again.login("admin", DEMO_PASSWORD).await;
    let r = again.post_form("/login/code", &[("code", &right)]).await;
    assert_eq!(r.status(), 200, "a used code is refused");

    // A recovery code works once, typed in any case.
    let r = again.post_form("/login/code", &[("code", &codes[0].to_uppercase())]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.audit_count("auth.recovery_code_used"), 1);
    let third = app.client();
    third.login("admin", DEMO_PASSWORD).await;
    let r = third.post_form("/login/code", &[("code", &codes[0])]).await;
    assert_eq!(r.status(), 200, "a used recovery code is refused");
    let (_, page) = again.get_text("/account/two-factor").await;
    assert!(page.contains("id=\"codes-left\">9<"));
    // Without a password first, the code page sends to the login.
    assert_eq!(location(&app.client().get("/login/code").await), "/login");
}

async fn wrong_codes_are_throttled(app: TestApp) {
    let admin = app.login_as("admin").await;
    app.enrol_two_factor(&admin, "admin").await;
    let c = app.client();
    c.login("admin", DEMO_PASSWORD).await;
    let right = app.totp_code("admin");
    for _ in 0..5 {
        let r = c.post_form("/login/code", &[("code", &wrong(&right))]).await;
        assert_eq!(r.status(), 200);
    }
    let r = c.post_form("/login/code", &[("code", &right)]).await;
    assert_eq!(r.status(), 200, "refused while throttled");
    assert!(r.text().await.unwrap_or_default().contains("验证码错误次数过多"));
    assert_eq!(app.audit_count("auth.two_factor_failed"), 5);
}

/// With `require_two_factor` on (the production default), administrators are
/// sent to enrol before anything else; members are not.
async fn administrators_must_enrol_first(app: TestApp) {
    let auditor = app.login_as("auditor").await;
    assert_eq!(location(&auditor.get("/audit").await), "/account/two-factor");
    let (_, page) = auditor.get_text("/account/two-factor").await;
    assert!(page.contains("id=\"two-factor-forced\""));
    let member = app.login_as("member").await;
    assert_eq!(member.get("/").await.status(), 200, "members are not forced");
    app.enrol_two_factor(&auditor, "auditor").await;
    assert_eq!(auditor.get("/audit").await.status(), 200);
    app.login_with_code("auditor").await;
}

mod administrators_must_enrol_first {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = TestApp::spawn_with(Kind::Sqlite, |c| c.require_two_factor = true).await.expect("sqlite app");
        super::administrators_must_enrol_first(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = TestApp::spawn_with(Kind::Postgres, |c| c.require_two_factor = true).await {
            super::administrators_must_enrol_first(app).await;
        }
    }
}
