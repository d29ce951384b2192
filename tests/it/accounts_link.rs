//! Who an account is: every demo login is its roster record, and the
//! sysadmin links an account to its member (or department, or office) on the
//! account's page — one member, one account.

use std::collections::HashSet;

use diesel::prelude::*;
use xieshang::demo::LOGINS;
use xieshang::kernel::auth::Role;
use xieshang::kernel::db::schema::{audit_log, departments, members, office_staffers, users};

use crate::on_both_databases;
use crate::support::{TestApp, location};

on_both_databases!(demo_logins_are_their_roster_records, sysadmin_links_an_account_to_one_member);

/// (username, display name, role, office, department) of every account.
type AccountRow = (i64, String, String, String, Option<i64>, Option<i64>);

fn accounts(app: &TestApp) -> Vec<AccountRow> {
    app.db
        .read_blocking(|c| {
            Ok(users::table
                .select((
                    users::id,
                    users::username,
                    users::display_name,
                    users::role,
                    users::office_id,
                    users::department_id,
                ))
                .load(c)?)
        })
        .expect("users")
}

fn member_of(app: &TestApp, user: i64) -> Option<(i64, String, Option<i64>)> {
    app.db
        .read_blocking(move |c| {
            Ok(members::table
                .filter(members::user_id.eq(Some(user)))
                .select((members::id, members::name, members::office_id))
                .first(c)
                .optional()?)
        })
        .expect("member")
}

async fn demo_logins_are_their_roster_records(app: TestApp) {
    let all = accounts(&app);
    for login in &LOGINS {
        let (id, _, name, _, office, dept) =
            all.iter().find(|a| a.1 == login.username).cloned().expect("demo login exists");
        assert_eq!(name, login.name);
        match login.role {
            Role::Member => {
                let (_, member_name, member_office) = member_of(&app, id).expect("linked to a member");
                assert_eq!(member_name, name, "{}: the account is its roster record", login.username);
                assert_eq!(member_office, office, "and works in that member's office");
            }
            Role::OfficeStaff => {
                let office = office.expect("an office");
                let staff: Vec<String> = app
                    .db
                    .read_blocking(move |c| {
                        Ok(office_staffers::table
                            .filter(office_staffers::office_id.eq(office))
                            .select(office_staffers::name)
                            .load(c)?)
                    })
                    .expect("staffers");
                assert!(staff.contains(&name), "{}: {name} is a staffer of the office", login.username);
            }
            Role::Department => {
                let dept = dept.expect("a department");
                let found: i64 = app
                    .db
                    .read_blocking(move |c| Ok(departments::table.find(dept).count().get_result(c)?))
                    .expect("department");
                assert_eq!(found, 1);
            }
            _ => assert!(member_of(&app, id).is_none(), "{} is no member", login.username),
        }
    }
    // The member signs in and sees herself; nobody else on the roster has her
    // name, or any login's, and no name is made up of four characters.
    let member = app.login_as("member").await;
    let (_, mine) = member.get_text("/members").await;
    assert!(mine.contains("张丽华"), "her own record");
    let names: Vec<String> =
        app.db.read_blocking(|c| Ok(members::table.select(members::name).load(c)?)).expect("names");
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), names.len(), "no two members alike");
    for l in &LOGINS {
        let n = names.iter().filter(|m| *m == l.name).count();
        assert_eq!(n, usize::from(l.role == Role::Member), "{}", l.name);
    }
    for n in &names {
        let len = n.chars().count();
        let compound = ["欧阳", "司马", "上官", "诸葛", "东方", "司徒"].iter().any(|s| n.starts_with(s));
        assert!((2..=3).contains(&len) || compound && len == 4, "{n}");
    }
}

fn label_of(page: &str, name: &str) -> String {
    let start = page.find(&format!("<option value=\"{name}（")).expect("a choice") + "<option value=\"".len();
    let end = page[start..].find('"').expect("end") + start;
    page[start..end].to_string()
}

fn link_audits(app: &TestApp, user: i64) -> Vec<(String, Option<String>)> {
    app.db
        .read_blocking(move |c| {
            Ok(audit_log::table
                .filter(audit_log::action.eq("user.link").and(audit_log::entity_id.eq(user.to_string())))
                .select((audit_log::actor_name, audit_log::after))
                .load(c)?)
        })
        .expect("audit")
}

async fn sysadmin_links_an_account_to_one_member(app: TestApp) {
    let sysadmin = app.login_as("sysadmin").await;
    let (_, list) = sysadmin.get_text("/admin/users").await;
    let row = &list[list.find("id=\"user-member\"").expect("member row")..];
    assert!(row[..row.find("</tr>").unwrap_or(row.len())].contains("张丽华"), "the list shows her link");

    // A new member account, not yet linked.
    let r = sysadmin
        .post_form("/admin/users", &[("username", "weiyuan2"), ("display_name", "新委员"), ("role", "member")])
        .await;
    assert_eq!(r.status(), 200);
    let id = accounts(&app).iter().find(|a| a.1 == "weiyuan2").map(|a| a.0).expect("created");
    let path = format!("/admin/users/{id}");
    let (status, page) = sysadmin.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("未关联") && page.contains("<datalist id=\"member-choices\">"), "a searchable choice");

    // 张丽华 already has her account: refused, in words, nothing changed.
    let taken = label_of(&page, "张丽华");
    let r = sysadmin.post_form(&format!("{path}/link"), &[("member", &taken)]).await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap_or_default();
    assert!(body.contains("该委员已关联另一个账号"), "a clear refusal");
    let member_login = accounts(&app).iter().find(|a| a.1 == "member").map(|a| a.0).expect("member");
    assert_eq!(member_of(&app, member_login).map(|m| m.1).as_deref(), Some("张丽华"), "her link stays");
    assert!(member_of(&app, id).is_none());
    assert!(link_audits(&app, id).is_empty(), "nothing changed, nothing audited");
    // A name that is nobody's.
    let body = sysadmin.post_form(&format!("{path}/link"), &[("member", "查无此人")]).await.text().await;
    assert!(body.unwrap_or_default().contains("找不到该委员"));

    // Another member of 高庙乡, free: linked, and the account takes her name and office.
    let (other, other_name, other_office): (i64, String, Option<i64>) = app
        .db
        .read_blocking(|c| {
            Ok(members::table
                .filter(members::user_id.is_null().and(members::status.eq("active")))
                .order(members::id.desc())
                .select((members::id, members::name, members::office_id))
                .first(c)?)
        })
        .expect("a free member");
    let label = label_of(&page, &other_name);
    assert!(label.contains(&format!("编号{other}")), "{label}");
    let r = sysadmin.post_form(&format!("{path}/link"), &[("member", &label)]).await;
    assert_eq!(r.status(), 303, "saved");
    assert_eq!(location(&r), path);
    let (_, page) = sysadmin.get_text(&path).await;
    assert!(page.contains("关联已保存"));
    let linked = &page[page.find("id=\"linked-member\"").expect("shown")..];
    assert!(linked[..linked.find("</p>").unwrap_or(0)].contains(&other_name), "the page shows the link");
    let row = accounts(&app).into_iter().find(|a| a.0 == id).expect("account");
    assert_eq!((row.2, row.4), (other_name.clone(), other_office), "her name and office");
    let audits = link_audits(&app, id);
    assert_eq!(audits.len(), 1, "audited once");
    assert!(audits[0].0.contains("sysadmin"));
    assert!(audits[0].1.as_deref().unwrap_or_default().contains(&format!("\"member_id\":{other}")));

    // The same member for a second account: refused here too.
    let r = sysadmin.post_form(&format!("/admin/users/{member_login}/link"), &[("member", &label)]).await;
    assert!(r.text().await.unwrap_or_default().contains("该委员已关联另一个账号"));
    assert_eq!(member_of(&app, member_login).map(|m| m.1).as_deref(), Some("张丽华"));
    // And the database itself keeps one account per member.
    let twice = app.db.write_blocking(move |c| {
        Ok(diesel::update(members::table.find(other - 1)).set(members::user_id.eq(Some(id))).execute(c)?)
    });
    assert!(twice.is_err(), "unique index on members.user_id");

    // Unlinking: an empty field.
    let r = sysadmin.post_form(&format!("{path}/link"), &[("member", "")]).await;
    assert_eq!(r.status(), 303);
    assert!(member_of(&app, id).is_none());
    // A department account names its unit; other roles link nothing.
    let dept = accounts(&app).iter().find(|a| a.1 == "dept").map(|a| a.0).expect("dept");
    let (_, page) = sysadmin.get_text(&format!("/admin/users/{dept}")).await;
    assert!(page.contains("name=\"department_id\""));
    let leader = accounts(&app).iter().find(|a| a.1 == "leader").map(|a| a.0).expect("leader");
    let r = sysadmin.post_form(&format!("/admin/users/{leader}/link"), &[("member", &label)]).await;
    assert!(r.text().await.unwrap_or_default().contains("该角色的账号不关联"));
    // Only the sysadmin.
    let admin = app.login_as("admin").await;
    assert_eq!(admin.get(&path).await.status(), 403);
}
