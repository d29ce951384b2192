//! Consultations (协商议事) over HTTP on both databases: a topic raised from an
//! opinion-box case goes from proposal through planning (suggested invitees,
//! invitations, replies), the session (QR sign-in, attendance, speakers, the
//! record) and agreed items to published results; the case's resident is
//! told twice; a department sees and updates only its own items; another
//! office sees nothing; overdue items escalate to the district once.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use xieshang::kernel::db::schema::{
    consultation_items, consultation_members, consultations, departments, jobs, members, outbox, users,
};

use crate::support::{Client, TestApp, location, post_ok, queue_count, submit_opinion};
use crate::{office, on_both_databases};

on_both_databases!(
    a_topic_from_the_box_goes_to_published_results,
    a_department_sees_and_updates_only_its_items,
    another_office_sees_nothing_and_bad_input_changes_nothing,
    overdue_items_escalate_once,
);

/// A resident's case in the box, with a phone (so they are told); its code.
async fn a_case(app: &TestApp) -> String {
    let fields =
        [("body", "小区门口的路口没有红绿灯，老人过马路很危险。"), ("phone", "13800138000"), ("name", "王秀兰")];
    submit_opinion(&app.client(), &fields).await
}

/// The demo `member` login's member record and its sector.
fn the_member(app: &TestApp) -> (i64, Option<i64>) {
    app.db
        .read_blocking(|c| {
            Ok(members::table
                .inner_join(users::table.on(members::user_id.eq(users::id.nullable())))
                .filter(users::username.eq("member"))
                .select((members::id, members::sector_id))
                .first(c)?)
        })
        .expect("member")
}

fn dept_of(app: &TestApp, username: &str) -> i64 {
    let u = username.to_string();
    app.db
        .read_blocking(move |c| {
            Ok(users::table.filter(users::username.eq(&u)).select(users::department_id).first::<Option<i64>>(c)?)
        })
        .expect("user")
        .expect("a department user")
}

fn beijing(t: NaiveDateTime) -> (String, String) {
    let b = t + Duration::hours(8);
    (b.format("%Y-%m-%d").to_string(), b.format("%H:%M").to_string())
}

/// Proposes a topic as `c`; returns its id.
pub async fn propose(c: &Client, fields: &[(&str, &str)]) -> i64 {
    let r = c.post_form("/consultations", fields).await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    to.trim_start_matches("/consultations/").parse().unwrap_or_else(|_| panic!("proposed: {to}"))
}

/// Approves, plans for now with the member invited, and records the session
/// as `staff`: the consultation is then held.
pub async fn held(app: &TestApp, staff: &Client, id: i64, members: &[i64], depts: &[i64]) {
    post_ok(staff, &format!("/consultations/{id}/decide"), &[("decision", "approve")]).await;
    let (date, time) = beijing(Utc::now().naive_utc());
    let ms: Vec<String> = members.iter().map(|m| m.to_string()).collect();
    let ds: Vec<String> = depts.iter().map(|m| m.to_string()).collect();
    let mut f = vec![("format", "home"), ("date", date.as_str()), ("time", time.as_str()), ("place", "委员之家")];
    f.extend(ms.iter().map(|m| ("member", m.as_str())));
    f.extend(ds.iter().map(|d| ("department", d.as_str())));
    let page = post_ok(staff, &format!("/consultations/{id}/plan"), &f).await;
    assert!(page.contains("协商已安排"), "{}", &page[..page.len().min(2000)]);
    let page = post_ok(
        staff,
        &format!("/consultations/{id}/record"),
        &[("record", "与会委员和群众代表就路口安全进行了协商。"), ("residents_count", "12")],
    )
    .await;
    assert!(page.contains("协商纪要已保存"));
    let _ = app;
}

fn notify_jobs(app: &TestApp, code: &str) -> usize {
    let id = app.opinion_id(code);
    app.db
        .read_blocking(move |c| {
            Ok(jobs::table
                .filter(jobs::kind.eq("opinions.notify"))
                .filter(jobs::dedupe_key.like(format!("notify:{id}:%")))
                .count()
                .get_result::<i64>(c)? as usize)
        })
        .expect("jobs")
}

async fn a_topic_from_the_box_goes_to_published_results(app: TestApp) {
    let code = a_case(&app).await;
    let before = notify_jobs(&app, &code);
    let (me, sector) = the_member(&app);
    let staff = app.login_as("gaomiao").await;
    let member = app.login_as("member").await;
    // A member proposes a topic from the resident's case.
    let id = propose(&member, &[("title", "路口交通安全协商"), ("background", "群众反映路口危险。"), ("codes", &code)])
        .await;
    let (_, page) = member.get_text(&format!("/consultations/{id}")).await;
    assert!(page.contains("待审核") && !page.contains(&code), "tracking codes are for staff");
    let (_, page) = staff.get_text(&format!("/consultations/{id}")).await;
    assert!(page.contains(&code));
    // A member may not approve it; the office's staff may.
    let r = member.post_form(&format!("/consultations/{id}/decide"), &[("decision", "approve")]).await;
    assert_eq!(r.status(), 403);
    let page = post_ok(&staff, &format!("/consultations/{id}/decide"), &[("decision", "approve")]).await;
    assert!(page.contains("已立项"));
    // The plan form suggests the sector's members, ticked.
    let sector = sector.expect("the demo member has a sector");
    let (_, form) = staff.get_text(&format!("/consultations/{id}/plan?sector={sector}")).await;
    assert!(form.contains(&format!("name=\"member\" value=\"{me}\" checked")), "sector members are suggested");
    let dept = dept_of(&app, "dept");
    let (date, time) = beijing(Utc::now().naive_utc());
    let (me_s, dept_s, sector_s) = (me.to_string(), dept.to_string(), sector.to_string());
    // The plan, with the place given.
    let plan = |place| {
        [
            ("format", "open_space"),
            ("date", date.as_str()),
            ("time", time.as_str()),
            ("place", place),
            ("host", "召集人"),
            ("sector", sector_s.as_str()),
            ("member", me_s.as_str()),
            ("department", dept_s.as_str()),
            ("residents", "居民代表10人"),
        ]
    };
    let page = post_ok(&staff, &format!("/consultations/{id}/plan"), &plan("五原路社区开放空间")).await;
    assert!(page.contains("协商已安排") && page.contains("开放空间"));
    // Invitations: in-app, once per invitee.
    let invites: Vec<String> = app
        .db
        .read_blocking(move |c| {
            Ok(outbox::table
                .filter(outbox::subject.eq(format!("consultation-invite:{id}")))
                .select(outbox::recipient)
                .load(c)?)
        })
        .expect("outbox");
    assert!(invites.contains(&format!("member:{me}")) && invites.contains(&format!("department:{dept}")));
    // Materials go out beforehand, as files the invitees open from the page.
    let r = staff
        .upload_png(&format!("/consultations/{id}/materials"), &[], "materials", "路口现状图.png", crate::org::PNG)
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = member.get_text(&format!("/consultations/{id}")).await;
    let at = page.find("id=\"materials\"").expect("materials");
    let section = &page[at..at + page[at..].find("</div>").expect("end")];
    assert!(section.contains("路口现状图.png"), "{section}");
    let link = section.find(&format!("/consultations/{id}/files/")).expect("link");
    let url = &section[link..link + section[link..].find('"').expect("end")];
    assert_eq!(member.get(url).await.status(), 200, "the invited member opens it");
    // Moved to another place: everyone invited hears again, once.
    let invites_to_me = || {
        let to = format!("member:{me}");
        app.db
            .read_blocking(move |c| {
                Ok(outbox::table
                    .filter(outbox::subject.eq(format!("consultation-invite:{id}")).and(outbox::recipient.eq(to)))
                    .count()
                    .get_result::<i64>(c)?)
            })
            .expect("outbox")
    };
    assert_eq!(invites_to_me(), 1);
    for _ in 0..2 {
        post_ok(&staff, &format!("/consultations/{id}/plan"), &plan("五原路社区党群服务中心")).await;
    }
    assert_eq!(invites_to_me(), 2, "the new place once, not once per save");
    // The department replies from its list (it does not see the consultation's page).
    let dept_user = app.login_as("dept").await;
    let (_, list) = dept_user.get_text("/consultations/items").await;
    assert!(list.contains("id=\"department-invitations\"") && list.contains("路口交通安全协商"));
    let reply = format!("/consultations/{id}/department-reply");
    let page = post_ok(&dept_user, &reply, &[("reply", "apology")]).await;
    assert!(page.contains("请假请写明原因"), "an apology needs its reason, from a department too");
    let page = post_ok(&dept_user, &reply, &[("reply", "confirmed")]).await;
    assert!(page.contains("已回复") && page.contains("确认参加"));
    // The member sees it at home and answers as for an activity: apologies
    // with the reason, which staff see, then a confirmation.
    let (_, home) = member.get_text("/").await;
    assert!(home.contains("id=\"consultation-invitations\"") && home.contains(&format!("/consultations/{id}")));
    let mine = format!("/consultations/{id}/reply");
    post_ok(&member, &mine, &[("reply", "apology"), ("note", "单位值班")]).await;
    let (_, seen) = staff.get_text(&format!("/consultations/{id}")).await;
    assert!(seen.contains("请假（单位值班）"), "staff see the reason");
    let (_, leader) = app.login_as("leader").await.get_text(&format!("/consultations/{id}")).await;
    assert!(leader.contains("请假") && !leader.contains("单位值班"), "a reason is for those who manage it");
    let page = post_ok(&member, &mine, &[("reply", "confirmed")]).await;
    assert!(page.contains("已回复"));
    // QR sign-in as themself.
    let (_, page) = staff.get_text(&format!("/consultations/{id}")).await;
    let at = page.find(&format!("/consultations/{id}/signin?t=")).expect("sign-in link");
    let link = page[at..at + page[at..].find('"').expect("end")].replace("&amp;", "&");
    let token = link.split_once("t=").map(|(_, t)| t.to_string()).expect("token");
    let token_for_later = token.clone();
    let page = post_ok(&member, &format!("/consultations/{id}/signin"), &[("t", "WRONGTOKEN")]).await;
    assert!(page.contains("签到二维码不对"));
    let page = post_ok(&member, &format!("/consultations/{id}/signin"), &[("t", &token)]).await;
    assert!(page.contains("签到成功"));
    let attended: bool = app
        .db
        .read_blocking(move |c| {
            Ok(consultation_members::table
                .filter(consultation_members::consultation_id.eq(id).and(consultation_members::member_id.eq(me)))
                .select(consultation_members::attended)
                .first(c)?)
        })
        .expect("attended");
    assert!(attended);
    // Speakers and the record; the resident is told the consultation was held.
    post_ok(&staff, &format!("/consultations/{id}/speakers"), &[("name", "张委员"), ("points", "建议增设信号灯。")])
        .await;
    assert_eq!(notify_jobs(&app, &code), before);
    let page = post_ok(
        &staff,
        &format!("/consultations/{id}/record"),
        &[("record", "与会各方同意在路口增设信号灯和减速带。"), ("residents_count", "10")],
    )
    .await;
    assert!(page.contains("协商纪要已保存") && page.contains("已召开"));
    assert_eq!(notify_jobs(&app, &code), before + 1, "the resident is pushed once when it is held");
    let (_, track) = app.client().get_text(&format!("/track/{code}")).await;
    assert!(track.contains("已列入协商议事"), "a public note on the case's timeline");
    // A photo of the session, for the record and the public page.
    let r =
        staff.upload_png(&format!("/consultations/{id}/photos"), &[], "photos", "协商现场.png", crate::org::PNG).await;
    assert_eq!(r.status(), 303);
    // Sign-in is for the day itself: three days on, the code no longer works.
    app.db
        .write_blocking(move |c| {
            let past = Utc::now().naive_utc() - Duration::days(3);
            Ok(diesel::update(consultations::table.find(id))
                .set((consultations::planned_at.eq(Some(past)), consultations::held_at.eq(Some(past))))
                .execute(c)?)
        })
        .expect("move back");
    let page = post_ok(&member, &format!("/consultations/{id}/signin"), &[("t", &token_for_later)]).await;
    assert!(page.contains("现在不在签到时间内"), "sign-in closed after the day");
    // Closing needs agreed items first.
    let page = post_ok(&staff, &format!("/consultations/{id}/close"), &[("results", "增设信号灯。")]).await;
    assert!(page.contains("请先添加协商成果事项"));
    let deadline = (Utc::now().naive_utc() + Duration::days(30)).format("%Y-%m-%d").to_string();
    let page = post_ok(
        &staff,
        &format!("/consultations/{id}/items"),
        &[("body", "路口增设红绿灯"), ("owner", &format!("department:{dept}")), ("deadline", &deadline)],
    )
    .await;
    assert!(page.contains("事项已添加") && page.contains("路口增设红绿灯"));
    let page = post_ok(&staff, &format!("/consultations/{id}/close"), &[("results", "同意在路口增设红绿灯。")]).await;
    assert!(page.contains("协商成果已公开"));
    assert_eq!(notify_jobs(&app, &code), before + 2, "and once when the results are published");
    // The public page: what was agreed, no names.
    let public = app.client();
    let (status, list) = public.get_text("/box/hubin/consultations").await;
    assert_eq!(status, 200);
    assert!(list.contains("路口交通安全协商"));
    assert!(list.contains("五原路社区老旧小区改造协商"), "the demo's consultation");
    let (status, page) = public.get_text(&format!("/box/hubin/consultations/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("同意在路口增设红绿灯") && page.contains("路口增设红绿灯") && page.contains("出席委员 1"));
    let name: String =
        app.db.read_blocking(move |c| Ok(members::table.find(me).select(members::name).first(c)?)).expect("name");
    assert!(!page.contains(&name) && !page.contains("王秀兰") && !page.contains("13800138000"), "no personal data");
    // Its photo is public with it.
    let at = page.find(&format!("/box/hubin/consultations/{id}/photos/")).expect("public photo");
    let url = &page[at..at + page[at..].find('"').expect("end")];
    let r = public.get(url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
    // The department closes its item: the consultation is 有实效.
    let item: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(consultation_items::table
                .filter(consultation_items::consultation_id.eq(id))
                .select(consultation_items::id)
                .first(c)?)
        })
        .expect("item");
    let page = post_ok(&dept_user, &format!("/consultations/items/{item}/finish"), &[("outcome", "done")]).await;
    assert!(page.contains("事项已办结"));
    let (_, page) = public.get_text(&format!("/box/hubin/consultations/{id}")).await;
    assert!(page.contains("有实效"));
    // The report.
    let r = staff.get(&format!("/consultations/{id}/report.docx")).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("docx");
    assert!(bytes.starts_with(b"PK"), "a zip (docx)");
    let footer = office::part(&bytes, "word/footer1.xml");
    assert!(footer.contains("<w:instrText>PAGE</w:instrText>"), "page numbers: {footer}");
    let core = office::part(&bytes, "docProps/core.xml");
    assert!(core.contains("<dc:creator>高庙乡政协工作办公室</dc:creator>"), "{core}");
    if let Some(pages) = office::pdf_pages(&bytes, "docx") {
        assert_eq!(pages, 1, "the report prints on one page");
    }
    // The district's overview counts it.
    let (_, overview) = app.login_as("admin").await.get_text("/consultations/overview").await;
    assert!(overview.contains("高庙乡"));
}

async fn a_department_sees_and_updates_only_its_items(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let id = propose(&staff, &[("title", "村道维修协商")]).await;
    let dept = dept_of(&app, "dept");
    let other_dept: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(departments::table.filter(departments::id.ne(dept)).select(departments::id).first(c)?)
        })
        .expect("another department");
    let (me, _) = the_member(&app);
    held(&app, &staff, id, &[me], &[dept]).await;
    let deadline = (Utc::now().naive_utc() + Duration::days(20)).format("%Y-%m-%d").to_string();
    let office = app.office_id("高庙乡");
    for (body, owner) in [
        ("修补村道坑洼", format!("department:{dept}")),
        ("安装路灯", format!("department:{other_dept}")),
        ("组织村民议事", format!("office:{office}")),
    ] {
        post_ok(
            &staff,
            &format!("/consultations/{id}/items"),
            &[("body", body), ("owner", &owner), ("deadline", &deadline)],
        )
        .await;
    }
    let ids: Vec<(i64, String)> = app
        .db
        .read_blocking(move |c| {
            Ok(consultation_items::table
                .filter(consultation_items::consultation_id.eq(id))
                .order(consultation_items::id.asc())
                .select((consultation_items::id, consultation_items::body))
                .load(c)?)
        })
        .expect("items");
    let (mine, theirs, office_item) = (ids[0].0, ids[1].0, ids[2].0);
    let d = app.login_as("dept").await;
    let (_, list) = d.get_text("/consultations/items").await;
    assert!(list.contains("修补村道坑洼") && !list.contains("安装路灯") && !list.contains("组织村民议事"));
    // Not the consultation itself, nor another department's item.
    assert_eq!(d.get_text(&format!("/consultations/{id}")).await.0, 404);
    assert_eq!(d.get_text(&format!("/consultations/items/{theirs}")).await.0, 404);
    let r = d.post_form(&format!("/consultations/items/{theirs}/finish"), &[("outcome", "done")]).await;
    assert_eq!(r.status(), 404);
    // Its own: a progress note with evidence, then explained (needs a reason).
    let path = format!("/consultations/items/{mine}/progress");
    let r = d.upload_png(&path, &[("note", "已完成一半路段。")], "evidence", "路面.png", crate::org::PNG).await;
    assert_eq!(r.status(), 303);
    let (_, page) = d.get_text(&format!("/consultations/items/{mine}")).await;
    assert!(page.contains("已完成一半路段") && page.contains("路面.png"));
    let page = post_ok(&d, &format!("/consultations/items/{mine}/finish"), &[("outcome", "explained")]).await;
    assert!(page.contains("无法办结的事项请写明情况说明"));
    let page = post_ok(
        &d,
        &format!("/consultations/items/{mine}/finish"),
        &[("outcome", "explained"), ("explanation", "剩余路段纳入明年计划。")],
    )
    .await;
    assert!(page.contains("事项已办结"));
    let page = post_ok(&d, &format!("/consultations/items/{mine}/finish"), &[("outcome", "done")]).await;
    assert!(page.contains("不能再修改"), "closed once");
    // Office staff see the office's items; the other office sees none.
    let (_, list) = staff.get_text("/consultations/items").await;
    assert!(list.contains("组织村民议事") && list.contains("安装路灯"));
    post_ok(&staff, &format!("/consultations/items/{office_item}/finish"), &[("outcome", "done")]).await;
    let (_, list) = app.login_as("jianhe").await.get_text("/consultations/items").await;
    assert!(!list.contains("组织村民议事") && !list.contains("修补村道坑洼"));
    // Explained is closed but not done: not yet 有实效.
    let (_, page) = staff.get_text(&format!("/consultations/{id}")).await;
    assert!(page.contains("已说明") && !page.contains("id=\"effective\""));
    // The district's overview: one consultation held this quarter, its items
    // one open, none overdue, one done, one explained.
    let quarter = xieshang::activities::model::Quarter::at(Utc::now().naive_utc()).to_string();
    let (_, overview) = app.login_as("admin").await.get_text("/consultations/overview").await;
    let at = overview.find(&format!("id=\"overview-{office}-{quarter}\"")).expect("the office's row");
    let row = &overview[at..at + overview[at..].find("</tr>").expect("row end")];
    let cells: Vec<&str> =
        row.split("<td").skip(3).map(|c| c.split('>').nth(1).unwrap_or("").trim_end_matches("</td")).collect();
    assert_eq!(cells, vec!["1", "1", "0", "0", "1", "0", "1", "1"], "{row}");
    // An office that held none this quarter is listed with zeros.
    let other = app.office_id("交口乡");
    let at = overview.find(&format!("id=\"overview-{other}-{quarter}\"")).expect("the quiet office's row");
    let row = &overview[at..at + overview[at..].find("</tr>").expect("row end")];
    assert!(row.contains("交口乡"), "{row}");
    let cells: Vec<&str> =
        row.split("<td").skip(3).map(|c| c.split('>').nth(1).unwrap_or("").trim_end_matches("</td")).collect();
    assert_eq!(cells, vec!["0"; 8], "{row}");
    let label =
        xieshang::kernel::calendar::Quarter::at(Utc::now().naive_utc()).label(xieshang::kernel::web::i18n::Lang::Zh);
    assert!(row.contains(&label), "the quarter in words: {row}");
}

async fn another_office_sees_nothing_and_bad_input_changes_nothing(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let jianhe = app.login_as("jianhe").await;
    let id = propose(&staff, &[("title", "养老服务协商")]).await;
    assert_eq!(jianhe.get_text(&format!("/consultations/{id}")).await.0, 404);
    let r = jianhe.post_form(&format!("/consultations/{id}/decide"), &[("decision", "approve")]).await;
    assert_eq!(r.status(), 404);
    let (_, list) = jianhe.get_text("/consultations").await;
    assert!(!list.contains("养老服务协商"));
    // Office staff propose for their own office whatever the form says.
    let gaomiao = app.office_id("高庙乡").to_string();
    let other = propose(&jianhe, &[("office", &gaomiao), ("title", "涧河议题")]).await;
    let office: i64 = app
        .db
        .read_blocking(move |c| Ok(consultations::table.find(other).select(consultations::office_id).first(c)?))
        .expect("office");
    assert_eq!(office, app.office_id("涧河街道"));
    // A member of another office invited by sector sees the consultation.
    let (me, _) = the_member(&app);
    let member = app.login_as("member").await;
    assert_eq!(member.get_text(&format!("/consultations/{other}")).await.0, 404);
    held(&app, &jianhe, other, &[me], &[]).await;
    let (status, page) = member.get_text(&format!("/consultations/{other}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("涧河议题"));
    // Bad input: a clear message and nothing changed.
    let r = staff.post_form("/consultations", &[("title", "  ")]).await;
    assert_eq!(r.status(), 303);
    let (_, page) = staff.get_text(&location(&r)).await;
    assert!(page.contains("请填写议题"));
    let r = staff.post_form("/consultations", &[("title", "某议题"), ("codes", "NOPE0000")]).await;
    let (_, page) = staff.get_text(&location(&r)).await;
    assert!(page.contains("查询码不存在"));
    // Another office's case is not raised from, nor its status shown.
    let jianhe_office = app.office_id("涧河街道").to_string();
    let theirs = submit_opinion(&app.client(), &[("body", "涧河街道路灯不亮。"), ("office", &jianhe_office)]).await;
    let r = staff.post_form("/consultations", &[("title", "借用议题"), ("codes", &theirs)]).await;
    let (_, page) = staff.get_text(&location(&r)).await;
    assert!(page.contains("查询码不存在"), "{page}");
    let made: i64 = app
        .db
        .read_blocking(|c| {
            Ok(consultations::table.filter(consultations::title.eq("借用议题")).count().get_result(c)?)
        })
        .expect("count");
    assert_eq!(made, 0);
    let page = post_ok(&staff, &format!("/consultations/{id}/decide"), &[("decision", "reject")]).await;
    assert!(page.contains("不予立项请写明理由") && page.contains("待审核"));
    let page = post_ok(&staff, &format!("/consultations/{id}/record"), &[("record", "还没开")]).await;
    assert!(page.contains("当前状态下不能进行此操作"));
    let plan = [("format", "home"), ("date", "明天"), ("place", "村委会二楼"), ("materials", "道路改造方案初稿")];
    let r = staff.post_form(&format!("/consultations/{id}/plan"), &plan).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap_or_default();
    assert!(page.contains("日期"), "a bad date is refused");
    assert!(page.contains("value=\"村委会二楼\"") && page.contains("道路改造方案初稿"), "and what was typed is kept");
    let page = post_ok(
        &staff,
        &format!("/consultations/{id}/decide"),
        &[("decision", "reject"), ("reason", "与已有议题重复")],
    )
    .await;
    assert!(page.contains("不予立项") && page.contains("与已有议题重复"));
    let page = post_ok(&staff, &format!("/consultations/{id}/decide"), &[("decision", "approve")]).await;
    assert!(page.contains("当前状态下不能进行此操作"), "rejected is final");
    // A department and the public see no list; the overview is the district's.
    let (_, list) = app.login_as("dept").await.get_text("/consultations").await;
    assert!(list.contains("还没有协商议事"));
    assert_eq!(staff.get_text("/consultations/overview").await.0, 403);
    assert_eq!(app.client().get_text(&format!("/box/hubin/consultations/{id}")).await.0, 404);
}

fn count_notes(app: &TestApp, like: &str) -> Vec<String> {
    let like = like.to_string();
    app.db
        .read_blocking(move |c| {
            Ok(outbox::table.filter(outbox::subject.like(&like)).select(outbox::recipient).load(c)?)
        })
        .expect("outbox")
}

async fn overdue_items_escalate_once(app: TestApp) {
    let staff = app.login_as("gaomiao").await;
    let id = propose(&staff, &[("title", "垃圾分类协商")]).await;
    let dept = dept_of(&app, "dept");
    let (me, _) = the_member(&app);
    held(&app, &staff, id, &[me], &[]).await;
    let today = (Utc::now().naive_utc() + Duration::hours(8)).date();
    let deadline = (today + Duration::days(5)).format("%Y-%m-%d").to_string();
    post_ok(
        &staff,
        &format!("/consultations/{id}/items"),
        &[("body", "设置分类垃圾桶"), ("owner", &format!("department:{dept}")), ("deadline", &deadline)],
    )
    .await;
    let d = today + Duration::days(5);
    // 09:00 in Beijing.
    let at = |day: NaiveDate| day.and_hms_opt(1, 0, 0).expect("time");
    let run =
        |t: NaiveDateTime| app.db.write_blocking(move |c| xieshang::consultations::jobs::remind(c, t)).expect("remind");
    assert_eq!(run(at(d - Duration::days(4))), (0, 0), "too early");
    assert_eq!(run(at(d - Duration::days(3))), (1, 0), "three days before: the owner is reminded");
    assert_eq!(run(at(d - Duration::days(1))), (0, 0), "once");
    assert_eq!(count_notes(&app, "consultation-item-due:%"), vec![format!("department:{dept}")]);
    assert_eq!(run(at(d)), (0, 0), "due today is not late");
    assert_eq!(run(at(d + Duration::days(1))), (0, 1), "late: the district hears");
    assert_eq!(run(at(d + Duration::days(2))), (0, 0), "once");
    assert_eq!(count_notes(&app, "consultation-item-overdue:%"), vec!["district".to_string()]);
    // Home pages count items as they stand today (due in five days: open,
    // neither due soon nor late), whatever the job wrote for other days.
    let (_, home) = app.login_as("dept").await.get_text("/").await;
    assert!(queue_count(&home, "items_open") >= 1 && queue_count(&home, "items_due_soon") == 0, "{home}");
    let (_, home) = app.login_as("admin").await.get_text("/").await;
    assert_eq!(queue_count(&home, "items_overdue"), 0);
}

/// A report whose record runs to the foot of the first page: the last two
/// rows go over together with the date line, so the last page never holds a
/// lone row; the long record itself runs on rather than leaving half a page
/// empty.
#[test]
fn a_long_report_leaves_no_lone_last_row() {
    let at = NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
    let short = |label: &'static str, text: &str| (label, vec![text.to_string()]);
    let record = |n: usize| -> Vec<String> { (1..=n).map(|i| format!("第{i}段纪要内容。")).collect() };
    let report = |n: usize| xieshang::consultations::report::Report {
        title: "老旧小区加装电梯".into(),
        office: "高庙乡".into(),
        rows: vec![
            short("议题", "老旧小区加装电梯"),
            short("议题说明", "说明"),
            short("协商形式", "议事会"),
            short("时间", "2026-11-20 09:00"),
            short("地点", "五原路社区"),
            short("主持人", "张丽华"),
            short("邀请界别", "经济界"),
            short("出席委员", "共2人"),
            short("邀请部门", "区住建局"),
            short("参加群众", "12人"),
            short("来自社情民意", "无"),
            short("发言要点", "无"),
            ("协商纪要", record(n)),
            short("协商成果事项", "1. 事项（区住建局，2026年12月31日前，办理中）"),
            short("成果公开", "已公开"),
        ],
        printed: at,
        created: at.and_hms_opt(1, 0, 0).expect("time"),
    };
    // 21 paragraphs of record fill the first page but for the last row,
    // which would go over alone.
    let bytes = xieshang::consultations::report::render(&report(21)).expect("render");
    let Some(pages) = office::pdf_page_texts(&bytes, "docx") else { return };
    assert_eq!(pages.len(), 2, "{pages:?}");
    let last = &pages[1];
    assert!(last.contains("协商成果事项") && last.contains("成果公开") && last.contains("填表日期"), "{last}");
    assert!(pages[0].contains("第21段纪要内容"), "the record stays on the first page: {pages:?}");
    // A record longer than a page runs on from the first page.
    let bytes = xieshang::consultations::report::render(&report(36)).expect("render");
    let pages = office::pdf_page_texts(&bytes, "docx").expect("converted");
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(pages[0].contains("第1段纪要内容"), "{pages:?}");
    assert!(pages[1].contains("协商成果事项") && pages[1].contains("成果公开"));
}
