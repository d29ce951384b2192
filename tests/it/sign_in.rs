//! The sign-in throttle (issue 16): wrong passwords from one address slow that
//! address, never the owner elsewhere; a lock only for an account tried from
//! many addresses, lifted by the owner's texted code, the security admin or the CLI;
//! a password change, a reset, a lock and a disable end sessions. The app
//! trusts `X-Forwarded-For` here, so each client can come from its own address.

use std::sync::Arc;

use diesel::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use xieshang::app::job_registry;
use xieshang::kernel::auth::reset;
use xieshang::kernel::db::schema::{audit_log, jobs, users};
use xieshang::kernel::jobs::Worker;

use crate::support::{Client, DEMO_PASSWORD, Kind, TestApp, location};

/// Like `on_both_databases!`, on an app behind a trusted reverse proxy.
macro_rules! behind_the_proxy {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::support::Kind;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = super::spawn(Kind::Sqlite).await.expect("sqlite app");
                super::$name(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = super::spawn(Kind::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

behind_the_proxy!(
    wrong_passwords_from_one_address_do_not_stop_the_owner_elsewhere,
    one_address_is_throttled_after_ten_failures,
    tries_sent_at_once_are_counted_like_tries_in_a_row,
    many_addresses_lock_and_the_owner_unlocks_by_texted_code,
    the_security_admin_and_the_cli_unlock,
    a_password_change_ends_the_other_sessions,
    a_reset_a_lock_and_a_disable_end_every_session,
    an_ended_session_is_not_written_back,
);

async fn spawn(kind: Kind) -> Option<TestApp> {
    TestApp::spawn_with(kind, |c| c.trust_proxy_headers = true).await
}

/// A browser at `ip` (as the proxy in front of the app reports it).
fn client_at(app: &TestApp, ip: &str) -> Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_str(ip).expect("address"));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .default_headers(headers)
        .build()
        .expect("client");
    Client { http, base: app.url("") }
}

/// The login page's answer to a try: its status and text.
async fn try_login(c: &Client, login: &str, password: &str) -> (u16, String) {
    let r = c.login(login, password).await;
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// The question on a login page, answered right: (token, answer).
fn solve(page: &str) -> (String, String) {
    let at = page.find("id=\"login-challenge\"").expect("the question is asked");
    let q = &page[at..];
    let from = q.find("<strong>").expect("question") + "<strong>".len();
    let text = &q[from..from + q[from..].find("</strong>").expect("end")];
    let (a, b) = text.trim_end_matches(" 等于几？").split_once(" 加 ").expect("a 加 b");
    let sum = a.trim().parse::<u32>().expect("a") + b.trim().parse::<u32>().expect("b");
    let marker = "name=\"challenge_token\" value=\"";
    let t = q.find(marker).expect("token") + marker.len();
    (q[t..t + q[t..].find('"').expect("token end")].to_string(), sum.to_string())
}

async fn login_answering(c: &Client, login: &str, password: &str, token: &str, answer: &str) -> reqwest::Response {
    let fields = [
        ("username", login),
        ("password", password),
        ("next", "/"),
        ("challenge_token", token),
        ("challenge_answer", answer),
    ];
    c.post_form("/login", &fields).await
}

fn audited(app: &TestApp, action: &str) -> Vec<String> {
    let a = action.to_string();
    app.db
        .read_blocking(move |c| {
            Ok(audit_log::table
                .filter(audit_log::action.eq(&a))
                .select(audit_log::after)
                .load::<Option<String>>(c)?
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect())
        })
        .expect("audit")
}

fn user_id(app: &TestApp, username: &str) -> i64 {
    let u = username.to_string();
    app.db
        .read_blocking(move |c| Ok(users::table.filter(users::username.eq(&u)).select(users::id).first(c)?))
        .expect("user")
}

/// Signed in: a staff page answers instead of sending to the login page.
async fn signed_in(c: &Client) -> bool {
    !location(&c.get("/account/password").await).starts_with("/login")
}

/// Ten wrong passwords for `login`, two from each of five addresses: an attack
/// from many places, which locks the account.
async fn attack_from_many_addresses(app: &TestApp, login: &str) -> String {
    let mut last = String::new();
    for n in 1..=5 {
        let c = client_at(app, &format!("203.0.113.{n}"));
        for _ in 0..2 {
            last = try_login(&c, login, "Guessed-Pass-1").await.1;
        }
    }
    last
}

async fn wrong_passwords_from_one_address_do_not_stop_the_owner_elsewhere(app: TestApp) {
    let a = client_at(&app, "198.51.100.7");
    for i in 1..=3 {
        let (status, body) = try_login(&a, "gaomiao", "Wrong-pass-123").await;
        assert_eq!(status, 200);
        assert!(body.contains("用户名或密码错误"), "attempt {i}");
        assert_eq!(body.contains("id=\"login-challenge\""), i == 3, "the question from the third on ({i})");
    }
    // Without the answer the password is not even checked.
    let (status, body) = try_login(&a, "gaomiao", DEMO_PASSWORD).await;
    assert_eq!(status, 200);
    assert!(body.contains("请同时回答下面的问题") && body.contains("id=\"login-challenge\""), "{body}");
    // A wrong answer counts as a failure.
    let (token, answer) = solve(&body);
    let wrong = (answer.parse::<u32>().expect("n") + 1).to_string();
    let body = login_answering(&a, "gaomiao", "Wrong-pass-123", &token, &wrong).await.text().await.unwrap_or_default();
    assert!(body.contains("问题回答不正确"));
    let (token, answer) = solve(&body);
    let body = login_answering(&a, "gaomiao", "Wrong-pass-123", &token, &answer).await.text().await.unwrap_or_default();
    assert!(body.contains("用户名或密码错误"), "answered, the password is checked");

    // The owner at another address signs in as if nothing happened.
    let b = client_at(&app, "192.0.2.20");
    assert_eq!(b.login("gaomiao", DEMO_PASSWORD).await.status(), 303);
    assert!(signed_in(&b).await);
    // Another name from address A is not asked the question either.
    let (_, body) = try_login(&a, "jianhe", "Wrong-pass-123").await;
    assert!(!body.contains("id=\"login-challenge\""));
    // And at A the owner gets in by answering the question.
    let (_, body) = try_login(&a, "gaomiao", DEMO_PASSWORD).await;
    let (token, answer) = solve(&body);
    assert_eq!(login_answering(&a, "gaomiao", DEMO_PASSWORD, &token, &answer).await.status(), 303);

    // Audited with the address.
    let challenged = audited(&app, "auth.challenge_required");
    assert_eq!(challenged.len(), 1);
    assert!(challenged[0].contains("198.51.100.7"));
    assert!(audited(&app, "auth.login_failed").iter().all(|a| a.contains("198.51.100.7")));
    assert_eq!(audited(&app, "auth.challenge_failed").len(), 1);
    assert!(audited(&app, "auth.locked").is_empty(), "one address never locks the account");
    let auditor = app.login_as("auditor").await;
    let (_, log) = auditor.get_text("/audit?action=auth.").await;
    assert!(log.contains("多次输错，登录须回答问题") && log.contains("198.51.100.7"));
}

async fn tries_sent_at_once_are_counted_like_tries_in_a_row(app: TestApp) {
    // 30 names at once from one address: only 10 passwords are checked.
    let bot = Arc::new(client_at(&app, "198.51.100.77"));
    let tries = (0..30).map(|i| {
        let bot = bot.clone();
        tokio::spawn(async move { try_login(&bot, &format!("guess{i}"), "Guess-at-once-1").await.0 })
    });
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.expect("try"));
    }
    let checked = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (10, 20), "{statuses:?}");
}

async fn one_address_is_throttled_after_ten_failures(app: TestApp) {
    let bot = client_at(&app, "198.51.100.66");
    let accounts = ["gaomiao", "jianhe", "member", "leader", "admin", "nobody"];
    let mut answers = Vec::new();
    for round in 0..4 {
        for login in accounts {
            let (status, body) = try_login(&bot, login, &format!("Guess-{round}-pass")).await;
            answers.push((status, body));
        }
    }
    assert_eq!(answers.len(), 24);
    for (i, (status, body)) in answers.iter().enumerate() {
        if i < 10 {
            assert_eq!(*status, 200, "try {}", i + 1);
            assert!(body.contains("用户名或密码错误"));
        } else {
            assert_eq!(*status, 429, "try {} is refused", i + 1);
            assert!(body.contains("尝试次数过多，请 15 分钟后再试"), "{body}");
        }
    }
    // Even the right password is refused from there…
    assert_eq!(try_login(&bot, "admin", DEMO_PASSWORD).await.0, 429);
    // …but not from anywhere else, and no account is locked.
    for login in accounts.iter().filter(|l| **l != "nobody") {
        let c = client_at(&app, "192.0.2.30");
        assert_eq!(c.login(login, DEMO_PASSWORD).await.status(), 303, "{login}");
    }
    let throttled = audited(&app, "auth.throttled");
    assert_eq!(throttled.len(), 15);
    assert!(throttled.iter().all(|a| a.contains("198.51.100.66")));
    assert!(audited(&app, "auth.locked").is_empty());
}

async fn many_addresses_lock_and_the_owner_unlocks_by_texted_code(app: TestApp) {
    let member = user_id(&app, "member");
    let sysadmin = app.login_as("sysadmin").await;
    let path = format!("/admin/users/{member}/phone");
    let r = sysadmin.post_form(&path, &[("phone", "13903987777"), ("verified", "1")]).await;
    assert_eq!(r.status(), 303);
    let owner_at_work = client_at(&app, "192.0.2.40");
    assert_eq!(owner_at_work.login("member", DEMO_PASSWORD).await.status(), 303);

    let last = attack_from_many_addresses(&app, "member").await;
    assert!(last.contains("已被锁定1小时"), "the tenth failure from the fifth address locks: {last}");
    assert!(!signed_in(&owner_at_work).await, "the lock ends the owner's sessions");
    let locked = audited(&app, "auth.locked");
    assert_eq!(locked.len(), 1);
    assert!(locked[0].contains("203.0.113.5") && locked[0].contains("\"addresses\":5"), "{}", locked[0]);

    // The owner, at yet another address, is told and offered the way out.
    let owner = client_at(&app, "192.0.2.41");
    let (status, body) = try_login(&owner, "member", DEMO_PASSWORD).await;
    assert_eq!(status, 200);
    assert!(body.contains("已被锁定") && body.contains("href=\"/login/unlock\""), "{body}");
    let r = owner.post_form("/login/unlock", &[("who", "member")]).await;
    assert!(r.text().await.unwrap_or_default().contains("id=\"unlock-sent\""));
    let worker = Worker::new(app.db.clone(), Arc::new(job_registry(&app.state)), "t");
    while worker.run_once().await.expect("run") {}
    let code = last_code(&app);
    let r = owner.post_form("/login/unlock/code", &[("who", "member"), ("code", &code)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    assert!(owner.get_text("/login").await.1.contains("账号已解除锁定"));
    assert_eq!(owner.login("member", DEMO_PASSWORD).await.status(), 303);
    let unlocked = audited(&app, "auth.unlocked");
    assert_eq!(unlocked.len(), 1);
    assert!(unlocked[0].contains("sms") && unlocked[0].contains("192.0.2.41"));
    assert_eq!(audited(&app, "auth.unlock_code_sent").len(), 1);
    // The code is spent; and an account that is not locked is sent no code.
    let r = owner.post_form("/login/unlock/code", &[("who", "member"), ("code", &code)]).await;
    assert!(r.text().await.unwrap_or_default().contains("验证码错误或已失效"));
    owner.post_form("/login/unlock", &[("who", "member")]).await;
    assert_eq!(audited(&app, "auth.unlock_code_sent").len(), 1);
    // The attack so far no longer counts towards a new lock.
    let c = client_at(&app, "203.0.113.9");
    assert!(try_login(&c, "member", "Guessed-Pass-1").await.1.contains("用户名或密码错误"));
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

async fn the_security_admin_and_the_cli_unlock(app: TestApp) {
    let leader = user_id(&app, "leader");
    attack_from_many_addresses(&app, "leader").await;
    let owner = client_at(&app, "192.0.2.50");
    assert!(try_login(&owner, "leader", DEMO_PASSWORD).await.1.contains("已被锁定"));
    // The security admin's duty (三员分立), on the security page.
    let secadmin = app.login_as("secadmin").await;
    let (_, page) = secadmin.get_text("/security").await;
    let action = format!("/security/users/{leader}/unlock");
    assert!(page.contains(&action) && page.contains("解除锁定"));
    let r = secadmin.post_form(&action, &[]).await;
    assert_eq!(r.status(), 303);
    assert!(secadmin.get_text("/security").await.1.contains("账号已解除锁定"));
    assert_eq!(owner.login("leader", DEMO_PASSWORD).await.status(), 303);
    // Neither office staff nor the sysadmin may.
    for login in ["gaomiao", "sysadmin"] {
        let other = app.login_as(login).await;
        assert_eq!(other.post_form(&action, &[]).await.status(), 403, "{login}");
    }

    attack_from_many_addresses(&app, "jianhe").await;
    let owner = client_at(&app, "192.0.2.51");
    assert!(try_login(&owner, "jianhe", DEMO_PASSWORD).await.1.contains("已被锁定"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xieshang"))
        .args(["--database-url", &app.db_url, "user", "unlock-sign-in", "jianhe"])
        .current_dir(&app.data_dir)
        .output()
        .expect("run the CLI");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("sign-in unlocked"));
    assert_eq!(owner.login("jianhe", DEMO_PASSWORD).await.status(), 303);
    let unlocked = audited(&app, "auth.unlocked");
    assert_eq!(unlocked.len(), 2);
    assert!(unlocked.iter().all(|a| a.contains("admin")));
}

async fn a_password_change_ends_the_other_sessions(app: TestApp) {
    let phone = app.login_as("jianhe").await;
    let laptop = app.login_as("jianhe").await;
    let new = "Hubin-River-2026!";
    let r = laptop.post_form("/account/password", &[("current", DEMO_PASSWORD), ("new", new), ("confirm", new)]).await;
    assert_eq!(r.status(), 303);
    assert!(signed_in(&laptop).await, "the browser that changed it goes on");
    assert!(!signed_in(&phone).await, "the other one is signed out");
    assert_eq!(phone.login("jianhe", new).await.status(), 303);
    let changed = audited(&app, "user.password_changed");
    assert!(changed[0].contains("\"sessions_ended\":1"), "{changed:?}");
}

async fn a_reset_a_lock_and_a_disable_end_every_session(app: TestApp) {
    let leader = user_id(&app, "leader");
    let secadmin = app.login_as("secadmin").await;
    let (a, b) = (app.login_as("leader").await, app.login_as("leader").await);
    let r = secadmin.post_form(&format!("/security/users/{leader}/reset-password"), &[]).await;
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
    assert!(!signed_in(&a).await && !signed_in(&b).await, "a reset ends all");

    let (a, b) = (app.login_as("member").await, app.login_as("member").await);
    let member = user_id(&app, "member");
    let sysadmin = app.login_as("sysadmin").await;
    assert_eq!(sysadmin.post_form(&format!("/admin/users/{member}/lock"), &[]).await.status(), 303);
    assert!(!signed_in(&a).await && !signed_in(&b).await, "a disable ends all");
    let ended: i64 = app
        .db
        .read_blocking(move |c| {
            use xieshang::kernel::db::schema::sessions;
            Ok(sessions::table.filter(sessions::user_id.eq(member)).count().get_result(c)?)
        })
        .expect("sessions");
    assert_eq!(ended, 0, "gone from the table, not just refused");

    let (a, b) = (app.login_as("gaomiao").await, app.login_as("gaomiao").await);
    attack_from_many_addresses(&app, "gaomiao").await;
    assert!(!signed_in(&a).await && !signed_in(&b).await, "a lock ends all");
}

/// A request that loaded its session before the session was ended (a slow
/// upload while the password changes) saves it at its end: the row must stay
/// gone, or the ended session would live on.
async fn an_ended_session_is_not_written_back(app: TestApp) {
    use tower_sessions::session::{Id, Record};
    use tower_sessions::session_store::SessionStore;
    let store = xieshang::kernel::auth::session_store::DbSessionStore::new(app.db.clone());
    let mut record = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    store.create(&mut record).await.expect("create");
    assert!(store.load(&record.id).await.expect("load").is_some());
    store.delete(&record.id).await.expect("end it");
    store.save(&record).await.expect("the late save");
    assert!(store.load(&record.id).await.expect("load").is_none(), "an ended session came back");
}
