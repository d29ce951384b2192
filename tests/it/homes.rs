//! Every role's home is its work queue, on both databases: the counts follow
//! the cases (signed for, answered, overdue, sent back), each count's link
//! lists as many cases as it says, the "no activity" count goes once the visit
//! is recorded, and one office never sees another's counts.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use xieshang::kernel::db::schema::{localities, opinions, users};

use crate::on_both_databases;
use crate::support::{Client, TestApp, location, post_ok, post_to_box, queue_count, queue_href, submit_opinion};

on_both_databases!(
    a_departments_counts_follow_its_case,
    the_no_activity_count_goes_once_the_visit_is_recorded,
    an_office_sees_only_its_own_counts,
    every_role_has_a_home,
);

fn department_of(app: &TestApp, username: &str) -> i64 {
    let u = username.to_string();
    app.db
        .read_blocking(move |c| {
            Ok(users::table.filter(users::username.eq(&u)).select(users::department_id).first::<Option<i64>>(c)?)
        })
        .expect("user")
        .expect("a department user")
}

async fn home(c: &Client) -> String {
    let (status, page) = c.get_text("/").await;
    assert_eq!(status, 200);
    page
}

/// The inbox rows behind a count's link (a page holds 50).
async fn rows_behind(c: &Client, page: &str, id: &str) -> usize {
    let (status, list) = c.get_text(&queue_href(page, id)).await;
    assert_eq!(status, 200, "{}", queue_href(page, id));
    list.matches(" id=\"case-").count()
}

async fn act(c: &Client, id: i64, fields: &[(&str, &str)]) {
    let r = c.post_form(&format!("/opinions/{id}/act"), fields).await;
    assert_eq!(r.status(), 303, "{fields:?}");
}

async fn a_departments_counts_follow_its_case(app: TestApp) {
    let dept = app.login_as("dept").await;
    let admin = app.login_as("admin").await;
    let before = home(&dept).await;
    let (sign0, answer0, late0) =
        (queue_count(&before, "to_sign"), queue_count(&before, "to_answer"), queue_count(&before, "mine_overdue"));
    let returned0 = queue_count(&before, "returned");
    let admin_home = home(&admin).await;
    let (review0, overdue0) = (queue_count(&admin_home, "to_review"), queue_count(&admin_home, "overdue"));

    let code = submit_opinion(&app.client(), &[("body", "菜市场门口的下水道堵了，污水漫到路上。")]).await;
    let id = app.opinion_id(&code);
    act(&admin, id, &[("action", "accept")]).await;
    let d = department_of(&app, "dept");
    act(&admin, id, &[("action", "assign"), ("assignee", &format!("department:{d}"))]).await;

    // Assigned: one more to sign for, and its link lists that many.
    let page = home(&dept).await;
    assert_eq!(queue_count(&page, "to_sign"), sign0 + 1);
    assert_eq!(rows_behind(&dept, &page, "to_sign").await as i64, (sign0 + 1).min(50));
    let (_, list) = dept.get_text(&queue_href(&page, "to_sign")).await;
    assert!(list.contains("菜市场门口的下水道堵了") && list.contains("id=\"inbox-kept\""), "the filter is named");

    // Signed for: one more to answer.
    act(&dept, id, &[("action", "sign")]).await;
    let page = home(&dept).await;
    assert_eq!((queue_count(&page, "to_sign"), queue_count(&page, "to_answer")), (sign0, answer0 + 1));
    assert_eq!(rows_behind(&dept, &page, "to_answer").await as i64, (answer0 + 1).min(50));

    // Its deadline passes: overdue for the department and the district, and
    // the department heads the district's list of units with overdue cases.
    app.db
        .write_blocking(move |c| {
            diesel::update(opinions::table.find(id))
                .set(opinions::due_at.eq(Some(Utc::now().naive_utc() - Duration::hours(1))))
                .execute(c)?;
            Ok(())
        })
        .expect("move the deadline");
    let page = home(&dept).await;
    assert_eq!(queue_count(&page, "mine_overdue"), late0 + 1);
    assert_eq!(rows_behind(&dept, &page, "mine_overdue").await as i64, (late0 + 1).min(50));
    assert!(page.contains("id=\"q-mine_overdue\" class=\"late\""), "late work stands out");
    let admin_home = home(&admin).await;
    assert_eq!(queue_count(&admin_home, "overdue"), overdue0 + 1);
    let (_, units) = admin.get_text("/").await;
    let section = &units[units.find("id=\"overdue-units\"").expect("the units with overdue cases")..];
    let link = format!("holder=department%3A{d}");
    assert!(section.contains(&link), "the department's overdue cases are one click away");

    // Answered: nothing left to answer; the district has one more to review.
    let form = reqwest::multipart::Form::new().text("_csrf", dept.csrf().await).text("note", "已疏通下水道。");
    let r = dept.http.post(format!("{}/opinions/{id}/answer", dept.base)).multipart(form).send().await.expect("answer");
    assert_eq!(r.status(), 303);
    let page = home(&dept).await;
    assert_eq!((queue_count(&page, "to_answer"), queue_count(&page, "mine_overdue")), (answer0, late0));
    let admin_home = home(&admin).await;
    assert_eq!(queue_count(&admin_home, "to_review"), review0 + 1);
    assert_eq!(rows_behind(&admin, &admin_home, "to_review").await as i64, (review0 + 1).min(50));

    // Sent back: it comes back to the department as work to redo.
    act(&admin, id, &[("action", "send_back"), ("note", "请写明疏通时间。")]).await;
    let page = home(&dept).await;
    assert_eq!(queue_count(&page, "returned"), returned0 + 1);
    let (_, list) = dept.get_text(&queue_href(&page, "returned")).await;
    assert!(list.contains("菜市场门口的下水道堵了"));
    assert_eq!(queue_count(&home(&admin).await, "to_review"), review0);
}

async fn the_no_activity_count_goes_once_the_visit_is_recorded(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let office = app.office_id("高庙乡");
    let page = home(&staff).await;
    let missing = queue_count(&page, "points_missing");
    assert!(missing > 0, "the demo leaves points without a visit");
    // The count's link lists those points, and only those.
    let (_, board) = staff.get_text(&queue_href(&page, "points_missing")).await;
    assert_eq!(board.matches("class=\"mark-missing\"").count() as i64, missing);
    assert_eq!(board.matches("class=\"mark-held\"").count(), 0);
    let at = board.find("class=\"mark-missing\"").expect("a missing point");
    let row = &board[..at];
    let point: i64 = row[row.rfind("id=\"point-").expect("its id") + 10..]
        .split('"')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let linked: Vec<i64> = app
        .db
        .read_blocking(move |c| {
            use xieshang::kernel::db::schema::liaisons;
            Ok(liaisons::table
                .filter(liaisons::locality_id.eq(point).and(liaisons::end_on.is_null()))
                .select(liaisons::member_id)
                .load(c)?)
        })
        .expect("linked members");

    // A visit held an hour ago and recorded: the point is no longer counted.
    let b = Utc::now().naive_utc() + Duration::hours(7);
    let (date, time) = (b.format("%Y-%m-%d").to_string(), b.format("%H:%M").to_string());
    let (o, l) = (office.to_string(), point.to_string());
    let mut fields = vec![
        ("office", o.as_str()),
        ("kind", "liaison"),
        ("title", "听民声、察民情、知民意、解民忧"),
        ("locality", l.as_str()),
        ("venue", "村委会"),
        ("date", date.as_str()),
        ("time", time.as_str()),
    ];
    let ids: Vec<String> = linked.iter().map(|m| m.to_string()).collect();
    fields.extend(ids.iter().map(|m| ("member", m.as_str())));
    let r = staff.post_form("/activities", &fields).await;
    assert_eq!(r.status(), 303);
    let activity = location(&r);
    post_ok(&staff, &format!("{activity}/record"), &[("minutes", "走访了8户群众，听取了对村里路灯的意见。")]).await;
    assert_eq!(queue_count(&home(&staff).await, "points_missing"), missing - 1);
    let (_, board) = staff.get_text("/activities/coverage").await;
    assert!(board.contains(&format!("id=\"point-{point}\" class=\"mark-held\"")));
}

async fn an_office_sees_only_its_own_counts(app: TestApp) {
    let gaomiao = app.login_as("gaomiao").await;
    let jianhe = app.login_as("jianhe").await;
    let (g0, j0) = (home(&gaomiao).await, home(&jianhe).await);
    let place: i64 = app
        .db
        .read_blocking(|c| {
            use xieshang::kernel::db::schema::offices;
            Ok(localities::table
                .inner_join(offices::table)
                .filter(offices::name.eq("高庙乡"))
                .select(localities::id)
                .first(c)?)
        })
        .expect("a 高庙乡 village");
    let r = post_to_box(
        &app.client(),
        &[("body", "村口的桥栏杆松动了，孩子上学不安全。"), ("locality", &place.to_string())],
        None,
    )
    .await;
    assert_eq!(r.status(), 303);
    let (g1, j1) = (home(&gaomiao).await, home(&jianhe).await);
    assert_eq!(queue_count(&g1, "to_accept"), queue_count(&g0, "to_accept") + 1);
    assert_eq!(queue_count(&j1, "to_accept"), queue_count(&j0, "to_accept"), "another office's case is not counted");
    // The same link shows each office its own cases only.
    let (_, theirs) = jianhe.get_text(&queue_href(&g1, "to_accept")).await;
    assert!(!theirs.contains("村口的桥栏杆松动了"));
    assert_eq!(rows_behind(&jianhe, &j1, "to_accept").await as i64, queue_count(&j1, "to_accept").min(50));
    let (_, ours) = gaomiao.get_text(&queue_href(&g1, "to_accept")).await;
    assert!(ours.contains("村口的桥栏杆松动了"));
    // An activity planned for tomorrow: its invitees' replies are awaited
    // by this office only.
    let (g1, j1) = (home(&gaomiao).await, home(&jianhe).await);
    let office = app.office_id("高庙乡");
    let invitees: Vec<i64> = app
        .db
        .read_blocking(move |c| {
            use xieshang::kernel::db::schema::members;
            Ok(members::table.filter(members::office_id.eq(office)).select(members::id).limit(2).load(c)?)
        })
        .expect("members");
    let b = Utc::now().naive_utc() + Duration::hours(8 + 24);
    let (date, o) = (b.format("%Y-%m-%d").to_string(), office.to_string());
    let ids: Vec<String> = invitees.iter().map(|m| m.to_string()).collect();
    let mut fields = vec![
        ("office", o.as_str()),
        ("kind", "study"),
        ("title", "学习会"),
        ("date", date.as_str()),
        ("time", "09:00"),
    ];
    fields.extend(ids.iter().map(|m| ("member", m.as_str())));
    let r = gaomiao.post_form("/activities", &fields).await;
    assert_eq!(r.status(), 303);
    let (g2, j2) = (home(&gaomiao).await, home(&jianhe).await);
    assert_eq!(queue_count(&g2, "members_to_reply"), queue_count(&g1, "members_to_reply") + 2);
    assert!(g2.contains(&format!("href=\"{}\"", location(&r))), "the meeting is listed");
    assert_eq!(queue_count(&j2, "members_to_reply"), queue_count(&j1, "members_to_reply"));
    // A holder named in the address does not widen the scope.
    let d = department_of(&app, "dept");
    let (status, list) = jianhe.get_text(&format!("/opinions?overdue=1&holder=department:{d}")).await;
    assert_eq!(status, 200);
    assert!(!list.contains("村口的桥栏杆松动了"));
    let (_, bad) = jianhe.get_text("/opinions?holder=nobody").await;
    assert!(bad.contains("class=\"flash bad\""), "a bad filter is said so, not a crash");
}

async fn every_role_has_a_home(app: TestApp) {
    for (user, shows) in [
        ("admin", "id=\"q-to_accept\""),
        ("gaomiao", "id=\"q-points_missing\""),
        ("member", "id=\"my-points\""),
        ("dept", "id=\"q-items_overdue\""),
        ("leader", "id=\"key-figures\""),
        ("sysadmin", "id=\"locked-accounts\""),
        ("auditor", "id=\"audit-recent\""),
    ] {
        let page = home(&app.login_as(user).await).await;
        assert!(page.contains(shows), "{user}: {shows}");
    }
    // The leader's figures count what their links list.
    let leader = app.login_as("leader").await;
    let page = home(&leader).await;
    let table = &page[page.find("id=\"key-figures\"").expect("figures")..];
    let cell = table.find("<td><a href=\"").expect("a figure's link") + 13;
    let href = table[cell..].split('"').next().expect("href").replace("&#38;", "&");
    let n: usize =
        table[cell..].split('>').nth(1).and_then(|s| s.split('<').next()).and_then(|s| s.parse().ok()).expect("n");
    let (_, list) = leader.get_text(&href).await;
    assert_eq!(list.matches(" id=\"case-").count(), n.min(50), "{href}");
}
