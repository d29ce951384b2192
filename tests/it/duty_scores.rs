//! 履职积分 over HTTP on both databases: a member's score comes from their
//! records (an activity attended shows as a line linked to it), the
//! district's table changes every score, ticking an attendance changes the
//! member's score, the ranking agrees with the member's page, and nobody
//! reads another office's or another member's scores.

use crate::activity_exports::held_visit;
use crate::on_both_databases;
use crate::support::{Client, TestApp, location, post_ok};

on_both_databases!(scores_follow_the_records, members_behind_are_reminded_once_a_month);

/// The number in the element `id="…"` of a page.
fn number_at(page: &str, id: &str) -> i32 {
    let at = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("#{id} on the page"));
    let rest = &page[at..];
    let start = rest.find('>').map_or(0, |i| i + 1);
    let text = &rest[start..start + rest[start..].find('<').unwrap_or(0)];
    text.trim().parse().unwrap_or_else(|_| panic!("#{id}: {text:?}"))
}

async fn score_of(c: &Client, member: i64) -> (i32, String) {
    let (status, page) = c.get_text(&format!("/duty/members/{member}")).await;
    assert_eq!(status, 200);
    (number_at(&page, "member-score"), page)
}

/// How many times an item scored, from the member page's table by item.
fn times(page: &str, item: &str) -> i32 {
    let Some(at) = page.find(&format!("id=\"item-{item}\"")) else { return 0 };
    let cells: Vec<&str> = page[at..].split("<td class=\"num\">").skip(1).take(2).collect();
    cells[1].split('<').next().and_then(|n| n.trim().parse().ok()).expect("times")
}

async fn scores_follow_the_records(app: TestApp) {
    let v = held_visit(&app).await;
    let (present, absent) = (v.present.0, v.absent.0);
    let staff = app.login_as("gaomiao").await;

    // The activity attended is a line of the present member's score, linked to it.
    let (before, page) = score_of(&staff, present).await;
    assert!(page.contains(&format!("href=\"/activities/{}\"", v.id)), "the point's record");
    let activities = times(&page, "activity");
    assert!(activities >= 1 && before >= 2 * activities, "{before} for {activities} activities");
    let ranking = staff.get_text("/duty/scores").await.1;
    assert_eq!(number_at(&ranking, &format!("score-{present}")), before, "the ranking agrees");

    // An apology is no unexcused absence: nothing deducted.
    let member = app.login_as("member").await;
    let r = member.get("/duty/mine").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/duty/members/{absent}"));
    let (absent_before, page) = score_of(&member, absent).await;
    assert_eq!(times(&page, "absence"), 0);

    // Nobody reads another member's or another office's scores.
    assert_eq!(member.get(&format!("/duty/members/{present}")).await.status(), 404);
    assert_eq!(member.get("/duty/scores").await.status(), 404);
    let jianhe = app.login_as("jianhe").await;
    assert_eq!(jianhe.get(&format!("/duty/members/{present}")).await.status(), 404);
    assert!(!jianhe.get_text("/duty/scores").await.1.contains(&format!("rank-{present}")), "another office's ranking");
    assert_eq!(jianhe.get(&format!("/duty/scores?office={}", v.office)).await.status(), 404);

    // The district's table: activities now 5 points each.
    let admin = app.login_as("admin").await;
    let audited = app.audit_count("score.set");
    for (bad, says) in [("abc", "分值请填写整数"), ("200", "-100 到 100"), ("-1", "不能为负数")] {
        let page = post_ok(&admin, "/duty/scores/table", &[("year", "2026"), ("activity", bad)]).await;
        assert!(page.contains(says), "{bad}: {says}");
    }
    let page = post_ok(&admin, "/duty/scores/table", &[("year", "2026"), ("absence", "3")]).await;
    assert!(page.contains("扣分项"), "a deduction stays a deduction");
    assert_eq!(app.audit_count("score.set"), audited, "nothing changed");
    let r = staff.post_form("/duty/scores/table", &[("year", "2026"), ("activity", "9")]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.audit_count("score.set"), audited, "an office cannot change the table");

    let year = chrono::Datelike::year(&xieshang::kernel::time::today()).to_string();
    post_ok(&admin, "/duty/scores/table", &[("year", year.as_str()), ("activity", "5")]).await;
    assert_eq!(app.audit_count("score.set"), audited + 1);
    let (after, _) = score_of(&staff, present).await;
    assert_eq!(after - before, 3 * activities, "every activity scores the new points");

    // The record's length counts: five hours is a whole day; a bad length is refused.
    let day = v.day.to_string();
    let record = |hours: &'static str| {
        vec![("date", day.clone()), ("time", "09:30".into()), ("minutes", "座谈记录".into()), ("hours", hours.into())]
    };
    for bad in ["abc", "200", "0"] {
        let f = record(bad);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert!(
            post_ok(&staff, &format!("/activities/{}/record", v.id), &f).await.contains("时长请填写小时数"),
            "{bad}"
        );
    }
    let days =
        |page: &str| page.split("id=\"member-days\">").nth(1).and_then(|s| s.split(' ').next()).map(str::to_string);
    let before_days = days(&score_of(&staff, present).await.1).expect("days");
    let f = record("5");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_ok(&staff, &format!("/activities/{}/record", v.id), &f).await;
    let after_days = days(&score_of(&staff, present).await.1).expect("days");
    let half = |d: &str| (d.trim_end_matches('<').parse::<f64>().expect("days") * 2.0).round() as i32;
    assert_eq!(
        half(&after_days) - half(&before_days),
        1,
        "{before_days} → {after_days}: 3 hours were half a day, 5 a whole one"
    );

    // Ticking the absent member present adds an activity's points to their score.
    let both = [("present", present.to_string()), ("present", absent.to_string())];
    let both: Vec<(&str, &str)> = both.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_ok(&staff, &format!("/activities/{}/attendance", v.id), &both).await;
    let (absent_after, page) = score_of(&member, absent).await;
    assert_eq!(absent_after - absent_before, 5, "attendance ticked");
    assert!(page.contains(&format!("href=\"/activities/{}\"", v.id)));
}

async fn members_behind_are_reminded_once_a_month(app: TestApp) {
    use chrono::NaiveDateTime;
    use diesel::prelude::*;
    use xieshang::kernel::db::schema::outbox;
    let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
    let run = |at: NaiveDateTime| app.db.write_blocking(move |c| xieshang::duty::jobs::remind(c, at)).expect("remind");
    // Before September: the year is young, nobody is told.
    assert_eq!(run(t("2026-08-20 01:00")), (0, 0));
    // In December the demo's members, with a meeting or two each, are behind
    // the rules' 12 days; each hears once a month, and so does each office.
    let (members, offices) = run(t("2026-12-05 01:00"));
    assert!(members >= 100 && offices >= 8, "{members} members, {offices} offices");
    assert_eq!(run(t("2026-12-20 01:00")), (0, 0), "once a month");
    let gaomiao = app.office_id("高庙乡");
    let office = format!("office:{gaomiao}");
    let bodies: Vec<String> = app
        .db
        .read_blocking(move |c| {
            Ok(outbox::table
                .filter(outbox::subject.eq("duty-behind-office:2026-12").and(outbox::recipient.eq(&office)))
                .select(outbox::body)
                .load(c)?)
        })
        .expect("outbox");
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains("名委员履职时间落后于进度"), "{}", bodies[0]);
    let (again, _) = run(t("2027-01-03 01:00"));
    assert_eq!(again, 0, "a new year: reminders start again in September");
}
