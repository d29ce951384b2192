//! The opinion box's extras over HTTP on both databases: printable posters with
//! QR codes, the district's categories and routing settings, the staff's
//! morning digest, and the flag on cases not signed for in time.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use xieshang::kernel::db::schema::{
    audit_log, jobs, localities, opinion_categories, opinion_events, opinion_routes, opinions, outbox,
};

use crate::on_both_databases;
use crate::support::{TestApp, assign_to_department, post_ok, submit_opinion};

on_both_databases!(
    posters_show_the_qr_code_and_the_box_address_of_their_place,
    the_district_sets_categories_and_routes_and_the_case_page_preselects,
    the_digest_writes_one_message_per_unit_with_open_cases,
    a_case_not_signed_in_time_is_flagged_once_per_assignment,
);

fn category_id(app: &TestApp, code: &str) -> i64 {
    let code = code.to_string();
    app.db
        .read_blocking(move |c| {
            Ok(opinion_categories::table
                .filter(opinion_categories::code.eq(&code))
                .select(opinion_categories::id)
                .first(c)?)
        })
        .expect("category")
}

fn audited(app: &TestApp, action: &str) -> i64 {
    let action = action.to_string();
    app.db
        .read_blocking(move |c| Ok(audit_log::table.filter(audit_log::action.eq(&action)).count().get_result(c)?))
        .expect("audit")
}

async fn posters_show_the_qr_code_and_the_box_address_of_their_place(app: TestApp) {
    let (jianhe, gaomiao) = (app.office_id("涧河街道"), app.office_id("高庙乡"));
    let (wuyuan, other): (i64, i64) = app
        .db
        .read_blocking(move |c| {
            let w = localities::table.filter(localities::name.eq("五原路社区")).select(localities::id).first(c)?;
            let o = localities::table.filter(localities::office_id.eq(gaomiao)).select(localities::id).first(c)?;
            Ok((w, o))
        })
        .expect("localities");
    let staff = app.login_as("jianhe").await;
    // Linked from the locality's and the Home's pages.
    assert!(staff.get_text(&format!("/localities/{wuyuan}")).await.1.contains(&format!("/posters/locality/{wuyuan}")));
    assert!(staff.get_text(&format!("/homes/{jianhe}")).await.1.contains(&format!("/posters/home/{jianhe}")));

    let (status, page) = staff.get_text(&format!("/posters/locality/{wuyuan}")).await;
    assert_eq!(status, 200);
    let box_url = format!("http://{}/box/hubin?locality={wuyuan}", app.addr);
    assert!(page.contains(&box_url), "the address in text, from the request's host");
    assert!(page.contains("<svg") && page.contains("社情民意征集箱") && page.contains("五原路社区"));
    // Sized for A4 in print by its own style sheet (no inline styles under the CSP).
    assert!(page.contains("/static/poster.css"));
    let css = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/static/poster.css")).expect("poster.css");
    assert!(css.contains("@page") && css.contains("size: A4"), "sized for A4 in print");
    assert!(page.contains("15天内评价") && page.contains(&format!("http://{}/track", app.addr)));
    // Another office's places are not found.
    assert_eq!(staff.get(&format!("/posters/locality/{other}")).await.status(), 404);
    assert_eq!(staff.get(&format!("/posters/home/{gaomiao}")).await.status(), 404);
    assert_eq!(staff.get(&format!("/posters/home/{gaomiao}/qr.svg")).await.status(), 404);

    // The Home's poster and its QR code alone, for the district too.
    let admin = app.login_as("admin").await;
    let (status, page) = admin.get_text(&format!("/posters/home/{jianhe}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("/box/hubin?office={jianhe}")) && page.contains("<svg"));
    let r = staff.get(&format!("/posters/home/{jianhe}/qr.svg")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/svg+xml"));
    let svg = r.text().await.expect("svg");
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    // Not for someone who is not logged in.
    assert_ne!(app.client().get(&format!("/posters/home/{jianhe}")).await.status(), 200);
}

async fn the_district_sets_categories_and_routes_and_the_case_page_preselects(app: TestApp) {
    let admin = app.login_as("admin").await;
    let (jianhe, huixing) = (app.office_id("涧河街道"), app.office_id("会兴街道"));
    let (housing, civil) = (app.department_id("区住房和城乡建设局"), app.department_id("区民政局"));
    let (status, page) = admin.get_text("/opinions/settings").await;
    assert_eq!(status, 200);
    assert!(page.contains("分派规则") && page.contains("0101") && page.contains("区住房和城乡建设局"));

    // Everyone else is refused, reading or writing.
    for who in ["jianhe", "dept", "leader"] {
        let c = app.login_as(who).await;
        assert_eq!(c.get("/opinions/settings").await.status(), 403, "{who}");
        let r = c.post_form("/opinions/settings/categories", &[("name", "不该有")]).await;
        assert_eq!(r.status(), 403, "{who}");
    }

    // A new subclass of 城乡建设 gets the next code, and a route for 涧河街道.
    let major = category_id(&app, "01").to_string();
    post_ok(&admin, "/opinions/settings/categories", &[("parent", &major), ("code", ""), ("name", "电梯维修")]).await;
    let elevator = category_id(&app, "0105");
    let page = post_ok(
        &admin,
        "/opinions/settings/routes",
        &[
            ("category", &elevator.to_string()),
            ("office", &jianhe.to_string()),
            ("assignee", &format!("department:{civil}")),
            ("days", "7"),
        ],
    )
    .await;
    assert!(page.contains("已保存") && page.contains("电梯维修"));
    assert_eq!(audited(&app, "opinion_category.create"), 1);
    // A bad code or a duplicate is a message, not an error page.
    let page =
        post_ok(&admin, "/opinions/settings/categories", &[("parent", &major), ("code", "0201"), ("name", "x")]).await;
    assert!(page.contains("代码格式不对"));
    let page =
        post_ok(&admin, "/opinions/settings/categories", &[("parent", &major), ("code", ""), ("name", "电梯维修")])
            .await;
    assert!(page.contains("已经有这个名称的类别"), "one name once under a class");
    assert_eq!(audited(&app, "opinion_category.create"), 1);

    // A 涧河街道 case in the new category preselects the routed handler; a
    // 会兴街道 one falls back to the major class's committee-wide route.
    let resident = app.client();
    let elevator_s = elevator.to_string();
    let here = app.opinion_id(
        &submit_opinion(
            &resident,
            &[("body", "3号楼电梯坏了一周。"), ("category", &elevator_s), ("office", &jianhe.to_string())],
        )
        .await,
    );
    let there = app.opinion_id(
        &submit_opinion(
            &resident,
            &[("body", "电梯经常停运。"), ("category", &elevator_s), ("office", &huixing.to_string())],
        )
        .await,
    );
    let (_, page) = admin.get_text(&format!("/opinions/{here}")).await;
    assert!(page.contains(&format!("value=\"department:{civil}\" selected")), "the office's route");
    assert_eq!(page.matches(" selected>").count(), 1, "one handler preselected");
    let (_, page) = admin.get_text(&format!("/opinions/{there}")).await;
    assert!(page.contains(&format!("value=\"department:{housing}\" selected")), "the major class's route");
    // Assigning with the preselected handler.
    assign_to_department(&admin, here, civil).await;
    let assignee: Option<i64> = app
        .db
        .read_blocking(move |c| Ok(opinions::table.find(here).select(opinions::assignee_id).first(c)?))
        .expect("assignee");
    assert_eq!(assignee, Some(civil));

    // Removing the route falls back to the major class's.
    let route: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(opinion_routes::table
                .filter(opinion_routes::category_id.eq(elevator))
                .select(opinion_routes::id)
                .first(c)?)
        })
        .expect("route");
    let third = app.opinion_id(
        &submit_opinion(
            &resident,
            &[("body", "电梯按钮失灵。"), ("category", &elevator_s), ("office", &jianhe.to_string())],
        )
        .await,
    );
    post_ok(&admin, &format!("/opinions/settings/routes/{route}/delete"), &[]).await;
    let (_, page) = admin.get_text(&format!("/opinions/{third}")).await;
    assert!(page.contains(&format!("value=\"department:{housing}\" selected")));
    assert_eq!(audited(&app, "opinion.route_remove"), 1);

    // Rename, deactivate: the box no longer offers it.
    post_ok(&admin, &format!("/opinions/settings/categories/{elevator}"), &[("name", "电梯安全")]).await;
    assert!(resident.get_text("/box/hubin").await.1.contains("电梯安全"));
    post_ok(&admin, &format!("/opinions/settings/categories/{elevator}/active"), &[("active", "0")]).await;
    assert!(!resident.get_text("/box/hubin").await.1.contains("电梯安全"));
    // A new department, then deactivated: no longer offered for assigning.
    post_ok(&admin, "/opinions/settings/departments", &[("name", "区水利局")]).await;
    let water = app.department_id("区水利局");
    assert!(admin.get_text(&format!("/opinions/{third}")).await.1.contains(&format!("department:{water}")));
    post_ok(&admin, &format!("/opinions/settings/departments/{water}/active"), &[("active", "0")]).await;
    assert!(!admin.get_text(&format!("/opinions/{third}")).await.1.contains(&format!("department:{water}")));
    assert_eq!(audited(&app, "department.active"), 1);
}

/// 08:00 Beijing time on a working day (a Tuesday), as naive UTC.
fn tuesday_morning() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("date")
}

async fn the_digest_writes_one_message_per_unit_with_open_cases(app: TestApp) {
    // The units that should hear: offices with cases to accept or assign, and
    // departments and offices holding cases with a deadline running.
    let expected: std::collections::BTreeSet<String> = app
        .db
        .read_blocking(|c| {
            let waiting: Vec<Option<i64>> = opinions::table
                .filter(opinions::status.eq_any(["submitted", "accepted"]))
                .select(opinions::office_id)
                .load(c)?;
            let held: Vec<(Option<String>, Option<i64>)> = opinions::table
                .filter(opinions::status.eq_any(["assigned", "in_progress"]))
                .select((opinions::assignee_kind, opinions::assignee_id))
                .load(c)?;
            let mut units: std::collections::BTreeSet<String> =
                waiting.into_iter().flatten().map(|o| format!("office:{o}")).collect();
            units.extend(held.into_iter().filter_map(|(k, id)| Some(format!("{}:{}", k?, id?))));
            Ok(units)
        })
        .expect("open cases");
    let housing = app.department_id("区住房和城乡建设局");
    let (huixing, jianhe, gaomiao) = (app.office_id("会兴街道"), app.office_id("涧河街道"), app.office_id("高庙乡"));
    assert!(expected.contains(&format!("department:{housing}")) && expected.contains(&format!("office:{huixing}")));

    let written = app.db.write_blocking(|c| xieshang::opinions::jobs::digest(c, tuesday_morning())).expect("digest");
    let rows: Vec<(String, String, String, String)> = app
        .db
        .read_blocking(|c| {
            Ok(outbox::table
                .filter(outbox::subject.eq("digest:2026-12-01"))
                .select((outbox::recipient, outbox::channel, outbox::body, outbox::status))
                .load(c)?)
        })
        .expect("outbox");
    assert_eq!(written, rows.len());
    let got: std::collections::BTreeSet<String> = rows.iter().map(|r| r.0.clone()).collect();
    assert_eq!(got, expected, "one row per unit with open cases");
    assert_eq!(got.len(), rows.len(), "and only one");
    for unit in [format!("office:{jianhe}"), format!("office:{gaomiao}"), "department:999999".to_string()] {
        assert!(!got.contains(&unit), "{unit} has nothing waiting");
    }
    assert!(rows.iter().all(|r| r.1 == "inapp" && r.3 == "sent"));
    let housing_body = rows.iter().find(|r| r.0 == format!("department:{housing}")).map(|r| r.2.clone());
    assert!(housing_body.is_some_and(|b| b.contains("待签收 1 件") && b.contains("在办共 2 件")));

    // Once a day: a second run writes nothing; a Saturday writes nothing.
    let again = app.db.write_blocking(|c| xieshang::opinions::jobs::digest(c, tuesday_morning())).expect("digest");
    assert_eq!(again, 0);
    let saturday = tuesday_morning() + Duration::days(4);
    assert_eq!(app.db.write_blocking(move |c| xieshang::opinions::jobs::digest(c, saturday)).expect("digest"), 0);

    // The unit's inbox shows its latest digest; a unit without one shows none.
    let (_, inbox) = app.login_as("dept").await.get_text("/opinions").await;
    assert!(inbox.contains("id=\"digest\"") && inbox.contains("今日待办") && inbox.contains("待签收 1 件"));
    let (_, inbox) = app.login_as("jianhe").await.get_text("/opinions").await;
    assert!(!inbox.contains("id=\"digest\""));

    // The scheduler queues the job once a day, however often it ticks.
    for _ in 0..3 {
        app.schedule_periodic().await;
    }
    let queued: i64 = app
        .db
        .read_blocking(|c| Ok(jobs::table.filter(jobs::kind.eq("opinions.digest")).count().get_result(c)?))
        .expect("jobs");
    assert_eq!(queued, 1);
}

fn sign_late_events(app: &TestApp, id: i64) -> i64 {
    app.db
        .read_blocking(move |c| {
            Ok(opinion_events::table
                .filter(opinion_events::opinion_id.eq(id).and(opinion_events::kind.eq("sign_late")))
                .count()
                .get_result(c)?)
        })
        .expect("events")
}

/// The inbox row of one case.
fn row(inbox: &str, id: i64) -> &str {
    let start = inbox.find(&format!("id=\"case-{id}\"")).expect("the case's row");
    let end = inbox[start..].find("</tr>").map(|e| start + e).unwrap_or(inbox.len());
    &inbox[start..end]
}

async fn a_case_not_signed_in_time_is_flagged_once_per_assignment(app: TestApp) {
    let resident = app.client();
    let id = app.opinion_id(&submit_opinion(&resident, &[("body", "小区门口的井盖丢了，很危险。")]).await);
    let admin = app.login_as("admin").await;
    let housing = app.department_id("区住房和城乡建设局");
    assign_to_department(&admin, id, housing).await;
    let sweep =
        |at: NaiveDateTime| app.db.write_blocking(move |c| xieshang::opinions::jobs::sweep(c, at)).expect("sweep");

    // Within its working day: nothing.
    sweep(Utc::now().naive_utc());
    assert_eq!(sign_late_events(&app, id), 0);
    assert!(!admin.get_text(&format!("/opinions/{id}")).await.1.contains("id=\"sign-late\""));
    // Past it (15 days cover the longest holiday), over two sweeps: one flag.
    let later = Utc::now().naive_utc() + Duration::days(15);
    sweep(later);
    sweep(later + Duration::hours(1));
    assert_eq!(sign_late_events(&app, id), 1, "flagged once");
    let (_, page) = admin.get_text(&format!("/opinions/{id}")).await;
    assert!(page.contains("id=\"sign-late\"") && page.contains("签收超时"));
    let (_, inbox) = admin.get_text("/opinions").await;
    assert!(row(&inbox, id).contains("签收超时"));
    let (_, inbox) = app.login_as("dept").await.get_text("/opinions").await;
    assert!(row(&inbox, id).contains("签收超时"), "the handler sees it too");

    // A reassignment starts a new working day to sign: no tag, then a new flag.
    let civil = app.department_id("区民政局");
    post_ok(
        &admin,
        &format!("/opinions/{id}/act"),
        &[("action", "reassign"), ("assignee", &format!("department:{civil}"))],
    )
    .await;
    assert!(!row(&admin.get_text("/opinions").await.1, id).contains("签收超时"));
    sweep(later);
    sweep(later);
    assert_eq!(sign_late_events(&app, id), 2, "once per assignment");
    // A signed case is not flagged, however late the sweep.
    let other = app.opinion_id(&submit_opinion(&resident, &[("body", "路口垃圾桶满了。")]).await);
    assign_to_department(&admin, other, housing).await;
    post_ok(&app.login_as("dept").await, &format!("/opinions/{other}/act"), &[("action", "sign")]).await;
    sweep(later);
    assert_eq!(sign_late_events(&app, other), 0);
}
