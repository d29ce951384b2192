//! Account management, the audit log, and scope checks in the data layer.

use xieshang::kernel::audit::store::{self as audit, Who};
use xieshang::kernel::auth::store::{self as users, NewAccount};
use xieshang::kernel::auth::{Actor, Role, password, security};
use xieshang::kernel::error::AppError;
use xieshang::kernel::ids::UserId;
use xieshang::org::store as org;

use crate::on_both_databases;
use crate::support::{DEMO_PASSWORD, TestApp};

on_both_databases!(
    sysadmin_resets_and_locks_accounts,
    store_refuses_out_of_scope_calls,
    audit_log_is_append_only_and_complete,
    password_change_checked_before_the_write_and_not_overwriting_a_newer_one,
);

/// The new password is checked and hashed before the write transaction; the write
/// stores it only if the password is still the one checked, so a change made
/// meanwhile (another tab) is not silently overwritten.
async fn password_change_checked_before_the_write_and_not_overwriting_a_newer_one(app: TestApp) {
    let me = app.actor("member");
    let find =
        |app: &TestApp| app.db.read_blocking(|c| users::find_unscoped(c, me.user_id)).expect("read").expect("user");
    let user = find(&app);
    let checked = users::check_password_change(&user, "wrong", "Hubin-River-2026").await;
    assert_eq!(checked, Err(users::ChangePasswordError::WrongCurrent));
    let checked = users::check_password_change(&user, DEMO_PASSWORD, DEMO_PASSWORD).await;
    assert_eq!(checked, Err(users::ChangePasswordError::SameAsOld));
    assert_eq!(users::check_password_change(&user, DEMO_PASSWORD, "Hubin-River-2026").await, Ok(()));

    // Meanwhile the password changes elsewhere: the stale write changes nothing.
    let other = password::hash("Another-Tab-2026").expect("hash");
    let newer = password::hash("Hubin-River-2026").expect("hash");
    let stale = user.password_hash.clone();
    app.db.write_blocking(|c| users::set_own_password(c, &me, "", &stale, &other)).expect("write").expect("changed");
    let r = app.db.write_blocking(|c| users::set_own_password(c, &me, "", &stale, &newer)).expect("write");
    assert_eq!(r, Err(users::ChangePasswordError::WrongCurrent));
    assert_eq!(find(&app).password_hash, other.as_str());
    let c = app.client();
    assert_eq!(c.login("member", "Another-Tab-2026").await.status(), 303);
}

async fn sysadmin_resets_and_locks_accounts(app: TestApp) {
    let admin = app.login_as("sysadmin").await;
    let (_, list) = admin.get_text("/admin/users").await;
    for u in ["admin", "gaomiao", "jianhe", "member", "dept", "leader", "auditor", "sysadmin", "secadmin"] {
        assert!(list.contains(&format!("id=\"user-{u}\"")), "{u} listed");
    }
    // Bad input: a clear Chinese message, nothing created.
    let body = admin
        .post_form("/admin/users", &[("username", "Bad Name"), ("display_name", "x"), ("role", "member")])
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(body.contains("用户名须为3–32位"));
    let body = admin
        .post_form("/admin/users", &[("username", "staff2"), ("display_name", "x"), ("role", "office_staff")])
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(body.contains("必须选择所属工作办公室"));
    let body = admin
        .post_form("/admin/users", &[("username", "admin"), ("display_name", "x"), ("role", "member")])
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(body.contains("该用户名已被使用"));

    // A department account must name its unit, and then sees that unit's cases.
    let body = admin
        .post_form("/admin/users", &[("username", "jianshe2"), ("display_name", "吴工"), ("role", "department")])
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(body.contains("必须选择所属承办单位"));
    let housing: i64 = app
        .db
        .read_blocking(|c| {
            use diesel::prelude::*;
            use xieshang::kernel::db::schema::departments;
            Ok(departments::table
                .filter(departments::name.eq("区住房和城乡建设局"))
                .select(departments::id)
                .first(c)?)
        })
        .expect("department");
    let body = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "jianshe2"),
                ("display_name", "吴工"),
                ("role", "department"),
                ("department_id", &housing.to_string()),
            ],
        )
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(body.contains("id=\"issued-password\""));
    let new_dept = app.actor("jianshe2");
    let visible = app.db.read_blocking(move |c| xieshang::opinions::store::cases::scope(c, &new_dept)).expect("scope");
    assert_eq!(
        visible,
        xieshang::opinions::store::cases::Scope::Department(xieshang::kernel::ids::DepartmentId(housing))
    );

    // A logged-in member is thrown out as soon as the account is disabled.
    let member = app.login_as("member").await;
    assert_eq!(member.get("/").await.status(), 200);
    let member_id = app.actor("member").user_id;
    let r = admin.post_form(&format!("/admin/users/{member_id}/lock"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(member.get("/offices").await.status(), 303);
    let body = app.client().login("member", DEMO_PASSWORD).await.text().await.unwrap_or_default();
    assert!(body.contains("账号已停用"));
    admin.post_form(&format!("/admin/users/{member_id}/unlock"), &[]).await;
    assert_eq!(app.client().login("member", DEMO_PASSWORD).await.status(), 303);

    // A reset (the security admin's duty) issues a new initial password; the
    // old one stops working.
    let security = app.login_as("secadmin").await;
    let path = format!("/security/users/{member_id}/reset-password");
    let body = security.post_form(&path, &[]).await.text().await.unwrap_or_default();
    assert!(body.contains("id=\"issued-password\""));
    assert_eq!(app.client().login("member", DEMO_PASSWORD).await.status(), 200);

    // The sysadmin cannot disable themselves.
    let me = app.actor("sysadmin").user_id;
    let r = admin.post_form(&format!("/admin/users/{me}/lock"), &[]).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap_or_default().contains("不能停用自己的账号"));
}

/// A handler that calls the store with the wrong actor gets nothing: the checks
/// live in the data layer.
async fn store_refuses_out_of_scope_calls(app: TestApp) {
    let gaomiao = app.actor("gaomiao");
    let admin = app.actor("admin");
    let sysadmin = app.actor("sysadmin");
    let jianhe_office = app.actor("jianhe").office_id.expect("office");

    let r = app.db.read_blocking(|c| org::get_office(c, &gaomiao, jianhe_office)).expect("read");
    assert!(r.is_none(), "office staff read another office");
    let r = app.db.read_blocking(|c| org::list_offices(c, &gaomiao)).expect("read");
    assert_eq!(r.len(), 1);
    assert!(matches!(app.db.read_blocking(|c| users::list(c, &admin)), Err(AppError::Forbidden)));
    assert!(matches!(app.db.read_blocking(|c| audit::list(c, &admin, None, None)), Err(AppError::Forbidden)));
    // A hash the refused calls below never store.
    let unused = password::hash("Never-Stored-2026").expect("hash");
    let r = app.db.write_blocking(|c| security::reset_password(c, &gaomiao, admin.user_id, &unused));
    assert!(matches!(r, Err(AppError::Forbidden)));
    let r = app.db.write_blocking(|c| security::reset_password(c, &sysadmin, admin.user_id, &unused));
    assert!(matches!(r, Err(AppError::Forbidden)), "resets are the security admin's");

    // Another committee on the same deployment is invisible to Hubin's sysadmin.
    let other_user = app
        .db
        .write_blocking(|c| {
            let who = || Who::System { committee_id: None, name: "test" };
            let cm = org::create_committee(c, who(), "lingbao", "灵宝市政协")?;
            let acc = NewAccount {
                username: "lingbao-admin".into(),
                display_name: "外地管理员".into(),
                role: Role::Sysadmin,
                office_id: None,
            };
            users::insert_unscoped(c, who(), cm, &acc, &password::hash("Lingbao-2026!")?, false)
        })
        .expect("second committee");
    let listed = app.db.read_blocking(|c| users::list(c, &sysadmin)).expect("list");
    assert!(listed.iter().all(|u| u.username != "lingbao-admin"));
    let secadmin = app.actor("secadmin");
    let r = app.db.write_blocking(|c| security::reset_password(c, &secadmin, other_user, &unused));
    assert!(matches!(r, Err(AppError::NotFound)));
    let r = app.db.write_blocking(|c| users::set_disabled(c, &sysadmin, UserId(other_user.0), true));
    assert!(matches!(r, Err(AppError::NotFound)));
    // Hubin's office ids mean nothing to the other committee's staff.
    let lingbao = app.actor("lingbao-admin");
    let as_district = Actor { role: Role::DistrictAdmin, ..lingbao };
    assert!(app.db.read_blocking(|c| org::get_office(c, &as_district, jianhe_office)).expect("read").is_none());
    assert!(app.db.read_blocking(|c| org::list_offices(c, &as_district)).expect("read").is_empty());
}

async fn audit_log_is_append_only_and_complete(app: TestApp) {
    let admin = app.login_as("sysadmin").await;
    admin.post_form("/admin/users", &[("username", "audited"), ("display_name", "孙审"), ("role", "leader")]).await;
    let auditor = app.login_as("auditor").await;
    let (status, log) = auditor.get_text("/audit?action=user.create").await;
    assert_eq!(status, 200);
    // Who, what and which record in words; the stored JSON behind a toggle.
    assert!(log.contains("新建账号"), "the action in words");
    assert!(log.contains("账号 #"), "which record");
    assert!(log.contains("<details><summary>原始数据（JSON）</summary>"));
    assert!(log.contains("马超 (sysadmin)"), "who did it");
    assert!(log.contains("audited"), "what was created");
    assert!(!log.contains("argon2"), "no password hashes in the log");
    // There is no route that changes the log, and the database refuses too.
    assert_eq!(auditor.post_form("/audit", &[]).await.status(), 405);
    let r = app.db.write_blocking(|c| {
        use diesel::prelude::*;
        use xieshang::kernel::db::schema::audit_log;
        Ok(diesel::update(audit_log::table).set(audit_log::actor_name.eq("nobody")).execute(c)?)
    });
    assert!(r.is_err(), "update refused");
    let r = app.db.write_blocking(|c| {
        use diesel::prelude::*;
        use xieshang::kernel::db::schema::audit_log;
        Ok(diesel::delete(audit_log::table).execute(c)?)
    });
    assert!(r.is_err(), "delete refused");
    let (_, log) = auditor.get_text("/audit").await;
    assert!(log.contains("马超 (sysadmin)"));
    // The menu filters by kind of record.
    let (_, accounts) = auditor.get_text("/audit?action=user").await;
    assert!(accounts.contains("新建账号") && !accounts.contains("class=\"action\">登录<"));
}
