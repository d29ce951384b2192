//! The working-day calendar over HTTP on both databases: the demo committee's 2026
//! schedule, the district admin's 调休 day, who may change it, bad dates.

use chrono::NaiveDate;
use diesel::prelude::*;
use xieshang::kernel::calendar::{Calendar, store};
use xieshang::kernel::db::schema::{audit_log, calendar_days, committees};
use xieshang::kernel::ids::CommitteeId;

use crate::on_both_databases;
use crate::support::{Client, TestApp, location};

on_both_databases!(
    the_demo_committee_has_the_2026_schedule,
    the_district_adds_a_make_up_workday_and_deadlines_count_it,
    office_staff_read_the_calendar_but_cannot_change_it,
    a_bad_date_gets_a_plain_message_and_changes_nothing,
);

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

fn committee(app: &TestApp) -> CommitteeId {
    app.db
        .read_blocking(|c| {
            Ok(committees::table
                .filter(committees::code.eq(xieshang::demo::COMMITTEE_CODE))
                .select(committees::id)
                .first(c)?)
        })
        .map(CommitteeId)
        .expect("demo committee")
}

fn calendar(app: &TestApp, year: i32) -> Calendar {
    let id = committee(app);
    app.db.read_blocking(move |c| store::load_unscoped(c, id, year, year + 1)).expect("load calendar")
}

fn day_count(app: &TestApp) -> i64 {
    app.db.read_blocking(|c| Ok(calendar_days::table.count().get_result(c)?)).expect("count")
}

/// The flash message shown after a form redirect.
async fn after(c: &Client, r: reqwest::Response) -> String {
    assert_eq!(r.status(), 303, "form redirects");
    c.get_text(&location(&r)).await.1
}

async fn the_demo_committee_has_the_2026_schedule(app: TestApp) {
    assert_eq!(day_count(&app), 33 + 6, "33 days off and 6 make-up days");
    let cal = calendar(&app, 2026);
    assert!(!cal.is_working_day(d(2026, 10, 7)), "Wednesday in Golden Week");
    assert!(cal.is_working_day(d(2026, 9, 20)), "make-up Sunday");
    assert!(cal.is_working_day(d(2026, 2, 14)), "make-up Saturday before the Spring Festival");
    assert_eq!(cal.add_working_days(d(2026, 2, 12), 5), d(2026, 2, 26));

    let admin = app.login_as("admin").await;
    let (status, page) = admin.get_text("/calendar?year=2026").await;
    assert_eq!(status, 200);
    for text in ["国庆节", "春节", "调休上班", "2026-09-20", "星期日", "248"] {
        assert!(page.contains(text), "the page shows {text}");
    }
    assert!(page.contains("action=\"/calendar/days\""), "the admin can edit");
    let (_, home) = admin.get_text("/").await;
    assert!(home.contains("href=\"/calendar\""), "in the admin's navigation");

    // 2027's notice is not out yet: the page says so and counts plain weeks.
    let (_, next) = admin.get_text("/calendar?year=2027").await;
    assert!(next.contains("还没有录入"));

    let leader = app.login_as("leader").await;
    let (status, page) = leader.get_text("/calendar").await;
    assert_eq!(status, 200);
    assert!(!page.contains("action=\"/calendar/days\""), "leaders only read");
}

async fn the_district_adds_a_make_up_workday_and_deadlines_count_it(app: TestApp) {
    let sunday = d(2026, 12, 27);
    let before = calendar(&app, 2026);
    assert!(!before.is_working_day(sunday));
    let admin = app.login_as("admin").await;

    let r =
        admin.post_form("/calendar/days", &[("day", "2026-12-27"), ("kind", "workday"), ("name", "年终调休")]).await;
    assert_eq!(location(&r), "/calendar?year=2026");
    let page = after(&admin, r).await;
    assert!(page.contains("已保存"));
    assert!(page.contains("年终调休"));

    let cal = calendar(&app, 2026);
    assert!(cal.is_working_day(sunday), "the make-up Sunday counts");
    assert_eq!(cal.working_days_between(d(2026, 12, 25), d(2026, 12, 31)), 5, "Mon–Thu and the Sunday");
    assert_eq!(cal.add_working_days(d(2026, 12, 25), 1), sunday);
    let entries: i64 = app
        .db
        .read_blocking(|c| Ok(audit_log::table.filter(audit_log::action.eq("calendar.add")).count().get_result(c)?))
        .expect("audit");
    assert_eq!(entries, 1, "the change is audited");

    // Saving the same date again changes it: now a day off.
    let r =
        admin.post_form("/calendar/days", &[("day", "2026-12-27"), ("kind", "holiday"), ("name", "改为休息")]).await;
    assert!(after(&admin, r).await.contains("已保存"));
    assert!(!calendar(&app, 2026).is_working_day(sunday));
    assert_eq!(day_count(&app), 33 + 6 + 1, "changed, not added twice");

    // Removing it: the Sunday is an ordinary Sunday again.
    let r = admin.post_form("/calendar/days/remove", &[("day", "2026-12-27")]).await;
    assert!(after(&admin, r).await.contains("已删除"));
    assert_eq!(day_count(&app), 33 + 6);
    let audited: Vec<String> = app
        .db
        .read_blocking(|c| {
            Ok(audit_log::table
                .filter(audit_log::action.like("calendar.%"))
                .order(audit_log::id.asc())
                .select(audit_log::action)
                .load(c)?)
        })
        .expect("audit");
    assert_eq!(audited, ["calendar.seed", "calendar.add", "calendar.change", "calendar.remove"]);
}

async fn office_staff_read_the_calendar_but_cannot_change_it(app: TestApp) {
    let gaomiao = app.login_as("gaomiao").await;
    let (status, page) = gaomiao.get_text("/calendar?year=2026").await;
    assert_eq!(status, 200);
    assert!(page.contains("国庆节"));
    assert!(!page.contains("action=\"/calendar/days\""), "no edit forms for office staff");

    let r = gaomiao.post_form("/calendar/days", &[("day", "2026-12-27"), ("kind", "workday"), ("name", "调休")]).await;
    assert_eq!(r.status(), 403);
    let r = gaomiao.post_form("/calendar/days/remove", &[("day", "2026-10-01")]).await;
    assert_eq!(r.status(), 403);
    let r = gaomiao.post_form("/calendar/fill", &[("year", "2026")]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(day_count(&app), 33 + 6, "nothing changed");
    assert!(!calendar(&app, 2026).is_working_day(d(2026, 10, 1)));

    // 三权分立: the auditor reads no business pages.
    let auditor = app.login_as("auditor").await;
    assert_eq!(auditor.get("/calendar").await.status(), 403);
}

async fn a_bad_date_gets_a_plain_message_and_changes_nothing(app: TestApp) {
    let admin = app.login_as("admin").await;
    let audit_before: i64 = app.db.read_blocking(|c| Ok(audit_log::table.count().get_result(c)?)).expect("audit count");

    for bad in ["2026-02-30", "明天", ""] {
        let r = admin
            .post_form("/calendar/days", &[("day", bad), ("kind", "holiday"), ("name", "假日"), ("year", "2026")])
            .await;
        assert_eq!(location(&r), "/calendar?year=2026", "back to the year's page");
        let page = after(&admin, r).await;
        assert!(page.contains("日期不对，请按“2026-10-01”这样填写年、月、日。"), "message for {bad:?}");
    }
    let r = admin.post_form("/calendar/days", &[("day", "0026-10-01"), ("kind", "holiday"), ("name", "国庆节")]).await;
    assert!(after(&admin, r).await.contains("只能设置2000年到2100年之间的日子"));
    // A make-up working day on a Wednesday is a slip: refused, in words.
    let r = admin.post_form("/calendar/days", &[("day", "2026-12-23"), ("kind", "workday"), ("name", "调休")]).await;
    assert!(after(&admin, r).await.contains("本来就要上班"));
    let r = admin.post_form("/calendar/days/remove", &[("day", "2026-12-23")]).await;
    assert!(after(&admin, r).await.contains("没有特别安排"));

    assert_eq!(day_count(&app), 33 + 6, "nothing written");
    let audit_after: i64 = app.db.read_blocking(|c| Ok(audit_log::table.count().get_result(c)?)).expect("audit count");
    assert_eq!(audit_after, audit_before, "nothing audited");
}
