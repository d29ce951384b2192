//! Liaison activities over HTTP on both databases: planning and replies, QR
//! sign-in (only oneself, only with this activity's code, only on the day),
//! coverage at quarter edges in Beijing time, reminders queued once, opinions
//! heard becoming cases, the public page, and office scope.

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use xieshang::kernel::db::schema::{activity_members, liaisons, members, members_homes, opinions, outbox, users};

use xieshang::activities::store::Activities;
use xieshang::kernel::error::AppError;
use xieshang::meetings::store::{attendees, files, speakers};

use crate::on_both_databases;
use crate::support::{Client, TestApp, location, post_ok};

on_both_databases!(
    staff_plan_members_reply_and_sign_in_by_the_qr_code,
    coverage_counts_each_quarter_in_beijing_time,
    reminders_are_queued_once,
    opinions_heard_become_cases_and_the_public_page_shows_the_record,
    another_office_sees_nothing_of_an_activity,
);

/// The demo `member` login's member record and a village it is linked to.
fn member_and_point(app: &TestApp) -> (i64, i64) {
    app.db
        .read_blocking(|c| {
            let m: i64 = members::table
                .inner_join(users::table.on(members::user_id.eq(users::id.nullable())))
                .filter(users::username.eq("member"))
                .select(members::id)
                .first(c)?;
            let l: i64 = liaisons::table
                .filter(liaisons::member_id.eq(m).and(liaisons::end_on.is_null()))
                .select(liaisons::locality_id)
                .first(c)?;
            Ok((m, l))
        })
        .expect("member")
}

/// Beijing wall-clock date and time of a UTC instant, as the forms take them.
fn beijing(t: NaiveDateTime) -> (String, String) {
    let b = t + Duration::hours(8);
    (b.format("%Y-%m-%d").to_string(), b.format("%H:%M").to_string())
}

/// Plans a liaison visit as `c` and returns its id.
async fn plan(c: &Client, office: i64, locality: i64, members: &[i64], date: &str, time: &str) -> i64 {
    let (o, l) = (office.to_string(), locality.to_string());
    let ids: Vec<String> = members.iter().map(|m| m.to_string()).collect();
    let mut fields = vec![
        ("office", o.as_str()),
        ("kind", "liaison"),
        ("title", "听民声、察民情、知民意、解民忧"),
        ("locality", l.as_str()),
        ("venue", "村委会"),
        ("date", date),
        ("time", time),
    ];
    for m in &ids {
        fields.push(("member", m.as_str()));
    }
    let r = c.post_form("/activities", &fields).await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    to.trim_start_matches("/activities/").parse().unwrap_or_else(|_| panic!("planned: {to}"))
}

/// A member of the office other than `me`.
fn another_member(app: &TestApp, office: i64, me: i64) -> i64 {
    app.db
        .read_blocking(move |c| {
            Ok(members::table
                .filter(members::id.ne(me).and(members::office_id.eq(office)))
                .select(members::id)
                .first::<i64>(c)?)
        })
        .expect("another member")
}

/// The sign-in link shown to staff on the activity page (what its QR code holds).
async fn signin_link(staff: &Client, id: i64) -> String {
    let (_, page) = staff.get_text(&format!("/activities/{id}")).await;
    assert!(page.contains("id=\"signin-qr\"") && page.contains("<svg"), "the QR code is on the page");
    let path = format!("/activities/{id}/signin?t=");
    let at = page.find(&path).expect("sign-in link");
    page[at..at + page[at..].find('"').expect("end")].replace("&amp;", "&")
}

fn token_of(link: &str) -> String {
    link.split_once("t=").map(|(_, t)| t.to_string()).expect("token")
}

fn attended(app: &TestApp, id: i64, member: i64) -> Option<(bool, Option<String>)> {
    app.db
        .read_blocking(move |c| {
            Ok(activity_members::table
                .filter(activity_members::activity_id.eq(id).and(activity_members::member_id.eq(member)))
                .select((activity_members::attended, activity_members::signed_by))
                .first(c)
                .optional()?)
        })
        .expect("attendance")
}

async fn staff_plan_members_reply_and_sign_in_by_the_qr_code(app: TestApp) {
    let (me, point) = member_and_point(&app);
    let office = app.office_id("高庙乡");
    let (staff, member) = (app.login_as("gaomiao").await, app.login_as("member").await);
    // The plan form ticks the point's linked members.
    let (_, form) = staff.get_text(&format!("/activities/new?locality={point}")).await;
    assert!(form.contains(&format!("name=\"member\" value=\"{me}\" checked")), "linked members are preselected");
    // One place selector; the point's members first, then the office's, the
    // district's others folded away.
    assert_eq!(form.matches("name=\"locality\"").count(), 2, "the chooser and the plan's hidden field");
    assert!(form.contains("id=\"chosen-point\""));
    let groups: Vec<&str> =
        ["该联系点的委员", "本办公室委员", "全区其他委员"].into_iter().filter(|g| form.contains(g)).collect();
    assert_eq!(groups, vec!["该联系点的委员", "本办公室委员", "全区其他委员"]);
    let point_group = form.find("该联系点的委员").expect("point group");
    let others_group = form.find("全区其他委员").expect("others group");
    assert!(point_group < others_group);
    let others = &form[form[..others_group].rfind("<details").expect("details")..others_group];
    assert!(!others.contains(" open"), "the district's others start folded: {others}");
    assert!(form.contains("/static/picker.js"));
    // A point that is not the office's is not carried into the plan.
    let (_, form) = staff.get_text("/activities/new?locality=999999").await;
    assert!(!form.contains("value=\"999999\""), "an unknown point is dropped");
    // A plan without a date is refused, and the form keeps what was typed.
    let (o, l, m) = (office.to_string(), point.to_string(), me.to_string());
    let fields = [
        ("office", o.as_str()),
        ("kind", "liaison"),
        ("title", "夏季防汛走访"),
        ("locality", l.as_str()),
        ("venue", "村委会二楼"),
        ("topic", "河道清淤"),
        ("member", m.as_str()),
    ];
    let r = staff.post_form("/activities", &fields).await;
    assert_eq!(r.status(), 400);
    let again = r.text().await.unwrap_or_default();
    assert!(again.contains("请填写活动日期"), "the reason");
    for typed in ["value=\"夏季防汛走访\"", "value=\"村委会二楼\"", "value=\"河道清淤\""] {
        assert!(again.contains(typed), "{typed} kept");
    }
    assert!(again.contains(&format!("name=\"member\" value=\"{me}\" checked")), "the ticked member kept");
    let (date, time) = beijing(Utc::now().naive_utc());
    let id = plan(&staff, office, point, &[me], &date, &time).await;
    // The member sees the invitation at home and replies.
    let (_, home) = member.get_text("/").await;
    assert!(home.contains("id=\"invitations\"") && home.contains(&format!("/activities/{id}")));
    let page = post_ok(&member, &format!("/activities/{id}/reply"), &[("reply", "apology")]).await;
    assert!(page.contains("请假请写明原因"), "apologies need a reason");
    post_ok(&member, &format!("/activities/{id}/reply"), &[("reply", "apology"), ("note", "在外地出差")]).await;
    let (_, seen) = staff.get_text(&format!("/activities/{id}")).await;
    assert!(seen.contains("请假（在外地出差）"), "staff see the reason");
    let page = post_ok(&member, &format!("/activities/{id}/reply"), &[("reply", "confirmed")]).await;
    assert!(page.contains("已回复"));
    // Signing in: the link from this activity's QR code.
    let link = signin_link(&staff, id).await;
    let (status, phone) = member.get_text(&link).await;
    assert_eq!(status, 200);
    assert!(phone.contains("id=\"signin-form\""), "one big button");
    // Another activity's code does not sign in here.
    let later = Utc::now().naive_utc() + Duration::days(3);
    let (d2, t2) = beijing(later);
    let other = plan(&staff, office, point, &[me], &d2, &t2).await;
    let other_token = token_of(&signin_link(&staff, other).await);
    let page = post_ok(&member, &format!("/activities/{id}/signin"), &[("t", &other_token)]).await;
    assert!(page.contains("签到二维码不对"));
    assert_eq!(attended(&app, id, me), Some((false, None)));
    // Signing in for the future activity is closed until its day.
    let page = post_ok(&member, &format!("/activities/{other}/signin"), &[("t", &other_token)]).await;
    assert!(page.contains("现在不在签到时间内"));
    // The right code signs the member in, as themself: a `member` field changes nothing.
    let token = token_of(&link);
    let someone_else = another_member(&app, office, me);
    let page =
        post_ok(&member, &format!("/activities/{id}/signin"), &[("t", &token), ("member", &someone_else.to_string())])
            .await;
    assert!(page.contains("签到成功"));
    assert_eq!(attended(&app, id, me), Some((true, Some("self".into()))));
    assert_eq!(attended(&app, id, someone_else), None, "nobody signs in for another");
    // Staff are not members: they tick attendance instead.
    let page = post_ok(&staff, &format!("/activities/{id}/signin"), &[("t", &token)]).await;
    assert!(page.contains("没有关联委员信息"));
    // A box sent twice (a double click, a crafted form) counts once.
    let (m, other) = (me.to_string(), someone_else.to_string());
    let page = post_ok(
        &staff,
        &format!("/activities/{id}/attendance"),
        &[("present", &m), ("present", &other), ("present", &other)],
    )
    .await;
    assert!(page.contains("出席情况已保存"));
    assert_eq!(attended(&app, id, someone_else), Some((true, Some("staff".into()))));
    assert_eq!(attended(&app, id, me), Some((true, Some("self".into()))), "a QR sign-in stays as it was");
}

async fn coverage_counts_each_quarter_in_beijing_time(app: TestApp) {
    let (me, point) = member_and_point(&app);
    let office = app.office_id("高庙乡");
    let staff = app.login_as("gaomiao").await;
    // Held at 23:30 on 30 September, Beijing time: the third quarter, though
    // it is 15:30 UTC on the same day and the fourth quarter starts 8 hours later.
    let id = plan(&staff, office, point, &[me], "2026-09-30", "23:30").await;
    post_ok(&staff, &format!("/activities/{id}/attendance"), &[("present", &me.to_string())]).await;
    let page = post_ok(
        &staff,
        &format!("/activities/{id}/record"),
        &[("date", "2026-09-30"), ("time", "23:30"), ("minutes", "走访了12户群众，听取了对村道硬化的意见。")],
    )
    .await;
    assert!(page.contains("活动记录已保存"), "{}", &page[..page.len().min(3000)]);
    let (_, q3) = staff.get_text("/activities/coverage?quarter=2026Q3").await;
    assert!(q3.contains(&format!("id=\"point-{point}\" class=\"mark-held\"")), "held in Q3");
    // Quarters read as people write them, and the URL takes either form.
    assert!(q3.contains("2026年第三季度") && q3.contains("2026年第二季度") && q3.contains("2026年第四季度"));
    for typed in ["2026q3", "2026%E5%B9%B4%E7%AC%AC%E4%B8%89%E5%AD%A3%E5%BA%A6"] {
        let (status, page) = staff.get_text(&format!("/activities/coverage?quarter={typed}")).await;
        assert_eq!(status, 200, "{typed}");
        assert!(page.contains(&format!("id=\"point-{point}\" class=\"mark-held\"")), "{typed}");
    }
    let (_, q4) = staff.get_text("/activities/coverage?quarter=2026Q4").await;
    assert!(q4.contains(&format!("id=\"point-{point}\" class=\"mark-missing\"")), "nothing in Q4 yet");
    // Members present in Q3 are not on its list of members without an activity.
    let without = |page: &str| page[page.find("id=\"members-without\"").expect("list")..].to_string();
    assert!(!without(&q3).contains(&format!("/members/{me}\"")));
    assert!(without(&q4).contains(&format!("/members/{me}\"")));
    // A plan for the fourth quarter turns the point to planned.
    plan(&staff, office, point, &[me], "2026-10-01", "00:00").await;
    let (_, q4) = staff.get_text("/activities/coverage?quarter=2026Q4").await;
    assert!(q4.contains(&format!("id=\"point-{point}\" class=\"mark-planned\"")));
    // The office sees its own points only; the district sees every office.
    assert!(!q4.contains("涧河街道"));
    let (_, district) = app.login_as("admin").await.get_text("/activities/coverage?quarter=2026Q4").await;
    assert!(district.contains("涧河街道") && district.contains("高庙乡"));
    let (status, _) = staff.get_text("/activities/coverage?quarter=2026Q9").await;
    assert_eq!(status, 400, "a bad quarter is refused with a message");
}

fn notes(app: &TestApp, like: &str) -> Vec<(String, String)> {
    let like = like.to_string();
    app.db
        .read_blocking(move |c| {
            Ok(outbox::table
                .filter(outbox::subject.like(&like))
                .select((outbox::recipient, outbox::subject))
                .load(c)?)
        })
        .expect("outbox")
}

async fn reminders_are_queued_once(app: TestApp) {
    let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
    let run =
        |at: NaiveDateTime| app.db.write_blocking(move |c| xieshang::activities::jobs::remind(c, at)).expect("remind");
    // Mid-November: too early to remind the points, but the third quarter
    // ended with gaps (the demo has activities at a few points only), so the
    // district hears once.
    let (points, district) = run(t("2026-11-15 01:00"));
    assert_eq!((points, district), (0, 1));
    assert_eq!(run(t("2026-11-16 01:00")), (0, 0));
    // From 1 December (30 days before the quarter ends): every point without a plan.
    let (points, district) = run(t("2026-12-05 01:00"));
    assert!(points >= 70, "the demo's 94 points less the few it planned: {points}");
    assert_eq!(district, 0);
    assert_eq!(run(t("2026-12-06 01:00")), (0, 0), "once per point and quarter");
    let gaomiao = app.office_id("高庙乡");
    let office_notes = notes(&app, "activity-gap:2026Q4:%");
    assert!(office_notes.iter().any(|(to, _)| *to == format!("office:{gaomiao}")));
    let (me, _) = member_and_point(&app);
    assert!(office_notes.iter().any(|(to, _)| *to == format!("member:{me}")), "the linked member too");
    let convener: Option<i64> = app
        .db
        .read_blocking(move |c| {
            use xieshang::kernel::db::schema::offices;
            Ok(offices::table.find(gaomiao).select(offices::convener_id).first(c)?)
        })
        .expect("convener");
    let convener = convener.expect("the demo office has a convener");
    assert!(office_notes.iter().any(|(to, _)| *to == format!("member:{convener}")), "and the convener");
    assert_eq!(notes(&app, "activity-gaps:2026Q3").len(), 1);
    // The home pages show the points as they stand now, not these messages
    // (tests/it/homes.rs follows a point's count).
    let (_, home) = app.login_as("gaomiao").await.get_text("/").await;
    assert!(home.contains("id=\"q-points_missing\"") && !home.contains("还没有安排联系活动"));
    let (_, home) = app.login_as("admin").await.get_text("/").await;
    assert!(!home.contains("2026年第三季度 已结束"));
}

async fn opinions_heard_become_cases_and_the_public_page_shows_the_record(app: TestApp) {
    let (me, point) = member_and_point(&app);
    let office = app.office_id("高庙乡");
    let staff = app.login_as("gaomiao").await;
    let (date, time) = beijing(Utc::now().naive_utc() - Duration::hours(2));
    let id = plan(&staff, office, point, &[me], &date, &time).await;
    let other = another_member(&app, office, me);
    post_ok(
        &staff,
        &format!("/activities/{id}/attendance"),
        &[("present", &me.to_string()), ("present", &other.to_string())],
    )
    .await;
    // An opinion heard there becomes a case in the box, from this activity.
    let page = post_ok(
        &staff,
        &format!("/activities/{id}/opinions"),
        &[("heard_by", &me.to_string()), ("body", "村口的桥栏杆松了，孩子上学经过很危险。")],
    )
    .await;
    assert!(page.contains("意见已录入社情民意征集箱") && page.contains("孩子上学经过很危险"));
    let (source, heard_by, office_of): (String, Option<i64>, Option<i64>) = app
        .db
        .read_blocking(|c| {
            Ok(opinions::table
                .filter(opinions::body.like("%桥栏杆%"))
                .select((opinions::source, opinions::heard_by, opinions::office_id))
                .first(c)?)
        })
        .expect("case");
    assert_eq!((source.as_str(), heard_by, office_of), ("activity", Some(me), Some(office)));
    // The record with a photo, published.
    post_ok(
        &staff,
        &format!("/activities/{id}/record"),
        &[
            ("minutes", "座谈会听取了群众对村道和桥梁的意见。"),
            ("outcomes", "桥栏杆已报乡里维修。"),
            ("public", "1"),
            ("residents_count", "15"),
        ],
    )
    .await;
    let r = staff.upload_png(&format!("/activities/{id}/photos"), &[], "photos", "现场.png", crate::org::PNG).await;
    assert_eq!(r.status(), 303);
    // Only one of the two present members agreed to be named, on their own
    // page; nobody agrees for another.
    let member = app.login_as("member").await;
    let page = post_ok(&member, &format!("/members/{me}/public-name"), &[("public_name", "1")]).await;
    assert!(page.contains("本人已同意在委员之家活动展示等公开页面显示姓名"));
    let r = member.post_form(&format!("/members/{other}/public-name"), &[("public_name", "1")]).await;
    assert_eq!(r.status(), 403);
    let (my_name, other_name): (String, String) = app
        .db
        .read_blocking(move |c| {
            Ok((
                members::table.find(me).select(members::name).first(c)?,
                members::table.find(other).select(members::name).first(c)?,
            ))
        })
        .expect("names");
    let home: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(members_homes::table.filter(members_homes::office_id.eq(office)).select(members_homes::id).first(c)?)
        })
        .expect("home");
    // Staff reach the public page from the Home's page.
    let r = staff.get(&format!("/homes/{office}/public")).await;
    assert_eq!(location(&r), format!("/box/hubin/homes/{home}"));
    let public = app.client();
    let (status, page) = public.get_text(&format!("/box/hubin/homes/{home}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("桥栏杆已报乡里维修") && page.contains("出席委员 2"));
    assert!(page.contains(&my_name) && !page.contains(&other_name), "names only with consent");
    let photo = page.find(&format!("/box/hubin/activities/{id}/photos/")).expect("photo");
    let url = &page[photo..photo + page[photo..].find('"').expect("end")];
    let r = public.get(url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
    // Unpublished, it disappears, photo and all.
    post_ok(&staff, &format!("/activities/{id}/record"), &[("minutes", "座谈会听取了群众对村道和桥梁的意见。")]).await;
    let (_, page) = public.get_text(&format!("/box/hubin/homes/{home}")).await;
    assert!(!page.contains(&format!("id=\"shown-{id}\"")) && !page.contains("桥栏杆已报乡里维修"));
    assert_eq!(public.get(url).await.status(), 404);
}

async fn another_office_sees_nothing_of_an_activity(app: TestApp) {
    let (me, point) = member_and_point(&app);
    let office = app.office_id("高庙乡");
    let staff = app.login_as("gaomiao").await;
    let (date, time) = beijing(Utc::now().naive_utc());
    let id = plan(&staff, office, point, &[me], &date, &time).await;
    let jianhe = app.login_as("jianhe").await;
    assert_eq!(jianhe.get_text(&format!("/activities/{id}")).await.0, 404);
    let r = jianhe.post_form(&format!("/activities/{id}/record"), &[("minutes", "不该写进去")]).await;
    assert_eq!(r.status(), 404);
    let (_, list) = jianhe.get_text("/activities").await;
    assert!(!list.contains(&format!("activity-{id}")));
    // Nor may it plan for another office: office staff plan for their own.
    let gaomiao_office = office.to_string();
    let r = jianhe
        .post_form("/activities", &[("office", &gaomiao_office), ("kind", "study"), ("title", "学习"), ("date", &date)])
        .await;
    assert_eq!(r.status(), 303);
    let planned_in: Vec<i64> = app
        .db
        .read_blocking(|c| {
            use xieshang::kernel::db::schema::activities;
            Ok(activities::table.filter(activities::title.eq("学习")).select(activities::office_id).load(c)?)
        })
        .expect("offices");
    assert_eq!(planned_in, vec![app.office_id("涧河街道")]);
    // A department sees no activities at all.
    let (_, list) = app.login_as("dept").await.get_text("/activities").await;
    assert!(list.contains("还没有活动"));
    // The meeting's lists check the activity's scope themselves, whoever calls them.
    let (outsider, insider) = (app.actor("jianhe"), app.actor("gaomiao"));
    let lists = move |c: &mut _, who: &xieshang::kernel::auth::Actor| {
        Ok((
            attendees::list::<Activities>(c, who, id).map(|l| l.len()),
            speakers::list::<Activities>(c, who, id).map(|l| l.len()),
            files::list::<Activities>(c, who, id).map(|l| l.len()),
        ))
    };
    let (a, s, f) = app.db.read_blocking(move |c| lists(c, &outsider)).expect("read");
    assert!(matches!((a, s, f), (Err(AppError::NotFound), Err(AppError::NotFound), Err(AppError::NotFound))));
    let (a, s, f) = app.db.read_blocking(move |c| lists(c, &insider)).expect("read");
    assert_eq!((a.ok(), s.ok(), f.ok()), (Some(1), Some(0), Some(0)));
    // Speakers' points are kept for activities as for consultations.
    let page =
        post_ok(&staff, &format!("/activities/{id}/speakers"), &[("name", "村民代表"), ("points", "希望修好村道。")])
            .await;
    assert!(page.contains("发言要点已添加") && page.contains("希望修好村道。"));
    let r =
        jianhe.post_form(&format!("/activities/{id}/speakers"), &[("name", "外人"), ("points", "不该写进去")]).await;
    assert_eq!(r.status(), 404);
}
